// What arrives from Teams, translated for the core: typed commands (1:1, or @Partnerpuls in a
// channel or group chat), button presses (Action.Execute invokes, and Action.Submit messages from
// older clients), and installation and membership events, which teach us where everyone is.
//
// In a channel or group chat the answer to a command goes to the person privately, in their 1:1
// chat with the bot (Teams has no "only you can see this" messages, and answers can hold
// partnership details), and a one-line reply in the thread says so. A digest or poll is never a
// reply: it is a delivery (port.ts).
import { TeamsActivityHandler, type TurnContext } from "botbuilder";
import { TEAMS_CAPABILITIES } from "./port.ts";
import { personToken, channelToken } from "../../src/commands/mentions.ts";
import type { Partnerpuls } from "../../src/core.ts";
import type { Actor, WorkspaceRef } from "../../src/ports.ts";
import type { Message } from "../../src/messages/model.ts";
import { textMessage, isSaidApart } from "../../src/messages/model.ts";
import { langFromLocale, type Lang } from "../../src/i18n/i18n.ts";
import { teamsText } from "./words.ts";
import { renderCard, cardActivity, cardInvokeResponse, mentionedIds, fieldsOf, type AdaptiveCard, type FileLinks } from "./cards.ts";
import type { ConversationStore, StoredReference } from "./store.ts";
import { connectorOf, retryOn429, describeFailure, type Sender } from "./send.ts";
import type { BotAdapter } from "./bot.ts";

interface Account {
  id: string;
  name?: string;
  aadObjectId?: string;
  role?: string;
}

interface MentionEntity {
  type: string;
  text?: string;
  mentioned?: Account & { type?: string };
}

/** The fields of a Teams activity we read (Bot Framework protocol). */
export interface TeamsActivity {
  type: string;
  id?: string;
  name?: string;
  text?: string;
  value?: unknown;
  replyToId?: string;
  locale?: string;
  action?: string;
  serviceUrl: string;
  channelId: string;
  from: Account;
  recipient: Account;
  conversation: { id: string; conversationType?: string; tenantId?: string; isGroup?: boolean; name?: string };
  channelData?: {
    tenant?: { id?: string };
    team?: { id?: string; name?: string };
    channel?: { id?: string; name?: string };
    eventType?: string;
    /** in a meeting's chat: the online meeting's id (the one its start and end events carry) */
    meeting?: { id?: string };
  };
  entities?: MentionEntity[];
  membersAdded?: Account[];
  membersRemoved?: Account[];
}

type Scope = "personal" | "channel" | "groupChat";

export function scopeOf(a: TeamsActivity): Scope {
  const type = a.conversation.conversationType;
  if (type === "channel" || a.channelData?.channel?.id) return "channel";
  if (type === "groupChat" || a.conversation.isGroup) return "groupChat";
  return "personal";
}

export function tenantOf(a: TeamsActivity): string | null {
  return a.channelData?.tenant?.id ?? a.conversation.tenantId ?? null;
}

/** The core's id for a person: their Entra ID object id, the same in every conversation. */
function userIdOf(account: Account): string | null {
  return account.aadObjectId ?? null;
}

/** The channel (or group chat) a message was typed in, as the core names it. */
function channelOf(a: TeamsActivity): string | null {
  const scope = scopeOf(a);
  if (scope === "channel") return a.channelData?.channel?.id ?? baseConversationId(a.conversation.id);
  if (scope === "groupChat") return a.conversation.id;
  return null;
}

/** A channel thread's conversation id carries ";messageid=…"; the channel itself is the rest. */
export function baseConversationId(id: string): string {
  return id.split(";")[0]!;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&nbsp;/g, " ")
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

export type Translation = { ok: true; text: string } | { ok: false; unknown: string };

/**
 * The typed text as the core's parser reads it: the bot's own mention removed, people's mentions
 * as the core's person token for their aadObjectId, channel mentions as its channel token,
 * `channel=here` typed in a channel as that channel. `resolve` finds the aadObjectId behind a 29: id.
 */
export async function translateText(a: TeamsActivity, resolve: (account: Account) => Promise<string | null>): Promise<Translation> {
  let text = a.text ?? "";
  for (const e of a.entities ?? []) {
    if (e.type !== "mention" || !e.text || !e.mentioned) continue;
    const m = e.mentioned;
    let token: string;
    if (m.id === a.recipient.id) token = "";
    else if (m.type === "channel" || m.type === "team" || m.id.startsWith("19:")) token = channelToken(baseConversationId(m.id));
    else {
      const id = await resolve(m);
      if (!id) return { ok: false, unknown: m.name ?? e.text.replace(/<\/?at>/g, "") };
      token = personToken(id);
    }
    text = text.includes(e.text) ? text.replace(e.text, token) : text;
  }
  // Clients that send HTML: tags carry no command text.
  text = decodeEntities(text.replace(/<\/?[a-z][^>]*>/gi, " ")).replace(/\s+/g, " ").trim();
  const here = channelOf(a);
  if (here) {
    text = text
      .replace(/(^|\s)(channel|kanal)=(here|her)(?=\s|$)/i, `$1$2=${channelToken(here)}`)
      .replace(/^((?:set|sæt|saet|indstil)\s+(?:channel|kanal)\s+)(here|her)(?=\s|$)/i, `$1${channelToken(here)}`);
  }
  return { ok: true, text };
}

export interface InboundOptions {
  core: Partnerpuls;
  store: ConversationStore;
  sender: Sender;
  adapter: BotAdapter;
  log: (line: string) => void;
  /** download links for files (PARTNERPULS_PUBLIC_URL set); without it files are shown in the card */
  files?: FileLinks;
}

/** How long a message's id is remembered, to run a command once when Teams delivers it twice. */
const REDELIVERY_WINDOW_MS = 15 * 60_000;

/** Handles one authenticated turn. */
export class Inbound {
  private readonly handled = new Map<string, number>();
  /** Pressed cards being replaced after their invoke was answered, by card: each waits for the one before. */
  private readonly replacing = new Map<string, Promise<void>>();

  constructor(private readonly o: InboundOptions) {}

  /** Resolves when every pressed card being replaced after its answer has been (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.replacing.size > 0) await Promise.all(this.replacing.values());
  }

  /**
   * Replaces a pressed card after the invoke was answered: the pressing client shows the answer's
   * card at once, and the invoke need not wait for a second call to Teams (about 1.5 ms a vote, and
   * seconds when Teams is slow). Replacements of one card go in the order of the presses.
   */
  private replaceLater(cardKey: string, replace: () => Promise<unknown>): void {
    const before = this.replacing.get(cardKey) ?? Promise.resolve();
    const run: Promise<void> = before
      .then(replace)
      .then(
        () => undefined,
        (e: unknown) => this.o.log(`could not update the pressed card: ${describeFailure(e)}`),
      )
      .finally(() => {
        if (this.replacing.get(cardKey) === run) this.replacing.delete(cardKey);
      });
    this.replacing.set(cardKey, run);
  }

  /**
   * Teams delivers at least once: a message it sends again (after a timeout, say) must not run its
   * command twice (`action add` would record two actions). Remembered per instance; presses need
   * no such memory (answering twice records once).
   */
  private firstDelivery(a: TeamsActivity, tenantId: string): boolean {
    if (a.type !== "message" || !a.id) return true;
    const key = `${tenantId}|${a.conversation.id}|${a.id}`;
    const now = Date.now();
    const seen = this.handled.get(key);
    if (seen !== undefined && now - seen < REDELIVERY_WINDOW_MS) return false;
    this.handled.set(key, now);
    if (this.handled.size > 20_000) for (const [k, at] of this.handled) if (now - at >= REDELIVERY_WINDOW_MS || this.handled.size > 10_000) this.handled.delete(k);
    return true;
  }

  async turn(context: TurnContext): Promise<void> {
    const a = context.activity as unknown as TeamsActivity;
    const tenantId = tenantOf(a);
    if (!tenantId) return; // not from a Teams tenant: nothing we can attribute
    if (!this.firstDelivery(a, tenantId)) return;
    try {
      await this.remember(a, tenantId);
      await this.installed(a, tenantId);
    } catch (e) {
      // The turn can still be answered; the next activity will teach us again.
      this.o.log(`could not store where ${a.from.id} is: ${describeFailure(e)}`);
    }
    const lang = langFromLocale(a.locale) ?? "en";
    try {
      if (a.type === "invoke") return await this.invoke(context, a, tenantId, lang);
      if (a.type === "message") {
        const submit = submitData(a.value);
        if (submit) return await this.press(context, a, tenantId, lang, submit.actionId, submit.value, false, fieldsOf(a.value));
        return await this.command(context, a, tenantId, lang);
      }
      if (a.type === "conversationUpdate" || a.type === "installationUpdate") return await this.welcome(context, a, lang);
      if (a.type === "event" && a.name?.startsWith("application/vnd.microsoft.meeting")) return await this.meetingEvents.run(context);
    } catch (e) {
      this.o.log(`turn failed (${a.type}${a.name ? ` ${a.name}` : ""}): ${describeFailure(e)}`);
      if (a.type === "invoke") {
        await context.sendActivity({ type: "invokeResponse", value: { status: 200, body: { statusCode: 500, type: "application/vnd.microsoft.error", value: { code: "InternalError", message: teamsText(lang, "error") } } } });
      } else if (a.type === "message") {
        await context.sendActivity(teamsText(lang, "error")).catch(() => undefined);
      }
    }
  }

  // ---- a meeting's start and end ------------------------------------------------------------

  /**
   * botbuilder's Teams handler reads the meeting events (their shapes are its); a meeting linked
   * with `meeting link` then gets its agenda as it starts (if it was not posted before) and its
   * minutes as it ends.
   */
  private readonly meetingEvents = (() => {
    const handler = new TeamsActivityHandler();
    const workspace = (context: TurnContext): WorkspaceRef => ({ platform: "teams", externalId: tenantOf(context.activity as unknown as TeamsActivity)! });
    handler.onTeamsMeetingStartEvent(async (meeting, context, next) => {
      await this.o.core.onlineMeeting(workspace(context), meeting.id, "start", meeting.startTime);
      await next();
    });
    handler.onTeamsMeetingEndEvent(async (meeting, context, next) => {
      await this.o.core.onlineMeeting(workspace(context), meeting.id, "end", meeting.endTime);
      await next();
    });
    return handler;
  })();

  // ---- where everyone is --------------------------------------------------------------------

  private reference(a: TeamsActivity, tenantId: string, conversationId: string, conversationType: string, user?: Account): StoredReference {
    return {
      channelId: a.channelId,
      serviceUrl: a.serviceUrl,
      bot: { id: a.recipient.id, ...(a.recipient.name ? { name: a.recipient.name } : {}) },
      conversation: { id: conversationId, conversationType, tenantId, isGroup: conversationType !== "personal" },
      ...(user ? { user: { id: user.id, ...(user.name ? { name: user.name } : {}), ...(user.aadObjectId ? { aadObjectId: user.aadObjectId } : {}) } } : {}),
      ...(a.locale ? { locale: a.locale } : {}),
    };
  }

  /**
   * Teams says nothing when a whole tenant removes the app, only that it was removed from a chat or
   * a team: when none is left where the bot is installed, the tenant has removed it, and nothing
   * more is sent there. Installed anywhere again, delivery resumes.
   */
  private async installed(a: TeamsActivity, tenantId: string): Promise<void> {
    if (a.type !== "installationUpdate") return;
    const workspace = { platform: "teams", externalId: tenantId };
    if (!a.action?.startsWith("remove")) await this.o.core.workspaceRestored(workspace);
    else if (!(await this.o.store.installedAnywhere(tenantId))) await this.o.core.workspaceRemoved(workspace);
  }

  private async remember(a: TeamsActivity, tenantId: string): Promise<void> {
    const { store } = this.o;
    const scope = scopeOf(a);
    const teamId = a.channelData?.team?.id;
    const installing = a.type === "installationUpdate" || a.type === "conversationUpdate";
    const person = (u: Account) => ({ id: u.id, aadObjectId: u.aadObjectId!, ...(u.name ? { name: u.name } : {}) });
    if (scope === "personal") {
      const reference = this.reference(a, tenantId, a.conversation.id, "personal", a.from);
      if (a.type === "installationUpdate" && a.action?.startsWith("remove")) {
        if (a.from.aadObjectId) await store.rememberUser(tenantId, { user: person(a.from), personal: null }, true);
        return;
      }
      if (a.from.aadObjectId) await store.rememberUser(tenantId, { user: person(a.from), personal: reference, ...(a.locale ? { locale: a.locale } : {}) }, installing);
      await store.rememberConversation(tenantId, reference);
      return;
    }
    const here = channelOf(a)!;
    const conversationType = scope === "channel" ? "channel" : "groupChat";
    const channelRef = this.reference(a, tenantId, here, conversationType);
    if (!(a.type === "installationUpdate" && a.action?.startsWith("remove"))) {
      await store.rememberChannel(tenantId, here, { reference: channelRef, name: a.channelData?.channel?.name ?? (scope === "groupChat" ? a.conversation.name : undefined), teamId }, installing);
      if (teamId) await store.rememberTeam(tenantId, teamId, this.reference(a, tenantId, teamId, "channel"), installing);
      await store.rememberConversation(tenantId, channelRef);
    } else await store.forgetInstall(tenantId, teamId ?? null, here);
    const people = [a.from, ...(a.membersAdded ?? [])].filter((u) => u.aadObjectId && u.id !== a.recipient.id);
    for (const u of people) await store.rememberUser(tenantId, { user: person(u), ...(teamId ? { teamId } : {}), ...(u === a.from && a.locale ? { locale: a.locale } : {}) }, installing);
  }

  /** 29: ids (what mentions carry) → aadObjectId: stored, or asked of Teams. */
  private resolver(context: TurnContext, a: TeamsActivity, tenantId: string) {
    return async (account: Account): Promise<string | null> => {
      if (account.aadObjectId) return account.aadObjectId;
      const known = await this.o.store.account(tenantId, account.id);
      if (known) return known.aadObjectId;
      try {
        const member = await connectorOf(this.o.adapter, context).conversations.getConversationMember(a.conversation.id, account.id);
        if (member.aadObjectId) {
          // A member of this team: a 1:1 with her can be opened through it.
          const teamId = a.channelData?.team?.id;
          await this.o.store.rememberUser(tenantId, { user: { id: account.id, aadObjectId: member.aadObjectId, ...(member.name ? { name: member.name } : {}) }, ...(teamId ? { teamId } : {}) });
          return member.aadObjectId;
        }
      } catch {
        // not a member of this conversation, or Teams would not say: treated as unknown
      }
      return null;
    };
  }

  private actor(a: TeamsActivity, tenantId: string): Actor | null {
    const userId = userIdOf(a.from);
    if (!userId) return null;
    const workspace: WorkspaceRef = { platform: "teams", externalId: tenantId };
    const channelId = channelOf(a);
    const onlineMeetingId = a.channelData?.meeting?.id;
    return { workspace, userId, capabilities: TEAMS_CAPABILITIES, ...(onlineMeetingId ? { onlineMeetingId } : {}), ...(a.from.name ? { displayName: a.from.name } : {}), ...(a.locale ? { locale: a.locale } : {}), ...(channelId ? { channelId, conversation: "channel" as const } : { conversation: "direct" as const }) };
  }

  /** The card for `message`, which goes to `userId` (its files become links for them). */
  private async card(tenantId: string, message: Message, lang: Lang, userId: string): Promise<AdaptiveCard> {
    const ids = mentionedIds(message);
    const [names, downloads] = await Promise.all([this.o.store.names(tenantId, ids.users, ids.channels), this.o.files?.(tenantId, userId, message)]);
    return renderCard(message, { lang, names, ...(downloads ? { downloads } : {}) });
  }

  // ---- commands -----------------------------------------------------------------------------

  private async command(context: TurnContext, a: TeamsActivity, tenantId: string, lang: Lang): Promise<void> {
    const actor = this.actor(a, tenantId);
    if (!actor) return; // no Entra ID user behind it (another bot, a connector): nothing to do
    const translated = await translateText(a, this.resolver(context, a, tenantId));
    let reply: Message;
    if (!translated.ok) reply = textMessage(teamsText(lang, "unknown-mention", { name: translated.unknown }));
    else if (!channelOf(a) && /(^|\s)(channel|kanal)=(here|her)(\s|$)|^(set|sæt|saet|indstil)\s+(channel|kanal)\s+(here|her)\b/i.test(translated.text))
      reply = textMessage(teamsText(lang, "here-needs-channel"));
    else reply = await this.o.core.command(actor, translated.text || "help");
    const card = await this.card(tenantId, reply, lang, actor.userId);
    if (scopeOf(a) === "personal") {
      await retryOn429(() => context.sendActivity(cardActivity(card)));
      return;
    }
    await this.replyPrivately(context, a, tenantId, reply.lang ?? lang, card);
  }

  /** In a channel or group chat: the answer in the person's 1:1 chat, a line in the thread. */
  private async replyPrivately(context: TurnContext, a: TeamsActivity, tenantId: string, lang: Lang, card: AdaptiveCard): Promise<boolean> {
    const name = a.from.name ?? "";
    let sent = false;
    try {
      const record = a.from.aadObjectId ? await this.o.store.user(tenantId, a.from.aadObjectId) : null;
      let personal = record?.personal ?? null;
      if (!personal) {
        const team = this.reference(a, tenantId, a.channelData?.team?.id ?? a.conversation.id, "channel");
        const user = { id: a.from.id, ...(a.from.name ? { name: a.from.name } : {}), ...(a.from.aadObjectId ? { aadObjectId: a.from.aadObjectId } : {}) };
        personal = await retryOn429(() => this.o.sender.openPersonal(team, tenantId, user));
        if (a.from.aadObjectId) await this.o.store.rememberUser(tenantId, { user: { id: a.from.id, aadObjectId: a.from.aadObjectId, ...(a.from.name ? { name: a.from.name } : {}) }, personal }, true);
        await this.o.store.rememberConversation(tenantId, personal);
      }
      const to = personal;
      await retryOn429(() => this.o.sender.post(to, cardActivity(card)));
      sent = true;
    } catch (e) {
      this.o.log(`could not answer ${a.from.id} privately: ${describeFailure(e)}`);
    }
    if (a.type === "message") await retryOn429(() => context.sendActivity(teamsText(lang, sent ? "answered-privately" : "private-failed", { name })));
    return sent;
  }

  // ---- button presses -----------------------------------------------------------------------

  private async invoke(context: TurnContext, a: TeamsActivity, tenantId: string, lang: Lang): Promise<void> {
    if (a.name !== "adaptiveCard/action") {
      await context.sendActivity({ type: "invokeResponse", value: { status: 200, body: {} } });
      return;
    }
    const action = (a.value as { action?: { type?: string; verb?: unknown; data?: { value?: unknown } } } | undefined)?.action;
    const verb = typeof action?.verb === "string" ? action.verb : "";
    const raw = action?.data?.value;
    const value = typeof raw === "string" ? raw : raw === undefined ? "" : JSON.stringify(raw);
    await this.press(context, a, tenantId, lang, verb, value, true, fieldsOf(action?.data));
  }

  private async press(context: TurnContext, a: TeamsActivity, tenantId: string, lang: Lang, actionId: string, value: string, isInvoke: boolean, fields: Record<string, string>): Promise<void> {
    const actor = this.actor(a, tenantId);
    if (!actor) {
      if (isInvoke) await context.sendActivity({ type: "invokeResponse", value: { status: 200, body: { statusCode: 400, type: "application/vnd.microsoft.error", value: { code: "BadRequest", message: "no user" } } } });
      return;
    }
    // The card pressed: the activity it belongs to, in this conversation.
    const pressed = a.replyToId && a.conversation?.id ? { conversationId: a.conversation.id, messageId: a.replyToId } : undefined;
    const result = await this.o.core.action(actor, actionId, value, pressed, fields);
    // "Answered privately" and the like in the language the core chose for this person.
    lang = result.lang ?? lang;
    const card = await this.card(tenantId, result, lang, actor.userId);
    if (isSaidApart(result) && scopeOf(a) === "personal") {
      // An error, or a reply meant apart (a form), is a message of its own: the card pressed stays
      // as it was, with whatever was typed into it (Slack's ephemeral reply does the same).
      await retryOn429(() => context.sendActivity(cardActivity(card)));
      if (isInvoke) await context.sendActivity({ type: "invokeResponse", value: { status: 200, body: { statusCode: 200, type: "application/vnd.microsoft.activity.message", value: result.fallback } } });
      return;
    }
    // The result belongs to the person who pressed: in a shared conversation it goes to them privately.
    if (scopeOf(a) !== "personal") {
      const sent = await this.replyPrivately(context, a, tenantId, lang, card);
      if (isInvoke)
        await context.sendActivity({
          type: "invokeResponse",
          value: { status: 200, body: { statusCode: 200, type: "application/vnd.microsoft.activity.message", value: teamsText(lang, sent ? "answered-privately" : "private-failed", { name: a.from.name ?? "" }) } },
        });
      return;
    }
    // Replaced in place for every client (the message), and for the one that pressed at once (the invoke response).
    const client = connectorOf(this.o.adapter, context);
    if (a.replyToId) {
      const replyToId = a.replyToId;
      const replace = () => retryOn429(() => client.conversations.updateActivity(a.conversation.id, replyToId, { ...cardActivity(card), id: replyToId, conversation: a.conversation, from: a.recipient }));
      if (isInvoke) this.replaceLater(`${tenantId}|${a.conversation.id}|${replyToId}`, replace);
      else
        try {
          await replace();
        } catch (e) {
          this.o.log(`could not update the pressed card: ${describeFailure(e)}`);
          await retryOn429(() => context.sendActivity(cardActivity(card)));
        }
    } else if (!isInvoke) await retryOn429(() => context.sendActivity(cardActivity(card)));
    if (isInvoke) await context.sendActivity({ type: "invokeResponse", value: { status: 200, body: cardInvokeResponse(card) } });
  }

  // ---- installation -------------------------------------------------------------------------

  /**
   * The bot was added to a team or group chat: a short introduction there. Teams sends an
   * installationUpdate and a conversationUpdate for one install; we answer the first only.
   */
  private async welcome(context: TurnContext, a: TeamsActivity, lang: Lang): Promise<void> {
    if (scopeOf(a) === "personal") return; // 1:1: Teams shows the app's description and command menu
    if (a.type !== "installationUpdate" || a.action !== "add") return;
    const card = renderCard(textMessage(teamsText(lang, "welcome")), { lang });
    // A new post, not a reply to the install event (which is no message).
    await retryOn429(() => connectorOf(this.o.adapter, context).conversations.sendToConversation(baseConversationId(a.conversation.id), { ...cardActivity(card), from: a.recipient }));
  }
}

function submitData(value: unknown): { actionId: string; value: string } | null {
  if (!value || typeof value !== "object") return null;
  const v = value as { actionId?: unknown; value?: unknown };
  if (typeof v.actionId !== "string") return null;
  return { actionId: v.actionId, value: typeof v.value === "string" ? v.value : JSON.stringify(v.value ?? {}) };
}
