// Follow-up actions: agreements with an owner and a due date, their reminders, done and postponed.
import type { Message, Inline } from "../messages/model.ts";
import { message, textMessage, joinNodes } from "../messages/model.ts";
import { type Command, userText } from "../commands/parse.ts";
import { t, tn, formatDate, type Lang } from "../i18n/i18n.ts";
import { dueDateFrom, isOverdue, todayIn, zonedTimeToUtc } from "../domain/rounds.ts";
import { mayChangeAction, mayRunCommand } from "../policy.ts";
import { AGREEMENT_FIELDS, AGREEMENT_LIMITS, readAgreement } from "../domain/agreements.ts";
import { formRefusal } from "../messages/build.ts";
import { z } from "zod";
import { enqueueDeliveries, type OutboxItem } from "../outbox/outbox.ts";
import { JobQueue, type NewJob } from "../jobs/queue.ts";
import { nextAllowed, isQuiet } from "../clock/quiet.ts";
import type { JobOutcome } from "../clock/clock.ts";
import type { ClaimedJob } from "../jobs/queue.ts";
import { REFUSAL_KEY, quietOf, UserError, type PartnershipRow, type Context, type CoreContext, type Tx } from "./context.ts";

/** The fields of the "make it an action" form. */
const FORM_FIELDS = AGREEMENT_FIELDS;

export class Actions {
  constructor(readonly c: CoreContext) {}

  actionLine(lang: Lang, a: { number: number; text: string; dueDate: Date | null; status: string; sourceMeeting: string | null }, owner: Inline | null, now: Date, timeZone: string): Inline[] {
    const due = a.dueDate ? t(lang, "action.due", { date: formatDate(lang, a.dueDate, "UTC") }) : t(lang, "action.no-due");
    const overdue: Inline[] = a.status === "open" && isOverdue(a.dueDate, now, timeZone) ? [{ t: "text", text: " — " }, { t: "strong", text: t(lang, "action.overdue") }] : [];
    const done = a.status === "done" ? ` ✓ ${t(lang, "action.done")}` : "";
    return joinNodes(`#${a.number} `, userText(a.text), " — ", owner ? [owner, { t: "text", text: ", " }] : [], due, overdue, done, a.sourceMeeting ? joinNodes(" (", userText(a.sourceMeeting), ")") : []);
  }


  async addAction(ctx: Context, p: PartnershipRow, cmd: Extract<Command, { name: "action.add" }>): Promise<Message> {
    let ownerId: string | null = null;
    if (cmd.ownerId) {
      const m = await this.c.db.membership.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, removedAt: null, person: { platformUserId: cmd.ownerId } } });
      if (!m) throw new UserError("err.owner-not-member", { person: this.c.mention(cmd.ownerId), partnership: p.name }, "member.add");
      ownerId = m.id;
    }
    const dueDate = cmd.due ? dueDateFrom(cmd.due, this.c.now(), p.timeZone) : null;
    // meeting=3 links the agreement to meeting #3 (sent with `meeting send 3`); other text is a label.
    const meetingNo = cmd.meeting && /^#?\d{1,6}$/.test(cmd.meeting) ? Number(cmd.meeting.replace("#", "")) : null;
    const meeting = meetingNo ? await this.c.db.meeting.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, number: meetingNo } }) : null;
    if (meetingNo && !meeting) throw new UserError("err.no-such-meeting", { number: meetingNo }, "meeting");
    if (cmd.statementId) await this.statementText(ctx, p, cmd.statementId);
    const ws = meeting ? this.c.wsRefOf(await this.c.db.workspace.findUniqueOrThrow({ where: { id: p.workspaceId } })) : null;
    // Typed during the meeting, it shows on the meeting's card as one recorded there would.
    const action = await this.recordAction(p, { text: cmd.text, ownerId, dueDate, sourceMeeting: meeting ? meeting.title : (cmd.meeting ?? null), meetingId: meeting?.id ?? null, statementId: cmd.statementId ?? null }, meeting && ws ? (tx) => this.c.agendas.refreshCards(tx, meeting, ws) : undefined);
    if (meeting) this.c.onEnqueue();
    return textMessage(joinNodes(tn(ctx.lang, "ok.action-added", { number: action.number, text: userText(action.text) }), cmd.ownerId ? [{ t: "text", text: " " }, this.c.mention(cmd.ownerId)] : []));
  }


  /**
   * An agreement saved, numbered in its partnership, with its owner's reminders: the one way every
   * agreement is kept, typed (`action add`) or from a form (a meeting's card, a digest's statement).
   * `also` runs in the same transaction (a meeting's card brought up to date).
   */
  async recordAction(p: PartnershipRow, a: { text: string; ownerId: string | null; dueDate: Date | null; sourceMeeting: string | null; meetingId: string | null; statementId: string | null }, also?: (tx: Tx, action: { id: string; number: number }) => Promise<void>) {
    return this.c.db.$transaction(async (tx) => {
      await this.c.lockPartnership(tx, p.id);
      const last = await tx.action.findFirst({ where: { workspaceId: p.workspaceId, partnershipId: p.id }, orderBy: { number: "desc" }, select: { number: true } });
      const action = await tx.action.create({ data: { workspaceId: p.workspaceId, partnershipId: p.id, number: (last?.number ?? 0) + 1, ...a, agreedDue: a.dueDate } });
      await JobQueue.enqueue(tx, this.reminderJobs(p, action));
      await also?.(tx, action);
      return action;
    });
  }


  /** statement=s3.2: a rating statement of one of this partnership's closed rounds, as its digest names it; its text. */
  private async statementText(ctx: Context, p: PartnershipRow, statementId: string): Promise<string> {
    const rounds = await this.c.db.round.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, closedAt: { not: null } }, select: { id: true, snapshot: true }, orderBy: { number: "desc" }, take: 20 });
    for (const r of rounds) {
      const item = this.c.results.snapshotOf(r).sections.flatMap((s) => s.items).find((i) => i.id === statementId && i.kind === "rating");
      if (item) return item.text[ctx.lang];
    }
    throw new UserError("err.no-such-statement", { statement: statementId }, "action.add");
  }


  /**
   * "Make it an action", pressed on a digest's statement: a form for the presser alone, pre-filled
   * with the statement, asking what is to be done, who owns it (a member) and by when. Coordinators only.
   */
  async statementForm(ctx: Context, partnershipId: string, statementId: string): Promise<Message> {
    const row = await this.c.partnershipById(ctx, partnershipId);
    const { partnership: p, membership } = await this.c.selectPartnership(ctx, row.name);
    const allowed = mayRunCommand(membership, true);
    if (!allowed.ok || !membership) throw new UserError(allowed.ok || allowed.reason !== "coordinator-only" ? "err.not-member" : "err.coordinator-only", { partnership: p.name });
    const lang = this.c.langFor(ctx, p);
    const statement = await this.statementText({ ...ctx, lang }, p, statementId);
    const members = await this.c.db.membership.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id, removedAt: null }, include: { person: true }, orderBy: { createdAt: "asc" }, take: 100 });
    // Two weeks from today, which the person changes as they like.
    const due = todayIn(p.timeZone, this.c.now());
    due.setUTCDate(due.getUTCDate() + 14);
    const title = t(lang, "action.form-title");
    return message(title, [
      { type: "header", text: title },
      { type: "text", text: t(lang, "action.form-intro", { id: statementId, statement, partnership: p.name }) },
      { type: "input", id: FORM_FIELDS.text, label: t(lang, "action.form-what"), value: t(lang, "action.form-text", { id: statementId, statement }).slice(0, AGREEMENT_LIMITS.text), maxLength: AGREEMENT_LIMITS.text, multiline: false, optional: false },
      { type: "input", id: FORM_FIELDS.ownerId, kind: "choice", label: t(lang, "action.form-owner"), options: members.map((m) => ({ value: m.person.platformUserId, label: m.person.displayName || m.person.platformUserId })), optional: false },
      { type: "input", id: FORM_FIELDS.due, kind: "date", label: t(lang, "action.form-due"), value: due.toISOString().slice(0, 10), optional: false },
      { type: "buttons", buttons: [{ label: t(lang, "action.form-record"), actionId: "action.record", value: JSON.stringify({ p: p.id, s: statementId }), style: "primary" }] },
    ], { apart: true, lang });
  }


  /** The form above, sent: the action by `action add`'s rules, remembering its statement; or what is wrong, and nothing recorded. */
  async recordFromForm(ctx: Context, partnershipId: string, statementId: string, fields: Record<string, string>): Promise<Message> {
    const p = await this.c.partnershipById(ctx, partnershipId);
    const lang = this.c.langFor(ctx, p);
    const read = readAgreement({ text: fields[FORM_FIELDS.text] ?? "", ownerId: fields[FORM_FIELDS.ownerId] ?? "", due: fields[FORM_FIELDS.due] ?? "" });
    if (!read.ok) {
      const label = { text: "action.form-what", ownerId: "action.form-owner", due: "action.form-due" } as const;
      const wrong = (Object.keys(label) as (keyof typeof label)[]).filter((f) => read.problems[f]).map((f) => ({ id: FORM_FIELDS[f], label: t(lang, label[f]), problem: t(lang, `form.${read.problems[f]!}`) }));
      return formRefusal(lang, t(lang, "err.action-form"), wrong);
    }
    return this.c.commands.run(ctx, { name: "action.add", partnership: p.name, text: read.text, ownerId: read.ownerId, due: { kind: "date", ...read.due }, statementId });
  }


  async listActions(ctx: Context, p: PartnershipRow): Promise<Message> {
    const now = this.c.now();
    const actions = await this.c.db.action.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id }, include: { owner: { include: { person: true } } }, orderBy: [{ status: "desc" }, { dueDate: "asc" }, { number: "asc" }] });
    const blocks: Parameters<typeof message>[1] = [{ type: "header", text: t(ctx.lang, "list.actions", { partnership: p.name }) }];
    if (actions.length === 0) blocks.push({ type: "text", text: t(ctx.lang, "list.no-actions") });
    for (const a of actions) {
      blocks.push({ type: "text", text: this.actionLine(ctx.lang, a, a.owner ? this.c.personLabel(a.owner.person) : null, now, p.timeZone) });
      if (a.status === "open") blocks.push({ type: "buttons", buttons: [{ label: t(ctx.lang, "action.mark-done", { number: a.number }), actionId: "action.done", value: JSON.stringify({ a: a.id }) }] });
    }
    return message(t(ctx.lang, "list.actions", { partnership: p.name }), blocks);
  }


  async completeAction(ctx: Context, p: PartnershipRow, number: number): Promise<Message> {
    const action = await this.c.db.action.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, number }, include: { owner: true } });
    if (!action) throw new UserError("err.no-such-action", { number }, "action.list");
    const membership = await this.c.db.membership.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, personId: ctx.person.id } });
    const allowed = mayChangeAction(membership, action.owner?.personId === ctx.person.id);
    if (!allowed.ok) throw new UserError(REFUSAL_KEY[allowed.reason], { partnership: p.name });
    if (action.status === "done") return textMessage(t(ctx.lang, "ok.action-already-done", { number }));
    await this.c.db.action.update({ where: { id: action.id }, data: { status: "done", completedAt: this.c.now() } });
    return textMessage(t(ctx.lang, "ok.action-done", { number, text: action.text }));
  }

  // Every future action is a Job row (src/jobs/queue.ts); the Clock (src/clock/clock.ts) claims
  // due ones on every instance and asks these handlers what to do. A handler reads, decides, and
  // returns its writes as an effect that commits with the job's completion: exactly once.


  /** Reminders for an action's owner: two days before, on the day, then weekly while overdue (09:00 local). */
  reminderJobs(p: PartnershipRow, a: { id: string; workspaceId: string; ownerId: string | null; dueDate: Date | null }): NewJob[] {
    if (!a.ownerId || !a.dueDate) return [];
    const due = a.dueDate.toISOString().slice(0, 10);
    const at = (days: number) => {
      const d = new Date(a.dueDate!.getTime() + days * 86_400_000);
      return nextAllowed(zonedTimeToUtc(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 9, 0, p.timeZone), quietOf(p));
    };
    const now = this.c.now();
    const job = (kind: "before" | "due" | "overdue", days: number, week = 0): NewJob => ({
      workspaceId: a.workspaceId, kind: "action.remind", dueAt: at(days), dedupeKey: `action:${a.id}:${due}:${kind}${week ? `:${week}` : ""}`, payload: { actionId: a.id, due, kind, week },
    });
    // A reminder whose moment has passed when the action is recorded would only be noise.
    return [job("before", -2), job("due", 0), job("overdue", 7, 1)].filter((j) => j.dueAt > now);
  }


  async runActionReminder(job: ClaimedJob, now: Date): Promise<JobOutcome> {
    const pl = z.object({ actionId: z.string(), due: z.string(), kind: z.enum(["before", "due", "overdue"]), week: z.number().int() }).parse(job.payload);
    const a = await this.c.db.action.findFirst({ where: { id: pl.actionId, workspaceId: job.workspaceId }, include: { partnership: { include: { workspace: true } }, owner: { include: { person: true } } } });
    if (!a) return { status: "skipped", note: "action deleted" };
    if (a.status !== "open") return { status: "skipped", note: "done already" };
    if (!a.owner || a.owner.removedAt) return { status: "skipped", note: "no owner" };
    if (a.dueDate?.toISOString().slice(0, 10) !== pl.due) return { status: "skipped", note: "due date changed" };
    const p = a.partnership;
    // After downtime, an early reminder whose day has passed gives way to the later ones.
    const today = todayIn(p.timeZone, now).toISOString().slice(0, 10);
    if (pl.kind === "before" && today >= pl.due) return { status: "skipped", note: "stale: the due date has come" };
    if (pl.kind === "due" && today > pl.due) return { status: "skipped", note: "stale: the due date has passed" };
    if (isQuiet(now, quietOf(p))) return { status: "later", at: nextAllowed(now, quietOf(p)), note: "quiet hours" };
    const lang = this.c.langOfPerson(a.owner.person, p);
    const date = formatDate(lang, a.dueDate, "UTC");
    const text = t(lang, pl.kind === "before" ? "action.reminder-before" : pl.kind === "due" ? "action.reminder-due" : "action.reminder-overdue", { number: a.number, text: a.text, date });
    const msg = message(text, [
      { type: "header", text: p.name },
      { type: "text", text },
      { type: "buttons", buttons: [
        { label: t(lang, "action.mark-done", { number: a.number }), actionId: "action.done", value: JSON.stringify({ a: a.id }), style: "primary" },
        { label: t(lang, "action.postpone", { n: 7 }), actionId: "action.postpone", value: JSON.stringify({ a: a.id, d: 7 }) },
        { label: t(lang, "action.postpone", { n: 14 }), actionId: "action.postpone", value: JSON.stringify({ a: a.id, d: 14 }) },
      ] },
    ]);
    const address = await this.c.addresses.of(a.owner.person);
    if (!address) return { status: "skipped", note: "the owner's workspace removed the app" };
    // While overdue: again a week after this one (from its planned time, so catch-up does not drift).
    const next: NewJob[] = pl.kind === "overdue"
      ? [{ workspaceId: a.workspaceId, kind: "action.remind", dueAt: nextAllowed(new Date(Math.max(job.dueAt.getTime(), now.getTime() - 86_400_000) + 7 * 86_400_000), quietOf(p)), dedupeKey: `action:${a.id}:${pl.due}:overdue:${pl.week + 1}`, payload: { ...pl, week: pl.week + 1 } }]
      : [];
    return {
      status: "done",
      effect: async (tx) => {
        await enqueueDeliveries(tx, [{ workspaceId: a.workspaceId, ...address, message: msg, lang, dedupeKey: `remind:${job.id}` }]);
        await JobQueue.enqueue(tx, next);
      },
    };
  }


  /** The owner (or a coordinator) moves the due date on from the reminder itself; coordinators are told. */
  async postponeAction(ctx: Context, actionId: string, days: number): Promise<Message> {
    const a = await this.c.db.action.findFirst({ where: { id: actionId }, include: { owner: { include: { person: true } }, partnership: true } });
    if (!a) throw new UserError("err.bad-button");
    const p = a.partnership;
    const membership = await this.c.db.membership.findFirst({ where: { partnershipId: p.id, personId: ctx.person.id } });
    // Of another workspace's partnership, a stranger learns nothing: not even that it exists.
    if (!membership && p.workspaceId !== ctx.workspaceId) throw new UserError("err.bad-button");
    const allowed = mayChangeAction(membership, a.owner?.personId === ctx.person.id);
    if (!allowed.ok) throw new UserError(REFUSAL_KEY[allowed.reason], { partnership: p.name });
    const lang = this.c.langFor(ctx, p);
    if (a.status === "done") return textMessage(t(lang, "ok.action-already-done", { number: a.number }));
    const today = todayIn(p.timeZone, this.c.now());
    const from = a.dueDate && a.dueDate > today ? a.dueDate : today;
    const dueDate = new Date(from.getTime() + days * 86_400_000);
    const coordinators = await this.c.db.membership.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id, removedAt: null, roles: { has: "coordinator" }, personId: { not: ctx.person.id } }, include: { person: true } });
    const notices: OutboxItem[] = [];
    for (const c of coordinators) {
      const address = await this.c.addresses.of(c.person);
      const cl = this.c.langOfPerson(c.person, p);
      if (address) notices.push({ workspaceId: a.workspaceId, ...address, message: textMessage(tn(cl, "action.postponed-notice", { person: this.c.personLabel(ctx.person), number: a.number, text: userText(a.text), date: formatDate(cl, dueDate, "UTC") })), lang: cl, dedupeKey: `postponed:${a.id}:${dueDate.toISOString().slice(0, 10)}:${c.id}` });
    }
    await this.c.db.$transaction(async (tx) => {
      const updated = await tx.action.update({ where: { id: a.id }, data: { dueDate } });
      await JobQueue.enqueue(tx, this.reminderJobs(p, updated));
      await enqueueDeliveries(tx, notices);
    });
    this.c.onEnqueue();
    return textMessage(t(lang, "ok.action-postponed", { number: a.number, date: formatDate(lang, dueDate, "UTC") }));
  }


}
