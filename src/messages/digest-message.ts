// The steering group's digest of a round, built from its release: scores by section and band,
// trend, Activity 1's purposes, the partner map, disagreements, comments and open actions.
import type { Lang } from "../i18n/i18n.ts";
import { t, formatDate, formatDecimal, formatSigned, formatPercent } from "../i18n/i18n.ts";
import type { Snapshot } from "../domain/rounds.ts";
import { GENERATED_CHOICE_SET } from "../instruments/catalogue.ts";
import { linkItemIds, linkLevels, roundPairs } from "../domain/partner-map.ts";
import type { Message, Inline, RichText } from "./model.ts";
import { message, joinNodes, joinLines } from "./model.ts";
import { userText } from "../commands/parse.ts";
import type { RoundScore, Trend, ItemScore } from "../scoring/score.ts";
import { choiceCounts } from "../scoring/score.ts";
import type { SectorResult } from "../results/release.ts";
import type { Chart } from "../charts/charts.ts";

type BlockIn = Parameters<typeof message>[1][number];

export interface DigestView {
  lang: Lang;
  partnershipId: string;
  partnershipName: string;
  roundNumber: number;
  snapshot: Snapshot;
  sectionIds: string[];
  score: RoundScore;
  trend: Trend | null;
  /** earlier totals, oldest first, for the trend line */
  history: { roundNumber: number; total: number | null }[];
  open: boolean;
  /** false while the round is open: then only counts exist, its aggregates come at close */
  released: boolean;
  closesAt: Date;
  timeZone: string;
  minimumN: number;
  actions: { open: number; overdue: { number: number; text: string; owner: Inline | null; due: Date }[] };
  divergent: ItemScore[];
  /** the lowest-scoring statements, each with its id to act on (action add … statement=s3.2) */
  lowest: ItemScore[];
  /**
   * Results per organisation type, when the partnership asks for them: the groups, null when a
   * group is below minimum-n, undefined when the round was released before they existed.
   */
  bySector?: { groups: SectorResult[] | null | undefined };
  /** the round's released comments per section (src/domain/comments.ts) */
  comments: Record<string, string[]>;
  /** agreements made on a statement this round asked: its mean here (null: withheld), and in the previous comparable round */
  followed: { number: number; text: string; id: string; before: number | null; now: number | null }[];
  /** the first round of a new instrument version, after rounds of another: it starts a new series */
  newSeries?: { version: number; previousVersion: number };
  /** the round open now, when the digest shows an earlier, closed one */
  pending?: { roundNumber: number; done: number; invited: number; closesAt: Date };
  /** its pictures (src/messages/digest-charts.ts), each shown after the words that say the same */
  charts?: Partial<Record<Chart["kind"], Chart>>;
}

/** The sections that have a sum (not Activity 1's choices only). */
export function summedSections(v: Pick<DigestView, "snapshot" | "sectionIds">): string[] {
  return v.sectionIds.filter((sid) => v.snapshot.sections.find((x) => x.id === sid)!.items.some((i) => i.kind === "rating"));
}

/** A section's score as the digest and the report write it: "18.4 / 25", or why there is none. */
export function sectionScoreText(v: DigestView, sid: string): string {
  const s = v.score.sections.find((x) => x.id === sid)!;
  if (s.withheld) return t(v.lang, "digest.section-withheld", { n: v.minimumN });
  if (s.meanSum === null) return t(v.lang, "digest.section-no-answers");
  return `${formatDecimal(v.lang, s.meanSum)} / ${s.maxSum}`;
}

/** The total's line ("Total: 140.0 (range 35–175) (+2.5)") and its band, for a round that has one. */
export function totalOf(v: DigestView): { line: string; band: DigestView["snapshot"]["bands"][number] | undefined } | null {
  const total = v.score.total;
  if (!total) return null;
  const delta = v.trend?.total;
  return {
    line: t(v.lang, "digest.total", { total: formatDecimal(v.lang, total.mean), min: total.min, max: total.max, delta: delta === null || delta === undefined ? "" : ` (${formatSigned(v.lang, delta)})` }),
    band: v.snapshot.bands.find((b) => b.id === total.bandId),
  };
}

/** A chart of the view as a message block, or nothing. */
function picture(v: DigestView, kind: Chart["kind"]): BlockIn[] {
  const c = v.charts?.[kind];
  return c ? [{ type: "image", name: c.kind, title: c.title, alt: c.alt, svg: c.svg }] : [];
}

/** A catalogue sentence with a person's own words (an agreement's text) in place of {text}, kept as theirs. */
function sentenceWith(lang: Lang, key: "digest.followed-line", params: Record<string, string | number>, own: string): RichText {
  const [before = "", after = ""] = t(lang, key, { ...params, text: "\u0000" }).split("\u0000");
  return joinNodes(before, userText(own), after);
}

/**
 * Activity 1, per purpose: how many chose each level of the continuum, the most common level, and
 * whether partners differ (the checklist's rule, on the levels' order); withheld below minimum-n.
 */
export function purposeLines(v: DigestView): string[] {
  const { lang, snapshot, score } = v;
  const levels = snapshot.choiceSets[GENERATED_CHOICE_SET.purposes] ?? [];
  const lines: string[] = [];
  for (const sid of v.sectionIds) {
    for (const item of snapshot.sections.find((s) => s.id === sid)?.items ?? []) {
      if (item.kind !== "choice" || item.choices !== GENERATED_CHOICE_SET.purposes) continue;
      const s = score.items.find((x) => x.itemId === item.id);
      if (!s || s.withheld) {
        lines.push(`• ${t(lang, "digest.purpose-withheld", { purpose: item.text[lang], n: v.minimumN })}`);
        continue;
      }
      const { counts, mostCommon } = choiceCounts(s, levels.map((l) => l.value));
      const label = (value: string) => levels.find((l) => l.value === value)!.label[lang];
      const common = mostCommon.map(label);
      const top = counts.find(([v]) => v === mostCommon[0])?.[1] ?? 0;
      const chosen = levels.filter((l) => (s.choices[l.value] ?? 0) > 0);
      const differ = s.divergent && chosen.length ? t(lang, "digest.purpose-differ", { low: chosen[0]!.label[lang], high: chosen.at(-1)!.label[lang] }) : "";
      lines.push(`• ${t(lang, "digest.purpose-line", { purpose: item.text[lang], level: common.join(" / "), top, n: s.n, counts: counts.map(([v, n]) => `${label(v)} ${n}`).join(", ") })}${differ}`);
    }
  }
  return lines;
}

/** How many pairs of the map a digest lists; the export has every one. */
export const MAP_LINES = 12;

/**
 * Activity 2, per pair of organisations: the link today and the one wanted (each the middle answer
 * of the people of both organisations), the gap between them, and the links nobody has today.
 * Pairs that need the most discussion come first: missing links, then the widest gaps.
 */
/** Whether any statement outside the partner map is shown (not withheld): only then can partners "broadly agree". */
function shownOutsideMap(v: DigestView): boolean {
  const links = linkItemIds(v.snapshot);
  return v.score.items.some((i) => !i.withheld && !links.has(i.itemId));
}

/** One "make it an action" button per statement: a form, pre-filled, for the coordinator who presses. */
function actOn(v: DigestView, items: ItemScore[]): BlockIn {
  return { type: "buttons", buttons: items.map((i) => ({ label: t(v.lang, "digest.act-on", { id: i.itemId }), actionId: "action.from-statement" as const, value: JSON.stringify({ p: v.partnershipId, s: i.itemId }) })) };
}

/**
 * Results per organisation type: one bar per type, its total for a complete checklist, else its
 * mean section sum; or why there are none.
 */
function sectorBlock(v: DigestView, summed: string[], sectionBars: { min: number; max: number }[]): BlockIn {
  const { lang, score } = v;
  const groups = v.bySector!.groups;
  if (groups === undefined) return { type: "text", text: t(lang, "digest.by-sector-older"), muted: true };
  if (groups === null || summed.length === 0) return { type: "text", text: t(lang, "digest.by-sector-withheld", { n: v.minimumN }), muted: true };
  const whole = score.total;
  const [min, max] = whole ? [whole.min, whole.max] : [sectionBars[0]!.min, sectionBars[0]!.max];
  const bars = groups.map((g) => {
    const sums = summed.map((id) => g.sections[id]).filter((x): x is number => x !== null && x !== undefined);
    const value = whole ? g.total : sums.length ? sums.reduce((a, b) => a + b, 0) / sums.length : null;
    const label = t(lang, "digest.by-sector-label", { sector: t(lang, `sector.${g.sector}` as "sector.other"), n: g.respondents });
    return { label, value, min, max, display: value === null ? "–" : `${formatDecimal(lang, value)} / ${max}` };
  });
  return { type: "bars", title: t(lang, whole ? "digest.by-sector-total" : "digest.by-sector-sections"), bars };
}

/** How much of a digest the comments may fill (characters): the rest are in the export. */
const DIGEST_COMMENT_CHARS = 4000;

/**
 * The released comments, section by section, each as its writer wrote it (a text node, so no
 * markup of theirs is read), until the digest's share is used up; then how many more the export has.
 */
function commentLines(v: DigestView): RichText[] {
  const { lang, snapshot } = v;
  const lines: RichText[] = [];
  let used = 0;
  let more = 0;
  for (const id of v.sectionIds) {
    const texts = v.comments[id] ?? [];
    const shown: string[] = [];
    for (const text of texts) {
      if (used + text.length > DIGEST_COMMENT_CHARS) more++;
      else {
        used += text.length;
        shown.push(text);
      }
    }
    if (!shown.length) continue;
    const title = snapshot.sections.find((s) => s.id === id)?.title[lang] ?? id;
    lines.push([{ t: "strong", text: title }], ...shown.map((text): RichText => [{ t: "text", text: `• ${text.replace(/\n+/g, " / ")}` }]));
  }
  if (!lines.length) return [];
  if (more) lines.push(t(lang, "digest.comments-more", { n: more }));
  return [t(lang, "digest.comments"), ...lines];
}

export function mapLines(v: DigestView): string[] {
  const { lang, snapshot, score } = v;
  const levels = linkLevels(snapshot);
  const pairs = roundPairs(snapshot, v.sectionIds, score.items);
  if (pairs.length === 0) return [];
  const label = (value: string) => levels.find((l) => l.value === value)?.label[lang] ?? value;
  const shown = pairs.filter((p) => !p.withheld).sort((a, b) => Number(b.missing) - Number(a.missing) || Math.abs(b.gap ?? 0) - Math.abs(a.gap ?? 0));
  const lines = shown.slice(0, MAP_LINES).map((p) => {
    const notes = [
      ...(p.missing ? [t(lang, "digest.map-missing")] : []),
      ...(p.gap ? [t(lang, p.gap > 0 ? "digest.map-closer" : "digest.map-looser", { n: Math.abs(p.gap) })] : []),
      ...(p.divergent ? [t(lang, "digest.map-differ")] : []),
    ];
    return `• ${t(lang, "digest.map-line", { a: p.names[0], b: p.names[1], now: label(p.now!), want: label(p.want!) })}${notes.length ? ` (${notes.join("; ")})` : ""}`;
  });
  if (shown.length > MAP_LINES) lines.push(t(lang, "digest.map-more", { n: shown.length - MAP_LINES }));
  const withheld = pairs.length - shown.length;
  if (withheld > 0) lines.push(t(lang, "digest.map-withheld", { n: withheld, min: v.minimumN }));
  return [t(lang, "digest.map"), ...lines];
}

export function digestMessage(v: DigestView): Message {
  const { lang, snapshot, score } = v;
  const blocks: BlockIn[] = [];
  const title = t(lang, "digest.title", { partnership: v.partnershipName, n: v.roundNumber });
  blocks.push({ type: "header", text: title });
  blocks.push({ type: "text", text: `${snapshot.title[lang]} · ${v.open ? t(lang, "digest.open-until", { date: formatDate(lang, v.closesAt, v.timeZone) }) : t(lang, "digest.closed")}`, muted: true });
  const rate = score.responseRate === null ? "–" : formatPercent(lang, score.responseRate);
  blocks.push({
    type: "fields",
    fields: [
      { label: t(lang, "digest.response-rate"), value: t(lang, "digest.response-rate-value", { done: score.completeRespondents, n: score.invited, rate }) },
      { label: t(lang, "digest.actions"), value: t(lang, "digest.actions-value", { open: t(lang, "digest.actions-open", { n: v.actions.open }), overdue: t(lang, "digest.actions-overdue", { n: v.actions.overdue.length }) }) },
    ],
  });
  if (!v.released) {
    blocks.push({ type: "text", text: t(lang, "digest.unreleased", { n: v.minimumN }) });
  } else if (score.withheld) {
    blocks.push({ type: "text", text: t(lang, "digest.withheld", { n: v.minimumN }) });
  } else {
    // A section of choices only (Activity 1's purposes) has no sum: it is reported below instead.
    const summed = summedSections(v);
    const bars = summed.map((sid) => {
      const s = score.sections.find((x) => x.id === sid)!;
      const sec = snapshot.sections.find((x) => x.id === sid)!;
      const delta = v.trend?.sections[sid];
      const display = `${sectionScoreText(v, sid)}${!s.withheld && s.meanSum !== null && delta !== undefined ? ` (${formatSigned(lang, delta)})` : ""}`;
      return { label: sec.title[lang], value: s.withheld ? null : s.meanSum, min: s.minSum, max: s.maxSum, display };
    });
    if (bars.some((b) => b.max > 0)) blocks.push({ type: "bars", title: t(lang, "digest.sections"), bars }, ...picture(v, "sections"));
    if (v.bySector) blocks.push(sectorBlock(v, summed, bars));
    const total = totalOf(v);
    if (total) {
      const { band } = total;
      blocks.push({ type: "text", text: total.line });
      if (band) blocks.push({ type: "text", text: [{ t: "strong", text: band.label[lang] }, { t: "text", text: ` (${band.min}–${band.max}): ${band.advice[lang]}` }] });
      blocks.push(...picture(v, "totals"));
    } else if (score.noBandReason && score.noBandReason !== "no-bands") {
      blocks.push({ type: "text", text: t(lang, `digest.no-band.${score.noBandReason}`, { n: v.minimumN }), muted: true });
    }
    if (v.newSeries) blocks.push({ type: "text", text: t(lang, "digest.new-series", { instrument: snapshot.title[lang], version: v.newSeries.version, previous: v.newSeries.previousVersion }), muted: true });
    const purposes = purposeLines(v);
    if (purposes.length) blocks.push({ type: "text", text: joinLines([t(lang, "digest.purposes"), ...purposes]) }, ...picture(v, "purposes"));
    const map = mapLines(v);
    if (map.length) blocks.push({ type: "text", text: joinLines(map) }, ...picture(v, "map"));
    const past = v.history.filter((h) => h.total !== null);
    if (past.length > 0 && score.total)
      blocks.push({
        type: "text",
        text: t(lang, "digest.history", {
          series: [...past.map((h) => `#${h.roundNumber}: ${formatDecimal(lang, h.total!)}`), `#${v.roundNumber}: ${formatDecimal(lang, score.total.mean)}`].join(" → "),
        }),
        muted: true,
      });
    if (v.lowest.length > 0) {
      const text = (id: string) => snapshot.sections.flatMap((s) => s.items).find((x) => x.id === id)!.text[lang];
      const lines = v.lowest.map((i) => `• ${t(lang, "digest.lowest-line", { id: i.itemId, statement: text(i.itemId), mean: formatDecimal(lang, i.mean!) })}`);
      blocks.push({ type: "text", text: joinLines([t(lang, "digest.lowest"), ...lines]) });
      blocks.push({ type: "text", text: t(lang, "digest.lowest-hint", { id: v.lowest[0]!.itemId }), muted: true });
      blocks.push(actOn(v, v.lowest));
    }
    if (v.followed.length > 0) {
      const lines = v.followed.map((a) => {
        const params = { number: a.number, id: a.id, before: a.before === null ? "–" : formatDecimal(lang, a.before), now: a.now === null ? "–" : formatDecimal(lang, a.now) };
        return joinNodes("• ", sentenceWith(lang, "digest.followed-line", params, a.text));
      });
      blocks.push({ type: "text", text: joinLines([t(lang, "digest.followed"), ...lines]) });
    }
    if (v.divergent.length > 0) {
      const lines = v.divergent.map((i) => {
        const item = snapshot.sections.flatMap((s) => s.items).find((x) => x.id === i.itemId)!;
        const how = i.min !== null ? t(lang, "digest.divergent-range", { min: i.min, max: i.max! }) : t(lang, "digest.divergent-split");
        return `• ${item.text[lang]} — ${how}${i.dontKnow ? ` (${t(lang, "digest.dont-know", { n: i.dontKnow })})` : ""}`;
      });
      blocks.push({ type: "text", text: `${t(lang, "digest.divergent")}\n${lines.join("\n")}` }, ...picture(v, "spread"));
      // Rating statements only (an action follows a statement's mean), and none already offered above.
      const ratings = new Set(snapshot.sections.flatMap((s) => s.items.filter((i) => i.kind === "rating").map((i) => i.id)));
      const more = v.divergent.filter((i) => ratings.has(i.itemId) && !v.lowest.some((l) => l.itemId === i.itemId));
      if (more.length) blocks.push(actOn(v, more));
    } else if (score.respondents >= 2 && shownOutsideMap(v)) {
      // Said only of statements shown: the map's links have their own lines, and a withheld one says nothing.
      blocks.push({ type: "text", text: t(lang, "digest.no-divergence"), muted: true });
    }
    const comments = commentLines(v);
    if (comments.length) blocks.push({ type: "text", text: joinLines(comments) });
  }
  if (v.pending)
    blocks.push({ type: "text", text: t(lang, "digest.pending", { n: v.pending.roundNumber, date: formatDate(lang, v.pending.closesAt, v.timeZone), done: v.pending.done, invited: v.pending.invited }), muted: true });
  if (v.actions.overdue.length > 0) {
    const lines = v.actions.overdue.map((a) =>
      joinNodes(`• #${a.number} `, userText(a.text), " — ", a.owner ?? t(lang, "action.no-owner"), `, ${t(lang, "action.due", { date: formatDate(lang, a.due, "UTC") })}`),
    );
    blocks.push({ type: "text", text: joinLines([t(lang, "digest.overdue"), ...lines]) });
  }
  blocks.push({ type: "text", text: snapshot.credit[lang], muted: true });
  const fallback = score.total
    ? `${title}: ${formatDecimal(lang, score.total.mean)} / ${score.total.max}, ${t(lang, "digest.response-rate-value", { done: score.completeRespondents, n: score.invited, rate })}`
    : `${title}: ${t(lang, "digest.response-rate-value", { done: score.completeRespondents, n: score.invited, rate })}`;
  return message(fallback, blocks, { lang });
}
