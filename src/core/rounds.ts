// Rounds: opening one (its invitations, polls and clock jobs in one transaction), closing it
// (release, closed cards and digest in one transaction), status and reminders.
import { closedCardKey, copiesOf } from "./polls.ts";
import type { WorkspaceRef } from "../ports.ts";
import type { Message, Inline, RichText } from "../messages/model.ts";
import { textMessage, joinNodes } from "../messages/model.ts";
import { type Command } from "../commands/parse.ts";
import { t, formatDate } from "../i18n/i18n.ts";
import { CHECKLIST_KEY } from "../instruments/catalogue.ts";
import { snapshotFor, deadlineFrom } from "../domain/rounds.ts";
import { askedItemIds, askedOf, linkItemIds } from "../domain/partner-map.ts";
import { effectiveMinimumN } from "../results/release.ts";
import { crashPoint } from "../crashpoints.ts";
import { listMessage } from "../messages/build.ts";
import { z } from "zod";
import { enqueueDeliveries, type OutboxItem } from "../outbox/outbox.ts";
import { JobQueue, type NewJob } from "../jobs/queue.ts";
import { nextAllowed } from "../clock/quiet.ts";
import type { JobOutcome } from "../clock/clock.ts";
import type { ClaimedJob } from "../jobs/queue.ts";
import { LONG_TRANSACTION, quietOf, UserError, type Db, type Tx, type PartnershipRow, type MembershipRow, type RoundRow, type RoundWithPartnership, type Context, type DigestTrigger, type DigestTarget, type CoreContext } from "./context.ts";

export class Rounds {
  constructor(readonly c: CoreContext) {}

  async startRound(ctx: Context, p: PartnershipRow, cmd: Extract<Command, { name: "checkin.start" }>): Promise<Message> {
    const now = this.c.now();
    const closesAt = deadlineFrom(cmd.deadline, now, p.timeZone);
    if (closesAt <= now) throw new UserError("err.deadline-past", {}, "checkin.start");
    const plan = await this.planRound(p, cmd.instrument, cmd.sections, closesAt, null);
    const round = await this.c.db.$transaction((tx) => this.createRoundTx(tx, p, plan, now));
    this.c.onEnqueue();
    return textMessage(
      t(ctx.lang, "ok.round-started", {
        round: round.number,
        instrument: plan.snapshot.title[ctx.lang],
        n: plan.sectionIds.length,
        people: t(ctx.lang, "count.people", { n: plan.partners.length }),
        date: formatDate(ctx.lang, closesAt, p.timeZone),
      }) + (plan.withoutOrganisation > 0 ? `\n${t(ctx.lang, "round.no-organisation", { n: plan.withoutOrganisation })}` : ""),
    );
  }


  /** Everything a new round needs that can be read and checked before the writing transaction. */
  async planRound(p: PartnershipRow, instrumentKey: string | undefined, sections: "all" | number[], closesAt: Date, onlyMembershipIds: string[] | null) {
    const instrument = await this.c.instruments.instrumentFor(p.workspaceId, instrumentKey ?? CHECKLIST_KEY);
    if (!instrument) throw new UserError("err.unknown-instrument", { key: instrumentKey ?? "" }, "instrument");
    let sectionIds: string[];
    if (sections === "all") sectionIds = instrument.sections.map((s) => s.id);
    else {
      const bad = sections.find((n) => n > instrument.sections.length);
      if (bad !== undefined) throw new UserError("err.no-such-section", { n: bad, max: instrument.sections.length }, "checkin.start");
      sectionIds = sections.map((n) => instrument.sections[n - 1]!.id);
    }
    const orgs = await this.c.db.organisation.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id }, orderBy: { createdAt: "asc" } });
    const snap = snapshotFor(instrument, sectionIds, { purposes: p.purposes, organisations: orgs });
    if (!snap.ok) throw new UserError(snap.reason === "no-purposes" ? "err.no-purposes" : "err.too-few-orgs", {}, snap.reason === "no-purposes" ? "purpose.add" : "org.add");
    const partners = await this.c.db.membership.findMany({
      where: { workspaceId: p.workspaceId, partnershipId: p.id, removedAt: null, roles: { has: "partner" }, ...(onlyMembershipIds ? { id: { in: onlyMembershipIds } } : {}) },
    });
    // A partner with no organisation is asked no link of the map; one with nothing left to answer is not invited.
    const hasQuestions = (m: { organisationId: string | null }) => askedItemIds(askedOf(snap.snapshot, m.organisationId), sectionIds).length > 0;
    const withoutOrganisation = linkItemIds(snap.snapshot, sectionIds).size > 0 ? partners.filter((m) => m.organisationId === null).length : 0;
    const invited = partners.filter(hasQuestions);
    if (invited.length === 0) throw new UserError(partners.length === 0 ? "err.no-partners" : "err.no-partners-with-organisation", {}, "member.add");
    return { instrument, sectionIds, snapshot: snap.snapshot, partners: invited, withoutOrganisation, closesAt };
  }


  /**
   * Opens a round: the round, its invitations, every partner's poll in the outbox, and the clock's
   * jobs (close at the deadline, nudges) — one transaction, so none exists without the others.
   */
  async createRoundTx(tx: Tx, p: PartnershipRow, plan: Awaited<ReturnType<Rounds["planRound"]>>, now: Date): Promise<RoundRow> {
    await this.c.lockPartnership(tx, p.id);
    const open = await this.c.openRoundTx(tx, p.workspaceId, p.id, now);
    if (open) throw new UserError("err.round-open", { n: open.number }, "checkin.close");
    const last = await tx.round.findFirst({ where: { workspaceId: p.workspaceId, partnershipId: p.id }, orderBy: { number: "desc" } });
    const round = await tx.round.create({
      data: {
        workspaceId: p.workspaceId,
        partnershipId: p.id,
        number: (last?.number ?? 0) + 1,
        instrumentKey: plan.instrument.key,
        instrumentVersion: plan.instrument.version,
        sectionIds: plan.sectionIds,
        snapshot: plan.snapshot as object,
        opensAt: now,
        closesAt: plan.closesAt,
        // Fixed for the round's life: a later change of either applies from the next round.
        anonymity: p.anonymity,
        minimumN: effectiveMinimumN(p.minimumN),
      },
    });
    await tx.invitation.createMany({ data: plan.partners.map((m) => ({ workspaceId: p.workspaceId, roundId: round.id, membershipId: m.id, organisationId: m.organisationId })) });
    const invitations = await tx.invitation.findMany({ where: { workspaceId: p.workspaceId, roundId: round.id }, select: { id: true, membership: { select: { person: { select: { platformUserId: true, workspaceId: true } } } } } });
    await this.enqueuePolls(tx, round, invitations, "poll");
    await JobQueue.enqueue(tx, [
      { workspaceId: p.workspaceId, kind: "round.close", dueAt: round.closesAt, dedupeKey: `round.close:${round.id}`, payload: { roundId: round.id } },
      ...this.nudgeJobs(p, round, invitations.map((i) => i.id)),
    ]);
    return round;
  }


  /** One nudge per invitation at each of the partnership's percentages of the window, outside quiet hours. */
  nudgeJobs(p: PartnershipRow, round: { opensAt: Date; closesAt: Date }, invitationIds: string[]): NewJob[] {
    const span = round.closesAt.getTime() - round.opensAt.getTime();
    const jobs: NewJob[] = [];
    p.nudgeAt.forEach((pct, i) => {
      const at = nextAllowed(new Date(round.opensAt.getTime() + (span * pct) / 100), quietOf(p));
      if (at >= round.closesAt) return;
      for (const id of invitationIds) jobs.push({ workspaceId: p.workspaceId, kind: "nudge", dueAt: at, dedupeKey: `nudge:${id}:${i + 1}`, payload: { invitationId: id, n: i + 1 } });
    });
    return jobs;
  }


  async closeRound(ctx: Context, p: PartnershipRow): Promise<Message> {
    const round = await this.c.db.round.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, closedAt: null }, orderBy: { number: "desc" } });
    if (!round) throw new UserError("err.no-open-round", {}, "checkin.start");
    const closed = await this.closeRoundNow(await this.c.addresses.ref(p.workspaceId), p, round.id, "round-closed");
    if (!closed) throw new UserError("err.no-open-round", {}, "checkin.start");
    return textMessage(joinNodes(`${t(ctx.lang, "ok.round-closed", { n: round.number })} `, this.c.digests.digestWhere(ctx.lang, closed)));
  }


  /**
   * Closes a round (by command or at its deadline), in one transaction, so that none of it exists
   * without the rest: the round is closed, its release is computed from the frozen set of
   * respondents and stored, polls still waiting in the outbox are withdrawn, every delivered poll
   * card is queued to be replaced by the closed one, and the digest is recorded and queued. A crash
   * at any point leaves either all of it or none (then the close job runs again). Returns where the
   * digest went; null if the round was closed already.
   */
  async closeRoundNow(ws: WorkspaceRef, p: PartnershipRow, roundId: string, trigger: DigestTrigger): Promise<DigestTarget | null> {
    const now = this.c.now();
    const target = await this.c.db.$transaction(async (tx) => {
      const r = await tx.round.updateMany({ where: { id: roundId, workspaceId: p.workspaceId, closedAt: null }, data: { closedAt: now } });
      if (r.count === 0) return null;
      const round = await tx.round.findFirstOrThrow({ where: { id: roundId } });
      const release = await this.c.results.computeReleaseOf(tx, round, now);
      await tx.round.update({ where: { id: roundId }, data: { release: release as object } });
      // Polls not yet delivered would arrive with live buttons after the close: withdraw them. One an
      // earlier run began (its result holds that progress) may have landed: it finishes, and its card
      // is replaced then (recordDelivery).
      await tx.$executeRaw`
        UPDATE "Job" SET status = 'skipped', outcome = 'round closed before delivery', "finishedAt" = ${now}
        WHERE kind = 'deliver' AND status = 'pending' AND "workspaceId" = ${p.workspaceId}
          AND payload->'render'->>'roundId' = ${roundId} AND payload->'render'->>'kind' = 'poll'
          AND result IS NULL`;
      // Every copy of every poll that landed (first sends and reminders) becomes the closed card.
      const delivered = await tx.invitation.findMany({ where: { workspaceId: p.workspaceId, roundId, sentAt: { not: null } }, select: { id: true, pollRefs: true, membership: { select: { person: { select: { workspaceId: true } } } } } });
      // Each copy is in its person's own workspace.
      const homes = await this.c.addresses.refs(delivered.map((inv) => inv.membership.person.workspaceId), tx);
      await enqueueDeliveries(
        tx,
        delivered.flatMap((inv) =>
          copiesOf(inv.pollRefs).map((ref, i) => ({
            workspaceId: p.workspaceId,
            workspace: homes.get(inv.membership.person.workspaceId) ?? ws,
            to: { kind: "update" as const, ref },
            render: { kind: "poll.copy" as const, roundId, invitationId: inv.id },
            dedupeKey: closedCardKey(inv.id, i),
          })),
        ),
      );
      // One digest per close: its id is the round's, so nothing can record or send it twice.
      const prepared = await this.c.digests.prepareDigest(tx, ws, p, roundId, trigger, `close-${roundId}`);
      if (prepared) await prepared.write(tx);
      crashPoint("round-close:before-commit");
      return prepared?.target ?? { people: 0 };
    }, LONG_TRANSACTION);
    if (!target) return null;
    crashPoint("round-close:after-commit");
    this.c.onEnqueue();
    return target;
  }


  async status(ctx: Context, p: PartnershipRow, membership: MembershipRow): Promise<Message> {
    const round = await this.c.db.round.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id }, orderBy: { number: "desc" } });
    if (!round) throw new UserError("err.no-rounds", {}, "checkin.start");
    const invs = await this.c.db.invitation.findMany({
      where: { workspaceId: ctx.workspaceId, roundId: round.id },
      include: { membership: { include: { person: true } } },
    });
    const started = new Set(
      (await this.c.db.answer.groupBy({ by: ["membershipId"], where: { workspaceId: ctx.workspaceId, roundId: round.id } })).map((g) => g.membershipId),
    );
    const done = invs.filter((i) => i.completedAt);
    const partial = invs.filter((i) => !i.completedAt && started.has(i.membershipId));
    const open = round.closedAt === null && round.closesAt > this.c.now();
    const lines: RichText[] = [
      t(ctx.lang, "status.counts", { done: done.length, n: invs.length, partial: partial.length }),
      open ? t(ctx.lang, "digest.open-until", { date: formatDate(ctx.lang, round.closesAt, p.timeZone) }) : t(ctx.lang, "digest.closed"),
    ];
    // Polls the outbox has not delivered a minute after the round opened: the platform is refusing or slow.
    const undelivered = invs.filter((i) => !i.sentAt && !i.completedAt && this.c.now().getTime() - round.opensAt.getTime() > 60_000).length;
    if (open && undelivered && membership.roles.includes("coordinator")) lines.push(t(ctx.lang, "warn.send-failed", { n: undelivered }));
    // Who has answered, never what; and in confidential mode not even who.
    // The round's own mode, fixed when it opened: switching to attributed later names nobody in it.
    if (round.anonymity === "attributed" && membership.roles.includes("coordinator")) {
      const names = (label: string, xs: typeof invs): Inline[] =>
        joinNodes(`${label}: `, xs.length ? xs.flatMap((i, k) => (k ? [{ t: "text" as const, text: ", " }, this.c.personLabel(i.membership.person)] : [this.c.personLabel(i.membership.person)])) : "–");
      lines.push(names(t(ctx.lang, "status.answered"), done));
      lines.push(names(t(ctx.lang, "status.partial"), partial));
      lines.push(names(t(ctx.lang, "status.waiting"), invs.filter((i) => !i.completedAt && !started.has(i.membershipId))));
    } else if (round.anonymity === "confidential") lines.push(t(ctx.lang, "status.confidential"));
    return listMessage(t(ctx.lang, "status.title", { partnership: p.name, n: round.number }), lines, "");
  }


  async remind(ctx: Context, p: PartnershipRow): Promise<Message> {
    const round = await this.c.openRound(ctx.workspaceId, p.id, this.c.now());
    if (!round) throw new UserError("err.no-open-round", {}, "checkin.start");
    const n = await this.enqueueUnfinished({ ...round, partnership: p }, "remind");
    return textMessage(t(ctx.lang, "ok.reminded", { n }));
  }


  /** Sends the poll again, as it stands, to those invited who have not finished. */
  async enqueueUnfinished(round: RoundWithPartnership, kind: "remind"): Promise<number> {
    const invitations = await this.c.db.invitation.findMany({
      where: { workspaceId: round.workspaceId, roundId: round.id, completedAt: null, membership: { removedAt: null } },
      select: { id: true, membership: { select: { person: { select: { platformUserId: true, workspaceId: true } } } } },
    });
    await this.enqueuePolls(this.c.db, round, invitations, kind);
    this.c.onEnqueue();
    return invitations.length;
  }



  /**
   * Puts each invitation's poll card in the outbox, as the person would see it now. `kind` names
   * the occasion and makes the delivery unique: one first poll per invitation, and one per nudge.
   */
  async enqueuePolls(
    db: Db | Tx,
    round: { id: string; workspaceId: string },
    invitations: { id: string; membership: { person: { platformUserId: string; workspaceId: string } } }[],
    kind: "poll" | "remind" | { nudge: string },
  ): Promise<number> {
    const stamp = this.c.now().getTime();
    // Each to the person's own workspace; none where the app was removed, nor to a member page (it shows the poll when opened).
    const homes = await this.c.addresses.refs(invitations.map((inv) => inv.membership.person.workspaceId), db);
    // The card itself is built when it is delivered (renderDelivery): as the person's answers then stand.
    const items: OutboxItem[] = invitations.flatMap((inv) => {
      const home = homes.get(inv.membership.person.workspaceId);
      if (!home?.reachable) return [];
      return [{
        workspaceId: round.workspaceId,
        workspace: home,
        to: { kind: "user", userId: inv.membership.person.platformUserId },
        render: { kind: "poll", roundId: round.id, invitationId: inv.id, ...(kind === "poll" ? {} : { reminder: true, withSnooze: true }) },
        dedupeKey: kind === "poll" ? `poll:${inv.id}` : kind === "remind" ? `remind:${inv.id}:${stamp}` : kind.nudge,
        after: { type: "invitation.sent", invitationId: inv.id },
      } satisfies OutboxItem];
    });
    return enqueueDeliveries(db, items);
  }


  async runRoundClose(job: ClaimedJob, now: Date): Promise<JobOutcome> {
    const { roundId } = z.object({ roundId: z.string() }).parse(job.payload);
    const round = await this.c.db.round.findFirst({ where: { id: roundId, workspaceId: job.workspaceId }, include: { partnership: true, workspace: true } });
    if (!round) return { status: "skipped", note: "round deleted" };
    // Closed already: the close's own transaction recorded and queued its digest.
    if (round.closedAt) return { status: "skipped", note: "closed already" };
    if (round.closesAt > now) return { status: "later", at: round.closesAt, note: "deadline moved" };
    // closeRoundNow is idempotent (it closes only an open round), so a retry cannot post twice.
    await this.closeRoundNow(this.c.wsRefOf(round.workspace), round.partnership, round.id, "round-closed");
    return { status: "done" };
  }

}
