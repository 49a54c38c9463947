// The Partnerpuls core: commands and button presses in, messages out. Platform-neutral: an
// adapter authenticates the request, builds an Actor and renders what comes back.
import type { PrismaClient } from "./generated/prisma/client.ts";
import { Prisma } from "./generated/prisma/client.ts";
import type { Actor, CoreEvent, MessageRef, WorkspaceRef } from "./ports.ts";
import type { Message } from "./messages/model.ts";
import { message, textMessage } from "./messages/model.ts";
import { parseCommand, USAGE, COORDINATOR_ONLY, type Command, type ParseError, type UsageKey } from "./commands/parse.ts";
import { t, langFromLocale, isLang, formatDate, formatDateTime, hasKey, listOf, type Lang, type Key } from "./i18n/i18n.ts";
import { builtInInstruments, findBuiltIn, parseInstrument, CHECKLIST_KEY } from "./instruments/catalogue.ts";
import type { Instrument } from "./instruments/schema.ts";
import { snapshotFor, deadlineFrom, dueDateFrom, isOverdue, todayIn, zonedTimeToUtc } from "./domain/rounds.ts";
import { RoundResults, personLabel, type Reader } from "./results/digest.ts";
import { effectiveMinimumN, MINIMUM_N_FLOOR } from "./results/release.ts";
import { crashPoint } from "./crashpoints.ts";
import { resultsCsv, resultsJson, type ExportRow } from "./exports/results.ts";
import { mayUsePoll, mayChangeAction, mayRunCommand, type Refusal } from "./policy.ts";
import { pollMessage, nextOpenSection, listMessage } from "./messages/build.ts";
import { helpMessage } from "./commands/help.ts";
import { z } from "zod";
import { nameKey } from "./domain/names.ts";
import { randomUUID } from "node:crypto";
import { enqueueDeliveries, type AfterDelivery, type OutboxItem, type RenderRef } from "./outbox/courier.ts";
import { JobQueue, type Tx as QueueTx, type NewJob } from "./jobs/queue.ts";
import { nextAllowed, isQuiet, type QuietHours } from "./clock/quiet.ts";
import type { JobHandler, JobOutcome } from "./clock/clock.ts";
import type { ClaimedJob } from "./jobs/queue.ts";
import { parseRhythm, rhythmErrorText, nextOccurrence, describeRhythm, RhythmSchema } from "./clock/recurrence.ts";

type Db = PrismaClient;
type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export interface CoreOptions {
  now?: () => Date;
  defaultTimeZone?: string;
  defaultLanguage?: Lang;
  /** called after messages were put in the outbox, so the courier can deliver them at once */
  onEnqueue?: () => void;
  /** told of every command, press and vote (metrics); never who, never what was answered */
  onEvent?: (event: CoreEvent) => void;
}

/** Large rounds open and close in one transaction each: give them room, the work inside is linear. */
const LONG_TRANSACTION = { maxWait: 60_000, timeout: 120_000 };

/** The message a refused request gets. */
const REFUSAL_KEY: Record<Refusal, Key> = {
  "not-member": "err.not-invited",
  "no-longer-member": "err.no-longer-member",
  "coordinator-only": "err.coordinator-only-any",
  "coordinator-or-owner": "err.coordinator-or-owner",
};

function quietOf(p: { timeZone: string; quietFrom: number; quietTo: number; quietWeekends: boolean }): QuietHours {
  return { timeZone: p.timeZone, quietFrom: p.quietFrom, quietTo: p.quietTo, quietWeekends: p.quietWeekends };
}

export type DigestTrigger = "round-closed" | "schedule" | "on-demand";
/** Where a digest went: the home channel, or this many people by DM. */
export type DigestTarget = { channel: string } | { people: number };

/** A reply that went wrong for a reason the user can fix: shown to them, nothing changed. */
class UserError extends Error {
  constructor(readonly key: Key, readonly params: Record<string, string | number> = {}, readonly usage?: UsageKey) {
    super(key);
  }
}

const AnswerPayload = z.object({
  r: z.string().uuid(),
  i: z.string().min(1).max(80),
  v: z.number().int().min(1).max(10).optional(),
  c: z.string().min(1).max(64).optional(),
});
const SectionPayload = z.object({ r: z.string().uuid(), s: z.string().min(1).max(80) });
const RoundPayload = z.object({ r: z.string().uuid() });
const ActionPayload = z.object({ a: z.string().uuid() });
const PostponePayload = z.object({ a: z.string().uuid(), d: z.number().int().min(1).max(60) });

type PartnershipRow = NonNullable<Awaited<ReturnType<Db["partnership"]["findFirst"]>>>;
type PersonRow = NonNullable<Awaited<ReturnType<Db["person"]["findFirst"]>>>;
type MembershipRow = NonNullable<Awaited<ReturnType<Db["membership"]["findFirst"]>>>;
type RoundRow = NonNullable<Awaited<ReturnType<Db["round"]["findFirst"]>>>;
type RoundWithPartnership = RoundRow & { partnership: PartnershipRow };

interface Context {
  actor: Actor;
  workspaceId: string;
  person: PersonRow;
  /** false until the workspace and person are stored: reading commands store nothing */
  stored: boolean;
  lang: Lang;
}

export class Partnerpuls {
  private readonly results: RoundResults;
  private readonly now: () => Date;
  private readonly defaultTimeZone: string;
  private readonly defaultLanguage: Lang;

  private readonly onEnqueue: () => void;
  private readonly onEvent: (event: CoreEvent) => void;
  private readonly workspaces = new Map<string, NonNullable<Awaited<ReturnType<Db["workspace"]["findUnique"]>>>>();

  constructor(
    private readonly db: Db,
    options: CoreOptions = {},
  ) {
    this.onEnqueue = options.onEnqueue ?? (() => {});
    this.onEvent = options.onEvent ?? (() => {});
    this.now = options.now ?? (() => new Date());
    this.defaultTimeZone = options.defaultTimeZone ?? "Europe/Copenhagen";
    this.defaultLanguage = options.defaultLanguage ?? "en";
    this.results = new RoundResults(db, this.now);
  }

  // ---- inbound ---------------------------------------------------------------------------------

  /** A command typed by a person. The reply is for them alone (ephemeral where the platform can). */
  async command(actor: Actor, text: string): Promise<Message> {
    const ctx = await this.context(actor);
    const parsed = parseCommand(text);
    if (!parsed.ok) {
      this.onEvent({ kind: "command", name: "unknown", outcome: "malformed" });
      return this.parseErrorMessage(ctx.lang, parsed);
    }
    try {
      const reply = await this.run(ctx, parsed.command);
      this.onEvent({ kind: "command", name: parsed.command.name, outcome: "ok" });
      return reply;
    } catch (e) {
      if (e instanceof UserError) {
        this.onEvent({ kind: "command", name: parsed.command.name, outcome: "refused" });
        return this.userErrorMessage(ctx.lang, e);
      }
      throw e;
    }
  }

  /** A button press. Returns the message that replaces the one pressed, or a short reply. */
  async action(actor: Actor, actionId: string, value: string): Promise<Message> {
    const ctx = await this.context(actor);
    try {
      const reply = await this.press(ctx, actionId, value);
      this.onEvent({ kind: "press", actionId, outcome: "ok" });
      return reply;
    } catch (e) {
      if (e instanceof UserError) {
        this.onEvent({ kind: "press", actionId, outcome: "refused" });
        return this.userErrorMessage(ctx.lang, e);
      }
      throw e;
    }
  }

  private async press(ctx: Context, actionId: string, value: string): Promise<Message> {
    {
      let json: unknown;
      try {
        json = JSON.parse(value);
      } catch {
        throw new UserError("err.bad-button");
      }
      switch (actionId) {
        case "poll.answer": {
          const p = AnswerPayload.safeParse(json);
          if (!p.success) throw new UserError("err.bad-button");
          const reply = await this.answer(ctx, p.data);
          this.onEvent({ kind: "vote" });
          return reply;
        }
        case "poll.section": {
          const p = SectionPayload.safeParse(json);
          if (!p.success) throw new UserError("err.bad-button");
          return await this.pollFor(ctx, p.data.r, p.data.s);
        }
        case "poll.open": {
          const p = RoundPayload.safeParse(json);
          if (!p.success) throw new UserError("err.bad-button");
          return await this.pollFor(ctx, p.data.r, undefined);
        }
        case "action.done": {
          const p = ActionPayload.safeParse(json);
          if (!p.success) throw new UserError("err.bad-button");
          const action = await this.db.action.findFirst({ where: { id: p.data.a, workspaceId: ctx.workspaceId } });
          if (!action) throw new UserError("err.bad-button");
          const partnership = await this.partnershipById(ctx, action.partnershipId);
          return await this.completeAction(ctx, partnership, action.number);
        }
        case "action.postpone": {
          const p = PostponePayload.safeParse(json);
          if (!p.success) throw new UserError("err.bad-button");
          return await this.postponeAction(ctx, p.data.a, p.data.d);
        }
        case "poll.snooze": {
          const p = RoundPayload.safeParse(json);
          if (!p.success) throw new UserError("err.bad-button");
          return await this.snooze(ctx, p.data.r);
        }
        case "nudge.optout": {
          const p = RoundPayload.safeParse(json);
          if (!p.success) throw new UserError("err.bad-button");
          await this.invitedMembership(ctx, p.data.r); // a removed member's press changes nothing
          await this.setNudges(ctx, false);
          return await this.pollFor(ctx, p.data.r, undefined, t(ctx.lang, "ok.nudges-off"));
        }
        case "help.topic":
          return helpMessage(ctx.lang, typeof json === "object" && json && "topic" in json ? String((json as { topic: unknown }).topic) : undefined);
        default:
          throw new UserError("err.bad-button");
      }
    }
  }

  /** What a person has open: polls to answer, actions they own, rounds they coordinate. */
  async home(actor: Actor): Promise<Message> {
    const base = await this.context(actor);
    const now = this.now();
    const memberships = await this.db.membership.findMany({
      where: { workspaceId: base.workspaceId, personId: base.person.id, removedAt: null },
      include: { partnership: true },
      orderBy: { createdAt: "asc" },
    });
    // Same language as the polls the person receives: their own choice, else their partnership's.
    const ctx = memberships[0] ? { ...base, lang: this.langFor(base, memberships[0].partnership) } : base;
    const blocks: Parameters<typeof message>[1] = [{ type: "header", text: t(ctx.lang, "home.title") }];
    if (memberships.length === 0) blocks.push({ type: "text", text: t(ctx.lang, "home.no-partnerships") });
    for (const m of memberships) {
      const round = await this.openRound(ctx.workspaceId, m.partnershipId, now);
      const lines: string[] = [];
      const buttons = [];
      if (round) {
        const inv = await this.db.invitation.findFirst({ where: { workspaceId: ctx.workspaceId, roundId: round.id, membershipId: m.id } });
        if (inv) {
          lines.push(inv.completedAt ? t(ctx.lang, "home.poll-done", { n: round.number }) : t(ctx.lang, "home.poll-open", { n: round.number, date: formatDate(ctx.lang, round.closesAt, m.partnership.timeZone) }));
          buttons.push({ label: t(ctx.lang, inv.completedAt ? "poll.review" : "home.answer"), actionId: "poll.open" as const, value: JSON.stringify({ r: round.id }), style: "primary" as const });
        }
        if (m.roles.includes("coordinator")) {
          const [invited, done] = await Promise.all([
            this.db.invitation.count({ where: { workspaceId: ctx.workspaceId, roundId: round.id } }),
            this.db.invitation.count({ where: { workspaceId: ctx.workspaceId, roundId: round.id, completedAt: { not: null } } }),
          ]);
          lines.push(t(ctx.lang, "home.round-progress", { round: round.number, done, n: invited }));
        }
      }
      const actions = await this.db.action.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: m.partnershipId, ownerId: m.id, status: "open" }, orderBy: { number: "asc" } });
      for (const a of actions) lines.push(this.actionLine(ctx.lang, a, null, now, m.partnership.timeZone));
      const roles = this.roleList(ctx.lang, m.roles);
      blocks.push({ type: "divider" });
      blocks.push({ type: "text", text: `*${m.partnership.name}* (${roles})\n${lines.length ? lines.join("\n") : t(ctx.lang, "home.nothing-open")}` });
      if (buttons.length) blocks.push({ type: "buttons", buttons });
    }
    return message(t(ctx.lang, "home.title"), blocks);
  }

  /** The courier calls this, in the transaction that marks a delivery done. */
  async recordDelivery(tx: QueueTx, after: AfterDelivery, ref: MessageRef | null): Promise<void> {
    if (after.type !== "invitation.sent") return;
    await tx.invitation.updateMany({ where: { id: after.invitationId }, data: { sentAt: this.now(), ...(ref ? { pollRef: ref as object } : {}) } });
    if (!ref) return;
    // A poll that was already on its way when its round closed gets the closed card too.
    const inv = await tx.invitation.findFirst({ where: { id: after.invitationId }, select: { roundId: true, workspaceId: true, round: { select: { closedAt: true, workspace: true } } } });
    if (inv?.round.closedAt)
      await enqueueDeliveries(tx, [{ workspaceId: inv.workspaceId, workspace: this.wsRefOf(inv.round.workspace), to: { kind: "update", ref }, render: { kind: "poll.closed", roundId: inv.roundId, invitationId: after.invitationId }, dedupeKey: `closed:${after.invitationId}:${ref.conversationId}:${ref.messageId}` }]);
  }

  /** Builds a message the outbox holds as a reference (polls, closed cards); null: it no longer applies. */
  async renderDelivery(ref: RenderRef): Promise<Message | null> {
    const inv = await this.db.invitation.findFirst({
      where: { id: ref.invitationId, roundId: ref.roundId },
      include: { round: { include: { partnership: true } }, membership: { include: { person: true } } },
    });
    if (!inv) return null;
    const { round } = inv;
    const lang = this.langOfPerson(inv.membership.person, round.partnership);
    const answers = await this.db.answer.findMany({ where: { workspaceId: inv.workspaceId, roundId: round.id, membershipId: inv.membershipId }, select: { itemId: true, rating: true, choice: true } });
    if (ref.kind === "poll.closed") return this.pollViewFrom(round, lang, answers, undefined);
    // A poll for a round that has closed, or for someone no longer a member, is not sent.
    if (round.closedAt || round.closesAt <= this.now() || inv.membership.removedAt) return null;
    if (ref.reminder && inv.completedAt) return null;
    return this.pollViewFrom(round, lang, answers, undefined, ref.reminder ? t(lang, "poll.reminder") : undefined, undefined, ref.withSnooze ?? false);
  }

  // ---- commands --------------------------------------------------------------------------------

  private async run(ctx: Context, cmd: Command): Promise<Message> {
    switch (cmd.name) {
      case "help":
        return helpMessage(ctx.lang, cmd.topic);
      case "partnership.create":
        return this.createPartnership(ctx, cmd);
      case "partnership.list":
        return this.listPartnerships(ctx);
      case "language": {
        await this.store(ctx);
        await this.db.person.update({ where: { id: ctx.person.id }, data: { language: cmd.value } });
        return textMessage(t(cmd.value, "ok.language", { lang: t(cmd.value, `lang.${cmd.value}`) }));
      }
      case "mydata.export":
        return this.exportMyData(ctx);
      case "mydata.erase":
        return this.eraseMyData(ctx, cmd.confirmed);
      case "instrument.list":
        return this.listInstruments(ctx);
      case "instrument.add":
        return this.addInstrument(ctx, cmd.json);
      case "nudges":
        await this.setNudges(ctx, cmd.on);
        return textMessage(t(ctx.lang, cmd.on ? "ok.nudges-on" : "ok.nudges-off"));
    }
    const { partnership, membership } = await this.selectPartnership(ctx, cmd.partnership);
    const lang = this.langFor(ctx, partnership);
    const c = { ...ctx, lang };
    const allowed = mayRunCommand(membership, COORDINATOR_ONLY.has(cmd.name));
    if (!allowed.ok) throw new UserError(allowed.reason === "coordinator-only" ? "err.coordinator-only" : "err.not-member", { partnership: partnership.name });
    if (!membership) throw new UserError("err.not-member", { partnership: partnership.name });
    switch (cmd.name) {
      case "purpose.add": {
        await this.db.partnership.update({ where: { id: partnership.id }, data: { purposes: { push: cmd.text } } });
        return textMessage(t(lang, "ok.purpose-added", { n: partnership.purposes.length + 1, text: cmd.text }));
      }
      case "purpose.list":
        return listMessage(t(lang, "list.purposes", { partnership: partnership.name }), partnership.purposes.map((p, i) => `${i + 1}. ${p}`), t(lang, "list.no-purposes"));
      case "org.add":
        return this.addOrganisation(c, partnership, cmd.title, cmd.sector);
      case "org.list": {
        const orgs = await this.db.organisation.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: partnership.id }, orderBy: { name: "asc" } });
        return listMessage(t(lang, "list.orgs", { partnership: partnership.name }), orgs.map((o) => `• ${o.name} (${t(lang, `sector.${o.sector}` as Key)})`), t(lang, "list.no-orgs"));
      }
      case "member.add":
        return this.addMember(c, partnership, cmd.userId, cmd.org, cmd.roles);
      case "member.remove":
        return this.removeMember(c, partnership, cmd.userId);
      case "member.list":
        return this.listMembers(c, partnership);
      case "member.erase":
        return this.eraseMember(c, partnership, cmd.userId, cmd.confirmed);
      case "checkin.start":
        return this.startRound(c, partnership, cmd);
      case "checkin.close":
        return this.closeRound(c, partnership);
      case "status":
        return this.status(c, partnership, membership);
      case "remind":
        return this.remind(c, partnership);
      case "digest":
        return this.postDigest(c, partnership);
      case "action.add":
        return this.addAction(c, partnership, cmd);
      case "action.list":
        return this.listActions(c, partnership);
      case "action.done":
        return this.completeAction(c, partnership, cmd.number);
      case "set":
        return this.changeSetting(c, partnership, cmd.setting);
      case "export.csv":
        return this.exportCsv(c, partnership);
      case "schedule.set":
        return this.setSchedule(c, partnership, cmd);
      case "schedule.list":
        return this.listSchedules(c, partnership);
      case "schedule.stop":
        return this.stopSchedule(c, partnership, cmd.kind);
      case "meeting.add":
        return this.addMeeting(c, partnership, cmd);
      case "meeting.list":
        return this.listMeetings(c, partnership);
      case "meeting.send":
        return this.sendAgreements(c, partnership, cmd.number);
    }
  }

  private async createPartnership(ctx: Context, cmd: Extract<Command, { name: "partnership.create" }>): Promise<Message> {
    const exists = await this.db.partnership.findFirst({ where: { workspaceId: ctx.workspaceId, nameKey: nameKey(cmd.title) } });
    if (exists) throw new UserError("err.partnership-exists", { name: cmd.title });
    if (cmd.channel) await this.assertChannelFree(ctx.workspaceId, cmd.channel, null);
    await this.store(ctx);
    const language = cmd.language ?? ctx.person.language ?? langFromLocale(ctx.actor.locale) ?? this.defaultLanguage;
    const p = await this.db.$transaction(async (tx) => {
      const p = await tx.partnership.create({
        data: {
          workspaceId: ctx.workspaceId,
          name: cmd.title,
          nameKey: nameKey(cmd.title),
          purpose: cmd.purpose ?? "",
          language,
          timeZone: cmd.timezone ?? this.defaultTimeZone,
          anonymity: cmd.anonymity ?? "confidential",
          // Typed in a DM, there is no channel for digests: they go to the steering members by DM until one is set.
          homeChannel: cmd.channel ?? (ctx.actor.conversation === "channel" ? ctx.actor.channelId ?? null : null),
        },
      });
      await tx.membership.create({ data: { workspaceId: ctx.workspaceId, partnershipId: p.id, personId: ctx.person.id, roles: ["coordinator"] } });
      return p;
    });
    const lang = this.langFor(ctx, p);
    const created = t(lang, "ok.partnership-created", { name: p.name, anonymity: t(lang, `anonymity.${p.anonymity}` as Key), tz: p.timeZone, lang: t(lang, `lang.${p.language}` as Key) });
    return textMessage(p.homeChannel ? created : `${created} ${t(lang, "ok.partnership-no-channel")}`);
  }

  private async assertChannelFree(workspaceId: string, channel: string, exceptId: string | null) {
    const taken = await this.db.partnership.findFirst({ where: { workspaceId, homeChannel: channel, ...(exceptId ? { id: { not: exceptId } } : {}) } });
    if (taken) throw new UserError("err.channel-taken", { channel, partnership: taken.name });
  }

  private async listPartnerships(ctx: Context): Promise<Message> {
    const ms = await this.db.membership.findMany({ where: { workspaceId: ctx.workspaceId, personId: ctx.person.id, removedAt: null }, include: { partnership: true } });
    return listMessage(
      t(ctx.lang, "list.partnerships"),
      ms.map((m) => `• ${m.partnership.name} (${this.roleList(ctx.lang, m.roles)})`),
      t(ctx.lang, "home.no-partnerships"),
    );
  }

  private async addOrganisation(ctx: Context, p: PartnershipRow, name: string, sector: string): Promise<Message> {
    const exists = await this.db.organisation.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, nameKey: nameKey(name) } });
    if (exists) throw new UserError("err.org-exists", { name: exists.name });
    await this.db.organisation.create({ data: { workspaceId: ctx.workspaceId, partnershipId: p.id, name, nameKey: nameKey(name), sector } });
    return textMessage(t(ctx.lang, "ok.org-added", { name, sector: t(ctx.lang, `sector.${sector}` as Key), partnership: p.name }));
  }

  private async addMember(ctx: Context, p: PartnershipRow, userId: string, orgName: string | undefined, roles: string[]): Promise<Message> {
    let organisationId: string | null = null;
    if (orgName !== undefined) {
      const org = await this.db.organisation.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, nameKey: nameKey(orgName) } });
      if (!org) throw new UserError("err.unknown-org", { name: orgName }, "org.add");
      organisationId = org.id;
    }
    const person = await this.db.person.upsert({
      where: { workspaceId_platformUserId: { workspaceId: ctx.workspaceId, platformUserId: userId } },
      create: { workspaceId: ctx.workspaceId, platformUserId: userId },
      update: {},
    });
    const existing = await this.db.membership.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, personId: person.id } });
    if (existing && !existing.removedAt) {
      await this.db.membership.update({ where: { id: existing.id }, data: { roles, ...(organisationId ? { organisationId } : {}) } });
    } else if (existing) {
      await this.db.membership.update({ where: { id: existing.id }, data: { roles, organisationId, removedAt: null } });
    } else {
      await this.db.membership.create({ data: { workspaceId: ctx.workspaceId, partnershipId: p.id, personId: person.id, organisationId, roles } });
    }
    const roleText = this.roleList(ctx.lang, roles);
    return textMessage(t(ctx.lang, existing && !existing.removedAt ? "ok.member-updated" : "ok.member-added", { person: this.mention(userId), roles: roleText, partnership: p.name }));
  }

  private async removeMember(ctx: Context, p: PartnershipRow, userId: string): Promise<Message> {
    const m = await this.db.membership.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, removedAt: null, person: { platformUserId: userId } } });
    if (!m) throw new UserError("err.not-a-member", { person: this.mention(userId), partnership: p.name });
    if (m.roles.includes("coordinator")) {
      const coordinators = await this.db.membership.count({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, removedAt: null, roles: { has: "coordinator" } } });
      if (coordinators <= 1) throw new UserError("err.last-coordinator");
    }
    // Kept as removed, not deleted: their answers stay in earlier rounds' aggregates.
    await this.db.membership.update({ where: { id: m.id }, data: { removedAt: this.now() } });
    return textMessage(t(ctx.lang, "ok.member-removed", { person: this.mention(userId), partnership: p.name }));
  }

  private async listMembers(ctx: Context, p: PartnershipRow): Promise<Message> {
    const ms = await this.db.membership.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, removedAt: null }, include: { person: true, organisation: true }, orderBy: { createdAt: "asc" } });
    return listMessage(
      t(ctx.lang, "list.members", { partnership: p.name, n: ms.length }),
      ms.map((m) => `• ${this.personLabel(m.person)}${m.organisation ? ` — ${m.organisation.name}` : ""} (${this.roleList(ctx.lang, m.roles)})`),
      t(ctx.lang, "list.no-members"),
    );
  }

  // ---- rounds ----------------------------------------------------------------------------------

  private async instrumentFor(workspaceId: string, key: string, version?: number): Promise<Instrument | undefined> {
    const custom = await this.db.customInstrument.findFirst({ where: { workspaceId, key, ...(version ? { version } : {}) }, orderBy: { version: "desc" } });
    if (custom) {
      const parsed = parseInstrument(custom.definition);
      if (parsed.ok) return parsed.instrument;
    }
    return findBuiltIn(key, version);
  }

  private async openRound(workspaceId: string, partnershipId: string, now: Date) {
    return this.db.round.findFirst({ where: { workspaceId, partnershipId, closedAt: null, closesAt: { gt: now } }, orderBy: { number: "desc" } });
  }

  private async startRound(ctx: Context, p: PartnershipRow, cmd: Extract<Command, { name: "checkin.start" }>): Promise<Message> {
    const now = this.now();
    const closesAt = deadlineFrom(cmd.deadline, now, p.timeZone);
    if (closesAt <= now) throw new UserError("err.deadline-past", {}, "checkin.start");
    const plan = await this.planRound(p, cmd.instrument, cmd.sections, closesAt, null);
    const round = await this.db.$transaction((tx) => this.createRoundTx(tx, ctx.actor.workspace, p, plan, now));
    this.onEnqueue();
    return textMessage(
      t(ctx.lang, "ok.round-started", {
        round: round.number,
        instrument: plan.snapshot.title[ctx.lang],
        n: plan.sectionIds.length,
        people: t(ctx.lang, "count.people", { n: plan.partners.length }),
        date: formatDate(ctx.lang, closesAt, p.timeZone),
      }),
    );
  }

  /** Everything a new round needs that can be read and checked before the writing transaction. */
  private async planRound(p: PartnershipRow, instrumentKey: string | undefined, sections: "all" | number[], closesAt: Date, onlyMembershipIds: string[] | null) {
    const instrument = await this.instrumentFor(p.workspaceId, instrumentKey ?? CHECKLIST_KEY);
    if (!instrument) throw new UserError("err.unknown-instrument", { key: instrumentKey ?? "" }, "instrument");
    let sectionIds: string[];
    if (sections === "all") sectionIds = instrument.sections.map((s) => s.id);
    else {
      const bad = sections.find((n) => n > instrument.sections.length);
      if (bad !== undefined) throw new UserError("err.no-such-section", { n: bad, max: instrument.sections.length }, "checkin.start");
      sectionIds = sections.map((n) => instrument.sections[n - 1]!.id);
    }
    const orgs = await this.db.organisation.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id }, orderBy: { createdAt: "asc" } });
    const snap = snapshotFor(instrument, sectionIds, { purposes: p.purposes, organisations: orgs });
    if (!snap.ok) throw new UserError(snap.reason === "no-purposes" ? "err.no-purposes" : "err.too-few-orgs", {}, snap.reason === "no-purposes" ? "purpose.add" : "org.add");
    const partners = await this.db.membership.findMany({
      where: { workspaceId: p.workspaceId, partnershipId: p.id, removedAt: null, roles: { has: "partner" }, ...(onlyMembershipIds ? { id: { in: onlyMembershipIds } } : {}) },
    });
    if (partners.length === 0) throw new UserError("err.no-partners", {}, "member.add");
    return { instrument, sectionIds, snapshot: snap.snapshot, partners, closesAt };
  }

  /**
   * Opens a round: the round, its invitations, every partner's poll in the outbox, and the clock's
   * jobs (close at the deadline, nudges) — one transaction, so none exists without the others.
   */
  private async createRoundTx(tx: Tx, ws: WorkspaceRef, p: PartnershipRow, plan: Awaited<ReturnType<Partnerpuls["planRound"]>>, now: Date): Promise<RoundRow> {
    await this.lockPartnership(tx, p.id);
    const open = await this.openRoundTx(tx, p.workspaceId, p.id, now);
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
    await tx.invitation.createMany({ data: plan.partners.map((m) => ({ workspaceId: p.workspaceId, roundId: round.id, membershipId: m.id })) });
    const invitations = await tx.invitation.findMany({ where: { workspaceId: p.workspaceId, roundId: round.id }, select: { id: true, membership: { select: { person: { select: { platformUserId: true } } } } } });
    await this.enqueuePolls(tx, ws, round, invitations, "poll");
    await JobQueue.enqueue(tx, [
      { workspaceId: p.workspaceId, kind: "round.close", dueAt: round.closesAt, dedupeKey: `round.close:${round.id}`, payload: { roundId: round.id } },
      ...this.nudgeJobs(p, round, invitations.map((i) => i.id)),
    ]);
    return round;
  }

  /** One nudge per invitation at each of the partnership's percentages of the window, outside quiet hours. */
  private nudgeJobs(p: PartnershipRow, round: { opensAt: Date; closesAt: Date }, invitationIds: string[]): NewJob[] {
    const span = round.closesAt.getTime() - round.opensAt.getTime();
    const jobs: NewJob[] = [];
    p.nudgeAt.forEach((pct, i) => {
      const at = nextAllowed(new Date(round.opensAt.getTime() + (span * pct) / 100), quietOf(p));
      if (at >= round.closesAt) return;
      for (const id of invitationIds) jobs.push({ workspaceId: p.workspaceId, kind: "nudge", dueAt: at, dedupeKey: `nudge:${id}:${i + 1}`, payload: { invitationId: id, n: i + 1 } });
    });
    return jobs;
  }

  /**
   * Serialises writes that number rows per partnership (rounds, actions) or allow one open round,
   * across every instance sharing the database: the second writer waits, then reads again.
   */
  private async lockPartnership(tx: Tx, partnershipId: string): Promise<void> {
    await tx.$queryRaw`SELECT id FROM "Partnership" WHERE id = ${partnershipId} FOR UPDATE`;
  }

  private openRoundTx(tx: Tx, workspaceId: string, partnershipId: string, now: Date) {
    return tx.round.findFirst({ where: { workspaceId, partnershipId, closedAt: null, closesAt: { gt: now } } });
  }

  /** A person's language: their own choice, else their partnership's. */
  private langOfPerson(person: { language: string | null }, p: { language: string }): Lang {
    return (isLang(person.language) ? person.language : null) ?? (isLang(p.language) ? p.language : this.defaultLanguage);
  }

  /**
   * Puts each invitation's poll card in the outbox, as the person would see it now. `kind` names
   * the occasion and makes the delivery unique: one first poll per invitation, and one per nudge.
   */
  private async enqueuePolls(
    db: Pick<Db, "job"> | Tx,
    ws: WorkspaceRef,
    round: { id: string; workspaceId: string },
    invitations: { id: string; membership: { person: { platformUserId: string } } }[],
    kind: "poll" | "remind" | { nudge: string },
  ): Promise<number> {
    const stamp = this.now().getTime();
    // The card itself is built when it is delivered (renderDelivery): as the person's answers then stand.
    const items: OutboxItem[] = invitations.map((inv) => ({
      workspaceId: round.workspaceId,
      workspace: ws,
      to: { kind: "user", userId: inv.membership.person.platformUserId },
      render: { kind: "poll", roundId: round.id, invitationId: inv.id, ...(kind === "poll" ? {} : { reminder: true, withSnooze: true }) },
      dedupeKey: kind === "poll" ? `poll:${inv.id}` : kind === "remind" ? `remind:${inv.id}:${stamp}` : kind.nudge,
      after: { type: "invitation.sent", invitationId: inv.id },
    }));
    return enqueueDeliveries(db, items);
  }

  private async roundWithPartnership(workspaceId: string, roundId: string) {
    const round = await this.db.round.findFirst({ where: { id: roundId, workspaceId }, include: { partnership: true } });
    if (!round) throw new UserError("err.bad-button");
    return round;
  }

  private async pollView(
    workspaceId: string,
    lang: Lang,
    roundOrId: string | RoundWithPartnership,
    membershipId: string,
    sectionId: string | undefined,
    notice?: string,
    after?: string,
    known?: { itemId: string; rating: number | null; choice: string | null }[],
  ): Promise<Message> {
    const round = typeof roundOrId === "string" ? await this.roundWithPartnership(workspaceId, roundOrId) : roundOrId;
    const rows = known ?? (await this.db.answer.findMany({ where: { workspaceId, roundId: round.id, membershipId } }));
    return this.pollViewFrom(round, lang, rows, sectionId, notice, after);
  }

  /** A person's poll card from what is already known: no database reads. */
  private pollViewFrom(
    round: RoundWithPartnership,
    lang: Lang,
    rows: { itemId: string; rating: number | null; choice: string | null }[],
    sectionId: string | undefined,
    notice?: string,
    after?: string,
    withSnooze = false,
  ): Message {
    const snapshot = this.results.snapshotOf(round);
    const answers = new Map(rows.map((a) => [a.itemId, { rating: a.rating, choice: a.choice }]));
    const open = round.closedAt === null && round.closesAt > this.now();
    const shown = sectionId && round.sectionIds.includes(sectionId) ? sectionId : nextOpenSection(round.sectionIds, snapshot, (id) => answers.has(id), after);
    return pollMessage({
      lang,
      partnershipName: round.partnership.name,
      roundId: round.id,
      roundNumber: round.number,
      snapshot,
      sectionIds: round.sectionIds,
      sectionId: shown,
      answers,
      closesAt: round.closesAt,
      timeZone: round.partnership.timeZone,
      open,
      notice,
      withSnooze,
    });
  }

  private async invitedMembership(ctx: Context, roundId: string) {
    // One query on the hot path (every button press); the round alone only to explain a refusal.
    const found = await this.db.invitation.findFirst({
      where: { workspaceId: ctx.workspaceId, roundId, membership: { personId: ctx.person.id } },
      include: { round: { include: { partnership: true } }, membership: { select: { roles: true, removedAt: true } } },
    });
    if (!found) {
      await this.roundWithPartnership(ctx.workspaceId, roundId); // "that button no longer works" if the round is gone
      throw new UserError("err.not-invited");
    }
    const allowed = mayUsePoll(found.membership);
    if (!allowed.ok) throw new UserError(REFUSAL_KEY[allowed.reason], { partnership: found.round.partnership.name });
    const { round, membership: _membership, ...inv } = found;
    return { round, inv, lang: this.langFor(ctx, round.partnership) };
  }

  private async pollFor(ctx: Context, roundId: string, sectionId: string | undefined, notice?: string): Promise<Message> {
    const { inv, lang } = await this.invitedMembership(ctx, roundId);
    return this.pollView(ctx.workspaceId, lang, roundId, inv.membershipId, sectionId, notice);
  }

  private async answer(ctx: Context, a: z.infer<typeof AnswerPayload>): Promise<Message> {
    const { round, inv, lang } = await this.invitedMembership(ctx, a.r);
    const now = this.now();
    if (round.closedAt !== null || round.closesAt <= now) return this.pollView(ctx.workspaceId, lang, round, inv.membershipId, undefined);
    const snapshot = this.results.snapshotOf(round);
    const section = snapshot.sections.find((s) => round.sectionIds.includes(s.id) && s.items.some((i) => i.id === a.i));
    const item = section?.items.find((i) => i.id === a.i);
    if (!section || !item) throw new UserError("err.bad-button");
    let rating: number | null = null;
    let choice: string | null = null;
    if (item.kind === "rating") {
      const scale = snapshot.scale!;
      if (a.v === undefined || a.v < scale.min || a.v > scale.max) throw new UserError("err.bad-button");
      rating = a.v;
    } else {
      if (!a.c || !(snapshot.choiceSets[item.choices] ?? []).some((c) => c.value === a.c)) throw new UserError("err.bad-button");
      choice = a.c;
    }
    const allItemIds = snapshot.sections.filter((s) => round.sectionIds.includes(s.id)).flatMap((s) => s.items.map((i) => i.id));
    const answered = await this.db.$transaction(async (tx) => {
      // One answer per member per statement per round: a retry or double click overwrites itself.
      await tx.answer.upsert({
        where: { roundId_membershipId_itemId: { roundId: round.id, membershipId: inv.membershipId, itemId: item.id } },
        create: { workspaceId: ctx.workspaceId, roundId: round.id, membershipId: inv.membershipId, itemId: item.id, rating, choice },
        update: { rating, choice },
      });
      const rows = await tx.answer.findMany({ where: { workspaceId: ctx.workspaceId, roundId: round.id, membershipId: inv.membershipId }, select: { itemId: true, rating: true, choice: true } });
      const have = new Set(rows.map((x) => x.itemId));
      const complete = allItemIds.every((id) => have.has(id));
      if (complete && !inv.completedAt) await tx.invitation.update({ where: { id: inv.id }, data: { completedAt: now } });
      return rows;
    });
    const answeredIds = new Set(answered.map((a) => a.itemId));
    const sectionDone = section.items.every((i) => answeredIds.has(i.id));
    const label = rating !== null ? String(rating) : (snapshot.choiceSets[(item as { choices: string }).choices] ?? []).find((c) => c.value === choice)!.label[lang];
    const notice = t(lang, "poll.saved", { value: label });
    // Stay on the section until it is complete, then move on to the next unanswered one.
    return this.pollView(ctx.workspaceId, lang, round, inv.membershipId, sectionDone ? undefined : section.id, notice, section.id, answered);
  }

  private async closeRound(ctx: Context, p: PartnershipRow): Promise<Message> {
    const round = await this.db.round.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, closedAt: null }, orderBy: { number: "desc" } });
    if (!round) throw new UserError("err.no-open-round", {}, "checkin.start");
    const closed = await this.closeRoundNow(ctx.actor.workspace, p, round.id, "round-closed");
    if (!closed) throw new UserError("err.no-open-round", {}, "checkin.start");
    return textMessage(`${t(ctx.lang, "ok.round-closed", { n: round.number })} ${this.digestWhere(ctx.lang, closed)}`);
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
    const now = this.now();
    const target = await this.db.$transaction(async (tx) => {
      const r = await tx.round.updateMany({ where: { id: roundId, workspaceId: p.workspaceId, closedAt: null }, data: { closedAt: now } });
      if (r.count === 0) return null;
      const round = await tx.round.findFirstOrThrow({ where: { id: roundId } });
      const release = await this.results.computeReleaseOf(tx, round, now);
      await tx.round.update({ where: { id: roundId }, data: { release: release as object } });
      // Polls not yet delivered would arrive with live buttons after the close: withdraw them. One an
      // earlier run began (its result holds that progress) may have landed: it finishes, and its card
      // is replaced then (recordDelivery).
      await tx.$executeRaw`
        UPDATE "Job" SET status = 'skipped', outcome = 'round closed before delivery', "finishedAt" = ${now}
        WHERE kind = 'deliver' AND status = 'pending' AND "workspaceId" = ${p.workspaceId}
          AND payload->'render'->>'roundId' = ${roundId} AND payload->'render'->>'kind' = 'poll'
          AND result IS NULL`;
      const delivered = await tx.invitation.findMany({ where: { workspaceId: p.workspaceId, roundId, pollRef: { not: Prisma.DbNull } }, select: { id: true, pollRef: true } });
      await enqueueDeliveries(
        tx,
        delivered.map((inv) => ({
          workspaceId: p.workspaceId,
          workspace: ws,
          to: { kind: "update" as const, ref: inv.pollRef as unknown as MessageRef },
          render: { kind: "poll.closed" as const, roundId, invitationId: inv.id },
          dedupeKey: `closed:${inv.id}`,
        })),
      );
      // One digest per close: its id is the round's, so nothing can record or send it twice.
      const prepared = await this.prepareDigest(tx, ws, p, roundId, trigger, `close-${roundId}`);
      if (prepared) await prepared.write(tx);
      crashPoint("round-close:before-commit");
      return prepared?.target ?? { people: 0 };
    }, LONG_TRANSACTION);
    if (!target) return null;
    crashPoint("round-close:after-commit");
    this.onEnqueue();
    return target;
  }

  private async status(ctx: Context, p: PartnershipRow, membership: MembershipRow): Promise<Message> {
    const round = await this.db.round.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id }, orderBy: { number: "desc" } });
    if (!round) throw new UserError("err.no-rounds", {}, "checkin.start");
    const invs = await this.db.invitation.findMany({
      where: { workspaceId: ctx.workspaceId, roundId: round.id },
      include: { membership: { include: { person: true } } },
    });
    const started = new Set(
      (await this.db.answer.groupBy({ by: ["membershipId"], where: { workspaceId: ctx.workspaceId, roundId: round.id } })).map((g) => g.membershipId),
    );
    const done = invs.filter((i) => i.completedAt);
    const partial = invs.filter((i) => !i.completedAt && started.has(i.membershipId));
    const open = round.closedAt === null && round.closesAt > this.now();
    const lines = [
      t(ctx.lang, "status.counts", { done: done.length, n: invs.length, partial: partial.length }),
      open ? t(ctx.lang, "digest.open-until", { date: formatDate(ctx.lang, round.closesAt, p.timeZone) }) : t(ctx.lang, "digest.closed"),
    ];
    // Polls the outbox has not delivered a minute after the round opened: the platform is refusing or slow.
    const undelivered = invs.filter((i) => !i.sentAt && !i.completedAt && this.now().getTime() - round.opensAt.getTime() > 60_000).length;
    if (open && undelivered && membership.roles.includes("coordinator")) lines.push(t(ctx.lang, "warn.send-failed", { n: undelivered }));
    // Who has answered, never what; and in confidential mode not even who.
    // The round's own mode, fixed when it opened: switching to attributed later names nobody in it.
    if (round.anonymity === "attributed" && membership.roles.includes("coordinator")) {
      const names = (xs: typeof invs) => xs.map((i) => this.personLabel(i.membership.person)).join(", ") || "–";
      lines.push(`${t(ctx.lang, "status.answered")}: ${names(done)}`);
      lines.push(`${t(ctx.lang, "status.partial")}: ${names(partial)}`);
      lines.push(`${t(ctx.lang, "status.waiting")}: ${names(invs.filter((i) => !i.completedAt && !started.has(i.membershipId)))}`);
    } else if (round.anonymity === "confidential") lines.push(t(ctx.lang, "status.confidential"));
    return listMessage(t(ctx.lang, "status.title", { partnership: p.name, n: round.number }), lines, "");
  }

  private async remind(ctx: Context, p: PartnershipRow): Promise<Message> {
    const round = await this.openRound(ctx.workspaceId, p.id, this.now());
    if (!round) throw new UserError("err.no-open-round", {}, "checkin.start");
    const n = await this.enqueueUnfinished(ctx.actor.workspace, { ...round, partnership: p }, "remind");
    return textMessage(t(ctx.lang, "ok.reminded", { n }));
  }

  /** Sends the poll again, as it stands, to those invited who have not finished. */
  private async enqueueUnfinished(ws: WorkspaceRef, round: RoundWithPartnership, kind: "remind"): Promise<number> {
    const invitations = await this.db.invitation.findMany({
      where: { workspaceId: round.workspaceId, roundId: round.id, completedAt: null, membership: { removedAt: null } },
      select: { id: true, membership: { select: { person: { select: { platformUserId: true } } } } },
    });
    await this.enqueuePolls(this.db, ws, round, invitations, kind);
    this.onEnqueue();
    return invitations.length;
  }

  // ---- digest ----------------------------------------------------------------------------------

  /** The digest of a round (default: the partnership's latest), in the given language. */
  async digestFor(workspaceId: string, partnershipId: string, lang: Lang, roundId?: string): Promise<Message | null> {
    return (await this.results.digestFor(this.db, workspaceId, partnershipId, lang, roundId))?.message ?? null;
  }

  /**
   * Sends the digest to the home channel, or to each steering member (coordinators if there are
   * none) by DM, and records what it was built from.
   */
  async deliverDigest(ws: WorkspaceRef, p: PartnershipRow, roundId: string | undefined, trigger: DigestTrigger): Promise<DigestTarget> {
    const prepared = await this.prepareDigest(this.db, ws, p, roundId, trigger, randomUUID());
    if (!prepared) throw new UserError("err.no-rounds", {}, "checkin.start");
    await this.db.$transaction((tx) => prepared.write(tx));
    this.onEnqueue();
    return prepared.target;
  }

  /** Builds a digest (reads only); `write` records it and puts its messages in the outbox. */
  private async prepareDigest(db: Reader, ws: WorkspaceRef, p: PartnershipRow, roundId: string | undefined, trigger: DigestTrigger, digestId: string) {
    const lang = isLang(p.language) ? p.language : this.defaultLanguage;
    const built = await this.results.digestFor(db, p.workspaceId, p.id, lang, roundId);
    if (!built) return null;
    const items: OutboxItem[] = [];
    let target: DigestTarget;
    if (p.homeChannel) {
      items.push({ workspaceId: p.workspaceId, workspace: ws, to: { kind: "channel", channelId: p.homeChannel }, message: built.message, dedupeKey: `digest:${digestId}:channel` });
      target = { channel: p.homeChannel };
    } else {
      const steering = await db.membership.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id, removedAt: null, roles: { has: "steering" } }, include: { person: true } });
      const recipients = steering.length ? steering : await db.membership.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id, removedAt: null, roles: { has: "coordinator" } }, include: { person: true } });
      const byLang = new Map<Lang, Message>([[lang, built.message]]);
      for (const m of recipients) {
        const own = isLang(m.person.language) ? m.person.language : lang;
        if (!byLang.has(own)) byLang.set(own, (await this.results.digestFor(db, p.workspaceId, p.id, own, built.builtFrom.roundId))!.message);
        const personal = byLang.get(own)!;
        items.push({ workspaceId: p.workspaceId, workspace: ws, to: { kind: "user", userId: m.person.platformUserId }, message: personal, dedupeKey: `digest:${digestId}:${m.id}` });
      }
      target = { people: recipients.length };
    }
    return {
      target,
      write: async (tx: Tx) => {
        await tx.digest.create({ data: { id: digestId, workspaceId: p.workspaceId, partnershipId: p.id, roundId: built.builtFrom.roundId, trigger, builtFrom: built.builtFrom as object } });
        await enqueueDeliveries(tx, items);
      },
    };
  }

  private digestWhere(lang: Lang, target: DigestTarget): string {
    return "channel" in target ? t(lang, "ok.digest-posted", { channel: `<#${target.channel}>` }) : t(lang, "ok.digest-sent", { n: target.people });
  }

  private async postDigest(ctx: Context, p: PartnershipRow): Promise<Message> {
    return textMessage(this.digestWhere(ctx.lang, await this.deliverDigest(ctx.actor.workspace, p, undefined, "on-demand")));
  }

  // ---- follow-up actions -----------------------------------------------------------------------

  private actionLine(lang: Lang, a: { number: number; text: string; dueDate: Date | null; status: string; sourceMeeting: string | null }, owner: string | null, now: Date, timeZone: string): string {
    const due = a.dueDate ? t(lang, "action.due", { date: formatDate(lang, a.dueDate, "UTC") }) : t(lang, "action.no-due");
    const overdue = a.status === "open" && isOverdue(a.dueDate, now, timeZone) ? ` — *${t(lang, "action.overdue")}*` : "";
    const done = a.status === "done" ? ` ✓ ${t(lang, "action.done")}` : "";
    return `#${a.number} ${a.text} — ${owner ?? ""}${owner ? ", " : ""}${due}${overdue}${done}${a.sourceMeeting ? ` (${a.sourceMeeting})` : ""}`;
  }

  private async addAction(ctx: Context, p: PartnershipRow, cmd: Extract<Command, { name: "action.add" }>): Promise<Message> {
    let ownerId: string | null = null;
    if (cmd.ownerId) {
      const m = await this.db.membership.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, removedAt: null, person: { platformUserId: cmd.ownerId } } });
      if (!m) throw new UserError("err.owner-not-member", { person: this.mention(cmd.ownerId), partnership: p.name }, "member.add");
      ownerId = m.id;
    }
    const dueDate = cmd.due ? dueDateFrom(cmd.due, this.now(), p.timeZone) : null;
    // meeting=3 links the agreement to meeting #3 (sent with `meeting send 3`); other text is a label.
    const meetingNo = cmd.meeting && /^#?\d{1,6}$/.test(cmd.meeting) ? Number(cmd.meeting.replace("#", "")) : null;
    const meeting = meetingNo ? await this.db.meeting.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, number: meetingNo } }) : null;
    if (meetingNo && !meeting) throw new UserError("err.no-such-meeting", { number: meetingNo }, "meeting");
    const action = await this.db.$transaction(async (tx) => {
      await this.lockPartnership(tx, p.id);
      const last = await tx.action.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id }, orderBy: { number: "desc" } });
      const action = await tx.action.create({
        data: { workspaceId: ctx.workspaceId, partnershipId: p.id, number: (last?.number ?? 0) + 1, text: cmd.text, ownerId, dueDate, sourceMeeting: meeting ? meeting.title : (cmd.meeting ?? null), meetingId: meeting?.id ?? null },
      });
      await JobQueue.enqueue(tx, this.reminderJobs(p, action));
      return action;
    });
    return textMessage(t(ctx.lang, "ok.action-added", { number: action.number, text: action.text }) + (cmd.ownerId ? ` ${this.mention(cmd.ownerId)}` : ""));
  }

  private async listActions(ctx: Context, p: PartnershipRow): Promise<Message> {
    const now = this.now();
    const actions = await this.db.action.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id }, include: { owner: { include: { person: true } } }, orderBy: [{ status: "desc" }, { dueDate: "asc" }, { number: "asc" }] });
    const blocks: Parameters<typeof message>[1] = [{ type: "header", text: t(ctx.lang, "list.actions", { partnership: p.name }) }];
    if (actions.length === 0) blocks.push({ type: "text", text: t(ctx.lang, "list.no-actions") });
    for (const a of actions) {
      blocks.push({ type: "text", text: this.actionLine(ctx.lang, a, a.owner ? this.personLabel(a.owner.person) : null, now, p.timeZone) });
      if (a.status === "open") blocks.push({ type: "buttons", buttons: [{ label: t(ctx.lang, "action.mark-done", { number: a.number }), actionId: "action.done", value: JSON.stringify({ a: a.id }) }] });
    }
    return message(t(ctx.lang, "list.actions", { partnership: p.name }), blocks);
  }

  private async completeAction(ctx: Context, p: PartnershipRow, number: number): Promise<Message> {
    const action = await this.db.action.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, number }, include: { owner: true } });
    if (!action) throw new UserError("err.no-such-action", { number }, "action.list");
    const membership = await this.db.membership.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, personId: ctx.person.id } });
    const allowed = mayChangeAction(membership, action.owner?.personId === ctx.person.id);
    if (!allowed.ok) throw new UserError(REFUSAL_KEY[allowed.reason], { partnership: p.name });
    if (action.status === "done") return textMessage(t(ctx.lang, "ok.action-already-done", { number }));
    await this.db.action.update({ where: { id: action.id }, data: { status: "done", completedAt: this.now() } });
    return textMessage(t(ctx.lang, "ok.action-done", { number, text: action.text }));
  }

  // ---- the clock's jobs ------------------------------------------------------------------------
  // Every future action is a Job row (src/jobs/queue.ts); the Clock (src/clock/clock.ts) claims
  // due ones on every instance and asks these handlers what to do. A handler reads, decides, and
  // returns its writes as an effect that commits with the job's completion: exactly once.

  /** The handlers the clock runs, by job kind. */
  clockHandlers(): Record<string, JobHandler> {
    return {
      "round.close": (job, now) => this.runRoundClose(job, now),
      nudge: (job, now) => this.runNudge(job, now),
      "action.remind": (job, now) => this.runActionReminder(job, now),
      "schedule.round": (job, now) => this.runScheduledRound(job, now),
      "schedule.digest": (job, now) => this.runScheduledDigest(job, now),
      "meeting.pulse": (job, now) => this.runMeetingPulse(job, now),
      "meeting.followup": (job, now) => this.runMeetingFollowup(job, now),
      // Does nothing but get recorded: shows that instances share the work (tests, benchmarks, monitoring).
      probe: async () => ({ status: "done" }),
    };
  }

  private wsRefOf(w: { platform: string; externalId: string; name: string }): WorkspaceRef {
    return { platform: w.platform as WorkspaceRef["platform"], externalId: w.externalId, name: w.name };
  }

  private async runRoundClose(job: ClaimedJob, now: Date): Promise<JobOutcome> {
    const { roundId } = z.object({ roundId: z.string() }).parse(job.payload);
    const round = await this.db.round.findFirst({ where: { id: roundId, workspaceId: job.workspaceId }, include: { partnership: true, workspace: true } });
    if (!round) return { status: "skipped", note: "round deleted" };
    // Closed already: the close's own transaction recorded and queued its digest.
    if (round.closedAt) return { status: "skipped", note: "closed already" };
    if (round.closesAt > now) return { status: "later", at: round.closesAt, note: "deadline moved" };
    // closeRoundNow is idempotent (it closes only an open round), so a retry cannot post twice.
    await this.closeRoundNow(this.wsRefOf(round.workspace), round.partnership, round.id, "round-closed");
    return { status: "done" };
  }

  private async runNudge(job: ClaimedJob, now: Date): Promise<JobOutcome> {
    const { invitationId, n, snooze } = z.object({ invitationId: z.string(), n: z.number().int(), snooze: z.boolean().optional() }).parse(job.payload);
    const inv = await this.db.invitation.findFirst({
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
    const ws = this.wsRefOf(round.workspace);
    return {
      status: "done",
      effect: async (tx) => {
        // One delivery per nudge job: a snoozed reminder is its own job.
        await this.enqueuePolls(tx, ws, round, [inv], { nudge: `nudge:${job.id}` });
        if (!snooze) await tx.invitation.update({ where: { id: inv.id }, data: { nudges: n } });
      },
    };
  }

  /** "Remind me tomorrow": one more reminder a day later (outside quiet hours), in place of the nudges before it. */
  private async snooze(ctx: Context, roundId: string): Promise<Message> {
    const { round, inv, lang } = await this.invitedMembership(ctx, roundId);
    const now = this.now();
    const at = nextAllowed(new Date(now.getTime() + 24 * 3600_000), quietOf(round.partnership));
    if (round.closedAt || round.closesAt <= now) return this.pollView(ctx.workspaceId, lang, round, inv.membershipId, undefined);
    if (at >= round.closesAt) return this.pollView(ctx.workspaceId, lang, round, inv.membershipId, undefined, t(lang, "nudge.no-time"));
    const day = todayIn(round.partnership.timeZone, at).toISOString().slice(0, 10);
    await this.db.$transaction(async (tx) => {
      await tx.invitation.update({ where: { id: inv.id }, data: { snoozedUntil: at } });
      await JobQueue.enqueue(tx, [{ workspaceId: ctx.workspaceId, kind: "nudge", dueAt: at, dedupeKey: `snooze:${inv.id}:${day}`, payload: { invitationId: inv.id, n: inv.nudges, snooze: true } }]);
    });
    return this.pollView(ctx.workspaceId, lang, round, inv.membershipId, undefined, t(lang, "ok.snoozed", { date: formatDateTime(lang, at, round.partnership.timeZone) }));
  }

  private async setNudges(ctx: Context, on: boolean): Promise<void> {
    await this.store(ctx);
    await this.db.person.update({ where: { id: ctx.person.id }, data: { nudgesOff: !on } });
  }

  /** Reminders for an action's owner: two days before, on the day, then weekly while overdue (09:00 local). */
  private reminderJobs(p: PartnershipRow, a: { id: string; workspaceId: string; ownerId: string | null; dueDate: Date | null }): NewJob[] {
    if (!a.ownerId || !a.dueDate) return [];
    const due = a.dueDate.toISOString().slice(0, 10);
    const at = (days: number) => {
      const d = new Date(a.dueDate!.getTime() + days * 86_400_000);
      return nextAllowed(zonedTimeToUtc(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 9, 0, p.timeZone), quietOf(p));
    };
    const now = this.now();
    const job = (kind: "before" | "due" | "overdue", days: number, week = 0): NewJob => ({
      workspaceId: a.workspaceId, kind: "action.remind", dueAt: at(days), dedupeKey: `action:${a.id}:${due}:${kind}${week ? `:${week}` : ""}`, payload: { actionId: a.id, due, kind, week },
    });
    // A reminder whose moment has passed when the action is recorded would only be noise.
    return [job("before", -2), job("due", 0), job("overdue", 7, 1)].filter((j) => j.dueAt > now);
  }

  private async runActionReminder(job: ClaimedJob, now: Date): Promise<JobOutcome> {
    const pl = z.object({ actionId: z.string(), due: z.string(), kind: z.enum(["before", "due", "overdue"]), week: z.number().int() }).parse(job.payload);
    const a = await this.db.action.findFirst({ where: { id: pl.actionId, workspaceId: job.workspaceId }, include: { partnership: { include: { workspace: true } }, owner: { include: { person: true } } } });
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
    const lang = this.langOfPerson(a.owner.person, p);
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
    const ws = this.wsRefOf(p.workspace);
    // While overdue: again a week after this one (from its planned time, so catch-up does not drift).
    const next: NewJob[] = pl.kind === "overdue"
      ? [{ workspaceId: a.workspaceId, kind: "action.remind", dueAt: nextAllowed(new Date(Math.max(job.dueAt.getTime(), now.getTime() - 86_400_000) + 7 * 86_400_000), quietOf(p)), dedupeKey: `action:${a.id}:${pl.due}:overdue:${pl.week + 1}`, payload: { ...pl, week: pl.week + 1 } }]
      : [];
    return {
      status: "done",
      effect: async (tx) => {
        await enqueueDeliveries(tx, [{ workspaceId: a.workspaceId, workspace: ws, to: { kind: "user", userId: a.owner!.person.platformUserId }, message: msg, dedupeKey: `remind:${job.id}` }]);
        await JobQueue.enqueue(tx, next);
      },
    };
  }

  /** The owner (or a coordinator) moves the due date on from the reminder itself; coordinators are told. */
  private async postponeAction(ctx: Context, actionId: string, days: number): Promise<Message> {
    const a = await this.db.action.findFirst({ where: { id: actionId, workspaceId: ctx.workspaceId }, include: { owner: { include: { person: true } }, partnership: { include: { workspace: true } } } });
    if (!a) throw new UserError("err.bad-button");
    const p = a.partnership;
    const membership = await this.db.membership.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, personId: ctx.person.id } });
    const allowed = mayChangeAction(membership, a.owner?.personId === ctx.person.id);
    if (!allowed.ok) throw new UserError(REFUSAL_KEY[allowed.reason], { partnership: p.name });
    const lang = this.langFor(ctx, p);
    if (a.status === "done") return textMessage(t(lang, "ok.action-already-done", { number: a.number }));
    const today = todayIn(p.timeZone, this.now());
    const from = a.dueDate && a.dueDate > today ? a.dueDate : today;
    const dueDate = new Date(from.getTime() + days * 86_400_000);
    const coordinators = await this.db.membership.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, removedAt: null, roles: { has: "coordinator" }, personId: { not: ctx.person.id } }, include: { person: true } });
    const ws = this.wsRefOf(p.workspace);
    await this.db.$transaction(async (tx) => {
      const updated = await tx.action.update({ where: { id: a.id }, data: { dueDate } });
      await JobQueue.enqueue(tx, this.reminderJobs(p, updated));
      await enqueueDeliveries(tx, coordinators.map((c) => {
        const cl = this.langOfPerson(c.person, p);
        return { workspaceId: a.workspaceId, workspace: ws, to: { kind: "user" as const, userId: c.person.platformUserId }, message: textMessage(t(cl, "action.postponed-notice", { person: this.personLabel(ctx.person), number: a.number, text: a.text, date: formatDate(cl, dueDate, "UTC") })), dedupeKey: `postponed:${a.id}:${dueDate.toISOString().slice(0, 10)}:${c.id}` };
      }));
    });
    this.onEnqueue();
    return textMessage(t(lang, "ok.action-postponed", { number: a.number, date: formatDate(lang, dueDate, "UTC") }));
  }

  // ---- recurring rounds and digests ----

  private async setSchedule(ctx: Context, p: PartnershipRow, cmd: Extract<Command, { name: "schedule.set" }>): Promise<Message> {
    const parsed = parseRhythm(cmd.rhythm);
    if (!parsed.ok) throw new UserError("err.rhythm", { reason: rhythmErrorText(parsed.error, ctx.lang) }, "schedule");
    if (cmd.kind === "round") await this.planRound(p, cmd.instrument, cmd.sections ?? "all", new Date(8.64e15), null); // checks instrument, sections, partners now, not at 09:00 next quarter
    const now = this.now();
    const next = nextOccurrence(parsed.rhythm, now, p.timeZone);
    if (!next) throw new UserError("err.rhythm", { reason: rhythmErrorText({ code: "never" }, ctx.lang) }, "schedule");
    const data = {
      rhythm: parsed.rhythm as object, rhythmText: cmd.rhythm, instrumentKey: cmd.instrument ?? null,
      sectionIds: cmd.sections && cmd.sections !== "all" ? cmd.sections.map(String) : [], windowDays: cmd.windowDays ?? 14,
    };
    await this.db.$transaction(async (tx) => {
      const existing = await tx.schedule.findUnique({ where: { partnershipId_kind: { partnershipId: p.id, kind: cmd.kind } } });
      if (existing) await tx.job.deleteMany({ where: { workspaceId: p.workspaceId, status: "pending", dedupeKey: { startsWith: `schedule:${existing.id}:` } } });
      const sch = existing
        ? await tx.schedule.update({ where: { id: existing.id }, data })
        : await tx.schedule.create({ data: { ...data, workspaceId: p.workspaceId, partnershipId: p.id, kind: cmd.kind } });
      await JobQueue.enqueue(tx, [this.scheduleJob(sch, next)]);
    });
    const when = formatDateTime(ctx.lang, next, p.timeZone);
    const rhythm = describeRhythm(parsed.rhythm, ctx.lang);
    return textMessage(cmd.kind === "round" ? t(ctx.lang, "ok.schedule-round", { partnership: p.name, rhythm, n: data.windowDays, date: when }) : t(ctx.lang, "ok.schedule-digest", { partnership: p.name, rhythm, date: when }));
  }

  private scheduleJob(sch: { id: string; workspaceId: string; kind: string }, at: Date): NewJob {
    return { workspaceId: sch.workspaceId, kind: sch.kind === "round" ? "schedule.round" : "schedule.digest", dueAt: at, dedupeKey: `schedule:${sch.id}:${at.toISOString()}`, payload: { scheduleId: sch.id, at: at.toISOString() } };
  }

  private async listSchedules(ctx: Context, p: PartnershipRow): Promise<Message> {
    const schedules = await this.db.schedule.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id }, orderBy: { kind: "desc" } });
    const lines = [];
    for (const s of schedules) {
      const next = await this.db.job.findFirst({ where: { workspaceId: ctx.workspaceId, status: "pending", dedupeKey: { startsWith: `schedule:${s.id}:` } }, orderBy: { dueAt: "asc" } });
      lines.push(t(ctx.lang, "schedule.line", { kind: t(ctx.lang, s.kind === "round" ? "schedule.kind.round" : "schedule.kind.digest"), rhythm: describeRhythm(RhythmSchema.parse(s.rhythm), ctx.lang), date: next ? formatDateTime(ctx.lang, next.dueAt, p.timeZone) : "–" }));
    }
    return listMessage(t(ctx.lang, "list.schedules", { partnership: p.name }), lines, t(ctx.lang, "list.no-schedules"));
  }

  private async stopSchedule(ctx: Context, p: PartnershipRow, kind: "round" | "digest"): Promise<Message> {
    const kindText = t(ctx.lang, kind === "round" ? "schedule.kind.round" : "schedule.kind.digest");
    const sch = await this.db.schedule.findUnique({ where: { partnershipId_kind: { partnershipId: p.id, kind } } });
    if (!sch || sch.workspaceId !== ctx.workspaceId) throw new UserError("err.no-schedule", { kind: kindText }, "schedule");
    await this.db.$transaction([
      this.db.job.deleteMany({ where: { workspaceId: p.workspaceId, status: "pending", dedupeKey: { startsWith: `schedule:${sch.id}:` } } }),
      this.db.schedule.delete({ where: { id: sch.id } }),
    ]);
    return textMessage(t(ctx.lang, "ok.schedule-stopped", { kind: kindText, partnership: p.name }));
  }

  /** The next occurrence after the one that ran (or after now, when catching up: one run, no burst). */
  private nextScheduleJobs(sch: { id: string; workspaceId: string; kind: string; rhythm: unknown }, occurrence: Date, now: Date, timeZone: string): NewJob[] {
    const next = nextOccurrence(RhythmSchema.parse(sch.rhythm), occurrence > now ? occurrence : now, timeZone);
    return next ? [this.scheduleJob(sch, next)] : [];
  }

  private async runScheduledRound(job: ClaimedJob, now: Date): Promise<JobOutcome> {
    const pl = z.object({ scheduleId: z.string(), at: z.string() }).parse(job.payload);
    const sch = await this.db.schedule.findFirst({ where: { id: pl.scheduleId, workspaceId: job.workspaceId }, include: { partnership: true, workspace: true } });
    if (!sch) return { status: "skipped", note: "schedule stopped" };
    const p = sch.partnership;
    const occurrence = new Date(pl.at);
    const next = this.nextScheduleJobs(sch, occurrence, now, p.timeZone);
    // The window counts from the occurrence, not from a late run: catch-up never stretches it.
    const closesAt = deadlineFrom({ kind: "days", days: sch.windowDays }, occurrence, p.timeZone);
    const enqueueNext = async (tx: Tx) => void (await JobQueue.enqueue(tx, next));
    // After downtime: a round whose answer window has passed is not worth opening.
    if (closesAt <= now) return { status: "skipped", note: `missed: its window closed ${closesAt.toISOString()}`, effect: enqueueNext };
    let plan;
    try {
      plan = await this.planRound(p, sch.instrumentKey ?? undefined, sch.sectionIds.length ? sch.sectionIds.map(Number) : "all", closesAt, null);
    } catch (e) {
      if (e instanceof UserError) return { status: "skipped", note: `cannot open: ${t("en", e.key, e.params)}`, effect: enqueueNext };
      throw e;
    }
    const ws = this.wsRefOf(sch.workspace);
    const open = await this.openRound(p.workspaceId, p.id, now);
    if (open) return { status: "skipped", note: `round ${open.number} is still open`, effect: enqueueNext };
    return {
      status: "done",
      effect: async (tx) => {
        await this.createRoundTx(tx, ws, p, plan, now);
        await enqueueNext(tx);
      },
    };
  }

  private async runScheduledDigest(job: ClaimedJob, now: Date): Promise<JobOutcome> {
    const pl = z.object({ scheduleId: z.string(), at: z.string() }).parse(job.payload);
    const sch = await this.db.schedule.findFirst({ where: { id: pl.scheduleId, workspaceId: job.workspaceId }, include: { partnership: true, workspace: true } });
    if (!sch) return { status: "skipped", note: "schedule stopped" };
    const next = this.nextScheduleJobs(sch, new Date(pl.at), now, sch.partnership.timeZone);
    const enqueueNext = async (tx: Tx) => void (await JobQueue.enqueue(tx, next));
    // The digest's id is the job's: a retried job cannot record or send it twice.
    const prepared = await this.prepareDigest(this.db, this.wsRefOf(sch.workspace), sch.partnership, undefined, "schedule", job.id);
    if (!prepared) return { status: "skipped", note: "no rounds yet", effect: enqueueNext };
    return {
      status: "done",
      effect: async (tx) => {
        await prepared.write(tx);
        await enqueueNext(tx);
      },
    };
  }

  // ---- meetings ----

  private async addMeeting(ctx: Context, p: PartnershipRow, cmd: Extract<Command, { name: "meeting.add" }>): Promise<Message> {
    const now = this.now();
    const startsAt = zonedTimeToUtc(cmd.at.year, cmd.at.month, cmd.at.day, cmd.at.hour, cmd.at.minute, p.timeZone);
    if (startsAt <= now) throw new UserError("err.meeting-past", {}, "meeting");
    const members = await this.db.membership.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, removedAt: null }, include: { person: true } });
    let participants = members;
    if (cmd.with) {
      participants = [];
      for (const id of cmd.with) {
        const m = members.find((x) => x.person.platformUserId === id);
        if (!m) throw new UserError("err.owner-not-member", { person: this.mention(id), partnership: p.name }, "member.add");
        participants.push(m);
      }
    }
    // The pulse: one checklist section per meeting, in turn, unless the coordinator chose.
    const earlier = await this.db.meeting.count({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id } });
    const sections = cmd.sections ?? [(earlier % 7) + 1];
    const pulseDays = cmd.pulseDays ?? 3;
    const pulseAt = nextAllowed(new Date(Math.max(now.getTime(), startsAt.getTime() - pulseDays * 86_400_000)), quietOf(p));
    const meeting = await this.db.$transaction(async (tx) => {
      await this.lockPartnership(tx, p.id);
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

  private async listMeetings(ctx: Context, p: PartnershipRow): Promise<Message> {
    const meetings = await this.db.meeting.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id }, orderBy: { startsAt: "asc" }, include: { _count: { select: { actions: true } } } });
    return listMessage(
      t(ctx.lang, "list.meetings", { partnership: p.name }),
      meetings.map((m) => t(ctx.lang, "meeting.line", { number: m.number, title: m.title, date: formatDateTime(ctx.lang, m.startsAt, p.timeZone), n: m._count.actions })),
      t(ctx.lang, "list.no-meetings"),
    );
  }

  private async runMeetingPulse(job: ClaimedJob, now: Date): Promise<JobOutcome> {
    const pl = z.object({ meetingId: z.string(), sections: z.array(z.number().int()) }).parse(job.payload);
    const m = await this.db.meeting.findFirst({ where: { id: pl.meetingId, workspaceId: job.workspaceId }, include: { partnership: true, workspace: true } });
    if (!m) return { status: "skipped", note: "meeting deleted" };
    if (m.startsAt <= now) return { status: "skipped", note: "the meeting has started" };
    const p = m.partnership;
    if (isQuiet(now, quietOf(p))) {
      const at = nextAllowed(now, quietOf(p));
      if (at < m.startsAt) return { status: "later", at, note: "quiet hours" };
    }
    if (await this.openRound(p.workspaceId, p.id, now)) return { status: "skipped", note: "another round is open" };
    let plan;
    try {
      plan = await this.planRound(p, undefined, pl.sections, m.startsAt, m.participantIds);
    } catch (e) {
      if (e instanceof UserError) return { status: "skipped", note: `cannot open: ${t("en", e.key, e.params)}` };
      throw e;
    }
    const ws = this.wsRefOf(m.workspace);
    return {
      status: "done",
      effect: async (tx) => {
        const round = await this.createRoundTx(tx, ws, p, plan, now);
        await tx.meeting.update({ where: { id: m.id }, data: { roundId: round.id } });
      },
    };
  }

  private async runMeetingFollowup(job: ClaimedJob, now: Date): Promise<JobOutcome> {
    const { meetingId } = z.object({ meetingId: z.string() }).parse(job.payload);
    const m = await this.db.meeting.findFirst({ where: { id: meetingId, workspaceId: job.workspaceId }, include: { partnership: true, workspace: true } });
    if (!m) return { status: "skipped", note: "meeting deleted" };
    const p = m.partnership;
    if (isQuiet(now, quietOf(p))) return { status: "later", at: nextAllowed(now, quietOf(p)), note: "quiet hours" };
    const coordinators = await this.db.membership.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id, removedAt: null, roles: { has: "coordinator" } }, include: { person: true } });
    const ws = this.wsRefOf(m.workspace);
    return {
      status: "done",
      effect: async (tx) => {
        await enqueueDeliveries(tx, coordinators.map((c) => ({
          workspaceId: p.workspaceId, workspace: ws, to: { kind: "user" as const, userId: c.person.platformUserId },
          message: textMessage(t(this.langOfPerson(c.person, p), "meeting.followup", { title: m.title, number: m.number })), dedupeKey: `followup:${m.id}:${c.id}`,
        })));
      },
    };
  }

  /** Sends every participant (and the coordinators) the agreements recorded for a meeting. */
  private async sendAgreements(ctx: Context, p: PartnershipRow, number: number): Promise<Message> {
    const m = await this.db.meeting.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, number }, include: { actions: { include: { owner: { include: { person: true } } }, orderBy: { number: "asc" } }, workspace: true } });
    if (!m) throw new UserError("err.no-such-meeting", { number }, "meeting");
    if (m.actions.length === 0) throw new UserError("err.no-agreements", { number }, "action.add");
    const coordinators = await this.db.membership.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, removedAt: null, roles: { has: "coordinator" } } });
    const ids = [...new Set([...m.participantIds, ...coordinators.map((c) => c.id)])];
    const recipients = await this.db.membership.findMany({ where: { id: { in: ids }, removedAt: null }, include: { person: true } });
    const now = this.now();
    const ws = this.wsRefOf(m.workspace);
    const stamp = now.getTime();
    await enqueueDeliveries(this.db, recipients.map((r) => {
      const lang = this.langOfPerson(r.person, p);
      const title = t(lang, "meeting.agreements-title", { title: m.title, date: formatDate(lang, m.startsAt, p.timeZone) });
      const lines = m.actions.map((a) => this.actionLine(lang, a, a.owner ? this.personLabel(a.owner.person) : null, now, p.timeZone));
      return { workspaceId: p.workspaceId, workspace: ws, to: { kind: "user" as const, userId: r.person.platformUserId }, message: listMessage(title, lines, ""), dedupeKey: `agreements:${m.id}:${stamp}:${r.id}` };
    }));
    this.onEnqueue();
    return textMessage(t(ctx.lang, "ok.meeting-sent", { n: m.actions.length, number, people: t(ctx.lang, "count.people", { n: recipients.length }) }));
  }

  // ---- settings, export, personal data -----------------------------------------------------------

  private async changeSetting(ctx: Context, p: PartnershipRow, s: Extract<Command, { name: "set" }>["setting"]): Promise<Message> {
    switch (s.key) {
      case "language":
        await this.db.partnership.update({ where: { id: p.id }, data: { language: s.value } });
        return textMessage(t(s.value, "ok.partnership-language", { partnership: p.name, lang: t(s.value, `lang.${s.value}`) }));
      case "timezone":
        await this.db.partnership.update({ where: { id: p.id }, data: { timeZone: s.value } });
        return textMessage(t(ctx.lang, "ok.setting", { setting: t(ctx.lang, "setting.timezone"), value: s.value }));
      case "anonymity":
        await this.db.partnership.update({ where: { id: p.id }, data: { anonymity: s.value } });
        return this.settingForNextRound(ctx, p, t(ctx.lang, "setting.anonymity"), t(ctx.lang, `anonymity.${s.value}`));
      case "minimum-n":
        if (s.value < MINIMUM_N_FLOOR) throw new UserError("err.minimum-n-floor", { n: MINIMUM_N_FLOOR }, "set");
        await this.db.partnership.update({ where: { id: p.id }, data: { minimumN: s.value } });
        return this.settingForNextRound(ctx, p, t(ctx.lang, "setting.minimum-n"), String(s.value));
      case "channel":
        await this.assertChannelFree(ctx.workspaceId, s.value, p.id);
        await this.db.partnership.update({ where: { id: p.id }, data: { homeChannel: s.value } });
        return textMessage(t(ctx.lang, "ok.setting", { setting: t(ctx.lang, "setting.channel"), value: `<#${s.value}>` }));
      case "purpose":
        await this.db.partnership.update({ where: { id: p.id }, data: { purpose: s.value } });
        return textMessage(t(ctx.lang, "ok.setting", { setting: t(ctx.lang, "setting.purpose"), value: s.value }));
      case "quiet":
        await this.db.partnership.update({ where: { id: p.id }, data: { quietFrom: s.from, quietTo: s.to } });
        return textMessage(t(ctx.lang, "ok.setting", { setting: t(ctx.lang, "setting.quiet"), value: s.from === s.to ? t(ctx.lang, "value.none") : `${String(s.from).padStart(2, "0")}:00–${String(s.to).padStart(2, "0")}:00` }));
      case "quiet-weekends":
        await this.db.partnership.update({ where: { id: p.id }, data: { quietWeekends: s.value } });
        return textMessage(t(ctx.lang, "ok.setting", { setting: t(ctx.lang, "setting.quiet-weekends"), value: t(ctx.lang, s.value ? "value.on" : "value.off") }));
      case "nudges":
        // Applies to rounds opened from now on; a running round keeps the nudges it was given.
        await this.db.partnership.update({ where: { id: p.id }, data: { nudgeAt: s.value } });
        return textMessage(t(ctx.lang, "ok.setting", { setting: t(ctx.lang, "setting.nudges"), value: s.value.length ? s.value.map((x) => `${x} %`).join(", ") : t(ctx.lang, "value.none") }));
    }
  }

  /** Anonymity and minimum-n are fixed when a round opens: say so when one is open. */
  private async settingForNextRound(ctx: Context, p: PartnershipRow, setting: string, value: string): Promise<Message> {
    const open = await this.db.round.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, closedAt: null }, orderBy: { number: "desc" } });
    const text = t(ctx.lang, "ok.setting", { setting, value });
    return textMessage(open ? `${text} ${t(ctx.lang, "ok.setting-next-round", { n: open.number })}` : text);
  }

  /**
   * Aggregates only, one row per statement per closed round, from each round's release: never who
   * said what, and nothing of a round still open (its numbers come once, when it closes).
   */
  private async exportCsv(ctx: Context, p: PartnershipRow): Promise<Message> {
    const rounds = await this.db.round.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, closedAt: { not: null } }, orderBy: { number: "asc" } });
    const rows: ExportRow[] = [];
    for (const r of rounds) {
      const { release } = await this.results.releaseOf(this.db, r);
      const snapshot = this.results.snapshotOf(r);
      for (const s of snapshot.sections.filter((x) => r.sectionIds.includes(x.id)))
        for (const item of s.items) {
          const i = release.score.items.find((x) => x.itemId === item.id);
          const withheld = !i || i.withheld;
          rows.push({
            round: r.number, instrument: r.instrumentKey, version: r.instrumentVersion, section: s.id, item: item.id, statement: item.text[ctx.lang],
            n: withheld ? null : i.n, mean: withheld ? null : i.mean, sd: withheld ? null : i.sd, min: withheld ? null : i.min, max: withheld ? null : i.max,
            divergent: !withheld && i.divergent, withheld,
          });
        }
    }
    const base = `partnerpuls-${p.name.normalize("NFKD").replace(/[^\w.\-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "export"}`;
    const text = t(ctx.lang, "ok.export", { n: rounds.length });
    return message(text, [
      { type: "text", text },
      { type: "file", filename: `${base}.csv`, mimeType: "text/csv", content: resultsCsv(rows, ctx.lang) },
      { type: "file", filename: `${base}.json`, mimeType: "application/json", content: resultsJson(rows, ctx.lang, { partnership: p.name, exportedAt: this.now().toISOString() }) },
    ]);
  }

  private async exportMyData(ctx: Context): Promise<Message> {
    const memberships = await this.db.membership.findMany({ where: { workspaceId: ctx.workspaceId, personId: ctx.person.id }, include: { partnership: true, organisation: true, answers: { include: { round: true } }, ownedActions: true } });
    const data = {
      person: { platformUserId: ctx.person.platformUserId, displayName: ctx.person.displayName, language: ctx.person.language, timeZone: ctx.person.timeZone, createdAt: ctx.person.createdAt },
      memberships: memberships.map((m) => ({
        partnership: m.partnership.name,
        organisation: m.organisation?.name ?? null,
        roles: m.roles,
        removedAt: m.removedAt,
        answers: m.answers.map((a) => ({ round: a.round.number, instrument: a.round.instrumentKey, item: a.itemId, rating: a.rating, choice: a.choice, answeredAt: a.answeredAt, updatedAt: a.updatedAt })),
        actions: m.ownedActions.map((a) => ({ number: a.number, text: a.text, dueDate: a.dueDate, status: a.status })),
      })),
    };
    return message(t(ctx.lang, "ok.mydata-export"), [
      { type: "text", text: t(ctx.lang, "ok.mydata-export") },
      { type: "file", filename: "partnerpuls-my-data.json", mimeType: "application/json", content: JSON.stringify(data, null, 2) },
    ]);
  }

  private async eraseMyData(ctx: Context, confirmed: boolean): Promise<Message> {
    if (!confirmed) return textMessage(t(ctx.lang, "mydata.erase-confirm"));
    if (!ctx.stored) return textMessage(t(ctx.lang, "ok.mydata-erased"));
    await this.assertNotLastCoordinator(ctx.workspaceId, ctx.person.id, "err.erase-last-coordinator");
    await this.eraseIdentity(ctx.workspaceId, ctx.person);
    return textMessage(t(ctx.lang, "ok.mydata-erased"));
  }

  /** A coordinator erases a member who asked by other means (mail, letter). */
  private async eraseMember(ctx: Context, p: PartnershipRow, userId: string, confirmed: boolean): Promise<Message> {
    const target = await this.db.membership.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, person: { platformUserId: userId } }, include: { person: true } });
    if (!target) throw new UserError("err.not-a-member", { person: this.mention(userId), partnership: p.name });
    if (!confirmed) return textMessage(t(ctx.lang, "member.erase-confirm", { person: this.mention(userId), user: userId }));
    if (target.personId === ctx.person.id) return this.eraseMyData(ctx, true);
    await this.assertNotLastCoordinator(ctx.workspaceId, target.personId, "err.erase-member-last-coordinator");
    await this.eraseIdentity(ctx.workspaceId, target.person);
    return textMessage(t(ctx.lang, "ok.member-erased", { person: userId }));
  }

  private async assertNotLastCoordinator(workspaceId: string, personId: string, key: Key): Promise<void> {
    const coordinatorOf = await this.db.membership.findMany({ where: { workspaceId, personId, removedAt: null, roles: { has: "coordinator" } }, include: { partnership: true } });
    for (const m of coordinatorOf) {
      const others = await this.db.membership.count({ where: { workspaceId, partnershipId: m.partnershipId, removedAt: null, roles: { has: "coordinator" }, id: { not: m.id } } });
      if (others === 0) throw new UserError(key, { partnership: m.partnership.name });
    }
  }

  /**
   * Removes a person's identity everywhere, in one transaction. Answers to closed rounds stay only
   * as anonymous contributions (no link to anyone), so the releases already made do not change:
   * every round they answered is released first if it had not been. Answers to open rounds go.
   * Job and delivery payloads, platform stores and free text that name their user id are cleared.
   */
  private async eraseIdentity(workspaceId: string, person: PersonRow): Promise<void> {
    const userId = person.platformUserId;
    const name = person.displayName.trim();
    const workspace = await this.db.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
    await this.db.$transaction(async (tx) => {
      const memberships = await tx.membership.findMany({ where: { workspaceId, personId: person.id }, select: { id: true } });
      const ids = memberships.map((m) => m.id);
      const rounds = await tx.round.findMany({ where: { workspaceId, invitations: { some: { membershipId: { in: ids } } } } });
      for (const r of rounds) if (r.closedAt) await this.results.releaseOf(tx, r);
      const openIds = rounds.filter((r) => !r.closedAt).map((r) => r.id);
      if (openIds.length) await tx.answer.deleteMany({ where: { workspaceId, roundId: { in: openIds }, membershipId: { in: ids } } });
      await tx.answer.updateMany({ where: { workspaceId, membershipId: { in: ids } }, data: { membershipId: null } });
      // Jobs: pending ones that concern them are dropped; finished ones keep their key, not their content.
      const invitationIds = (await tx.invitation.findMany({ where: { workspaceId, membershipId: { in: ids } }, select: { id: true } })).map((i) => i.id);
      const needles = [userId, ...(name.length >= 2 ? [name] : []), ...ids, ...invitationIds];
      for (const needle of needles) {
        await tx.$executeRaw`
          UPDATE "Job" SET payload = '{}'::jsonb, result = NULL, lane = NULL, outcome = 'erased',
            status = CASE WHEN status IN ('pending', 'running') THEN 'skipped' ELSE status END
          WHERE "workspaceId" = ${workspaceId}
            AND (strpos(payload::text, ${needle}) > 0 OR strpos(coalesce(result::text, ''), ${needle}) > 0 OR strpos(coalesce(lane, ''), ${needle}) > 0 OR strpos(coalesce(outcome, ''), ${needle}) > 0)`;
      }
      // Mentions of them typed into agreements and meeting titles.
      const mention = `<@${userId}>`;
      await tx.$executeRaw`UPDATE "Action" SET text = replace(text, ${mention}, '–'), "sourceMeeting" = replace("sourceMeeting", ${mention}, '–') WHERE "workspaceId" = ${workspaceId} AND (strpos(text, ${mention}) > 0 OR strpos(coalesce("sourceMeeting", ''), ${mention}) > 0)`;
      await tx.$executeRaw`UPDATE "Meeting" SET title = replace(title, ${mention}, '–') WHERE "workspaceId" = ${workspaceId} AND strpos(title, ${mention}) > 0`;
      for (const id of ids) await tx.$executeRaw`UPDATE "Meeting" SET "participantIds" = array_remove("participantIds", ${id}) WHERE "workspaceId" = ${workspaceId}`;
      // Platform stores: a Teams conversation with them goes; references to channels forget who
      // last wrote there; a Slack installation they made forgets its installer.
      if (workspace.platform === "teams") {
        await tx.$executeRaw`DELETE FROM "TeamsConversation" WHERE "tenantId" = ${workspace.externalId} AND (key = ${`user:${userId}`} OR strpos(reference::text, ${userId}) > 0) AND key NOT LIKE 'channel:%' AND key NOT LIKE 'team:%'`;
        await tx.$executeRaw`UPDATE "TeamsConversation" SET reference = reference - 'user' WHERE "tenantId" = ${workspace.externalId} AND strpos(reference::text, ${userId}) > 0`;
      }
      if (workspace.platform === "slack")
        await tx.$executeRaw`UPDATE "SlackInstallation" SET installation = jsonb_set(installation, '{user}', '{"id": "erased"}'::jsonb) WHERE "teamId" = ${workspace.externalId} AND strpos(installation->'user'->>'id', ${userId}) > 0`;
      // Memberships, invitations and downloads go with the person; actions keep no owner.
      await tx.person.delete({ where: { id: person.id } });
    }, LONG_TRANSACTION);
    this.workspaces.clear();
  }

  private async listInstruments(ctx: Context): Promise<Message> {
    const custom = await this.db.customInstrument.findMany({ where: { workspaceId: ctx.workspaceId }, orderBy: [{ key: "asc" }, { version: "asc" }] });
    const lines = [
      ...builtInInstruments().map((i) => `• \`${i.key}\` v${i.version} — ${i.title[ctx.lang]}`),
      ...custom.map((c) => {
        const parsed = parseInstrument(c.definition);
        return `• \`${c.key}\` v${c.version} — ${parsed.ok ? parsed.instrument.title[ctx.lang] : "?"} (${t(ctx.lang, "instrument.custom")})`;
      }),
    ];
    return listMessage(t(ctx.lang, "list.instruments"), lines, "");
  }

  private async addInstrument(ctx: Context, json: string): Promise<Message> {
    const coordinates = await this.db.membership.count({ where: { workspaceId: ctx.workspaceId, personId: ctx.person.id, removedAt: null, roles: { has: "coordinator" } } });
    if (coordinates === 0) throw new UserError("err.coordinator-only-any");
    let data: unknown;
    try {
      data = JSON.parse(json);
    } catch (e) {
      throw new UserError("err.instrument-json", { reason: e instanceof Error ? e.message.slice(0, 120) : "" }, "instrument");
    }
    const parsed = parseInstrument(data);
    if (!parsed.ok) throw new UserError("err.instrument-invalid", { errors: parsed.errors.slice(0, 5).join("; ") }, "instrument");
    const i = parsed.instrument;
    if (findBuiltIn(i.key)) throw new UserError("err.instrument-builtin", { key: i.key }, "instrument");
    const exists = await this.db.customInstrument.findFirst({ where: { workspaceId: ctx.workspaceId, key: i.key, version: i.version } });
    if (exists) throw new UserError("err.instrument-exists", { key: i.key, version: i.version }, "instrument");
    await this.db.customInstrument.create({ data: { workspaceId: ctx.workspaceId, key: i.key, version: i.version, definition: i as object } });
    return textMessage(t(ctx.lang, "ok.instrument-added", { key: i.key, version: i.version, title: i.title[ctx.lang] }));
  }

  // ---- context -------------------------------------------------------------------------------------

  /**
   * Who is asking. A person the bot has not met yet (and their workspace) is not stored until a
   * command needs it: asking for help, or mistyping, leaves no trace in the database. Until then
   * the ids are fresh UUIDs that match no row, so every query simply finds nothing.
   */
  private async context(actor: Actor): Promise<Context> {
    const ws = actor.workspace;
    const workspace = await this.workspaceOf(ws);
    let person = workspace ? await this.db.person.findUnique({ where: { workspaceId_platformUserId: { workspaceId: workspace.id, platformUserId: actor.userId } } }) : null;
    if (person && actor.displayName && actor.displayName !== person.displayName)
      person = await this.db.person.update({ where: { id: person.id }, data: { displayName: actor.displayName } });
    const workspaceId = workspace?.id ?? randomUUID();
    const stored = person !== null;
    person ??= { id: randomUUID(), workspaceId, platformUserId: actor.userId, displayName: actor.displayName ?? "", language: null, timeZone: null, nudgesOff: false, createdAt: this.now() };
    const lang = (isLang(person.language) ? person.language : null) ?? langFromLocale(actor.locale) ?? this.defaultLanguage;
    return { actor, workspaceId, person, stored, lang };
  }

  /** A workspace's row; its id never changes, so it is looked up once per process. */
  private async workspaceOf(ws: WorkspaceRef) {
    const key = `${ws.platform}:${ws.externalId}`;
    const known = this.workspaces.get(key);
    if (known) return known;
    const row = await this.db.workspace.findUnique({ where: { platform_externalId: { platform: ws.platform, externalId: ws.externalId } } });
    if (row) {
      if (this.workspaces.size > 10_000) this.workspaces.clear();
      this.workspaces.set(key, row);
    }
    return row;
  }

  /** Stores the workspace and the person behind a context, the first time a command needs them. */
  private async store(ctx: Context): Promise<void> {
    if (ctx.stored) return;
    const ws = ctx.actor.workspace;
    const workspace = await this.db.workspace.upsert({
      where: { platform_externalId: { platform: ws.platform, externalId: ws.externalId } },
      create: { platform: ws.platform, externalId: ws.externalId, name: ws.name ?? "" },
      update: {},
    });
    ctx.person = await this.db.person.upsert({
      where: { workspaceId_platformUserId: { workspaceId: workspace.id, platformUserId: ctx.actor.userId } },
      create: { workspaceId: workspace.id, platformUserId: ctx.actor.userId, displayName: ctx.actor.displayName ?? "" },
      update: {},
    });
    ctx.workspaceId = workspace.id;
    ctx.stored = true;
  }

  /** The person's own choice first, then the partnership's language. */
  private langFor(ctx: Context, p: { language: string }): Lang {
    if (isLang(ctx.person.language)) return ctx.person.language;
    return isLang(p.language) ? p.language : ctx.lang;
  }

  private async partnershipById(ctx: Context, id: string): Promise<PartnershipRow> {
    const p = await this.db.partnership.findFirst({ where: { id, workspaceId: ctx.workspaceId } });
    if (!p) throw new UserError("err.bad-button");
    return p;
  }

  /** By name, by the channel the command came from, or the person's only partnership. */
  private async selectPartnership(ctx: Context, name: string | undefined): Promise<{ partnership: PartnershipRow; membership: MembershipRow | null }> {
    const mine = await this.db.membership.findMany({ where: { workspaceId: ctx.workspaceId, personId: ctx.person.id, removedAt: null }, include: { partnership: true } });
    let partnership: PartnershipRow | null = null;
    if (name !== undefined) {
      partnership = await this.db.partnership.findFirst({ where: { workspaceId: ctx.workspaceId, nameKey: nameKey(name) } });
      if (!partnership) throw new UserError("err.unknown-partnership", { name });
    } else if (ctx.actor.channelId) {
      partnership = await this.db.partnership.findFirst({ where: { workspaceId: ctx.workspaceId, homeChannel: ctx.actor.channelId } });
    }
    if (!partnership) {
      if (mine.length === 0) throw new UserError("err.no-partnership", {}, "partnership.create");
      if (mine.length > 1) throw new UserError("err.which-partnership", { names: mine.map((m) => `"${m.partnership.name}"`).join(", ") });
      partnership = mine[0]!.partnership;
    }
    const membership = mine.find((m) => m.partnershipId === partnership.id) ?? null;
    return { partnership, membership };
  }

  private roleList(lang: Lang, roles: string[]): string {
    return listOf(lang, roles.map((r) => t(lang, `role.${r}` as Key)));
  }

  private mention(userId: string): string {
    return `<@${userId}>`;
  }

  private personLabel(person: { displayName: string; platformUserId: string }): string {
    return personLabel(person);
  }

  // ---- errors ----------------------------------------------------------------------------------------

  private parseErrorMessage(lang: Lang, e: ParseError): Message {
    let text: string;
    switch (e.error) {
      case "empty":
        text = t(lang, "parse.empty");
        break;
      case "unclosed-quote":
        text = t(lang, "parse.unclosed-quote");
        break;
      case "unknown-command":
        text = t(lang, "parse.unknown-command", { word: e.word });
        break;
      case "missing":
        text = t(lang, "parse.missing", { what: this.what(lang, e.what) });
        break;
      case "invalid":
        text = t(lang, "parse.invalid", { what: this.what(lang, e.what), value: e.value.slice(0, 60) });
        break;
      case "unknown-option":
        text = t(lang, "parse.unknown-option", { option: e.option.slice(0, 40) });
        break;
      case "too-many":
        text = t(lang, "parse.too-many", { value: e.value.slice(0, 40) });
        break;
    }
    const usage = "usage" in e ? USAGE[e.usage] : null;
    return this.errorMessage(lang, text, usage);
  }

  private what(lang: Lang, what: string): string {
    const key = `what.${what}`;
    return t(lang, hasKey(key) ? key : "what.value");
  }

  private userErrorMessage(lang: Lang, e: UserError): Message {
    return this.errorMessage(lang, t(lang, e.key, e.params), e.usage ? USAGE[e.usage] : null);
  }

  private errorMessage(lang: Lang, text: string, usage: string | null): Message {
    const hint = usage ? t(lang, "parse.usage", { usage }) : t(lang, "parse.see-help");
    return message(`${text} ${hint}`, [{ type: "text", text: `⚠️ ${text}` }, { type: "text", text: hint, muted: true }]);
  }
}
