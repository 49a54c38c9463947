// Polls and answers: the poll card a partner sees, recording an answer, snoozes and nudges, and
// the cards the outbox builds when it delivers them.
import { randomUUID } from "node:crypto";
import type { MessageRef } from "../ports.ts";
import type { Message } from "../messages/model.ts";
import { t, formatDateTime, type Lang } from "../i18n/i18n.ts";
import { todayIn } from "../domain/rounds.ts";
import { mayUsePoll } from "../policy.ts";
import { pollMessage } from "../messages/build.ts";
import { nextOpenPage, pageAt, pageOf, pollPages, type PollPage } from "../domain/poll-pages.ts";
import { askedItemIds, askedOf, askedSectionIds } from "../domain/partner-map.ts";
import { commentSectionIds } from "../domain/comments.ts";
import { z } from "zod";
import { enqueueDeliveries, withoutWaitingUpdate, type AfterDelivery, type RenderRef } from "../outbox/outbox.ts";
import { JobQueue, type Tx as QueueTx } from "../jobs/queue.ts";
import { nextAllowed, isQuiet } from "../clock/quiet.ts";
import type { JobOutcome } from "../clock/clock.ts";
import type { ClaimedJob } from "../jobs/queue.ts";
import { invitationToDeliver, invitedMembership, saveAnswer } from "./answers.ts";
import { REFUSAL_KEY, quietOf, UserError, AnswerPayload, type RoundWithPartnership, type Context, type CoreContext, type Tx } from "./context.ts";

/** Which page to show: one a button names, or the next unanswered one from a page on (or from the start). */
export type PageRequest = { sectionId: string; page?: number } | { after: PollPage };

/**
 * How long a person's other copies of a poll wait before they show a new answer. Slack allows about
 * 50 card updates a minute per workspace: a partner clicking through a section on one copy costs
 * one update of the other per run of clicks, not one per click.
 */
export const COPY_UPDATE_DELAY_MS = 8_000;

/** The copies of a poll card an invitation records (Invitation.pollRefs). */
export function copiesOf(pollRefs: unknown): MessageRef[] {
  return Array.isArray(pollRefs) ? (pollRefs as MessageRef[]).filter((r) => typeof r?.conversationId === "string" && typeof r?.messageId === "string") : [];
}

/** The copies but the one a button was pressed on. */
function otherCopies(pollRefs: unknown, card: MessageRef | undefined): MessageRef[] {
  return copiesOf(pollRefs).filter((ref) => !card || ref.conversationId !== card.conversationId || ref.messageId !== card.messageId);
}

/** One closed card per copy: by its place among the copies, as a key outlives erasure and holds no platform id. */
export function closedCardKey(invitationId: string, copy: number): string {
  return `closed:${invitationId}:${copy}`;
}

export class Polls {
  constructor(readonly c: CoreContext) {}

  /** The courier calls this, in the transaction that marks a delivery done. */
  async recordDelivery(tx: QueueTx, after: AfterDelivery, ref: MessageRef | null): Promise<void> {
    if (after.type !== "invitation.sent") return;
    const now = this.c.now();
    if (!ref) {
      await tx.invitation.updateMany({ where: { id: after.invitationId }, data: { sentAt: now } });
      return;
    }
    // Every copy is kept (the first poll and each reminder), so that each stays up to date. One
    // statement, as the courier finishes each of a round's deliveries with it.
    const copy = JSON.stringify([{ conversationId: ref.conversationId, messageId: ref.messageId }]);
    const [inv] = await tx.$queryRaw<{ roundId: string; workspaceId: string; membershipId: string; pollRefs: unknown; closedAt: Date | null }[]>`
      UPDATE "Invitation" i SET "sentAt" = ${now},
        "pollRefs" = CASE WHEN i."pollRefs" @> ${copy}::jsonb THEN i."pollRefs" ELSE i."pollRefs" || ${copy}::jsonb END
      FROM "Round" r
      WHERE i.id = ${after.invitationId} AND r.id = i."roundId"
      RETURNING i."roundId", i."workspaceId", i."membershipId", i."pollRefs", r."closedAt"`;
    // A poll that was already on its way when its round closed gets the closed card too, where it landed: in the person's workspace.
    if (!inv?.closedAt) return;
    const member = await tx.membership.findUnique({ where: { id: inv.membershipId }, select: { person: { select: { workspaceId: true } } } });
    if (member)
      await enqueueDeliveries(tx, [{ workspaceId: inv.workspaceId, workspace: await this.c.addresses.ref(member.person.workspaceId, tx), to: { kind: "update", ref }, render: { kind: "poll.copy", roundId: inv.roundId, invitationId: after.invitationId }, dedupeKey: closedCardKey(after.invitationId, copiesOf(inv.pollRefs).findIndex((r) => r.messageId === ref.messageId && r.conversationId === ref.conversationId)) }]);
  }


  /** Builds a message the outbox holds as a reference (polls, their copies); null: it no longer applies. */
  async renderDelivery(ref: Exclude<RenderRef, { kind: "meeting.agenda" }>): Promise<Message | null> {
    const found = await invitationToDeliver(this.c.db, ref.invitationId, ref.roundId, this.c.results.knownSnapshot(ref.roundId));
    if (!found) return null;
    const { invitation: inv, round, membership, answers } = found;
    const lang = this.c.langOfPerson(found.person, round.partnership);
    // A copy already sent shows the card as it is now: the answers so far, or the closed card.
    if (ref.kind !== "poll") return this.pollViewFrom(round, inv.organisationId, lang, answers, undefined, undefined, false, { texts: await this.c.comments.of(round, inv, answers, undefined) });
    // A poll for a round that has closed, or for someone no longer a member, is not sent.
    if (round.closedAt || round.closesAt <= this.c.now() || membership.removedAt) return null;
    if (ref.reminder && inv.completedAt) return null;
    return this.pollViewFrom(round, inv.organisationId, lang, answers, undefined, ref.reminder ? t(lang, "poll.reminder") : undefined, ref.withSnooze ?? false, { texts: await this.c.comments.of(round, inv, answers, undefined) });
  }

  async pollView(
    workspaceId: string,
    lang: Lang,
    roundOrId: string | RoundWithPartnership,
    inv: { membershipId: string; organisationId: string | null },
    at: PageRequest | undefined,
    notice?: string,
    known?: { itemId: string; rating: number | null; choice: string | null }[],
    commentsSaved = false,
  ): Promise<Message> {
    const round = typeof roundOrId === "string" ? await this.c.roundWithPartnership(workspaceId, roundOrId) : roundOrId;
    const rows = known ?? (await this.c.db.answer.findMany({ where: { workspaceId, roundId: round.id, membershipId: inv.membershipId } }));
    return this.pollViewFrom(round, inv.organisationId, lang, rows, at, notice, false, { texts: await this.c.comments.of(round, inv, rows, at), saved: commentsSaved });
  }

  /** A person's poll card from what is already known: no database reads. `organisationId`: the one they answer for. */
  pollViewFrom(
    round: RoundWithPartnership,
    organisationId: string | null,
    lang: Lang,
    rows: { itemId: string; rating: number | null; choice: string | null }[],
    at: PageRequest | undefined,
    notice?: string,
    withSnooze = false,
    comments: { texts: ReadonlyMap<string, string>; saved?: boolean } = { texts: new Map() },
  ): Message {
    const snapshot = askedOf(this.c.results.snapshotOf(round), organisationId);
    const sectionIds = askedSectionIds(snapshot, round.sectionIds);
    const answers = new Map(rows.map((a) => [a.itemId, { rating: a.rating, choice: a.choice }]));
    const open = round.closedAt === null && round.closesAt > this.c.now();
    const pages = pollPages(snapshot, sectionIds);
    const asked = at && "sectionId" in at ? pageAt(pages, at.sectionId, at.page) : undefined;
    const shown = asked ?? nextOpenPage(pages, (id) => answers.has(id), at && "after" in at ? at.after : undefined);
    return pollMessage({
      lang,
      partnershipName: round.partnership.name,
      roundId: round.id,
      roundNumber: round.number,
      snapshot,
      sectionIds,
      pages,
      page: shown,
      answers,
      closesAt: round.closesAt,
      closedAt: round.closedAt,
      timeZone: round.partnership.timeZone,
      open,
      notice,
      withSnooze,
      comments: { sectionIds: commentSectionIds(snapshot, sectionIds), ...comments },
    });
  }


  async invitedMembership(ctx: Context, roundId: string) {
    // One query on the hot path (every button press); the round alone only to explain a refusal.
    // By the person alone: a member from another workspace answers a round of the partnership's.
    // Read with the person already when the press came in (once: later reads see later changes).
    const prefetched = ctx.invitation?.roundId === roundId ? ctx.invitation : undefined;
    delete ctx.invitation;
    const found = prefetched ? prefetched.found : await invitedMembership(this.c.db, roundId, ctx.person.id, this.c.results.knownSnapshot(roundId));
    if (!found) {
      await this.c.roundWithPartnership(ctx.workspaceId, roundId); // "that button no longer works" if the round is gone
      throw new UserError("err.not-invited");
    }
    const allowed = mayUsePoll(found.membership);
    if (!allowed.ok) throw new UserError(REFUSAL_KEY[allowed.reason], { partnership: found.round.partnership.name });
    return { round: found.round, inv: found.invitation, lang: this.c.langFor(ctx, found.round.partnership) };
  }


  async pollFor(ctx: Context, roundId: string, at: PageRequest | undefined, notice?: string): Promise<Message> {
    const { inv, lang } = await this.invitedMembership(ctx, roundId);
    return this.pollView(inv.workspaceId, lang, roundId, inv, at, notice);
  }


  /** Records one answer; `card` is the copy of the poll it was given on, which the reply replaces. */
  async answer(ctx: Context, a: z.infer<typeof AnswerPayload>, card?: MessageRef): Promise<Message> {
    const { round, inv, lang } = await this.invitedMembership(ctx, a.r);
    const now = this.c.now();
    if (round.closedAt !== null || round.closesAt <= now) return this.pollView(inv.workspaceId, lang, round, inv, undefined);
    // Only what this person is asked: of the map, their own organisation's links.
    const snapshot = askedOf(this.c.results.snapshotOf(round), inv.organisationId);
    const section = snapshot.sections.find((s) => round.sectionIds.includes(s.id) && s.items.some((i) => i.id === a.i));
    const item = section?.items.find((i) => i.id === a.i);
    if (!section || !item) throw new UserError("err.bad-button");
    let rating: number | null = null;
    let choice: string | null = null;
    // "Don't know" is a row with neither rating nor choice, where the statement allows it.
    if (a.d !== undefined) {
      if (!item.dontKnow || a.v !== undefined || a.c !== undefined) throw new UserError("err.bad-button");
    } else if (item.kind === "rating") {
      const scale = snapshot.scale!;
      if (a.v === undefined || a.v < scale.min || a.v > scale.max) throw new UserError("err.bad-button");
      rating = a.v;
    } else {
      if (!a.c || !(snapshot.choiceSets[item.choices] ?? []).some((c) => c.value === a.c)) throw new UserError("err.bad-button");
      choice = a.c;
    }
    const asked = askedItemIds(snapshot, round.sectionIds);
    const answer = { itemId: item.id, rating, choice };
    // The person's other copies of the poll are updated in the same transaction; with none (the
    // usual case), saving is one statement.
    const answered = otherCopies(inv.pollRefs, card).length
      ? await this.c.db.$transaction(async (tx) => {
          const rows = await saveAnswer(tx, inv, answer, asked, now);
          await this.updateOtherCopies(tx, ctx, inv, card);
          return rows;
        })
      : await saveAnswer(this.c.db, inv, answer, asked, now);
    const answeredIds = new Set(answered.map((a) => a.itemId));
    const page = pageOf(pollPages(snapshot, askedSectionIds(snapshot, round.sectionIds)), item.id)!;
    const pageDone = page.itemIds.every((id) => answeredIds.has(id));
    const label = a.d !== undefined ? t(lang, "poll.dont-know") : rating !== null ? String(rating) : (snapshot.choiceSets[(item as { choices: string }).choices] ?? []).find((c) => c.value === choice)!.label[lang];
    // Which statement the answer was for: the card may show several.
    const statement = item.text[lang].length > 60 ? `${item.text[lang].slice(0, 59).trimEnd()}…` : item.text[lang];
    const notice = t(lang, "poll.saved", { value: label, statement });
    // Stay on the page until it is complete, then move on to the next unanswered one.
    return this.pollView(inv.workspaceId, lang, round, inv, pageDone ? { after: page } : page, notice, answered);
  }


  /**
   * The person's other copies of a poll (an earlier one, a reminder) show a change too, a little
   * later: one update for a run of clicks, built from what is saved when it goes.
   */
  async updateOtherCopies(tx: Tx, ctx: Context, inv: { id: string; workspaceId: string; roundId: string; pollRefs: unknown }, card: MessageRef | undefined): Promise<void> {
    const copy = { kind: "poll.copy" as const, roundId: inv.roundId, invitationId: inv.id };
    const others = otherCopies(inv.pollRefs, card);
    const stale = others.length ? await withoutWaitingUpdate(tx, ctx.actor.workspace, others, copy) : [];
    await enqueueDeliveries(
      tx,
      stale.map((ref) => ({
        workspaceId: inv.workspaceId,
        // The copies are the asker's, in their own workspace.
        workspace: ctx.actor.workspace,
        to: { kind: "update" as const, ref },
        render: copy,
        dueAt: new Date(Date.now() + COPY_UPDATE_DELAY_MS),
        // No natural key: the wait above is what keeps it to one.
        dedupeKey: `copy:${inv.id}:${randomUUID()}`,
      })),
    );
  }


  async runNudge(job: ClaimedJob, now: Date): Promise<JobOutcome> {
    const { invitationId, n, snooze } = z.object({ invitationId: z.string(), n: z.number().int(), snooze: z.boolean().optional() }).parse(job.payload);
    const inv = await this.c.db.invitation.findFirst({
      where: { id: invitationId, workspaceId: job.workspaceId },
      include: { round: { include: { partnership: true, workspace: true } }, membership: { include: { person: true } } },
    });
    if (!inv) return { status: "skipped", note: "invitation gone" };
    const { round } = inv;
    const p = round.partnership;
    if (round.closedAt || round.closesAt <= now) return { status: "skipped", note: "round closed" };
    if (inv.completedAt) return { status: "skipped", note: "answered already" };
    if (inv.membership.removedAt) return { status: "skipped", note: "no longer a member" };
    if (inv.membership.person.nudgesOff) return { status: "skipped", note: "opted out of nudges" };
    if (!snooze && inv.nudges >= n) return { status: "skipped", note: "nudged already" };
    if (!snooze && inv.snoozedUntil && inv.snoozedUntil > now) return { status: "skipped", note: "snoozed: a reminder is due then" };
    if (isQuiet(now, quietOf(p))) {
      const at = nextAllowed(now, quietOf(p));
      return at < round.closesAt ? { status: "later", at, note: "quiet hours" } : { status: "skipped", note: "no time left outside quiet hours" };
    }
    return {
      status: "done",
      effect: async (tx) => {
        // One delivery per nudge job: a snoozed reminder is its own job.
        await this.c.rounds.enqueuePolls(tx, round, [inv], { nudge: `nudge:${job.id}` });
        if (!snooze) await tx.invitation.update({ where: { id: inv.id }, data: { nudges: n } });
      },
    };
  }


  /** "Remind me tomorrow": one more reminder a day later (outside quiet hours), in place of the nudges before it. */
  async snooze(ctx: Context, roundId: string): Promise<Message> {
    const { round, inv, lang } = await this.invitedMembership(ctx, roundId);
    const now = this.c.now();
    const at = nextAllowed(new Date(now.getTime() + 24 * 3600_000), quietOf(round.partnership));
    if (round.closedAt || round.closesAt <= now) return this.pollView(inv.workspaceId, lang, round, inv, undefined);
    if (at >= round.closesAt) return this.pollView(inv.workspaceId, lang, round, inv, undefined, t(lang, "nudge.no-time"));
    const day = todayIn(round.partnership.timeZone, at).toISOString().slice(0, 10);
    await this.c.db.$transaction(async (tx) => {
      await tx.invitation.update({ where: { id: inv.id }, data: { snoozedUntil: at } });
      await JobQueue.enqueue(tx, [{ workspaceId: inv.workspaceId, kind: "nudge", dueAt: at, dedupeKey: `snooze:${inv.id}:${day}`, payload: { invitationId: inv.id, n: inv.nudges, snooze: true } }]);
    });
    return this.pollView(inv.workspaceId, lang, round, inv, undefined, t(lang, "ok.snoozed", { date: formatDateTime(lang, at, round.partnership.timeZone) }));
  }


  async setNudges(ctx: Context, on: boolean): Promise<void> {
    await this.c.store(ctx);
    await this.c.db.person.update({ where: { id: ctx.person.id }, data: { nudgesOff: !on } });
  }

}
