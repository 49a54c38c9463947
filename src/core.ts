// The Partnerpuls core: commands and button presses in, messages out. Platform-neutral: an
// adapter authenticates the request, builds an Actor and renders what comes back.
import type { PrismaClient } from "./generated/prisma/client.ts";
import { Prisma } from "./generated/prisma/client.ts";
import type { Actor, MessageRef, WorkspaceRef } from "./ports.ts";
import type { Message } from "./messages/model.ts";
import { message, textMessage } from "./messages/model.ts";
import { parseCommand, USAGE, COORDINATOR_ONLY, type Command, type ParseError, type UsageKey } from "./commands/parse.ts";
import { t, langFromLocale, isLang, formatDate, hasKey, listOf, type Lang, type Key } from "./i18n/i18n.ts";
import { builtInInstruments, findBuiltIn, parseInstrument, CHECKLIST_KEY } from "./instruments/catalogue.ts";
import type { Instrument } from "./instruments/schema.ts";
import { snapshotFor, deadlineFrom, dueDateFrom, isOverdue } from "./domain/rounds.ts";
import { RoundResults, personLabel } from "./results.ts";
import { pollMessage, nextOpenSection, listMessage } from "./messages/build.ts";
import { helpMessage } from "./commands/help.ts";
import { z } from "zod";
import { randomUUID } from "node:crypto";
import { enqueueDeliveries, type AfterDelivery, type OutboxItem } from "./outbox/courier.ts";
import type { Tx as QueueTx } from "./jobs/queue.ts";

type Db = PrismaClient;
type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export interface CoreOptions {
  now?: () => Date;
  defaultTimeZone?: string;
  defaultLanguage?: Lang;
  /** called after messages were put in the outbox, so the courier can deliver them at once */
  onEnqueue?: () => void;
}

/** Answers grouped by who gave them (Map.groupBy needs Node 21). */
function byMembership<T extends { membershipId: string }>(rows: T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) m.set(r.membershipId, [...(m.get(r.membershipId) ?? []), r]);
  return m;
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

  constructor(
    private readonly db: Db,
    options: CoreOptions = {},
  ) {
    this.onEnqueue = options.onEnqueue ?? (() => {});
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
    if (!parsed.ok) return this.parseErrorMessage(ctx.lang, parsed);
    try {
      return await this.run(ctx, parsed.command);
    } catch (e) {
      if (e instanceof UserError) return this.userErrorMessage(ctx.lang, e);
      throw e;
    }
  }

  /** A button press. Returns the message that replaces the one pressed, or a short reply. */
  async action(actor: Actor, actionId: string, value: string): Promise<Message> {
    const ctx = await this.context(actor);
    try {
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
          return await this.answer(ctx, p.data);
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
        case "help.topic":
          return helpMessage(ctx.lang, typeof json === "object" && json && "topic" in json ? String((json as { topic: unknown }).topic) : undefined);
        default:
          throw new UserError("err.bad-button");
      }
    } catch (e) {
      if (e instanceof UserError) return this.userErrorMessage(ctx.lang, e);
      throw e;
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
    if (after.type === "invitation.sent")
      await tx.invitation.updateMany({ where: { id: after.invitationId }, data: { sentAt: this.now(), ...(ref ? { pollRef: ref as object } : {}) } });
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
    }
    const { partnership, membership } = await this.selectPartnership(ctx, cmd.partnership);
    const lang = this.langFor(ctx, partnership);
    const c = { ...ctx, lang };
    if (COORDINATOR_ONLY.has(cmd.name) && !membership?.roles.includes("coordinator"))
      throw new UserError("err.coordinator-only", { partnership: partnership.name });
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
    }
  }

  private async createPartnership(ctx: Context, cmd: Extract<Command, { name: "partnership.create" }>): Promise<Message> {
    const exists = await this.db.partnership.findFirst({ where: { workspaceId: ctx.workspaceId, name: { equals: cmd.title, mode: "insensitive" } } });
    if (exists) throw new UserError("err.partnership-exists", { name: cmd.title });
    if (cmd.channel) await this.assertChannelFree(ctx.workspaceId, cmd.channel, null);
    await this.store(ctx);
    const language = cmd.language ?? ctx.person.language ?? langFromLocale(ctx.actor.locale) ?? this.defaultLanguage;
    const p = await this.db.$transaction(async (tx) => {
      const p = await tx.partnership.create({
        data: {
          workspaceId: ctx.workspaceId,
          name: cmd.title,
          purpose: cmd.purpose ?? "",
          language,
          timeZone: cmd.timezone ?? this.defaultTimeZone,
          anonymity: cmd.anonymity ?? "confidential",
          homeChannel: cmd.channel ?? ctx.actor.channelId ?? null,
        },
      });
      await tx.membership.create({ data: { workspaceId: ctx.workspaceId, partnershipId: p.id, personId: ctx.person.id, roles: ["coordinator"] } });
      return p;
    });
    const lang = this.langFor(ctx, p);
    return textMessage(t(lang, "ok.partnership-created", { name: p.name, anonymity: t(lang, `anonymity.${p.anonymity}` as Key), tz: p.timeZone, lang: t(lang, `lang.${p.language}` as Key) }));
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
    const exists = await this.db.organisation.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, name: { equals: name, mode: "insensitive" } } });
    if (exists) throw new UserError("err.org-exists", { name: exists.name });
    await this.db.organisation.create({ data: { workspaceId: ctx.workspaceId, partnershipId: p.id, name, sector } });
    return textMessage(t(ctx.lang, "ok.org-added", { name, sector: t(ctx.lang, `sector.${sector}` as Key), partnership: p.name }));
  }

  private async addMember(ctx: Context, p: PartnershipRow, userId: string, orgName: string | undefined, roles: string[]): Promise<Message> {
    let organisationId: string | null = null;
    if (orgName !== undefined) {
      const org = await this.db.organisation.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, name: { equals: orgName, mode: "insensitive" } } });
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
    const instrument = await this.instrumentFor(ctx.workspaceId, cmd.instrument ?? CHECKLIST_KEY);
    if (!instrument) throw new UserError("err.unknown-instrument", { key: cmd.instrument ?? "" }, "instrument");
    let sectionIds: string[];
    if (cmd.sections === "all") sectionIds = instrument.sections.map((s) => s.id);
    else {
      const bad = cmd.sections.find((n) => n > instrument.sections.length);
      if (bad !== undefined) throw new UserError("err.no-such-section", { n: bad, max: instrument.sections.length }, "checkin.start");
      sectionIds = cmd.sections.map((n) => instrument.sections[n - 1]!.id);
    }
    const closesAt = deadlineFrom(cmd.deadline, now, p.timeZone);
    if (closesAt <= now) throw new UserError("err.deadline-past", {}, "checkin.start");
    const orgs = await this.db.organisation.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id }, orderBy: { createdAt: "asc" } });
    const snap = snapshotFor(instrument, sectionIds, { purposes: p.purposes, organisations: orgs });
    if (!snap.ok) throw new UserError(snap.reason === "no-purposes" ? "err.no-purposes" : "err.too-few-orgs", {}, snap.reason === "no-purposes" ? "purpose.add" : "org.add");
    const partners = await this.db.membership.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, removedAt: null, roles: { has: "partner" } }, include: { person: true } });
    if (partners.length === 0) throw new UserError("err.no-partners", {}, "member.add");

    const round = await this.db.$transaction(async (tx) => {
      await this.lockPartnership(tx, p.id);
      const open = await this.openRoundTx(tx, ctx.workspaceId, p.id, now);
      if (open) throw new UserError("err.round-open", { n: open.number }, "checkin.close");
      const last = await tx.round.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id }, orderBy: { number: "desc" } });
      const round = await tx.round.create({
        data: {
          workspaceId: ctx.workspaceId,
          partnershipId: p.id,
          number: (last?.number ?? 0) + 1,
          instrumentKey: instrument.key,
          instrumentVersion: instrument.version,
          sectionIds,
          snapshot: snap.snapshot as object,
          opensAt: now,
          closesAt,
        },
      });
      await tx.invitation.createMany({ data: partners.map((m) => ({ workspaceId: ctx.workspaceId, roundId: round.id, membershipId: m.id })) });
      // The polls go into the outbox in the same transaction: a round never exists without them.
      const invitations = await tx.invitation.findMany({ where: { workspaceId: ctx.workspaceId, roundId: round.id }, include: { membership: { include: { person: true } } } });
      await this.enqueuePolls(tx, ctx.actor.workspace, { ...round, partnership: p }, invitations, "poll");
      return round;
    });
    this.onEnqueue();
    return textMessage(
      t(ctx.lang, "ok.round-started", {
        round: round.number,
        instrument: snap.snapshot.title[ctx.lang],
        n: sectionIds.length,
        people: t(ctx.lang, "count.people", { n: partners.length }),
        date: formatDate(ctx.lang, closesAt, p.timeZone),
      }),
    );
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
    round: RoundWithPartnership,
    invitations: { id: string; membershipId: string; membership: { person: { platformUserId: string; language: string | null } } }[],
    kind: "poll" | "remind" | { nudge: number },
    answers: Map<string, { itemId: string; rating: number | null; choice: string | null }[]> = new Map(),
  ): Promise<number> {
    const stamp = this.now().getTime();
    const items: OutboxItem[] = invitations.map((inv) => {
      const lang = this.langOfPerson(inv.membership.person, round.partnership);
      const notice = kind === "poll" ? undefined : t(lang, "poll.reminder");
      const dedupeKey = kind === "poll" ? `poll:${inv.id}` : kind === "remind" ? `remind:${inv.id}:${stamp}` : `nudge:${inv.id}:${kind.nudge}`;
      return {
        workspaceId: round.workspaceId,
        workspace: ws,
        to: { kind: "user", userId: inv.membership.person.platformUserId },
        message: this.pollViewFrom(round, lang, answers.get(inv.membershipId) ?? [], undefined, notice, undefined, kind !== "poll"),
        dedupeKey,
        after: { type: "invitation.sent", invitationId: inv.id },
      };
    });
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
    const round = await this.roundWithPartnership(ctx.workspaceId, roundId);
    const inv = await this.db.invitation.findFirst({ where: { workspaceId: ctx.workspaceId, roundId, membership: { personId: ctx.person.id } } });
    if (!inv) throw new UserError("err.not-invited");
    return { round, inv, lang: this.langFor(ctx, round.partnership) };
  }

  private async pollFor(ctx: Context, roundId: string, sectionId: string | undefined): Promise<Message> {
    const { inv, lang } = await this.invitedMembership(ctx, roundId);
    return this.pollView(ctx.workspaceId, lang, roundId, inv.membershipId, sectionId);
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
   * Closes a round (by command or at its deadline): replaces each partner's poll card with the
   * closed one, and sends the digest. Returns where the digest went; null if it was closed already.
   */
  async closeRoundNow(ws: WorkspaceRef, p: PartnershipRow, roundId: string, trigger: DigestTrigger): Promise<DigestTarget | null> {
    const now = this.now();
    const done = await this.db.$transaction(async (tx) => {
      const r = await tx.round.updateMany({ where: { id: roundId, workspaceId: p.workspaceId, closedAt: null }, data: { closedAt: now } });
      if (r.count === 0) return false;
      const round = await tx.round.findFirstOrThrow({ where: { id: roundId } });
      const invitations = await tx.invitation.findMany({ where: { workspaceId: p.workspaceId, roundId, pollRef: { not: Prisma.DbNull } }, include: { membership: { include: { person: true } } } });
      const answers = await tx.answer.findMany({ where: { workspaceId: p.workspaceId, roundId }, select: { membershipId: true, itemId: true, rating: true, choice: true } });
      
      await enqueueDeliveries(
        tx,
        invitations.map((inv) => ({
          workspaceId: p.workspaceId,
          workspace: ws,
          to: { kind: "update" as const, ref: inv.pollRef as unknown as MessageRef },
          message: this.pollViewFrom({ ...round, partnership: p }, this.langOfPerson(inv.membership.person, p), byMembership(answers).get(inv.membershipId) ?? [], undefined),
          dedupeKey: `closed:${inv.id}`,
        })),
      );
      return true;
    });
    if (!done) return null;
    return this.deliverDigest(ws, p, roundId, trigger);
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
    // Who has answered, never what; and in confidential mode not even who.
    if (p.anonymity === "attributed" && membership.roles.includes("coordinator")) {
      const names = (xs: typeof invs) => xs.map((i) => this.personLabel(i.membership.person)).join(", ") || "–";
      lines.push(`${t(ctx.lang, "status.answered")}: ${names(done)}`);
      lines.push(`${t(ctx.lang, "status.partial")}: ${names(partial)}`);
      lines.push(`${t(ctx.lang, "status.waiting")}: ${names(invs.filter((i) => !i.completedAt && !started.has(i.membershipId)))}`);
    } else if (p.anonymity === "confidential") lines.push(t(ctx.lang, "status.confidential"));
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
      where: { workspaceId: round.workspaceId, roundId: round.id, completedAt: null },
      include: { membership: { include: { person: true } } },
    });
    const answers = await this.db.answer.findMany({ where: { workspaceId: round.workspaceId, roundId: round.id }, select: { membershipId: true, itemId: true, rating: true, choice: true } });
    await this.enqueuePolls(this.db, ws, round, invitations, kind, byMembership(answers));
    this.onEnqueue();
    return invitations.length;
  }

  // ---- digest ----------------------------------------------------------------------------------

  /** The digest of a round (default: the partnership's latest), in the given language. */
  async digestFor(workspaceId: string, partnershipId: string, lang: Lang, roundId?: string): Promise<Message | null> {
    return (await this.results.digestFor(workspaceId, partnershipId, lang, roundId))?.message ?? null;
  }

  /**
   * Sends the digest to the home channel, or to each steering member (coordinators if there are
   * none) by DM, and records what it was built from.
   */
  async deliverDigest(ws: WorkspaceRef, p: PartnershipRow, roundId: string | undefined, trigger: DigestTrigger): Promise<DigestTarget> {
    const lang = isLang(p.language) ? p.language : this.defaultLanguage;
    const built = await this.results.digestFor(p.workspaceId, p.id, lang, roundId);
    if (!built) throw new UserError("err.no-rounds", {}, "checkin.start");
    const items: OutboxItem[] = [];
    const digestId = randomUUID();
    let target: DigestTarget;
    if (p.homeChannel) {
      items.push({ workspaceId: p.workspaceId, workspace: ws, to: { kind: "channel", channelId: p.homeChannel }, message: built.message, dedupeKey: `digest:${digestId}:channel` });
      target = { channel: p.homeChannel };
    } else {
      const steering = await this.db.membership.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id, removedAt: null, roles: { has: "steering" } }, include: { person: true } });
      const recipients = steering.length ? steering : await this.db.membership.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id, removedAt: null, roles: { has: "coordinator" } }, include: { person: true } });
      for (const m of recipients) {
        const personal = isLang(m.person.language) && m.person.language !== lang ? (await this.results.digestFor(p.workspaceId, p.id, m.person.language, roundId))!.message : built.message;
        items.push({ workspaceId: p.workspaceId, workspace: ws, to: { kind: "user", userId: m.person.platformUserId }, message: personal, dedupeKey: `digest:${digestId}:${m.id}` });
      }
      target = { people: recipients.length };
    }
    await this.db.$transaction(async (tx) => {
      await tx.digest.create({ data: { id: digestId, workspaceId: p.workspaceId, partnershipId: p.id, roundId: built.builtFrom.roundId, trigger, builtFrom: built.builtFrom as object } });
      await enqueueDeliveries(tx, items);
    });
    this.onEnqueue();
    return target;
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
    const action = await this.db.$transaction(async (tx) => {
      await this.lockPartnership(tx, p.id);
      const last = await tx.action.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id }, orderBy: { number: "desc" } });
      return tx.action.create({
        data: { workspaceId: ctx.workspaceId, partnershipId: p.id, number: (last?.number ?? 0) + 1, text: cmd.text, ownerId, dueDate, sourceMeeting: cmd.meeting ?? null },
      });
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
    const membership = await this.db.membership.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, personId: ctx.person.id, removedAt: null } });
    const isOwner = action.owner?.personId === ctx.person.id;
    if (!isOwner && !membership?.roles.includes("coordinator")) throw new UserError("err.coordinator-or-owner");
    if (action.status === "done") return textMessage(t(ctx.lang, "ok.action-already-done", { number }));
    await this.db.action.update({ where: { id: action.id }, data: { status: "done", completedAt: this.now() } });
    return textMessage(t(ctx.lang, "ok.action-done", { number, text: action.text }));
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
        return textMessage(t(ctx.lang, "ok.setting", { setting: t(ctx.lang, "setting.anonymity"), value: t(ctx.lang, `anonymity.${s.value}`) }));
      case "minimum-n":
        await this.db.partnership.update({ where: { id: p.id }, data: { minimumN: s.value } });
        return textMessage(t(ctx.lang, "ok.setting", { setting: t(ctx.lang, "setting.minimum-n"), value: s.value }));
      case "channel":
        await this.assertChannelFree(ctx.workspaceId, s.value, p.id);
        await this.db.partnership.update({ where: { id: p.id }, data: { homeChannel: s.value } });
        return textMessage(t(ctx.lang, "ok.setting", { setting: t(ctx.lang, "setting.channel"), value: `<#${s.value}>` }));
      case "purpose":
        await this.db.partnership.update({ where: { id: p.id }, data: { purpose: s.value } });
        return textMessage(t(ctx.lang, "ok.setting", { setting: t(ctx.lang, "setting.purpose"), value: s.value }));
    }
  }

  /** Aggregates only, one row per statement per round, within minimum-n: never who said what. */
  private async exportCsv(ctx: Context, p: PartnershipRow): Promise<Message> {
    const rounds = await this.db.round.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id }, orderBy: { number: "asc" } });
    const rows = [["round", "instrument", "version", "section", "item", "statement", "n", "mean", "sd", "min", "max", "divergent", "withheld"].join(",")];
    const cell = (x: string | number | null) => {
      const s = x === null ? "" : String(x);
      return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    for (const r of rounds) {
      const { score, snapshot } = await this.results.scoreOf(ctx.workspaceId, r, p);
      for (const s of snapshot.sections.filter((x) => r.sectionIds.includes(x.id)))
        for (const item of s.items) {
          const i = score.items.find((x) => x.itemId === item.id)!;
          const num = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
          rows.push([r.number, r.instrumentKey, r.instrumentVersion, s.id, item.id, item.text[ctx.lang], i.withheld ? null : i.n, num(i.mean), num(i.sd), i.min, i.max, i.divergent ? 1 : 0, i.withheld ? 1 : 0].map(cell).join(","));
        }
    }
    const filename = `partnerpuls-${p.name.replace(/[^\w.\-]+/g, "-").slice(0, 40)}.csv`;
    return message(t(ctx.lang, "ok.export", { n: rounds.length }), [
      { type: "text", text: t(ctx.lang, "ok.export", { n: rounds.length }) },
      { type: "file", filename, mimeType: "text/csv", content: rows.join("\n") + "\n" },
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
    const coordinatorOf = await this.db.membership.findMany({ where: { workspaceId: ctx.workspaceId, personId: ctx.person.id, removedAt: null, roles: { has: "coordinator" } }, include: { partnership: true } });
    for (const m of coordinatorOf) {
      const others = await this.db.membership.count({ where: { workspaceId: ctx.workspaceId, partnershipId: m.partnershipId, removedAt: null, roles: { has: "coordinator" }, id: { not: m.id } } });
      if (others === 0) throw new UserError("err.erase-last-coordinator", { partnership: m.partnership.name });
    }
    // Deleting the person cascades to memberships, invitations and answers; actions lose the owner.
    await this.db.person.delete({ where: { id: ctx.person.id } });
    return textMessage(t(ctx.lang, "ok.mydata-erased"));
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
    const workspace = await this.db.workspace.findUnique({ where: { platform_externalId: { platform: ws.platform, externalId: ws.externalId } } });
    let person = workspace ? await this.db.person.findUnique({ where: { workspaceId_platformUserId: { workspaceId: workspace.id, platformUserId: actor.userId } } }) : null;
    if (person && actor.displayName && actor.displayName !== person.displayName)
      person = await this.db.person.update({ where: { id: person.id }, data: { displayName: actor.displayName } });
    const workspaceId = workspace?.id ?? randomUUID();
    const stored = person !== null;
    person ??= { id: randomUUID(), workspaceId, platformUserId: actor.userId, displayName: actor.displayName ?? "", language: null, timeZone: null, nudgesOff: false, createdAt: this.now() };
    const lang = (isLang(person.language) ? person.language : null) ?? langFromLocale(actor.locale) ?? this.defaultLanguage;
    return { actor, workspaceId, person, stored, lang };
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
      partnership = await this.db.partnership.findFirst({ where: { workspaceId: ctx.workspaceId, name: { equals: name, mode: "insensitive" } } });
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
