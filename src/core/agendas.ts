// A meeting in its own chat: the agenda before it (posted at its time, or when the meeting starts),
// its card kept up to date in every copy as agreements are recorded (agreements.ts), and the
// minutes after it (at its planned end, when the platform says it ended, or on `meeting close`).
import type { Message } from "../messages/model.ts";
import { message } from "../messages/model.ts";
import type { Lang } from "../i18n/i18n.ts";
import { isOverdue } from "../domain/rounds.ts";
import { agreementState } from "../domain/agreements.ts";
import { agendaMessage, discussionQuestions, minutesMessage, resultsBrief, type AgendaView, type AgreementLine, type MeetingHead } from "../messages/meeting-message.ts";
import { digestCharts } from "../messages/digest-charts.ts";
import { summedSections } from "../messages/digest-message.ts";
import { enqueueDeliveries, withoutWaitingUpdate, type AfterDelivery, type OutboxItem, type RenderRef } from "../outbox/outbox.ts";
import { isQuiet, nextAllowed } from "../clock/quiet.ts";
import type { JobOutcome } from "../clock/clock.ts";
import type { ClaimedJob } from "../jobs/queue.ts";
import type { MessageRef, WorkspaceRef } from "../ports.ts";
import { z } from "zod";
import { quietOf, UserError, type Context, type CoreContext, type PartnershipRow, type Tx } from "./context.ts";

const JobPayload = z.object({ meetingId: z.string(), sequence: z.number().int().optional() });

type MeetingRow = NonNullable<Awaited<ReturnType<CoreContext["db"]["meeting"]["findFirst"]>>>;
type MeetingWithPartnership = NonNullable<Awaited<ReturnType<Agendas["meetingOf"]>>>;
type Db = CoreContext["db"];

/** `build` for each language asked, once: a message for many readers is made once per language. */
function perLanguage<T>(build: (lang: Lang) => Promise<T>): (lang: Lang) => Promise<T> {
  const made = new Map<Lang, Promise<T>>();
  return (lang) => {
    let m = made.get(lang);
    if (!m) made.set(lang, (m = build(lang)));
    return m;
  };
}

/** The copies of an agenda card a meeting records (Meeting.agendaRefs). */
/** A copy of the agenda card: where it is, in which language, and in which workspace when not the partnership's. */
type CardCopy = MessageRef & { lang: Lang; workspace?: WorkspaceRef };

function copiesOf(refs: unknown): CardCopy[] {
  return Array.isArray(refs) ? (refs as CardCopy[]).filter((r) => typeof r?.conversationId === "string" && typeof r?.messageId === "string") : [];
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
      state: agreementState(a, a.status === "open" && isOverdue(a.dueDate, now, p.timeZone)),
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

  /**
   * The latest released round that has scores to discuss (a round of the partner map alone has
   * none). Chosen by its snapshot first, so that a card re-rendered for each agreement builds one view.
   */
  async latestScored(db: Db | Tx, p: PartnershipRow, lang: Lang) {
    const closed = await db.round.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id, closedAt: { not: null } }, orderBy: { number: "desc" }, take: 5, select: { id: true, snapshot: true } });
    const rated = closed.filter((r) => this.c.results.snapshotOf(r).sections.some((s) => s.items.some((i) => i.kind === "rating")));
    for (const r of rated) {
      const built = await this.c.results.viewFor(db, p.workspaceId, p.id, lang, r.id);
      if (built?.view.released && summedSections(built.view).length > 0) return built.view;
    }
    return null;
  }

  async meetingOf(workspaceId: string, meetingId: string) {
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
  async recordCopy(tx: Tx, after: Extract<AfterDelivery, { type: "agenda.posted" }>, ref: MessageRef | null): Promise<void> {
    if (!ref) return;
    const { meetingId, lang, workspace } = after;
    const landed: CardCopy = { conversationId: ref.conversationId, messageId: ref.messageId, lang, ...(workspace ? { workspace } : {}) };
    const copy = JSON.stringify([landed]);
    await tx.$executeRaw`UPDATE "Meeting" SET "agendaRefs" = CASE WHEN "agendaRefs" @> ${copy}::jsonb THEN "agendaRefs" ELSE "agendaRefs" || ${copy}::jsonb END WHERE id = ${meetingId}`;
    const m = await tx.meeting.findFirst({ where: { id: meetingId }, include: { workspace: true, _count: { select: { actions: true } } } });
    if (m && (m._count.actions > 0 || m.closedAt)) await this.refreshCards(tx, m, this.c.wsRefOf(m.workspace), [landed]);
  }

  /** Every copy of the card brought up to date, once: an update still waiting is built when it is sent, so it will show this too. */
  async refreshCards(tx: Tx, m: { id: string; workspaceId: string; agendaRefs: unknown }, ws: WorkspaceRef, only?: CardCopy[]): Promise<void> {
    const stamp = Date.now();
    for (const copy of only ?? copiesOf(m.agendaRefs)) {
      const render = { kind: "meeting.agenda" as const, meetingId: m.id, lang: copy.lang };
      const ref = { conversationId: copy.conversationId, messageId: copy.messageId };
      const where = copy.workspace ?? ws;
      if ((await withoutWaitingUpdate(tx, where, [ref], render)).length === 0) continue;
      await enqueueDeliveries(tx, [{ workspaceId: m.workspaceId, workspace: where, to: { kind: "update", ref }, render, dedupeKey: `agenda-card:${m.id}:${copy.messageId}:${stamp}` }]);
    }
  }

  /** The agenda's deliveries: the results in brief and the card, to the meeting's chat and to each participant not in it. */
  private async agendaDeliveries(m: MeetingRow, p: MeetingWithPartnership["partnership"]): Promise<OutboxItem[]> {
    const ws = this.c.wsRefOf(p.workspace);
    const chat = m.chatId ?? p.homeChannel;
    const participants = await this.c.db.membership.findMany({ where: { id: { in: m.participantIds }, removedAt: null }, include: { person: true } });
    const inChat = chat ? await this.c.conversationMembers(ws, chat).catch(() => null) : null;
    const items: OutboxItem[] = [];
    // Read and drawn once per language, however many are sent it.
    const views = perLanguage((lang) => this.view(this.c.db, m, p, lang, true));
    const both = async (address: Pick<OutboxItem, "workspace" | "to">, lang: Lang, key: string) => {
      const v = await views(lang);
      const elsewhere = address.workspace !== ws ? { workspace: address.workspace } : {};
      items.push({ workspaceId: p.workspaceId, ...address, message: resultsBrief(lang, v.meeting, v.results), lang, dedupeKey: `agenda:${m.id}:${key}:brief` });
      items.push({ workspaceId: p.workspaceId, ...address, render: { kind: "meeting.agenda", meetingId: m.id, lang }, after: { type: "agenda.posted", meetingId: m.id, lang, ...elsewhere }, dedupeKey: `agenda:${m.id}:${key}:card` });
    };
    const chatLang = this.c.langOfPerson({ language: null }, p);
    if (chat) await both({ workspace: ws, to: { kind: "channel", channelId: chat } }, chatLang, "chat");
    // Where the platform cannot say who is in the chat, everyone is sent a copy: twice is better than
    // never. Participants of other workspaces are not in it: each gets theirs where they work.
    const inIt = (x: (typeof participants)[number]) => chat && inChat && x.person.workspaceId === p.workspaceId && inChat.includes(x.person.platformUserId);
    for (const r of participants.filter((x) => !inIt(x))) {
      const address = r.person.workspaceId === p.workspaceId ? { workspace: ws, to: { kind: "user" as const, userId: r.person.platformUserId } } : await this.c.addresses.of(r.person);
      if (address) await both(address, this.c.langOfPerson(r.person, p), r.id);
    }
    return items;
  }

  /**
   * The agenda's writes, unless it has been posted: to commit with the clock's job, or on their
   * own when the meeting starts. Whoever claims `agendaPostedAt` first posts it; the other writes nothing.
   */
  private async agendaEffect(m: MeetingWithPartnership, startedAt?: Date): Promise<(tx: Tx) => Promise<boolean>> {
    const items = await this.agendaDeliveries(m, m.partnership);
    return async (tx) => {
      const claimed = await tx.meeting.updateMany({ where: { id: m.id, agendaPostedAt: null, closedAt: null }, data: { agendaPostedAt: this.c.now(), ...(startedAt ? { startedAt } : {}) } });
      if (claimed.count === 0) return false;
      await enqueueDeliveries(tx, items);
      return true;
    };
  }

  async runAgenda(job: ClaimedJob, now: Date): Promise<JobOutcome> {
    const pl = JobPayload.parse(job.payload);
    const m = await this.meetingOf(job.workspaceId, pl.meetingId);
    if (!m) return { status: "skipped", note: "meeting deleted" };
    if (pl.sequence !== undefined && pl.sequence !== m.sequence) return { status: "skipped", note: "the meeting moved" };
    if (m.agendaPostedAt || m.closedAt) return { status: "skipped", note: "posted already" };
    const p = m.partnership;
    if (isQuiet(now, quietOf(p)) && nextAllowed(now, quietOf(p)) < m.startsAt) return { status: "later", at: nextAllowed(now, quietOf(p)), note: "quiet hours" };
    const effect = await this.agendaEffect(m);
    return { status: "done", effect: async (tx) => void (await effect(tx)) };
  }

  /** The minutes' writes: to the meeting's chat, the home channel and each owner, each in its reader's language, and the card closed. Whoever claims `closedAt` first sends them. */
  private async minutesEffect(m: MeetingWithPartnership, now: Date): Promise<(tx: Tx) => Promise<boolean>> {
    const p = m.partnership;
    const { workspaceId } = m;
    const ws = this.c.wsRefOf(p.workspace);
    const participants = await this.c.db.membership.findMany({ where: { id: { in: m.participantIds }, removedAt: null }, include: { person: true }, orderBy: { createdAt: "asc" } });
    const owners = await this.c.db.membership.findMany({ where: { ownedActions: { some: { meetingId: m.id } }, removedAt: null }, include: { person: true } });
    const minutes = perLanguage(async (lang) => {
      const v = await this.view(this.c.db, m, p, lang, false);
      return minutesMessage({ lang, meeting: v.meeting, participants: participants.map((x) => this.c.personLabel(x.person)), agreed: v.agreed, points: v.points, questions: v.results ? discussionQuestions(v.results) : [] });
    });
    const chatLang = this.c.langOfPerson({ language: null }, p);
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
      const address = await this.c.addresses.of(o.person);
      const lang = this.c.langOfPerson(o.person, p);
      if (address) items.push({ workspaceId, ...address, message: await minutes(lang), lang, dedupeKey: `minutes:${m.id}:person:${o.id}` });
    }
    return async (tx) => {
      const claimed = await tx.meeting.updateMany({ where: { id: m.id, closedAt: null }, data: { closedAt: now } });
      if (claimed.count === 0) return false;
      await enqueueDeliveries(tx, items);
      await this.refreshCards(tx, m, ws);
      return true;
    };
  }

  /** The minutes now (`meeting close`, the platform's end event); false if they went out before. */
  async close(meetingId: string, workspaceId: string, now: Date): Promise<boolean> {
    const m = await this.meetingOf(workspaceId, meetingId);
    if (!m || m.closedAt) return false;
    return this.commitNow(await this.minutesEffect(m, now));
  }

  async runMinutes(job: ClaimedJob, now: Date): Promise<JobOutcome> {
    const pl = JobPayload.parse(job.payload);
    const m = await this.meetingOf(job.workspaceId, pl.meetingId);
    if (!m) return { status: "skipped", note: "meeting deleted" };
    if (pl.sequence !== undefined && pl.sequence !== m.sequence) return { status: "skipped", note: "the meeting moved" };
    if (m.closedAt) return { status: "skipped", note: "closed already" };
    const effect = await this.minutesEffect(m, now);
    return { status: "done", effect: async (tx) => void (await effect(tx)) };
  }

  /** Writes that are nobody's job, committed at once, and the courier told. */
  private async commitNow(effect: (tx: Tx) => Promise<boolean>): Promise<boolean> {
    const done = await this.c.db.$transaction(effect);
    if (done) this.c.onEnqueue();
    return done;
  }

  /** The platform says an online meeting linked to one of ours started or ended (Teams' meeting events). */
  async onlineMeeting(workspace: WorkspaceRef, onlineMeetingId: string, event: "start" | "end", at: Date): Promise<boolean> {
    const ws = await this.c.db.workspace.findFirst({ where: { platform: workspace.platform, externalId: workspace.externalId } });
    if (!ws) return false;
    const m = await this.c.db.meeting.findFirst({ where: { workspaceId: ws.id, onlineMeetingId, closedAt: null }, orderBy: { startsAt: "desc" }, include: { partnership: { include: { workspace: true } } } });
    if (!m) return false;
    if (event === "start") {
      // Started: the agenda now if it has not gone out (an early start, a meeting without one), and the start kept either way.
      if (!m.agendaPostedAt) return this.commitNow(await this.agendaEffect(m, at));
      if (!m.startedAt) await this.c.db.meeting.update({ where: { id: m.id }, data: { startedAt: at } });
      return false;
    }
    return this.commitNow(await this.minutesEffect(m, at));
  }
}
