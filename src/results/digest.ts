// A round's results as people see them: its release (src/results/release.ts), the trend against
// earlier releases of the same instrument version, and the digest built from them. Used by
// commands, by the close of a round (inside its transaction) and by the clock's scheduled digests.
import { linkItemIds } from "../domain/partner-map.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { Lang } from "../i18n/i18n.ts";
import type { Message, Inline } from "../messages/model.ts";
import { digestMessage, type DigestView } from "../messages/digest-message.ts";
import { digestCharts } from "../messages/digest-charts.ts";
import { Snapshot, todayIn } from "../domain/rounds.ts";
import { trendBetween, mostDivergent, lowestScoring } from "../scoring/score.ts";
import { computeRelease, parseRelease, unreleasedScore, effectiveMinimumN, type Release } from "./release.ts";

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
/** Reads go through the caller's transaction when there is one (PGlite has a single connection). */
export type Reader = PrismaClient | Tx;

type RoundRow = NonNullable<Awaited<ReturnType<PrismaClient["round"]["findFirst"]>>>;
/** A partnership and all its rounds, read once by a caller that wants the view of many of them (the report). */
export interface KnownRounds {
  partnership: NonNullable<Awaited<ReturnType<PrismaClient["partnership"]["findFirst"]>>>;
  rounds: RoundRow[];
}

/** A section's statements in a round's snapshot, as one comparable string (ids and wording). */
function statementsOf(snapshot: Snapshot, sectionId: string): string {
  return JSON.stringify(snapshot.sections.find((s) => s.id === sectionId)?.items.map((i) => [i.id, i.text.en, i.text.da]) ?? []);
}

/** How many earlier rounds the digest's trend line shows. */
const HISTORY = 4;

/** What a digest was built from, recorded with every digest sent. */
export interface DigestSources {
  roundId: string;
  roundNumber: number;
  instrument: string;
  /** the earlier rounds of the trend and history, newest first */
  comparedWith: string[];
  respondents: number;
  invited: number;
  openActions: number;
  overdueActions: string[];
  at: string;
}

/** A person as a list shows them: their name, or (never seen by the bot) a person node. */
export function personLabel(person: { displayName: string; platformUserId: string }): Inline {
  return person.displayName ? { t: "text", text: person.displayName } : { t: "person", id: person.platformUserId };
}

interface RoundLike {
  id: string;
  workspaceId: string;
  number: number;
  snapshot: unknown;
  sectionIds: string[];
  closedAt: Date | null;
  closesAt: Date;
  minimumN: number;
  anonymity: string;
  release: unknown;
  instrumentKey: string;
  instrumentVersion: number;
}

export class RoundResults {
  /** A round's snapshot never changes: parse and validate it once per process. */
  private readonly snapshots = new Map<string, Snapshot>();
  /** Nor does a release once stored (the first one stored is the release): the same, by round id. */
  private readonly releases = new Map<string, Release>();

  /** Reads go through the Reader each method is given (the caller's transaction, or the client). */
  constructor(private readonly now: () => Date) {}

  /**
   * Rounds as findMany would give them, but the two large columns (the snapshot, the release: tens
   * of kilobytes of JSON each, and neither changes once written) are read only for rounds this
   * process has not parsed yet: a digest reads its round and up to HISTORY earlier ones.
   */
  private async rounds(db: Reader, args: { where: Prisma.RoundWhereInput; orderBy?: Prisma.RoundOrderByWithRelationInput; take?: number }): Promise<RoundRow[]> {
    const rows = await db.round.findMany({ ...args, omit: { snapshot: true, release: true } });
    const missing = rows.filter((r) => !this.snapshots.has(r.id) || !this.releases.has(r.id)).map((r) => r.id);
    const large = missing.length ? new Map((await db.round.findMany({ where: { id: { in: missing } }, select: { id: true, snapshot: true, release: true } })).map((r) => [r.id, r])) : new Map();
    return rows.map((r) => ({ ...r, snapshot: large.get(r.id)?.snapshot ?? (this.snapshots.get(r.id) as object), release: large.get(r.id)?.release ?? (this.releases.get(r.id) as object) }));
  }

  private async round(db: Reader, args: { where: Prisma.RoundWhereInput; orderBy?: Prisma.RoundOrderByWithRelationInput }): Promise<RoundRow | null> {
    return (await this.rounds(db, { ...args, take: 1 }))[0] ?? null;
  }

  /** The snapshot of a round parsed already, if any: a caller need not read it again. */
  knownSnapshot(roundId: string): Snapshot | undefined {
    return this.snapshots.get(roundId);
  }

  snapshotOf(round: { id: string; snapshot: unknown }): Snapshot {
    let snap = this.snapshots.get(round.id);
    if (!snap) {
      snap = Snapshot.parse(round.snapshot);
      if (this.snapshots.size > 500) this.snapshots.delete(this.snapshots.keys().next().value!);
      this.snapshots.set(round.id, snap);
    }
    return snap;
  }

  /** Computes a round's release from its current members' answers (the caller stores it). */
  async computeReleaseOf(db: Reader, round: RoundLike, at: Date): Promise<Release> {
    const [answers, invitations, organisations, comments] = await Promise.all([
      db.answer.findMany({
        where: { workspaceId: round.workspaceId, roundId: round.id, membership: { removedAt: null } },
        select: { membershipId: true, itemId: true, rating: true, choice: true },
      }),
      db.invitation.findMany({ where: { workspaceId: round.workspaceId, roundId: round.id }, select: { membershipId: true, organisationId: true } }),
      db.organisation.findMany({ where: { workspaceId: round.workspaceId, partnership: { rounds: { some: { id: round.id } } } }, select: { id: true, sector: true } }),
      db.comment.findMany({ where: { workspaceId: round.workspaceId, roundId: round.id, membership: { removedAt: null } }, select: { membershipId: true, sectionId: true, text: true } }),
    ]);
    return computeRelease({
      snapshot: this.snapshotOf(round),
      sectionIds: round.sectionIds,
      minimumN: round.minimumN,
      anonymity: round.anonymity,
      answers: answers.map((a) => ({ respondent: a.membershipId!, itemId: a.itemId, rating: a.rating, choice: a.choice })),
      organisationOf: new Map(invitations.map((i) => [i.membershipId, i.organisationId])),
      // The type of the organisation as it is at the close (an organisation removed since: none).
      sectorOf: new Map(invitations.map((i) => [i.membershipId, organisations.find((o) => o.id === i.organisationId)?.sector ?? null])),
      comments: comments.map((c) => ({ respondent: c.membershipId, sectionId: c.sectionId, text: c.text })),
      invited: invitations.length,
      at,
    });
  }

  /**
   * What may be shown of a round: its stored release once closed, counts only while open. A round
   * closed before releases were stored gets its release computed and stored now, once.
   */
  async releaseOf(db: Reader, round: RoundLike): Promise<{ release: Release; released: boolean }> {
    const known = round.release ? this.releases.get(round.id) : undefined;
    if (known) return { release: known, released: true };
    const stored = parseRelease(round.release);
    if (stored) {
      if (this.releases.size > 500) this.releases.delete(this.releases.keys().next().value!);
      this.releases.set(round.id, stored);
      return { release: stored, released: true };
    }
    if (round.closedAt) {
      const release = await this.computeReleaseOf(db, round, round.closedAt);
      // Stored only if no other reader stored one first; then theirs is the release.
      const r = await db.round.updateMany({ where: { id: round.id, release: { equals: Prisma.DbNull } }, data: { release: release as object } });
      if (r.count === 1) return { release, released: true };
      const first = parseRelease((await db.round.findFirst({ where: { id: round.id }, select: { release: true } }))?.release);
      return { release: first ?? release, released: true };
    }
    const [invited, complete] = await Promise.all([
      db.invitation.count({ where: { workspaceId: round.workspaceId, roundId: round.id } }),
      db.invitation.count({ where: { workspaceId: round.workspaceId, roundId: round.id, completedAt: { not: null }, membership: { removedAt: null } } }),
    ]);
    return { release: unreleasedScore(invited, complete, round.minimumN), released: false };
  }

  /**
   * The digest of a round, in the given language. Without a round: the latest closed one, with a
   * line about the round that is open now, if any.
   */
  async digestFor(db: Reader, workspaceId: string, partnershipId: string, lang: Lang, roundId?: string): Promise<{ message: Message; builtFrom: DigestSources } | null> {
    const built = await this.viewFor(db, workspaceId, partnershipId, lang, roundId);
    if (!built) return null;
    return { message: digestMessage({ ...built.view, charts: await digestCharts(built.view) }), builtFrom: built.builtFrom };
  }

  /** What a digest of the round says, before it is a message: the report page reads every round's. */
  async viewFor(db: Reader, workspaceId: string, partnershipId: string, lang: Lang, roundId?: string, known?: KnownRounds): Promise<{ view: DigestView; builtFrom: DigestSources } | null> {
    const p = known?.partnership ?? (await db.partnership.findFirst({ where: { id: partnershipId, workspaceId } }));
    if (!p) return null;
    const now = this.now();
    const newestFirst = known ? [...known.rounds].sort((a, b) => b.number - a.number) : null;
    const latest = newestFirst ? newestFirst.find((r) => r.opensAt <= now) : await this.round(db, { where: { workspaceId, partnershipId, opensAt: { lte: now } }, orderBy: { number: "desc" } });
    if (!latest) return null;
    let round = latest;
    if (roundId) {
      const chosen = newestFirst ? newestFirst.find((r) => r.id === roundId) : await this.round(db, { where: { id: roundId, workspaceId, partnershipId } });
      if (!chosen) return null;
      round = chosen;
    } else if (!latest.closedAt) {
      round = (newestFirst ? newestFirst.find((r) => r.closedAt) : await this.round(db, { where: { workspaceId, partnershipId, closedAt: { not: null } }, orderBy: { number: "desc" } })) ?? latest;
    }
    const snapshot = this.snapshotOf(round);
    const { release, released } = await this.releaseOf(db, round);
    const score = release.score;
    // Like with like: the trend compares only closed rounds of the same instrument version.
    const sameSeries = (r: RoundRow) => r.instrumentKey === round.instrumentKey && r.instrumentVersion === round.instrumentVersion && r.number < round.number && r.closedAt !== null;
    const earlier = newestFirst
      ? newestFirst.filter(sameSeries).slice(0, HISTORY)
      : await this.rounds(db, {
          where: { workspaceId, partnershipId, instrumentKey: round.instrumentKey, instrumentVersion: round.instrumentVersion, number: { lt: round.number }, closedAt: { not: null } },
          orderBy: { number: "desc" },
          take: HISTORY,
        });
    const earlierScores = [];
    for (const r of earlier) earlierScores.push({ round: r, score: (await this.releaseOf(db, r)).release.score });
    const previous = earlierScores[0];
    // …and the same statements: a version's purposes or partner map can differ from round to round.
    const asked = (r: RoundLike, sid: string) => statementsOf(this.snapshotOf(r), sid);
    const comparable = previous ? (sid: string) => asked(round, sid) === asked(previous.round, sid) : () => false;
    const sameStatements = (r: RoundLike) => r.sectionIds.length === round.sectionIds.length && round.sectionIds.every((sid) => r.sectionIds.includes(sid) && asked(r, sid) === asked(round, sid));
    // A round of a new version says that it starts a new series, rather than showing no trend.
    const otherVersion =
      earlier.length > 0
        ? null
        : newestFirst
          ? (newestFirst.find((r) => r.instrumentKey === round.instrumentKey && r.instrumentVersion !== round.instrumentVersion && r.number < round.number && r.closedAt) ?? null)
          : await db.round.findFirst({
            where: { workspaceId, partnershipId, instrumentKey: round.instrumentKey, instrumentVersion: { not: round.instrumentVersion }, number: { lt: round.number }, closedAt: { not: null } },
            orderBy: { number: "desc" },
            select: { instrumentVersion: true },
          });
    const [openActions, overdue] = await Promise.all([
      db.action.count({ where: { workspaceId, partnershipId, status: "open" } }),
      db.action.findMany({
        where: { workspaceId, partnershipId, status: "open", dueDate: { lt: todayIn(p.timeZone, now) } },
        include: { owner: { include: { person: true } } },
        orderBy: { dueDate: "asc" },
      }),
    ]);
    // Agreements made on a statement: its mean here, beside the previous comparable round's.
    const onStatements = released ? await db.action.findMany({ where: { workspaceId, partnershipId, statementId: { not: null } }, orderBy: { number: "desc" }, take: 10 }) : [];
    const meanIn = (s: typeof score | undefined, id: string) => s?.items.find((i) => i.itemId === id && !i.withheld)?.mean ?? null;
    const sectionOf = (id: string) => snapshot.sections.find((s) => s.items.some((i) => i.id === id))?.id;
    // Only those this round asked: a digest of another instrument says nothing of them.
    const followed = onStatements.flatMap((a) => {
      const id = a.statementId!;
      const sid = sectionOf(id);
      return sid ? [{ number: a.number, text: a.text, id, now: meanIn(score, id), before: comparable(sid) ? meanIn(previous?.score, id) : null }] : [];
    });
    let pending: { roundNumber: number; done: number; invited: number; closesAt: Date } | undefined;
    if (!roundId && latest.id !== round.id && !latest.closedAt) {
      const counts = (await this.releaseOf(db, latest)).release.score;
      pending = { roundNumber: latest.number, done: counts.completeRespondents, invited: counts.invited, closesAt: latest.closesAt };
    }
    const builtFrom: DigestSources = {
      roundId: round.id,
      roundNumber: round.number,
      instrument: `${round.instrumentKey}@${round.instrumentVersion}`,
      comparedWith: released ? earlierScores.map((e) => e.round.id) : [],
      respondents: score.completeRespondents,
      invited: score.invited,
      openActions,
      overdueActions: overdue.map((a) => a.id),
      at: now.toISOString(),
    };
    const linkIds = linkItemIds(snapshot);
    const view: DigestView = {
      lang,
      partnershipId: p.id,
      partnershipName: p.name,
      roundNumber: round.number,
      snapshot,
      sectionIds: round.sectionIds,
      score,
      trend: released && previous ? trendBetween(score, previous.score, previous.round.number, comparable) : null,
      history: released ? earlierScores.filter((e) => sameStatements(e.round)).reverse().map((e) => ({ roundNumber: e.round.number, total: e.score.total?.mean ?? null })) : [],
      newSeries: released && otherVersion ? { version: round.instrumentVersion, previousVersion: otherVersion.instrumentVersion } : undefined,
      open: !round.closedAt,
      released,
      closesAt: round.closedAt ?? round.closesAt,
      timeZone: p.timeZone,
      minimumN: effectiveMinimumN(round.minimumN),
      actions: {
        open: openActions,
        overdue: overdue.map((a) => ({ number: a.number, text: a.text, owner: a.owner ? personLabel(a.owner.person) : null, due: a.dueDate! })),
      },
      // The map's links say where partners differ in their own lines.
      divergent: released ? mostDivergent({ ...score, items: score.items.filter((i) => !linkIds.has(i.itemId)) }, 3) : [],
      lowest: released ? lowestScoring(score, 3) : [],
      comments: released ? (release.comments ?? {}) : {},
      ...(released && p.digestBySector ? { bySector: { groups: release.bySector } } : {}),
      followed,
      pending,
    };
    return { view, builtFrom };
  }
}
