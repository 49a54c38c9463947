// A meeting in its own chat: the agenda before it (posted at its time, or when the meeting starts),
// agreements recorded from its card while people talk (the card kept up to date), and the
// minutes after it (at its planned end, when the platform says it ended, or on `meeting close`).
import type { Message } from "../messages/model.ts";
import { message, textMessage, joinNodes } from "../messages/model.ts";
import { userText } from "../commands/parse.ts";
import { t, tn, type Lang } from "../i18n/i18n.ts";
import { isOverdue, todayIn } from "../domain/rounds.ts";
import { AGREEMENT_LIMITS, readAgreement } from "../domain/agreements.ts";
import { mayRecordAgreement } from "../policy.ts";
import { agendaMessage, discussionQuestions, minutesMessage, resultsBrief, type AgendaView, type AgreementLine, type MeetingHead } from "../messages/meeting-message.ts";
import { digestCharts } from "../messages/digest-charts.ts";
import { summedSections } from "../messages/digest-message.ts";
import { enqueueDeliveries, withoutWaitingUpdate, type OutboxItem, type RenderRef } from "../outbox/outbox.ts";
import { isQuiet, nextAllowed } from "../clock/quiet.ts";
import type { JobOutcome } from "../clock/clock.ts";
import type { ClaimedJob } from "../jobs/queue.ts";
import type { MessageRef, WorkspaceRef } from "../ports.ts";
import { z } from "zod";
import { quietOf, UserError, type Context, type CoreContext, type PartnershipRow, type Tx } from "./context.ts";

/** The fields of the "Record an agreement" form. */
export const AGREEMENT_FIELDS = { text: "agreement.text", ownerId: "agreement.owner", due: "agreement.due", statement: "agreement.statement" } as const;

const MeetingPayload = z.object({ m: z.string().uuid() });
const JobPayload = z.object({ meetingId: z.string(), sequence: z.number().int().optional() });

type MeetingRow = NonNullable<Awaited<ReturnType<CoreContext["db"]["meeting"]["findFirst"]>>>;
type Db = CoreContext["db"];

/** The copies of an agenda card a meeting records (Meeting.agendaRefs). */
function copiesOf(refs: unknown): (MessageRef & { lang: Lang })[] {
  return Array.isArray(refs) ? (refs as (MessageRef & { lang: Lang })[]).filter((r) => typeof r?.conversationId === "string" && typeof r?.messageId === "string") : [];
}

export class Agendas {
  constructor(readonly c: CoreContext) {}

  private head(m: MeetingRow, p: PartnershipRow): MeetingHead {
    return { id: m.id, number: m.number, title: m.title, startsAt: m.startsAt, timeZone: p.timeZone, partnershipName: p.name };
  }

  /** An agreement as a meeting's messages list it, with its state today. */
  private async lines(db: Db | Tx, p: PartnershipRow, where: { meetingId?: string; status?: "open" }): Promise<AgreementLine[]> {
    const now = this.c.now();
    const rows = await db.action.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id, ...where }, include: { owner: { include: { person: true } } }, orderBy: { number: "asc" }, take: 50 });
    return rows.map((a) => ({
      number: a.number,
      text: a.text,
      owner: a.owner ? this.c.personLabel(a.owner.person) : null,
      due: a.dueDate,
      statementId: a.statementId,
      state: a.status === "done" ? "done" : isOverdue(a.dueDate, now, p.timeZone) ? "overdue" : a.agreedDue && a.dueDate && a.dueDate > a.agreedDue ? "postponed" : "open",
    }));
  }

  /** Everything the agenda shows, read now, in `lang`. */
  async view(db: Db | Tx, m: MeetingRow, p: PartnershipRow, lang: Lang, charts: boolean): Promise<AgendaView> {
    const latest = await this.latestScored(db, p, lang);
    const results = latest ? { ...latest, ...(charts ? { charts: await digestCharts(latest) } : {}) } : null;
    const previous = await db.meeting.findFirst({ where: { workspaceId: p.workspaceId, partnershipId: p.id, number: { lt: m.number } }, orderBy: { number: "desc" } });
    const prevLines = previous ? await this.lines(db, p, { meetingId: previous.id }) : [];
    const shown = new Set(prevLines.map((a) => a.number));
    const agreed = await this.lines(db, p, { meetingId: m.id });
    const open = (await this.lines(db, p, { status: "open" })).filter((a) => !shown.has(a.number) && !agreed.some((x) => x.number === a.number));
    return {
      lang,
      meeting: this.head(m, p),
      results,
      // Overdue first: they are what the meeting most needs to hear about.
      actions: [...open.filter((a) => a.state === "overdue"), ...open.filter((a) => a.state !== "overdue")],
      previous: previous ? { number: previous.number, title: previous.title, agreements: prevLines } : null,
      points: m.points,
      agreed,
      closed: m.closedAt !== null,
    };
  }

  /** The latest released round that has scores to discuss (a round of the partner map alone has none). */
  private async latestScored(db: Db | Tx, p: PartnershipRow, lang: Lang) {
    const rounds = await db.round.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id, closedAt: { not: null } }, orderBy: { number: "desc" }, take: 5, select: { id: true } });
    for (const r of rounds) {
      const built = await this.c.results.viewFor(db, p.workspaceId, p.id, lang, r.id);
      if (built?.view.released && summedSections(built.view).length > 0) return built.view;
    }
    return null;
  }

  private async meetingOf(workspaceId: string, meetingId: string) {
    return this.c.db.meeting.findFirst({ where: { id: meetingId, workspaceId }, include: { partnership: { include: { workspace: true } } } });
  }

  /** `meeting agenda 3`: the agenda as it would be posted now, for the coordinator alone. */
  async preview(ctx: Context, p: PartnershipRow, number: number): Promise<Message> {
    const m = await this.c.db.meeting.findFirst({ where: { workspaceId: p.workspaceId, partnershipId: p.id, number } });
    if (!m) throw new UserError("err.no-such-meeting", { number }, "meeting");
    const v = await this.view(this.c.db, m, p, ctx.lang, true);
    const brief = resultsBrief(ctx.lang, v.meeting, v.results);
    const card = agendaMessage(v);
    // The card without its button: a preview records nothing.
    return message(card.fallback, [...brief.blocks, { type: "divider" }, ...card.blocks.filter((b) => b.type !== "buttons")], { lang: ctx.lang });
  }

  /** The card as it stands, for the courier (it builds a queued update when it sends it). */
  async renderCard(ref: Extract<RenderRef, { kind: "meeting.agenda" }>): Promise<Message | null> {
    const m = await this.c.db.meeting.findFirst({ where: { id: ref.meetingId }, include: { partnership: true } });
    if (!m) return null;
    return agendaMessage(await this.view(this.c.db, m, m.partnership, ref.lang, false));
  }

  /** The courier calls this when a copy of the card has landed: it is kept, and brought up to date if agreements came meanwhile. */
  async recordCopy(tx: Tx, meetingId: string, ref: MessageRef | null, lang: Lang): Promise<void> {
    if (!ref) return;
    const copy = JSON.stringify([{ conversationId: ref.conversationId, messageId: ref.messageId, lang }]);
    await tx.$executeRaw`UPDATE "Meeting" SET "agendaRefs" = CASE WHEN "agendaRefs" @> ${copy}::jsonb THEN "agendaRefs" ELSE "agendaRefs" || ${copy}::jsonb END WHERE id = ${meetingId}`;
    const m = await tx.meeting.findFirst({ where: { id: meetingId }, include: { workspace: true, _count: { select: { actions: true } } } });
    if (m && (m._count.actions > 0 || m.closedAt)) await this.refreshCards(tx, m, this.c.wsRefOf(m.workspace), [{ ...ref, lang }]);
  }

  /** Every copy of the card brought up to date, once: an update still waiting is built when it is sent, so it will show this too. */
  async refreshCards(tx: Tx, m: { id: string; workspaceId: string; agendaRefs: unknown }, ws: WorkspaceRef, only?: (MessageRef & { lang: Lang })[]): Promise<void> {
    const stamp = Date.now();
    for (const copy of only ?? copiesOf(m.agendaRefs)) {
      const render = { kind: "meeting.agenda" as const, meetingId: m.id, lang: copy.lang };
      const ref = { conversationId: copy.conversationId, messageId: copy.messageId };
      if ((await withoutWaitingUpdate(tx, ws, [ref], render)).length === 0) continue;
      await enqueueDeliveries(tx, [{ workspaceId: m.workspaceId, workspace: ws, to: { kind: "update", ref }, render, dedupeKey: `agenda-card:${m.id}:${copy.messageId}:${stamp}` }]);
    }
  }

  /** The agenda's deliveries: the results in brief and the card, to the meeting's chat and to each participant not in it. */
  private async agendaDeliveries(m: MeetingRow, p: PartnershipRow & { workspace: { platform: string; externalId: string; name: string } }): Promise<OutboxItem[]> {
    const ws = this.c.wsRefOf(p.workspace);
    const chat = m.chatId ?? p.homeChannel;
    const participants = await this.c.db.membership.findMany({ where: { id: { in: m.participantIds }, removedAt: null }, include: { person: true } });
    const inChat = chat ? await this.c.conversationMembers(ws, chat).catch(() => null) : null;
    const items: OutboxItem[] = [];
    const both = async (to: OutboxItem["to"], lang: Lang, key: string) => {
      const v = await this.view(this.c.db, m, p, lang, true);
      items.push({ workspaceId: p.workspaceId, workspace: ws, to, message: resultsBrief(lang, v.meeting, v.results), lang, dedupeKey: `agenda:${m.id}:${key}:brief` });
      items.push({ workspaceId: p.workspaceId, workspace: ws, to, render: { kind: "meeting.agenda", meetingId: m.id, lang }, after: { type: "agenda.posted", meetingId: m.id, lang }, dedupeKey: `agenda:${m.id}:${key}:card` });
    };
    const chatLang: Lang = p.language === "en" ? "en" : "da";
    if (chat) await both({ kind: "channel", channelId: chat }, chatLang, "chat");
    // Where the platform cannot say who is in the chat, everyone is sent a copy: twice is better than never.
    for (const r of participants.filter((x) => !chat || !inChat || !inChat.includes(x.person.platformUserId))) await both({ kind: "user", userId: r.person.platformUserId }, this.c.langOfPerson(r.person, p), r.id);
    return items;
  }

  /** Posts the agenda unless it has been: at its time (the clock), or as the meeting starts. Returns whether it posted. */
  async postAgenda(meetingId: string, workspaceId: string, startedAt?: Date): Promise<boolean> {
    const m = await this.meetingOf(workspaceId, meetingId);
    if (!m || m.agendaPostedAt || m.closedAt) {
      if (m && startedAt && !m.startedAt) await this.c.db.meeting.update({ where: { id: m.id }, data: { startedAt } });
      return false;
    }
    const items = await this.agendaDeliveries(m, m.partnership);
    const posted = await this.c.db.$transaction(async (tx) => {
      const claimed = await tx.meeting.updateMany({ where: { id: m.id, agendaPostedAt: null }, data: { agendaPostedAt: this.c.now(), ...(startedAt ? { startedAt } : {}) } });
      if (claimed.count === 0) return false;
      await enqueueDeliveries(tx, items);
      return true;
    });
    if (posted) this.c.onEnqueue();
    return posted;
  }

  async runAgenda(job: ClaimedJob, now: Date): Promise<JobOutcome> {
    const pl = JobPayload.parse(job.payload);
    const m = await this.meetingOf(job.workspaceId, pl.meetingId);
    if (!m) return { status: "skipped", note: "meeting deleted" };
    if (pl.sequence !== undefined && pl.sequence !== m.sequence) return { status: "skipped", note: "the meeting moved" };
    if (m.agendaPostedAt) return { status: "skipped", note: "posted already" };
    const p = m.partnership;
    if (isQuiet(now, quietOf(p)) && nextAllowed(now, quietOf(p)) < m.startsAt) return { status: "later", at: nextAllowed(now, quietOf(p)), note: "quiet hours" };
    await this.postAgenda(m.id, m.workspaceId);
    return { status: "done" };
  }

  /** "Record an agreement", pressed on the card: a form for the presser alone. */
  async form(ctx: Context, value: unknown): Promise<Message> {
    const { m: meetingId } = this.button(value);
    const { m, p, lang } = await this.mayRecord(ctx, meetingId);
    const members = await this.c.db.membership.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id, removedAt: null }, include: { person: true }, orderBy: { createdAt: "asc" }, take: 100 });
    const v = await this.view(this.c.db, m, p, lang, false);
    // The statements the agenda asks about; an agreement follows a rating statement's mean, so only those.
    const ratings = new Set(v.results?.snapshot.sections.flatMap((s) => s.items.filter((i) => i.kind === "rating").map((i) => i.id)) ?? []);
    const statements = v.results ? [...v.results.lowest.slice(0, 3), ...v.results.divergent.slice(0, 3)].filter((s, i, all) => ratings.has(s.itemId) && all.findIndex((x) => x.itemId === s.itemId) === i) : [];
    const text = (id: string) => v.results!.snapshot.sections.flatMap((s) => s.items).find((x) => x.id === id)!.text[lang];
    const due = todayIn(p.timeZone, this.c.now());
    due.setUTCDate(due.getUTCDate() + 14);
    const title = t(lang, "agenda.form-title", { number: m.number, title: m.title });
    return message(title, [
      { type: "header", text: title },
      { type: "input", id: AGREEMENT_FIELDS.text, label: t(lang, "action.form-what"), maxLength: AGREEMENT_LIMITS.text, multiline: false, optional: false },
      { type: "input", id: AGREEMENT_FIELDS.ownerId, kind: "choice", label: t(lang, "action.form-owner"), options: members.map((x) => ({ value: x.person.platformUserId, label: x.person.displayName || x.person.platformUserId })), optional: false },
      { type: "input", id: AGREEMENT_FIELDS.due, kind: "date", label: t(lang, "action.form-due"), value: due.toISOString().slice(0, 10), optional: false },
      ...(statements.length ? [{ type: "input" as const, id: AGREEMENT_FIELDS.statement, kind: "choice" as const, label: t(lang, "agenda.form-statement"), options: statements.map((s) => ({ value: s.itemId, label: `${s.itemId} ${text(s.itemId)}`.slice(0, 75) })) }] : []),
      { type: "buttons", buttons: [{ label: t(lang, "agenda.form-record"), actionId: "meeting.agree", value: JSON.stringify({ m: m.id }), style: "primary" }] },
    ], { apart: true, lang });
  }

  private button(value: unknown): { m: string } {
    const r = MeetingPayload.safeParse(value);
    if (!r.success) throw new UserError("err.bad-button");
    return r.data;
  }

  /** The meeting, if this person may record an agreement at it: a member of its partnership, while it is not closed. */
  private async mayRecord(ctx: Context, meetingId: string) {
    const m = await this.c.db.meeting.findFirst({ where: { id: meetingId, workspaceId: ctx.workspaceId }, include: { partnership: { include: { workspace: true } } } });
    if (!m) throw new UserError("err.bad-button");
    const p = m.partnership;
    const membership = await this.c.db.membership.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, personId: ctx.person.id, removedAt: null } });
    const lang = this.c.langFor(ctx, p);
    if (!mayRecordAgreement(membership).ok) throw new UserError("err.not-member", { partnership: p.name });
    if (m.closedAt) throw new UserError("err.meeting-closed", { number: m.number });
    return { m, p, lang };
  }

  /** The form sent: the agreement by the one rule set for agreements, the card brought up to date; or what is wrong, and nothing kept. */
  async record(ctx: Context, value: unknown, fields: Record<string, string>): Promise<Message> {
    const { m: meetingId } = this.button(value);
    const { m, p, lang } = await this.mayRecord(ctx, meetingId);
    const read = readAgreement({ text: fields[AGREEMENT_FIELDS.text] ?? "", ownerId: fields[AGREEMENT_FIELDS.ownerId] ?? "", due: fields[AGREEMENT_FIELDS.due] ?? "" });
    const statementId = fields[AGREEMENT_FIELDS.statement]?.trim() || null;
    const v = statementId ? await this.latestScored(this.c.db, p, lang) : null;
    const knownStatement = !statementId || Boolean(v?.snapshot.sections.some((s) => s.items.some((i) => i.id === statementId && i.kind === "rating")));
    const owner = read.ok ? await this.c.db.membership.findFirst({ where: { workspaceId: p.workspaceId, partnershipId: p.id, removedAt: null, person: { platformUserId: read.ownerId } } }) : null;
    const problems: Record<string, string> = {};
    if (!read.ok) for (const [field, problem] of Object.entries(read.problems)) problems[AGREEMENT_FIELDS[field as "text" | "ownerId" | "due"]] = t(lang, `form.${problem!}`);
    else if (!owner) problems[AGREEMENT_FIELDS.ownerId] = t(lang, "form.not-a-member");
    if (!knownStatement) problems[AGREEMENT_FIELDS.statement] = t(lang, "form.not-a-statement");
    if (!read.ok || !owner || !knownStatement) {
      const label: Record<string, string> = { [AGREEMENT_FIELDS.text]: t(lang, "action.form-what"), [AGREEMENT_FIELDS.ownerId]: t(lang, "action.form-owner"), [AGREEMENT_FIELDS.due]: t(lang, "action.form-due"), [AGREEMENT_FIELDS.statement]: t(lang, "agenda.form-statement") };
      const lines = Object.entries(problems).map(([f, text]) => `• ${label[f]}: ${text}`);
      return message(t(lang, "err.agreement-form"), [{ type: "text", text: [t(lang, "err.agreement-form"), ...lines].join("\n") }], { error: true, lang, problems });
    }
    const due = new Date(Date.UTC(read.due.year, read.due.month - 1, read.due.day));
    const ws = this.c.wsRefOf(p.workspace);
    const action = await this.c.actions.recordAction(p, { text: read.text, ownerId: owner.id, dueDate: due, sourceMeeting: m.title, meetingId: m.id, statementId }, async (tx) => {
      const fresh = await tx.meeting.findFirstOrThrow({ where: { id: m.id } });
      await this.refreshCards(tx, fresh, ws);
    });
    this.c.onEnqueue();
    return textMessage(joinNodes(tn(lang, "ok.agreement-recorded", { number: action.number, text: userText(action.text), meeting: m.number }), " ", this.c.mention(read.ownerId)));
  }

  /** The minutes, once: to the meeting's chat, the home channel and each owner, each in its reader's language; the card closes. */
  async close(meetingId: string, workspaceId: string, now: Date): Promise<boolean> {
    const m = await this.meetingOf(workspaceId, meetingId);
    if (!m || m.closedAt) return false;
    const p = m.partnership;
    const ws = this.c.wsRefOf(p.workspace);
    const participants = await this.c.db.membership.findMany({ where: { id: { in: m.participantIds } }, include: { person: true }, orderBy: { createdAt: "asc" } });
    const owners = await this.c.db.membership.findMany({ where: { ownedActions: { some: { meetingId: m.id } }, removedAt: null }, include: { person: true } });
    const minutes = async (lang: Lang) => {
      const v = await this.view(this.c.db, m, p, lang, false);
      return minutesMessage({ lang, meeting: v.meeting, participants: participants.filter((x) => !x.removedAt).map((x) => this.c.personLabel(x.person)), agreed: v.agreed, points: v.points, questions: v.results ? discussionQuestions(v.results) : [] });
    };
    const chatLang: Lang = p.language === "en" ? "en" : "da";
    const items: OutboxItem[] = [];
    const channels = [...new Set([m.chatId, p.homeChannel].filter((x): x is string => Boolean(x)))];
    // In the chat the agenda card was posted in, the minutes answer it (in its thread, where there are threads).
    const cardIn = (channelId: string) => copiesOf(m.agendaRefs).find((r) => r.conversationId === channelId)?.messageId;
    for (const channelId of channels) {
      const threadOf = cardIn(channelId);
      items.push({ workspaceId, workspace: ws, to: { kind: "channel", channelId, ...(threadOf ? { threadOf } : {}) }, message: await minutes(chatLang), lang: chatLang, dedupeKey: `minutes:${m.id}:channel:${channelId}` });
    }
    // Each owner, and where there is no channel to post in, the coordinators and the steering group.
    const readers = channels.length ? owners : [...owners, ...(await this.c.db.membership.findMany({ where: { workspaceId, partnershipId: p.id, removedAt: null, roles: { hasSome: ["coordinator", "steering"] } }, include: { person: true } }))];
    for (const o of readers.filter((x, i) => readers.findIndex((y) => y.id === x.id) === i)) {
      const lang = this.c.langOfPerson(o.person, p);
      items.push({ workspaceId, workspace: ws, to: { kind: "user", userId: o.person.platformUserId }, message: await minutes(lang), lang, dedupeKey: `minutes:${m.id}:person:${o.id}` });
    }
    const closed = await this.c.db.$transaction(async (tx) => {
      const claimed = await tx.meeting.updateMany({ where: { id: m.id, closedAt: null }, data: { closedAt: now } });
      if (claimed.count === 0) return false;
      await enqueueDeliveries(tx, items);
      await this.refreshCards(tx, m, ws);
      return true;
    });
    if (closed) this.c.onEnqueue();
    return closed;
  }

  async runMinutes(job: ClaimedJob, now: Date): Promise<JobOutcome> {
    const pl = JobPayload.parse(job.payload);
    const m = await this.meetingOf(job.workspaceId, pl.meetingId);
    if (!m) return { status: "skipped", note: "meeting deleted" };
    if (pl.sequence !== undefined && pl.sequence !== m.sequence) return { status: "skipped", note: "the meeting moved" };
    if (m.closedAt) return { status: "skipped", note: "closed already" };
    await this.close(m.id, m.workspaceId, now);
    return { status: "done" };
  }

  /** The platform says an online meeting linked to one of ours started or ended (Teams' meeting events). */
  async onlineMeeting(workspace: WorkspaceRef, onlineMeetingId: string, event: "start" | "end", at: Date): Promise<boolean> {
    const ws = await this.c.db.workspace.findFirst({ where: { platform: workspace.platform, externalId: workspace.externalId } });
    if (!ws) return false;
    const m = await this.c.db.meeting.findFirst({ where: { workspaceId: ws.id, onlineMeetingId, closedAt: null }, orderBy: { startsAt: "desc" } });
    if (!m) return false;
    if (event === "start") {
      await this.postAgenda(m.id, ws.id, at);
      return true;
    }
    return this.close(m.id, ws.id, at);
  }
}
