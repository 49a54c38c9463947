// Meetings: registered with their times and a calendar entry, moved, given points and a chat; the
// pulse before them. What happens at and after them (agenda, agreements, minutes) is agendas.ts.
import type { Message } from "../messages/model.ts";
import { message, textMessage } from "../messages/model.ts";
import { calendarEntry, calendarFileName } from "../domain/calendar.ts";
import { CALENDAR_PATH, reportKey, signCalendar, verifyCalendar } from "../report/link.ts";
import { type Command, userText } from "../commands/parse.ts";
import type { AgendaTime } from "../commands/command.ts";
import { t, tn, formatDate, formatDateTime, type Lang } from "../i18n/i18n.ts";
import { plainOf } from "../messages/model.ts";
import { zonedTimeToUtc, localDate } from "../domain/rounds.ts";
import { listMessage } from "../messages/build.ts";
import { z } from "zod";
import { enqueueDeliveries, type OutboxItem } from "../outbox/outbox.ts";
import { JobQueue, type NewJob } from "../jobs/queue.ts";
import { nextAllowed, isQuiet } from "../clock/quiet.ts";
import type { JobOutcome } from "../clock/clock.ts";
import type { ClaimedJob } from "../jobs/queue.ts";
import { quietOf, UserError, type PartnershipRow, type Context, type CoreContext } from "./context.ts";

/** How long a meeting lasts when nobody says (its minutes go out at its end). */
export const DEFAULT_MINUTES = 120;
/** The agenda goes out on the meeting's morning, unless asked otherwise. */
const AGENDA_MORNING = { hour: 8, minute: 0 };

/** When the agenda goes out: the morning of the day (or the asked time), never after the meeting starts nor before now. */
export function agendaTime(startsAt: Date, asked: AgendaTime | undefined, timeZone: string, now: Date): Date {
  let at: Date;
  if (asked?.kind === "before") at = new Date(startsAt.getTime() - asked.minutes * 60_000);
  else {
    const day = localDate(startsAt, timeZone);
    const { hour, minute } = asked ?? AGENDA_MORNING;
    at = zonedTimeToUtc(day.year, day.month, day.day, hour, minute, timeZone);
    // A meeting before breakfast gets its agenda an hour ahead.
    if (at >= startsAt) at = new Date(startsAt.getTime() - 3600_000);
  }
  return new Date(Math.min(startsAt.getTime(), Math.max(now.getTime(), at.getTime())));
}

type CalendarRow = { id: string; number: number; title: string; startsAt: Date; endsAt: Date | null; sequence: number };

/** When a meeting ends: as planned, or the default length after its start (meetings from before `length=`). */
const endOf = (m: { startsAt: Date; endsAt: Date | null }) => m.endsAt ?? new Date(m.startsAt.getTime() + DEFAULT_MINUTES * 60_000);

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
    const endsAt = new Date(startsAt.getTime() + (cmd.minutes ?? DEFAULT_MINUTES) * 60_000);
    const agendaAt = agendaTime(startsAt, cmd.agenda, p.timeZone, now);
    const meeting = await this.c.db.$transaction(async (tx) => {
      await this.c.lockPartnership(tx, p.id);
      const last = await tx.meeting.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id }, orderBy: { number: "desc" } });
      const meeting = await tx.meeting.create({ data: { workspaceId: ctx.workspaceId, partnershipId: p.id, number: (last?.number ?? 0) + 1, title: cmd.title, startsAt, endsAt, agendaAt, participantIds: participants.map((m) => m.id) } });
      await JobQueue.enqueue(tx, [
        ...(pulseDays > 0 && pulseAt < startsAt ? [{ workspaceId: p.workspaceId, kind: "meeting.pulse", dueAt: pulseAt, dedupeKey: `meeting:${meeting.id}:pulse`, payload: { meetingId: meeting.id, sections } }] : []),
        ...this.timeJobs(meeting),
      ]);
      return meeting;
    });
    const reply = textMessage(t(ctx.lang, "ok.meeting-added", { number: meeting.number, title: meeting.title, date: formatDateTime(ctx.lang, startsAt, p.timeZone), people: t(ctx.lang, "count.people", { n: participants.length }), pulse: pulseDays > 0 && pulseAt < startsAt ? formatDateTime(ctx.lang, pulseAt, p.timeZone) : "–", agenda: formatDateTime(ctx.lang, agendaAt, p.timeZone) }));
    return await this.withCalendar(ctx, p, meeting, reply);
  }

  /** The agenda and the minutes, at the meeting's times; a move counts the sequence up, and the old ones find it moved. */
  private timeJobs(m: { id: string; workspaceId: string; agendaAt: Date | null; startsAt: Date; endsAt: Date | null; sequence: number }): NewJob[] {
    const payload = { meetingId: m.id, sequence: m.sequence };
    return [
      { workspaceId: m.workspaceId, kind: "meeting.agenda", dueAt: m.agendaAt ?? m.startsAt, dedupeKey: `meeting:${m.id}:agenda:${m.sequence}`, payload },
      { workspaceId: m.workspaceId, kind: "meeting.minutes", dueAt: endOf(m), dedupeKey: `meeting:${m.id}:minutes:${m.sequence}`, payload },
    ];
  }

  private calendarOf(m: CalendarRow, p: { name: string; timeZone: string }, lang: Lang): string {
    return calendarEntry({
      id: m.id, title: m.title, startsAt: m.startsAt, endsAt: endOf(m), sequence: m.sequence, timeZone: p.timeZone, stamp: this.c.now(),
      description: t(lang, "meeting.calendar-description", { partnership: p.name }),
    });
  }

  /**
   * A reply with the meeting's calendar entry: the file, and a link to it that the partners can
   * be given. The link always serves the entry as it stands (a moved meeting, one revision on), and
   * works until 90 days after the meeting.
   */
  private async withCalendar(ctx: Context, p: PartnershipRow, m: CalendarRow, reply: Message): Promise<Message> {
    const until = endOf(m).getTime() + 90 * 86_400_000;
    const token = signCalendar(await reportKey(this.c.db), { k: "cal", m: m.id, e: Math.floor(until / 1000) });
    const url = `${this.c.publicUrl()}${CALENDAR_PATH}${token}/${calendarFileName(m.number)}`;
    return message(reply.fallback, [
      ...reply.blocks,
      { type: "text", text: [{ t: "text", text: `${t(ctx.lang, "meeting.calendar-note")} ` }, { t: "link", url, text: t(ctx.lang, "meeting.calendar-link") }], muted: true },
      { type: "file", filename: calendarFileName(m.number), mimeType: "text/calendar", content: this.calendarOf(m, p, ctx.lang) },
    ]);
  }

  /** GET /calendar/<token>/meeting-3.ics: the entry as it stands, or null (unknown, tampered, expired all look alike). */
  async calendarFile(token: string, filename: string): Promise<{ filename: string; content: string } | null> {
    const claims = verifyCalendar(await reportKey(this.c.db), token);
    if (!claims || claims.e * 1000 <= this.c.now().getTime()) return null;
    const m = await this.c.db.meeting.findUnique({ where: { id: claims.m }, include: { partnership: true } });
    if (!m || calendarFileName(m.number) !== filename) return null;
    return { filename, content: this.calendarOf(m, m.partnership, m.partnership.language === "en" ? "en" : "da") };
  }

  private async meetingNumbered(p: PartnershipRow, number: number) {
    const m = await this.c.db.meeting.findFirst({ where: { workspaceId: p.workspaceId, partnershipId: p.id, number } });
    if (!m) throw new UserError("err.no-such-meeting", { number }, "meeting");
    return m;
  }

  /** `meeting move 3 at=…`: a new time, the same calendar entry one revision on, and the agenda and minutes at the new times. */
  async moveMeeting(ctx: Context, p: PartnershipRow, cmd: Extract<Command, { name: "meeting.move" }>): Promise<Message> {
    const m = await this.meetingNumbered(p, cmd.number);
    if (m.closedAt) throw new UserError("err.meeting-closed", { number: m.number });
    const now = this.c.now();
    const startsAt = zonedTimeToUtc(cmd.at.year, cmd.at.month, cmd.at.day, cmd.at.hour, cmd.at.minute, p.timeZone);
    if (startsAt <= now) throw new UserError("err.meeting-past", {}, "meeting");
    const shift = startsAt.getTime() - m.startsAt.getTime();
    const moved = await this.c.db.$transaction(async (tx) => {
      const moved = await tx.meeting.update({
        where: { id: m.id },
        data: { startsAt, endsAt: m.endsAt ? new Date(m.endsAt.getTime() + shift) : null, agendaAt: m.agendaAt ? new Date(Math.max(now.getTime(), m.agendaAt.getTime() + shift)) : null, sequence: { increment: 1 } },
      });
      await JobQueue.enqueue(tx, this.timeJobs(moved));
      return moved;
    });
    return await this.withCalendar(ctx, p, moved, textMessage(t(ctx.lang, "ok.meeting-moved", { number: m.number, title: m.title, date: formatDateTime(ctx.lang, startsAt, p.timeZone) })));
  }

  /** `meeting point 3 "…"`: a point of the coordinator's on the agenda (cards already posted show it). */
  async addPoint(ctx: Context, p: PartnershipRow, number: number, text: string): Promise<Message> {
    const m = await this.meetingNumbered(p, number);
    if (m.closedAt) throw new UserError("err.meeting-closed", { number });
    const ws = await this.c.db.workspace.findUniqueOrThrow({ where: { id: p.workspaceId } });
    const points = await this.c.db.$transaction(async (tx) => {
      const updated = await tx.meeting.update({ where: { id: m.id }, data: { points: { push: text } } });
      await this.c.agendas.refreshCards(tx, updated, this.c.wsRefOf(ws));
      return updated.points.length;
    });
    this.c.onEnqueue();
    return textMessage(tn(ctx.lang, "ok.meeting-point", { number, n: points, text: userText(text) }));
  }

  /** `meeting link 3`, typed in a chat: the meeting is held there (its agenda, card and minutes go there). */
  async linkMeeting(ctx: Context, p: PartnershipRow, number: number): Promise<Message> {
    const m = await this.meetingNumbered(p, number);
    const chatId = ctx.actor.conversation === "direct" ? undefined : ctx.actor.channelId;
    if (!chatId) throw new UserError("err.meeting-link-where", { number }, "meeting");
    const clash = await this.c.db.meeting.findFirst({ where: { workspaceId: p.workspaceId, chatId, partnershipId: { not: p.id } } });
    if (clash) throw new UserError("err.meeting-link-taken", { number });
    await this.c.db.meeting.update({ where: { id: m.id }, data: { chatId, ...(ctx.actor.onlineMeetingId ? { onlineMeetingId: ctx.actor.onlineMeetingId } : {}) } });
    return textMessage(t(ctx.lang, ctx.actor.onlineMeetingId ? "ok.meeting-linked-online" : "ok.meeting-linked", { number, title: m.title }));
  }

  /** `meeting close 3`: the minutes now, rather than at the planned end. */
  async closeMeeting(ctx: Context, p: PartnershipRow, number: number): Promise<Message> {
    const m = await this.meetingNumbered(p, number);
    if (m.closedAt) throw new UserError("err.meeting-closed", { number });
    await this.c.agendas.close(m.id, p.workspaceId, this.c.now());
    return textMessage(t(ctx.lang, "ok.meeting-closed", { number, title: m.title }));
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
    return {
      status: "done",
      effect: async (tx) => {
        const round = await this.c.rounds.createRoundTx(tx, p, plan, now);
        await tx.meeting.update({ where: { id: m.id }, data: { roundId: round.id } });
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
    const stamp = now.getTime();
    const items: OutboxItem[] = [];
    for (const r of recipients) {
      // Each where they work: a participant of another organisation in their own workspace.
      const address = await this.c.addresses.of(r.person);
      if (!address) continue;
      const lang = this.c.langOfPerson(r.person, p);
      const title = t(lang, "meeting.agreements-title", { title: m.title, date: formatDate(lang, m.startsAt, p.timeZone) });
      const lines = m.actions.map((a) => this.c.actions.actionLine(lang, a, a.owner ? this.c.personLabel(a.owner.person) : null, now, p.timeZone));
      items.push({ workspaceId: p.workspaceId, ...address, message: listMessage(title, lines, ""), lang, dedupeKey: `agreements:${m.id}:${stamp}:${r.id}` });
    }
    await enqueueDeliveries(this.c.db, items);
    this.c.onEnqueue();
    return textMessage(t(ctx.lang, "ok.meeting-sent", { n: m.actions.length, number, people: t(ctx.lang, "count.people", { n: recipients.length }) }));
  }


}
