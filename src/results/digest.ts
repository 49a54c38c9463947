// A round's results: its scores (within minimum-n), the trend against earlier rounds of the same
// instrument, and the digest built from them. Used by commands now and by the clock's scheduled
// digests.
import type { PrismaClient } from "./generated/prisma/client.ts";
import type { Lang } from "./i18n/i18n.ts";
import type { Message } from "./messages/model.ts";
import { digestMessage } from "./messages/build.ts";
import { Snapshot, sectionItems, todayIn } from "./domain/rounds.ts";
import { scoreRound, trendBetween, mostDivergent, type RoundScore } from "./scoring/score.ts";

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

export function personLabel(person: { displayName: string; platformUserId: string }): string {
  return person.displayName || `<@${person.platformUserId}>`;
}

export class RoundResults {
  /** A round's snapshot never changes: parse and validate it once per process. */
  private readonly snapshots = new Map<string, Snapshot>();

  constructor(
    private readonly db: PrismaClient,
    private readonly now: () => Date,
  ) {}

  snapshotOf(round: { id: string; snapshot: unknown }): Snapshot {
    let snap = this.snapshots.get(round.id);
    if (!snap) {
      snap = Snapshot.parse(round.snapshot);
      if (this.snapshots.size > 500) this.snapshots.delete(this.snapshots.keys().next().value!);
      this.snapshots.set(round.id, snap);
    }
    return snap;
  }

  async scoreOf(
    workspaceId: string,
    round: { id: string; snapshot: unknown; sectionIds: string[] },
    p: { anonymity: string; minimumN: number },
  ): Promise<{ score: RoundScore; snapshot: Snapshot }> {
    const snapshot = this.snapshotOf(round);
    const [answers, invited] = await Promise.all([
      this.db.answer.findMany({ where: { workspaceId, roundId: round.id }, select: { membershipId: true, itemId: true, rating: true, choice: true } }),
      this.db.invitation.count({ where: { workspaceId, roundId: round.id } }),
    ]);
    const asked = sectionItems(snapshot);
    const score = scoreRound({
      sections: round.sectionIds.map((id) => asked.find((s) => s.id === id)!),
      instrumentSectionIds: snapshot.sections.map((s) => s.id),
      scale: snapshot.scale ?? { min: 1, max: 5 },
      bands: snapshot.bands,
      answers: answers.map((a) => ({ respondent: a.membershipId, itemId: a.itemId, rating: a.rating, choice: a.choice })),
      invited,
      anonymity: p.anonymity === "attributed" ? "attributed" : "confidential",
      minimumN: p.minimumN,
    });
    return { score, snapshot };
  }

  /** The digest of a round (default: the partnership's latest), in the given language. */
  async digestFor(workspaceId: string, partnershipId: string, lang: Lang, roundId?: string): Promise<{ message: Message; builtFrom: DigestSources } | null> {
    const p = await this.db.partnership.findFirst({ where: { id: partnershipId, workspaceId } });
    if (!p) return null;
    const now = this.now();
    const round = roundId
      ? await this.db.round.findFirst({ where: { id: roundId, workspaceId, partnershipId } })
      : await this.db.round.findFirst({ where: { workspaceId, partnershipId, opensAt: { lte: now } }, orderBy: { number: "desc" } });
    if (!round) return null;
    const { score, snapshot } = await this.scoreOf(workspaceId, round, p);
    const earlier = await this.db.round.findMany({
      where: { workspaceId, partnershipId, instrumentKey: round.instrumentKey, number: { lt: round.number } },
      orderBy: { number: "desc" },
      take: HISTORY,
    });
    const earlierScores = [];
    for (const r of earlier) earlierScores.push({ round: r, score: (await this.scoreOf(workspaceId, r, p)).score });
    const previous = earlierScores[0];
    const [openActions, overdue] = await Promise.all([
      this.db.action.count({ where: { workspaceId, partnershipId, status: "open" } }),
      this.db.action.findMany({
        where: { workspaceId, partnershipId, status: "open", dueDate: { lt: todayIn(p.timeZone, now) } },
        include: { owner: { include: { person: true } } },
        orderBy: { dueDate: "asc" },
      }),
    ]);
    const builtFrom: DigestSources = {
      roundId: round.id,
      roundNumber: round.number,
      instrument: `${round.instrumentKey}@${round.instrumentVersion}`,
      comparedWith: earlierScores.map((e) => e.round.id),
      respondents: score.respondents,
      invited: score.invited,
      openActions,
      overdueActions: overdue.map((a) => a.id),
      at: now.toISOString(),
    };
    const message = digestMessage({
      lang,
      partnershipName: p.name,
      roundNumber: round.number,
      snapshot,
      sectionIds: round.sectionIds,
      score,
      trend: previous ? trendBetween(score, previous.score, previous.round.number) : null,
      history: earlierScores.reverse().map((e) => ({ roundNumber: e.round.number, total: e.score.total?.mean ?? null })),
      open: round.closedAt === null && round.closesAt > now,
      closesAt: round.closedAt ?? round.closesAt,
      timeZone: p.timeZone,
      minimumN: p.minimumN,
      actions: {
        open: openActions,
        overdue: overdue.map((a) => ({ number: a.number, text: a.text, owner: a.owner ? personLabel(a.owner.person) : null, due: a.dueDate! })),
      },
      divergent: mostDivergent(score, 3),
    });
    return { message, builtFrom };
  }
}
