// Digests and exports: what a steering group is sent, built from each round's release
// (src/results/).
import type { WorkspaceRef } from "../ports.ts";
import type { Message, RichText } from "../messages/model.ts";
import { message, textMessage, joinNodes, type Block } from "../messages/model.ts";
import { t, tn, isLang, type Lang } from "../i18n/i18n.ts";
import { type Reader } from "../results/digest.ts";
import { commentsCsv, mapMatrixCsv, resultsCsv, resultsJson, type ExportComments, type ExportRow, type ExportMap } from "../exports/results.ts";
import { linkLevels, mapOrganisations, roundPairs } from "../domain/partner-map.ts";
import { choiceCounts } from "../scoring/score.ts";
import { randomUUID } from "node:crypto";
import { enqueueDeliveries, type OutboxItem } from "../outbox/outbox.ts";
import { UserError, type Tx, type PartnershipRow, type Context, type DigestTrigger, type DigestTarget, type CoreContext } from "./context.ts";

export type ExportFile = Extract<Block, { type: "file" }>;

export class Digests {
  constructor(readonly c: CoreContext) {}

  /** The digest of a round (default: the partnership's latest), in the given language. */
  async digestFor(workspaceId: string, partnershipId: string, lang: Lang, roundId?: string): Promise<Message | null> {
    return (await this.c.results.digestFor(this.c.db, workspaceId, partnershipId, lang, roundId))?.message ?? null;
  }


  /**
   * Sends the digest to the home channel, or to each steering member (coordinators if there are
   * none) by DM, and records what it was built from.
   */
  async deliverDigest(ws: WorkspaceRef, p: PartnershipRow, roundId: string | undefined, trigger: DigestTrigger): Promise<DigestTarget> {
    const prepared = await this.prepareDigest(this.c.db, ws, p, roundId, trigger, randomUUID());
    if (!prepared) throw new UserError("err.no-rounds", {}, "checkin.start");
    await this.c.db.$transaction((tx) => prepared.write(tx));
    this.c.onEnqueue();
    return prepared.target;
  }


  /** Builds a digest (reads only); `write` records it and puts its messages in the outbox. */
  async prepareDigest(db: Reader, ws: WorkspaceRef, p: PartnershipRow, roundId: string | undefined, trigger: DigestTrigger, digestId: string) {
    const lang = isLang(p.language) ? p.language : this.c.defaultLanguage;
    const built = await this.c.results.digestFor(db, p.workspaceId, p.id, lang, roundId);
    if (!built) return null;
    const items: OutboxItem[] = [];
    const steering = await db.membership.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id, removedAt: null, roles: { has: "steering" } }, include: { person: true } });
    // With a home channel, steering members who work elsewhere (another organisation's workspace)
    // cannot read it: they get it by DM. Without one, every steering member does (else the coordinators).
    const recipients = p.homeChannel
      ? steering.filter((m) => m.person.workspaceId !== p.workspaceId)
      : steering.length ? steering : await db.membership.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id, removedAt: null, roles: { has: "coordinator" } }, include: { person: true } });
    if (p.homeChannel) items.push({ workspaceId: p.workspaceId, workspace: ws, to: { kind: "channel", channelId: p.homeChannel }, message: built.message, lang, dedupeKey: `digest:${digestId}:channel` });
    const byLang = new Map<Lang, Message>([[lang, built.message]]);
    for (const m of recipients) {
      const address = await this.c.addresses.of(m.person, db);
      if (!address) continue;
      const own = isLang(m.person.language) ? m.person.language : lang;
      if (!byLang.has(own)) byLang.set(own, (await this.c.results.digestFor(db, p.workspaceId, p.id, own, built.builtFrom.roundId))!.message);
      items.push({ workspaceId: p.workspaceId, ...address, message: byLang.get(own)!, lang: own, dedupeKey: `digest:${digestId}:${m.id}` });
    }
    const people = items.filter((i) => i.to.kind === "user").length;
    const target: DigestTarget = p.homeChannel ? { channel: p.homeChannel, people } : { people };
    return {
      target,
      write: async (tx: Tx) => {
        await tx.digest.create({ data: { id: digestId, workspaceId: p.workspaceId, partnershipId: p.id, roundId: built.builtFrom.roundId, trigger, builtFrom: built.builtFrom as object } });
        await enqueueDeliveries(tx, items);
      },
    };
  }


  digestWhere(lang: Lang, target: DigestTarget): RichText {
    if (!("channel" in target)) return t(lang, "ok.digest-sent", { n: target.people });
    const posted = tn(lang, "ok.digest-posted", { channel: { t: "channel", id: target.channel } });
    return target.people ? joinNodes(posted, " ", t(lang, "ok.digest-also-sent", { n: target.people })) : posted;
  }


  async postDigest(ctx: Context, p: PartnershipRow): Promise<Message> {
    return textMessage(this.digestWhere(ctx.lang, await this.deliverDigest(await this.c.addresses.ref(p.workspaceId), p, undefined, "on-demand")));
  }



  /**
   * Aggregates only, one row per statement per closed round, from each round's release: never who
   * said what, and nothing of a round still open (its numbers come once, when it closes).
   */
  async exportCsv(ctx: Context, p: PartnershipRow): Promise<Message> {
    const { rounds, files } = await this.exportFiles(ctx.workspaceId, p, ctx.lang);
    const text = t(ctx.lang, "ok.export", { n: rounds });
    return message(text, [{ type: "text", text }, ...files]);
  }

  /** The export's files in a language: results CSV, comments CSV, the latest map as a matrix, and the JSON. */
  async exportFiles(workspaceId: string, p: PartnershipRow, lang: Lang): Promise<{ rounds: number; files: ExportFile[] }> {
    const ctx = { workspaceId, lang };
    const rounds = await this.c.db.round.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, closedAt: { not: null } }, orderBy: { number: "asc" } });
    const rows: ExportRow[] = [];
    const maps: (ExportMap & { label: (value: string) => string })[] = [];
    const comments: ExportComments[] = [];
    for (const r of rounds) {
      const { release } = await this.c.results.releaseOf(this.c.db, r);
      const snapshot = this.c.results.snapshotOf(r);
      for (const id of r.sectionIds) {
        const texts = release.comments?.[id];
        if (texts?.length) comments.push({ round: r.number, instrument: r.instrumentKey, version: r.instrumentVersion, section: id, comments: texts });
      }
      const pairs = roundPairs(snapshot, r.sectionIds, release.score.items);
      if (pairs.length) {
        const levels = linkLevels(snapshot);
        maps.push({
          round: r.number, instrument: r.instrumentKey, version: r.instrumentVersion,
          organisations: mapOrganisations(pairs).map((o) => o.name),
          pairs: pairs.map(({ between: _ids, names, ...rest }) => ({ between: names, ...rest })),
          label: (value) => levels.find((l) => l.value === value)?.label[ctx.lang] ?? value,
        });
      }
      for (const s of snapshot.sections.filter((x) => r.sectionIds.includes(x.id)))
        for (const item of s.items) {
          const i = release.score.items.find((x) => x.itemId === item.id);
          const withheld = !i || i.withheld;
          const chosen = item.kind === "choice" && !withheld ? choiceCounts(i, (snapshot.choiceSets[item.choices] ?? []).map((c) => c.value)) : null;
          rows.push({
            round: r.number, instrument: r.instrumentKey, version: r.instrumentVersion, section: s.id, item: item.id, statement: item.text[ctx.lang],
            n: withheld ? null : i.n, mean: withheld ? null : i.mean, sd: withheld ? null : i.sd, min: withheld ? null : i.min, max: withheld ? null : i.max,
            divergent: !withheld && i.divergent, withheld,
            choices: chosen?.counts ?? null, mostCommon: chosen?.mostCommon.length ? chosen.mostCommon.join("/") : null,
            dontKnow: item.dontKnow && !withheld ? (i.dontKnow ?? 0) : null,
          });
        }
    }
    const base = `partnerpuls-${p.name.normalize("NFKD").replace(/[^\w.\-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "export"}`;
    const files: ExportFile[] = [
      { type: "file", filename: `${base}.csv`, mimeType: "text/csv", content: resultsCsv(rows, ctx.lang) },
      ...(comments.length ? [{ type: "file" as const, filename: `${base}-${t(ctx.lang, "export.comments-file")}.csv`, mimeType: "text/csv", content: commentsCsv(comments, ctx.lang) }] : []),
      // The latest round's partner map as a matrix (every round's is in the JSON).
      ...(maps.length ? [{ type: "file" as const, filename: `${base}-${t(ctx.lang, "export.map-file", { n: maps.at(-1)!.round })}.csv`, mimeType: "text/csv", content: mapMatrixCsv(maps.at(-1)!, maps.at(-1)!.label, ctx.lang) }] : []),
      { type: "file", filename: `${base}.json`, mimeType: "application/json", content: resultsJson(rows, ctx.lang, { partnership: p.name, exportedAt: this.c.now().toISOString() }, maps, comments) },
    ];
    return { rounds: rounds.length, files };
  }

}
