// The steering group's report as one HTML page: every round of each series (totals and bands,
// sections, statements, disagreements, comments, Activity 1 and 2), the charts of each series'
// latest round, and the agreements. It needs no script, and prints to a clean A4 handout.
// Everything shown comes from the rounds' releases, through the digest's own view of them, so
// the page can show nothing that a digest withholds.
import { t, formatDate, formatDecimal, formatSigned, formatPercent, type Lang } from "../i18n/i18n.ts";
import type { Chart } from "../charts/charts.ts";
import type { DigestView } from "../messages/digest-message.ts";
import { summedSections, purposeLines, mapLines, sectionScoreText, totalOf } from "../messages/digest-message.ts";
import { linkItemIds } from "../domain/partner-map.ts";
import { REPORT_CSS } from "./style.ts";

export interface ReportRound {
  view: DigestView;
  closedAt: Date;
  /** the latest round of its series has its charts */
  charts: Partial<Record<Chart["kind"], Chart>>;
}

export interface ReportAction {
  number: number;
  text: string;
  owner: string | null;
  due: Date | null;
  done: Date | null;
  overdue: boolean;
  /** the statement it came from, as the latest round that asked it words it */
  statement: { id: string; text: string } | null;
}

export interface ReportData {
  lang: Lang;
  partnership: string;
  timeZone: string;
  madeAt: Date;
  expiresAt: Date;
  minimumN: number;
  /** the same page in the other language */
  otherLanguage: string;
  downloads: { filename: string; href: string }[];
  series: { title: string; totals: Chart | null; rounds: ReportRound[] }[];
  actions: ReportAction[];
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** A chart as an image of its own: each SVG keeps its ids to itself, and an <img> runs nothing. */
function figure(c: Chart | null | undefined): string {
  if (!c) return "";
  return `<figure class="chart"><img alt="${esc(c.alt)}" src="data:image/svg+xml;base64,${Buffer.from(c.svg, "utf8").toString("base64")}"></figure>`;
}

function table(head: string[], rows: string[][], cls = ""): string {
  if (!rows.length) return "";
  return `<table${cls ? ` class="${cls}"` : ""}><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

const list = (lines: string[]) => (lines.length ? `<ul>${lines.map((l) => `<li>${esc(l.replace(/^• /, ""))}</li>`).join("")}</ul>` : "");

function sectionsTable(v: DigestView): string {
  const { lang } = v;
  const rows = summedSections(v).map((sid) => {
    const title = v.snapshot.sections.find((x) => x.id === sid)!.title[lang];
    const delta = v.trend?.sections[sid];
    return [esc(title), esc(sectionScoreText(v, sid)), delta === undefined ? "" : esc(formatSigned(lang, delta))];
  });
  return table([t(lang, "report.col.section"), t(lang, "report.col.score"), t(lang, "report.col.change")], rows, "sections");
}

function statementsTable(v: DigestView): string {
  const { lang } = v;
  const links = linkItemIds(v.snapshot);
  const rows: string[][] = [];
  for (const sid of v.sectionIds)
    for (const item of v.snapshot.sections.find((s) => s.id === sid)?.items ?? []) {
      if (item.kind !== "rating" || links.has(item.id)) continue;
      const s = v.score.items.find((i) => i.itemId === item.id);
      const shown = s && !s.withheld && s.mean !== null;
      rows.push([
        esc(item.id),
        esc(item.text[lang]),
        shown ? formatDecimal(lang, s.mean!) : "–",
        shown ? String(s.n) : "–",
        shown && s.min !== null ? `${s.min}–${s.max}` : "–",
        shown && s.divergent ? `<strong>${esc(t(lang, "report.differ"))}</strong>` : "",
      ]);
    }
  if (!rows.length) return "";
  return `<h4>${esc(t(lang, "report.statements"))}</h4>${table(["", t(lang, "report.col.statement"), t(lang, "report.col.mean"), t(lang, "report.col.answers"), t(lang, "report.col.range"), ""], rows, "statements")}`;
}

function roundHtml(r: ReportRound): string {
  const v = r.view;
  const { lang, score } = v;
  const rate = score.responseRate === null ? "–" : formatPercent(lang, score.responseRate);
  const head = `<h3>${esc(t(lang, "report.round", { n: v.roundNumber }))}</h3><p class="meta">${esc(t(lang, "report.round-meta", { date: formatDate(lang, r.closedAt, v.timeZone), done: score.completeRespondents, invited: score.invited }))} (${esc(rate)})</p>`;
  if (!v.released || score.withheld) return `<section class="round">${head}<p>${esc(t(lang, "digest.withheld", { n: v.minimumN }))}</p></section>`;
  const parts: string[] = [head];
  const total = totalOf(v);
  if (total) {
    const { band } = total;
    parts.push(`<p class="total">${esc(total.line)}</p>`);
    if (band) parts.push(`<p class="band"><strong>${esc(band.label[lang])}</strong> (${band.min}–${band.max}): ${esc(band.advice[lang])}</p>`);
  }
  parts.push(sectionsTable(v), figure(r.charts.sections));
  const purposes = purposeLines(v);
  if (purposes.length) parts.push(`<h4>${esc(t(lang, "digest.purposes"))}</h4>${list(purposes)}`, figure(r.charts.purposes));
  const [mapTitle, ...map] = mapLines(v);
  if (mapTitle) parts.push(`<h4>${esc(mapTitle)}</h4>${list(map)}`, figure(r.charts.map));
  parts.push(statementsTable(v));
  if (v.divergent.length) {
    const text = (id: string) => v.snapshot.sections.flatMap((s) => s.items).find((x) => x.id === id)?.text[lang] ?? id;
    const lines = v.divergent.map((i) => `${text(i.itemId)} — ${i.min !== null ? t(lang, "digest.divergent-range", { min: i.min, max: i.max! }) : t(lang, "digest.divergent-split")}`);
    parts.push(`<h4>${esc(t(lang, "digest.divergent"))}</h4>${list(lines)}`, figure(r.charts.spread));
  }
  const comments = v.sectionIds.filter((id) => v.comments[id]?.length);
  if (comments.length) {
    parts.push(`<h4>${esc(t(lang, "digest.comments"))}</h4>`);
    for (const id of comments) parts.push(`<p class="comment-section">${esc(v.snapshot.sections.find((s) => s.id === id)?.title[lang] ?? id)}</p>${list(v.comments[id]!)}`);
  }
  return `<section class="round">${parts.join("")}</section>`;
}

function totalsTable(lang: Lang, rounds: ReportRound[]): string {
  const rows = rounds
    .filter((r) => r.view.released && r.view.score.total)
    .map((r) => {
      const total = r.view.score.total!;
      const band = r.view.snapshot.bands.find((b) => b.id === total.bandId);
      return [`#${r.view.roundNumber}`, esc(formatDate(lang, r.closedAt, r.view.timeZone)), `${r.view.score.completeRespondents} / ${r.view.score.invited}`, `${formatDecimal(lang, total.mean)} / ${total.max}`, band ? esc(band.label[lang]) : ""];
    });
  return table([t(lang, "report.col.round"), t(lang, "report.col.closed"), t(lang, "report.col.responses"), t(lang, "report.col.total"), t(lang, "report.col.band")], rows, "totals");
}

function actionsHtml(d: ReportData): string {
  const { lang } = d;
  const when = (x: Date | null) => (x ? formatDate(lang, x, "UTC") : "–");
  const rowOf = (a: ReportAction, done: boolean) => [
    `#${a.number}`,
    esc(a.text),
    a.owner ? esc(a.owner) : "–",
    done ? esc(t(lang, "report.done-on", { date: formatDate(lang, a.done!, d.timeZone) })) : `${esc(when(a.due))}${a.overdue ? ` <strong>${esc(t(lang, "report.overdue"))}</strong>` : ""}`,
    a.statement ? `${esc(a.statement.id)} ${esc(a.statement.text)}` : "",
  ];
  const head = ["", t(lang, "report.col.action"), t(lang, "report.col.owner"), t(lang, "report.col.due"), t(lang, "report.col.from")];
  const open = d.actions.filter((a) => !a.done);
  const done = d.actions.filter((a) => a.done);
  if (!d.actions.length) return `<section class="actions"><h2>${esc(t(lang, "report.actions"))}</h2><p>${esc(t(lang, "report.no-actions"))}</p></section>`;
  return `<section class="actions"><h2>${esc(t(lang, "report.actions"))}</h2>${open.length ? `<h3>${esc(t(lang, "report.actions-open"))}</h3>${table(head, open.map((a) => rowOf(a, false)))}` : ""}${done.length ? `<h3>${esc(t(lang, "report.actions-done"))}</h3>${table(head, done.map((a) => rowOf(a, true)))}` : ""}</section>`;
}

export function reportHtml(d: ReportData): string {
  const { lang } = d;
  const title = t(lang, "report.title", { partnership: d.partnership });
  const series = d.series.length
    ? d.series
        .map((s) => `<section class="series"><h2>${esc(s.title)}</h2>${s.totals ? `<h3>${esc(t(lang, "report.totals"))}</h3>${figure(s.totals)}${totalsTable(lang, s.rounds)}` : ""}${[...s.rounds].reverse().map(roundHtml).join("")}</section>`)
        .join("")
    : `<p>${esc(t(lang, "report.no-rounds"))}</p>`;
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<p class="lang"><a href="${esc(d.otherLanguage)}" hreflang="${lang === "da" ? "en" : "da"}">${esc(t(lang, "report.other-lang"))}</a></p>
<h1>${esc(title)}</h1>
<p class="meta">${esc(t(lang, "report.made", { date: formatDate(lang, d.madeAt, d.timeZone) }))}</p>
<p class="audience" role="note">${esc(t(lang, "report.audience", { partnership: d.partnership, date: formatDate(lang, d.expiresAt, d.timeZone), n: d.minimumN }))}</p>
${d.downloads.length ? `<nav class="downloads" aria-label="${esc(t(lang, "report.downloads"))}"><strong>${esc(t(lang, "report.downloads"))}:</strong> ${d.downloads.map((f) => `<a href="${esc(f.href)}" download>${esc(f.filename)}</a>`).join(" · ")}</nav>` : ""}
${d.series.length ? `<p class="note">${esc(t(lang, "report.charts-note"))}</p>` : ""}
</header>
<main>
${series}
${actionsHtml(d)}
</main>
</body>
</html>
`;
}
