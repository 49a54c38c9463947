// The context every room of the core shares: the database, the clock, the defaults, and the
// helpers that turn a request into a person, a partnership and a language.
import type { PrismaClient } from "../generated/prisma/client.ts";
import { TEXT_ONLY, type Actor, type Capabilities, type CoreEvent, type Platform, type PlatformStore, type WorkspaceRef } from "../ports.ts";
import type { Inline } from "../messages/model.ts";
import type { Topic } from "../commands/parse.ts";
import { t, langFromLocale, isLang, listOf, type Lang, type Key, type NodeParams } from "../i18n/i18n.ts";
import { RoundResults, personLabel } from "../results/digest.ts";
import { type Refusal } from "../policy.ts";
import { z } from "zod";
import { nameKey } from "../domain/names.ts";
import { randomUUID } from "node:crypto";
import { type QuietHours } from "../clock/quiet.ts";
import { Addresses } from "./addresses.ts";
import { personWithInvitation, type InvitedMembership } from "./answers.ts";
import type { Partnerships, Rounds, Polls, Comments, Digests, Actions, Schedules, Meetings, Agendas, Agreements, DataRights, Instruments, Home, Commands, Reports, Joining, MemberPages } from "./rooms.ts";

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export interface CoreOptions {
  now?: () => Date;
  defaultTimeZone?: string;
  defaultLanguage?: Lang;
  /** called after messages were put in the outbox, so the courier can deliver them at once */
  onEnqueue?: () => void;
  /** told of every command, press and vote (metrics); never who, never what was answered */
  onEvent?: (event: CoreEvent) => void;
  /** where people reach this server from a browser (report links); asked each time, as the port is known only once it listens */
  publicUrl?: () => string;
  /** how many days a report link works */
  reportDays?: number;
  /** who is in a conversation (platform user ids), where its platform can say; null: it cannot */
  conversationMembers?: (workspace: WorkspaceRef, channelId: string) => Promise<string[] | null>;
}

/** Large rounds open and close in one transaction each: give them room, the work inside is linear. */
export const LONG_TRANSACTION = { maxWait: 60_000, timeout: 120_000 };

/** The message a refused request gets. */
export const REFUSAL_KEY: Record<Refusal, Key> = {
  "not-member": "err.not-invited",
  "no-longer-member": "err.no-longer-member",
  "coordinator-only": "err.coordinator-only-any",
  "coordinator-or-owner": "err.coordinator-or-owner",
};

export function quietOf(p: { timeZone: string; quietFrom: number; quietTo: number; quietWeekends: boolean }): QuietHours {
  return { timeZone: p.timeZone, quietFrom: p.quietFrom, quietTo: p.quietTo, quietWeekends: p.quietWeekends };
}

export type DigestTrigger = "round-closed" | "schedule" | "on-demand";
/** Where a digest went: the home channel (and steering members of other workspaces by DM), or this many people by DM. */
export type DigestTarget = { channel: string; people: number } | { people: number };

/** A reply that went wrong for a reason the user can fix: shown to them, nothing changed. */
export class UserError extends Error {
  constructor(readonly key: Key, readonly params: NodeParams = {}, readonly usage?: Topic) {
    super(key);
  }
}

export const AnswerPayload = z.object({
  r: z.string().uuid(),
  i: z.string().min(1).max(80),
  v: z.number().int().min(1).max(10).optional(),
  c: z.string().min(1).max(64).optional(),
  /** "don't know", where the statement allows it */
  d: z.literal(1).optional(),
});
export const SectionPayload = z.object({ r: z.string().uuid(), s: z.string().min(1).max(80), p: z.number().int().min(0).max(1000).optional() });
export const RoundPayload = z.object({ r: z.string().uuid() });
export const ActionPayload = z.object({ a: z.string().uuid() });
export const PostponePayload = z.object({ a: z.string().uuid(), d: z.number().int().min(1).max(60) });
export const StatementPayload = z.object({ p: z.string().uuid(), s: z.string().min(1).max(64) });

export type PartnershipRow = NonNullable<Awaited<ReturnType<Db["partnership"]["findFirst"]>>>;
export type PersonRow = NonNullable<Awaited<ReturnType<Db["person"]["findFirst"]>>>;
export type MembershipRow = NonNullable<Awaited<ReturnType<Db["membership"]["findFirst"]>>>;
export type RoundRow = NonNullable<Awaited<ReturnType<Db["round"]["findFirst"]>>>;
export type RoundWithPartnership = RoundRow & { partnership: PartnershipRow };

export interface Context {
  actor: Actor;
  /**
   * The workspace whose data the request reads: the asker's own, until a partnership is chosen;
   * then that partnership's (see within), which for a member from another organisation is not theirs.
   * Their own is always person.workspaceId.
   */
  workspaceId: string;
  person: PersonRow;
  /** false until the workspace and person are stored: reading commands store nothing */
  stored: boolean;
  lang: Lang;
  /** what the asker's platform can show */
  capabilities: Capabilities;
  /** a poll button's round: the asker's invitation to it, read with the person (see context) */
  invitation?: { roundId: string; found: InvitedMembership | null };
}

export class CoreContext {
  readonly results: RoundResults;
  readonly now: () => Date;
  readonly defaultTimeZone: string;
  readonly defaultLanguage: Lang;

  readonly onEnqueue: () => void;
  readonly publicUrl: () => string;
  readonly reportDays: number;
  readonly conversationMembers: NonNullable<CoreOptions["conversationMembers"]>;
  readonly onEvent: (event: CoreEvent) => void;
  /** adapters' own tables about people, by platform (see PlatformStore) */
  readonly platformStores = new Map<Platform, PlatformStore[]>();
  readonly workspaces = new Map<string, NonNullable<Awaited<ReturnType<Db["workspace"]["findUnique"]>>>>();
  /** where each person is reached, and each partnership's own workspace */
  readonly addresses = new Addresses(this);

  partnerships!: Partnerships;
  rounds!: Rounds;
  polls!: Polls;
  comments!: Comments;
  digests!: Digests;
  actions!: Actions;
  schedules!: Schedules;
  meetings!: Meetings;
  agendas!: Agendas;
  agreements!: Agreements;
  dataRights!: DataRights;
  instruments!: Instruments;
  home!: Home;
  reports!: Reports;
  joining!: Joining;
  memberPages!: MemberPages;
  commands!: Commands;

  constructor(
    readonly db: Db,
    options: CoreOptions = {},
  ) {
    this.onEnqueue = options.onEnqueue ?? (() => {});
    this.onEvent = options.onEvent ?? (() => {});
    this.now = options.now ?? (() => new Date());
    this.defaultTimeZone = options.defaultTimeZone ?? "Europe/Copenhagen";
    this.defaultLanguage = options.defaultLanguage ?? "en";
    this.results = new RoundResults(this.now);
    this.publicUrl = options.publicUrl ?? (() => "http://localhost:3978");
    this.reportDays = options.reportDays ?? 14;
    this.conversationMembers = options.conversationMembers ?? (async () => null);
  }

  /**
   * Who is asking. A person the bot has not met yet (and their workspace) is not stored until a
   * command needs it: asking for help, or mistyping, leaves no trace in the database. Until then
   * the ids are fresh UUIDs that match no row, so every query simply finds nothing.
   */
  async context(actor: Actor, pollRoundId?: string): Promise<Context> {
    const ws = actor.workspace;
    let workspace = await this.workspaceOf(ws);
    // A request from a workspace that removed the app: it is installed there again.
    if (workspace?.removedAt) {
      await this.joining.workspaceRestored(ws);
      workspace = await this.workspaceOf(ws);
    }
    // A press of a poll button (the hot path) reads the person and their invitation in one query.
    const withInvitation = workspace && pollRoundId ? await personWithInvitation(this.db, workspace.id, actor.userId, pollRoundId, this.results.knownSnapshot(pollRoundId)) : undefined;
    let person = withInvitation !== undefined ? (withInvitation?.person ?? null) : workspace ? await this.db.person.findUnique({ where: { workspaceId_platformUserId: { workspaceId: workspace.id, platformUserId: actor.userId } } }) : null;
    // The name and locale the platform gives now: messages sent to them later use them.
    const locale = langFromLocale(actor.locale) ? actor.locale! : null;
    if (person && ((actor.displayName && actor.displayName !== person.displayName) || (locale && locale !== person.locale)))
      person = await this.db.person.update({ where: { id: person.id }, data: { ...(actor.displayName ? { displayName: actor.displayName } : {}), ...(locale ? { locale } : {}) } });
    const workspaceId = workspace?.id ?? randomUUID();
    const stored = person !== null;
    person ??= { id: randomUUID(), workspaceId, platformUserId: actor.userId, displayName: actor.displayName ?? "", language: null, locale, timeZone: null, nudgesOff: false, createdAt: this.now() };
    const lang = (isLang(person.language) ? person.language : null) ?? langFromLocale(actor.locale) ?? this.defaultLanguage;
    const invitation = withInvitation && pollRoundId ? { roundId: pollRoundId, found: withInvitation.invited } : undefined;
    return { actor, workspaceId, person, stored, lang, capabilities: actor.capabilities ?? TEXT_ONLY, ...(invitation ? { invitation } : {}) };
  }

  /** A workspace's row; its id never changes, so it is looked up once per process. */
  async workspaceOf(ws: WorkspaceRef) {
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
  async store(ctx: Context): Promise<void> {
    if (ctx.stored) return;
    const ws = ctx.actor.workspace;
    const workspace = await this.db.workspace.upsert({
      where: { platform_externalId: { platform: ws.platform, externalId: ws.externalId } },
      create: { platform: ws.platform, externalId: ws.externalId, name: ws.name ?? "" },
      update: {},
    });
    ctx.person = await this.db.person.upsert({
      where: { workspaceId_platformUserId: { workspaceId: workspace.id, platformUserId: ctx.actor.userId } },
      create: { workspaceId: workspace.id, platformUserId: ctx.actor.userId, displayName: ctx.actor.displayName ?? "", locale: ctx.person.locale },
      update: ctx.person.locale ? { locale: ctx.person.locale } : {},
    });
    ctx.workspaceId = workspace.id;
    ctx.stored = true;
  }

  /**
   * The language rule (README, "Languages"): the person's own choice (`language da`), then their
   * platform's locale, then the partnership's language, then PARTNERPULS_LANGUAGE.
   */
  langFor(ctx: Context, p: { language: string }): Lang {
    return this.langOfPerson({ language: ctx.person.language, locale: ctx.actor.locale ?? ctx.person.locale }, p);
  }

  /** The language rule for a person the core writes to unasked (a poll, a reminder): the locale is the one last seen. */
  langOfPerson(person: { language: string | null; locale?: string | null }, p: { language: string }): Lang {
    return (isLang(person.language) ? person.language : null) ?? langFromLocale(person.locale) ?? (isLang(p.language) ? p.language : this.defaultLanguage);
  }

  /** A partnership a button names: one of the asker's workspace, or one they are or were a member of; else the button no longer works. */
  async partnershipById(ctx: Context, id: string): Promise<PartnershipRow> {
    const p = await this.db.partnership.findFirst({ where: { id, OR: [{ workspaceId: ctx.workspaceId }, { memberships: { some: { personId: ctx.person.id } } }] } });
    if (!p) throw new UserError("err.bad-button");
    return p;
  }

  /**
   * By name, by the channel the command came from, or the person's only partnership. A member from
   * another organisation's workspace finds it among their own memberships: from there, nothing of
   * a partnership they are not in can be named or found.
   */
  async selectPartnership(ctx: Context, name: string | undefined): Promise<{ partnership: PartnershipRow; membership: MembershipRow | null }> {
    const mine = await this.db.membership.findMany({ where: { personId: ctx.person.id, removedAt: null }, include: { partnership: true } });
    const visible = { OR: [{ workspaceId: ctx.workspaceId }, { id: { in: mine.map((m) => m.partnershipId) } }] };
    let partnership: PartnershipRow | null = null;
    if (name !== undefined) {
      const key = nameKey(name);
      partnership = mine.find((m) => m.partnership.nameKey === key)?.partnership ?? (await this.db.partnership.findFirst({ where: { workspaceId: ctx.workspaceId, nameKey: key } }));
      if (!partnership) throw new UserError("err.unknown-partnership", { name });
    } else if (ctx.actor.channelId) {
      // Its home channel, or the chat of one of its meetings.
      const channelId = ctx.actor.channelId;
      partnership = await this.db.partnership.findFirst({ where: { AND: [visible, { OR: [{ homeChannel: channelId }, { meetings: { some: { chatId: channelId } } }] }] } });
    }
    if (!partnership) {
      if (mine.length === 0) throw new UserError("err.no-partnership", {}, "partnership.create");
      if (mine.length > 1) throw new UserError("err.which-partnership", { names: mine.map((m) => `"${m.partnership.name}"`).join(", ") });
      partnership = mine[0]!.partnership;
    }
    const membership = mine.find((m) => m.partnershipId === partnership.id) ?? null;
    return { partnership, membership };
  }

  /** The request's context, reading the data of a partnership's workspace (which may not be the asker's own). */
  within(ctx: Context, workspaceId: string): Context {
    return workspaceId === ctx.workspaceId ? ctx : { ...ctx, workspaceId };
  }

  roleList(lang: Lang, roles: string[]): string {
    return listOf(lang, roles.map((r) => t(lang, `role.${r}` as Key)));
  }

  /** A person the core names by their platform id: a node each adapter renders its own way. */
  mention(userId: string): Inline {
    return { t: "person", id: userId };
  }

  personLabel(person: { displayName: string; platformUserId: string }): Inline {
    return personLabel(person);
  }

  wsRefOf(w: { platform: string; externalId: string; name: string }): WorkspaceRef {
    return { platform: w.platform as WorkspaceRef["platform"], externalId: w.externalId, name: w.name };
  }

  /**
   * Serialises writes that number rows per partnership (rounds, actions) or allow one open round,
   * across every instance sharing the database: the second writer waits, then reads again.
   */
  async lockPartnership(tx: Tx, partnershipId: string): Promise<void> {
    await tx.$queryRaw`SELECT id FROM "Partnership" WHERE id = ${partnershipId} FOR UPDATE`;
  }

  async openRound(workspaceId: string, partnershipId: string, now: Date) {
    return this.db.round.findFirst({ where: { workspaceId, partnershipId, closedAt: null, closesAt: { gt: now } }, orderBy: { number: "desc" } });
  }

  openRoundTx(tx: Tx, workspaceId: string, partnershipId: string, now: Date) {
    return tx.round.findFirst({ where: { workspaceId, partnershipId, closedAt: null, closesAt: { gt: now } } });
  }

  async roundWithPartnership(workspaceId: string, roundId: string) {
    const round = await this.db.round.findFirst({ where: { id: roundId, workspaceId }, include: { partnership: true } });
    if (!round) throw new UserError("err.bad-button");
    return round;
  }
}
