// The report page: `report` gives a coordinator or steering member a signed link to it, `report
// revoke` stops every link made so far, and the page and its downloads are read by the link alone.
import { t, formatDate, isLang, type Lang } from "../i18n/i18n.ts";
import { message, textMessage, type Message } from "../messages/model.ts";
import { hasRole } from "../policy.ts";
import { digestCharts, seriesTotalsChart } from "../messages/digest-charts.ts";
import { reportHtml, type ReportData, type ReportRound } from "../report/page.ts";
import { reportKey, reportUrl, signReport, verifyReport, type ReportClaims } from "../report/link.ts";
import { effectiveMinimumN } from "../results/release.ts";
import { isOverdue } from "../domain/rounds.ts";
import type { ExportFile } from "./digests.ts";
import { UserError, type Context, type CoreContext, type PartnershipRow, type MembershipRow } from "./context.ts";

const DAY_MS = 24 * 60 * 60_000;

export class Reports {
  constructor(readonly c: CoreContext) {}

  /** A link for a coordinator or a steering member, in their language, until the configured expiry. */
  async link(ctx: Context, p: PartnershipRow, m: MembershipRow): Promise<Message> {
    if (!hasRole(m, "coordinator") && !hasRole(m, "steering")) throw new UserError("err.report-only", { partnership: p.name });
    const expiresAt = new Date(this.c.now().getTime() + this.c.reportDays * DAY_MS);
    const token = signReport(await reportKey(this.c.db), { p: p.id, e: Math.floor(expiresAt.getTime() / 1000), g: p.reportGeneration, l: ctx.lang });
    const url = reportUrl(this.c.publicUrl(), token);
    const lead = t(ctx.lang, "ok.report", { partnership: p.name });
    const note = t(ctx.lang, "ok.report-note", { date: formatDate(ctx.lang, expiresAt, p.timeZone) });
    return message(`${lead} ${url}`, [
      { type: "text", text: [{ t: "text", text: `${lead} ` }, { t: "link", url, text: t(ctx.lang, "ok.report-open") }] },
      { type: "text", text: note, muted: true },
    ]);
  }

  /** Every link made so far stops working: they name the generation this counts past. */
  async revoke(ctx: Context, p: PartnershipRow): Promise<Message> {
    await this.c.db.partnership.update({ where: { id: p.id }, data: { reportGeneration: { increment: 1 } } });
    return textMessage(t(ctx.lang, "ok.report-revoked", { partnership: p.name }));
  }

  /** The partnership a token opens, or null: unknown, tampered, expired and revoked all look alike. */
  private async open(token: string): Promise<{ claims: ReportClaims; p: PartnershipRow } | null> {
    const claims = verifyReport(await reportKey(this.c.db), token);
    if (!claims || claims.e * 1000 <= this.c.now().getTime()) return null;
    const p = await this.c.db.partnership.findUnique({ where: { id: claims.p } });
    if (!p || p.reportGeneration !== claims.g) return null;
    return { claims, p };
  }

  /** The page's HTML, or null. `lang` is the reader's choice on the page; the link's own otherwise. */
  async page(token: string, lang?: string): Promise<string | null> {
    const opened = await this.open(token);
    if (!opened) return null;
    const { claims, p } = opened;
    const reader: Lang = lang && isLang(lang) ? lang : claims.l;
    return reportHtml(await this.data(p, claims, reader, token));
  }

  /** One of the export's files, by its name in the reader's language, or null. */
  async file(token: string, filename: string, lang?: string): Promise<ExportFile | null> {
    const opened = await this.open(token);
    if (!opened) return null;
    const reader: Lang = lang && isLang(lang) ? lang : opened.claims.l;
    const { files } = await this.c.digests.exportFiles(opened.p.workspaceId, opened.p, reader);
    return files.find((f) => f.filename === filename) ?? null;
  }

  /** `token` names the page: its links are relative to it, so they hold behind a proxy's path prefix. */
  private async data(p: PartnershipRow, claims: ReportClaims, lang: Lang, token: string): Promise<ReportData> {
    const db = this.c.db;
    // Every round read once, for all the views (each looks at its earlier ones).
    const all = await db.round.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id }, orderBy: { number: "asc" } });
    const rounds = all.filter((r) => r.closedAt);
    const bySeries = new Map<string, ReportRound[]>();
    for (const r of rounds) {
      const built = await this.c.results.viewFor(db, p.workspaceId, p.id, lang, r.id, { partnership: p, rounds: all });
      if (!built) continue;
      const key = `${r.instrumentKey}@${r.instrumentVersion}`;
      bySeries.set(key, [...(bySeries.get(key) ?? []), { view: built.view, closedAt: r.closedAt!, charts: {} }]);
    }
    const series: ReportData["series"] = [];
    for (const list of bySeries.values()) {
      const latest = list.at(-1)!;
      latest.charts = await digestCharts(latest.view);
      const totals = list.filter((r) => r.view.released && r.view.score.total);
      const snap = latest.view.snapshot;
      series.push({
        title: t(lang, "report.series", { instrument: snap.title[lang], version: snap.version }),
        totals: totals.length ? await seriesTotalsChart(totals.at(-1)!.view, totals.map((r) => ({ roundNumber: r.view.roundNumber, total: r.view.score.total!.mean }))) : null,
        rounds: list,
      });
    }
    const actions = await db.action.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id }, include: { owner: { include: { person: true } } }, orderBy: { number: "asc" } });
    const statementText = (id: string) => {
      for (const r of [...rounds].reverse())
        for (const s of this.c.results.snapshotOf(r).sections) {
          const item = s.items.find((i) => i.id === id);
          if (item) return item.text[lang];
        }
      return null;
    };
    const now = this.c.now();
    const other: Lang = lang === "da" ? "en" : "da";
    const { files } = await this.c.digests.exportFiles(p.workspaceId, p, lang);
    return {
      lang,
      partnership: p.name,
      timeZone: p.timeZone,
      madeAt: now,
      expiresAt: new Date(claims.e * 1000),
      minimumN: effectiveMinimumN(p.minimumN),
      otherLanguage: `?lang=${other}`,
      downloads: files.map((f) => ({ filename: f.filename, href: `${token}/files/${encodeURIComponent(f.filename)}?lang=${lang}` })),
      series,
      actions: actions.map((a) => ({
        number: a.number,
        text: a.text,
        owner: a.owner ? a.owner.person.displayName || null : null,
        due: a.dueDate,
        done: a.status === "done" ? (a.completedAt ?? a.createdAt) : null,
        overdue: a.status === "open" && isOverdue(a.dueDate, now, p.timeZone),
        statement: a.statementId ? { id: a.statementId, text: statementText(a.statementId) ?? "" } : null,
      })),
    };
  }
}
