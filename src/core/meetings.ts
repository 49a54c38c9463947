// Meetings: the pulse before, the follow-up after, and the agreements sent to participants.
import type { Message } from "../messages/model.ts";
import { textMessage } from "../messages/model.ts";
import { type Command } from "../commands/parse.ts";
import { t, tn, formatDate, formatDateTime } from "../i18n/i18n.ts";
import { plainOf } from "../messages/model.ts";
import { zonedTimeToUtc } from "../domain/rounds.ts";
import { listMessage } from "../messages/build.ts";
import { z } from "zod";
import { enqueueDeliveries } from "../outbox/outbox.ts";
import { JobQueue } from "../jobs/queue.ts";
import { nextAllowed, isQuiet } from "../clock/quiet.ts";
import type { JobOutcome } from "../clock/clock.ts";
import type { ClaimedJob } from "../jobs/queue.ts";
import { quietOf, UserError, type PartnershipRow, type Context, type CoreContext } from "./context.ts";

export class Meetings {
  constructor(readonly c: CoreContext) {}

  async addMeeting(ctx: Context, p: PartnershipRow, cmd: Extract<Command, { name: "meeting.add" }>): Promise<Message> {
    const now = this.c.now();
    const startsAt = zonedTimeToUtc(cmd.at.year, cmd.at.month, cmd.at.day, cmd.at.hour, cmd.at.minute, p.timeZone);
    if (startsAt <= now) throw new UserError("err.meeting-past", {}, "meeting");
    const members = await this.c.db.membership.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, removedAt: null }, include: { person: true } });
    let participants = members;
    if (cmd.with) {
      participants = [];
      for (const id of cmd.with) {
        const m = members.find((x) => x.person.platformUserId === id);
        if (!m) throw new UserError("err.owner-not-member", { person: this.c.mention(id), partnership: p.name }, "member.add");
        participants.push(m);
      }
    }
    // The pulse: one checklist section per meeting, in turn, unless the coordinator chose.
    const earlier = await this.c.db.meeting.count({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id } });
    const sections = cmd.sections ?? [(earlier % 7) + 1];
    const pulseDays = cmd.pulseDays ?? 3;
    const pulseAt = nextAllowed(new Date(Math.max(now.getTime(), startsAt.getTime() - pulseDays * 86_400_000)), quietOf(p));
    const meeting = await this.c.db.$transaction(async (tx) => {
      await this.c.lockPartnership(tx, p.id);
      const last = await tx.meeting.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id }, orderBy: { number: "desc" } });
      const meeting = await tx.meeting.create({ data: { workspaceId: ctx.workspaceId, partnershipId: p.id, number: (last?.number ?? 0) + 1, title: cmd.title, startsAt, participantIds: participants.map((m) => m.id) } });
      await JobQueue.enqueue(tx, [
        ...(pulseDays > 0 && pulseAt < startsAt ? [{ workspaceId: p.workspaceId, kind: "meeting.pulse", dueAt: pulseAt, dedupeKey: `meeting:${meeting.id}:pulse`, payload: { meetingId: meeting.id, sections } }] : []),
        { workspaceId: p.workspaceId, kind: "meeting.followup", dueAt: new Date(startsAt.getTime() + 2 * 3600_000), dedupeKey: `meeting:${meeting.id}:followup`, payload: { meetingId: meeting.id } },
      ]);
      return meeting;
    });
    return textMessage(t(ctx.lang, "ok.meeting-added", { number: meeting.number, title: meeting.title, date: formatDateTime(ctx.lang, startsAt, p.timeZone), people: t(ctx.lang, "count.people", { n: participants.length }), pulse: pulseDays > 0 && pulseAt < startsAt ? formatDateTime(ctx.lang, pulseAt, p.timeZone) : "–" }));
  }


  async listMeetings(ctx: Context, p: PartnershipRow): Promise<Message> {
    const meetings = await this.c.db.meeting.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id }, orderBy: { startsAt: "asc" }, include: { _count: { select: { actions: true } } } });
    return listMessage(
      t(ctx.lang, "list.meetings", { partnership: p.name }),
      meetings.map((m) => t(ctx.lang, "meeting.line", { number: m.number, title: m.title, date: formatDateTime(ctx.lang, m.startsAt, p.timeZone), n: m._count.actions })),
      t(ctx.lang, "list.no-meetings"),
    );
  }


  async runMeetingPulse(job: ClaimedJob, now: Date): Promise<JobOutcome> {
    const pl = z.object({ meetingId: z.string(), sections: z.array(z.number().int()) }).parse(job.payload);
    const m = await this.c.db.meeting.findFirst({ where: { id: pl.meetingId, workspaceId: job.workspaceId }, include: { partnership: true, workspace: true } });
    if (!m) return { status: "skipped", note: "meeting deleted" };
    if (m.startsAt <= now) return { status: "skipped", note: "the meeting has started" };
    const p = m.partnership;
    if (isQuiet(now, quietOf(p))) {
      const at = nextAllowed(now, quietOf(p));
      if (at < m.startsAt) return { status: "later", at, note: "quiet hours" };
    }
    if (await this.c.openRound(p.workspaceId, p.id, now)) return { status: "skipped", note: "another round is open" };
    let plan;
    try {
      plan = await this.c.rounds.planRound(p, undefined, pl.sections, m.startsAt, m.participantIds);
    } catch (e) {
      if (e instanceof UserError) return { status: "skipped", note: `cannot open: ${plainOf(tn("en", e.key, e.params))}` };
      throw e;
    }
    const ws = this.c.wsRefOf(m.workspace);
    return {
      status: "done",
      effect: async (tx) => {
        const round = await this.c.rounds.createRoundTx(tx, ws, p, plan, now);
        await tx.meeting.update({ where: { id: m.id }, data: { roundId: round.id } });
      },
    };
  }


  async runMeetingFollowup(job: ClaimedJob, now: Date): Promise<JobOutcome> {
    const { meetingId } = z.object({ meetingId: z.string() }).parse(job.payload);
    const m = await this.c.db.meeting.findFirst({ where: { id: meetingId, workspaceId: job.workspaceId }, include: { partnership: true, workspace: true } });
    if (!m) return { status: "skipped", note: "meeting deleted" };
    const p = m.partnership;
    if (isQuiet(now, quietOf(p))) return { status: "later", at: nextAllowed(now, quietOf(p)), note: "quiet hours" };
    const coordinators = await this.c.db.membership.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id, removedAt: null, roles: { has: "coordinator" } }, include: { person: true } });
    const ws = this.c.wsRefOf(m.workspace);
    return {
      status: "done",
      effect: async (tx) => {
        await enqueueDeliveries(tx, coordinators.map((c) => {
          const lang = this.c.langOfPerson(c.person, p);
          return { workspaceId: p.workspaceId, workspace: ws, to: { kind: "user" as const, userId: c.person.platformUserId }, message: textMessage(t(lang, "meeting.followup", { title: m.title, number: m.number })), lang, dedupeKey: `followup:${m.id}:${c.id}` };
        }));
      },
    };
  }


  /** Sends every participant (and the coordinators) the agreements recorded for a meeting. */
  async sendAgreements(ctx: Context, p: PartnershipRow, number: number): Promise<Message> {
    const m = await this.c.db.meeting.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, number }, include: { actions: { include: { owner: { include: { person: true } } }, orderBy: { number: "asc" } }, workspace: true } });
    if (!m) throw new UserError("err.no-such-meeting", { number }, "meeting");
    if (m.actions.length === 0) throw new UserError("err.no-agreements", { number }, "action.add");
    const coordinators = await this.c.db.membership.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, removedAt: null, roles: { has: "coordinator" } } });
    const ids = [...new Set([...m.participantIds, ...coordinators.map((c) => c.id)])];
    const recipients = await this.c.db.membership.findMany({ where: { id: { in: ids }, removedAt: null }, include: { person: true } });
    const now = this.c.now();
    const ws = this.c.wsRefOf(m.workspace);
    const stamp = now.getTime();
    await enqueueDeliveries(this.c.db, recipients.map((r) => {
      const lang = this.c.langOfPerson(r.person, p);
      const title = t(lang, "meeting.agreements-title", { title: m.title, date: formatDate(lang, m.startsAt, p.timeZone) });
      const lines = m.actions.map((a) => this.c.actions.actionLine(lang, a, a.owner ? this.c.personLabel(a.owner.person) : null, now, p.timeZone));
      return { workspaceId: p.workspaceId, workspace: ws, to: { kind: "user" as const, userId: r.person.platformUserId }, message: listMessage(title, lines, ""), lang, dedupeKey: `agreements:${m.id}:${stamp}:${r.id}` };
    }));
    this.c.onEnqueue();
    return textMessage(t(ctx.lang, "ok.meeting-sent", { n: m.actions.length, number, people: t(ctx.lang, "count.people", { n: recipients.length }) }));
  }


}
