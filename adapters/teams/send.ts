// Sending on our own initiative: into a stored conversation (continueConversationAsync), into a
// new 1:1 opened through a team (createConversationAsync), and replacing a card in place.
// Messages go out with sendToConversation, never as a reply: a proactive message starts its own
// thread in a channel, and the continuation's made-up activity id is no message to reply to.
import type { TurnContext } from "botbuilder";
import { RateLimitedError, PermanentDeliveryError } from "../../src/ports.ts";
import type { BotAdapter } from "./bot.ts";
import type { StoredReference } from "./store.ts";

/** The part of botframework-connector's ConnectorClient we use. */
export interface ConnectorClientLike {
  conversations: {
    sendToConversation(conversationId: string, activity: object): Promise<{ id?: string }>;
    replyToActivity(conversationId: string, activityId: string, activity: object): Promise<{ id?: string }>;
    updateActivity(conversationId: string, activityId: string, activity: object): Promise<{ id?: string }>;
    getConversationMember(conversationId: string, memberId: string): Promise<{ id?: string; name?: string; aadObjectId?: string }>;
    getConversationMembers(conversationId: string): Promise<{ id?: string; aadObjectId?: string }[]>;
  };
}

export function connectorOf(adapter: BotAdapter, context: TurnContext): ConnectorClientLike {
  const client = context.turnState.get(adapter.ConnectorClientKey) as ConnectorClientLike | undefined;
  if (!client) throw new Error("no connector client in the turn");
  return client;
}

/** The HTTP status and Retry-After of a failed connector call, if it was an HTTP failure. */
export function httpFailure(e: unknown): { status: number; retryAfter: string | null; code: string | null } | null {
  const err = e as { statusCode?: unknown; code?: unknown; response?: { status?: number; headers?: { get?(name: string): string | undefined | null }; bodyAsText?: string | null } };
  const status = typeof err?.statusCode === "number" ? err.statusCode : typeof err?.response?.status === "number" ? err.response.status : null;
  if (status === null) return null;
  const retryAfter = err.response?.headers?.get?.("retry-after") ?? null;
  let code: string | null = null;
  try {
    const body = JSON.parse(err.response?.bodyAsText ?? "null") as { error?: { code?: string; message?: string } } | null;
    code = body?.error?.code ?? null;
  } catch {
    // not JSON: the status says enough
  }
  return { status, retryAfter, code };
}

/** Retry-After is seconds or an HTTP date; Teams may leave it out (then wait a second). */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (!header) return 1000;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.max(1, Math.round(seconds * 1000));
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(1, date - now) : 1000;
}

/**
 * The courier's view of a failed call: 429 → RateLimitedError, 403/404 → PermanentDeliveryError
 * (bot removed or blocked, conversation gone), anything else unchanged (retried: 412, 502, 504,
 * network errors).
 */
export function classify(e: unknown, what: string): unknown {
  const f = httpFailure(e);
  if (!f) return e;
  // Teams does not say which limit a 429 is for (the conversation's or the tenant's): the courier
  // tells them apart (Pacer.limited).
  if (f.status === 429) return new RateLimitedError(retryAfterMs(f.retryAfter), "unsaid");
  if (f.status === 403 || f.status === 404)
    return new PermanentDeliveryError(`${what}: Teams answered ${f.status}${f.code ? ` ${f.code}` : ""} (${f.status === 403 ? "the bot was removed or blocked" : "the conversation no longer exists"})`);
  const err = new Error(`${what}: Teams answered ${f.status}${f.code ? ` ${f.code}` : ""}`);
  (err as Error & { status?: number }).status = f.status;
  return err;
}

/**
 * For answers inside a turn (replies to a command, the pressed card, the line in a thread), which
 * the courier does not pace: a 429 means Teams did not take the message, so it is sent again after
 * Retry-After, a few times and briefly (the person is waiting). Anything else is not retried: after
 * a 5xx the message may have landed.
 */
export async function retryOn429<T>(send: () => Promise<T>, tries = 3, maxWaitMs = 5_000): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (e) {
      const f = httpFailure(e);
      const wait = f?.status === 429 ? retryAfterMs(f.retryAfter) : Infinity;
      if (attempt >= tries || wait > maxWaitMs) throw e;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** A failed call in one line for the log: status and Teams' error code when it was HTTP. */
export function describeFailure(e: unknown): string {
  const f = httpFailure(e);
  if (f) return `Teams answered ${f.status}${f.code ? ` ${f.code}` : ""}`;
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

export class Sender {
  constructor(
    private readonly adapter: BotAdapter,
    /** "" in local mode: no token is asked for */
    private readonly appId: string,
  ) {}

  /** Runs `use` with a connector client for the conversation `reference` points at. */
  private async within<T>(reference: StoredReference, use: (client: ConnectorClientLike) => Promise<T>): Promise<T> {
    let result: { value: T } | null = null;
    await this.adapter.continueConversationAsync(this.appId, reference as Parameters<BotAdapter["continueConversationAsync"]>[1], async (context) => {
      result = { value: await use(connectorOf(this.adapter, context)) };
    });
    if (!result) throw new Error("the conversation turn ended without running");
    return (result as { value: T }).value;
  }

  /** Posts a new message (in a channel: a new thread) and returns its activity id. */
  async post(reference: StoredReference, activity: object): Promise<string> {
    const res = await this.within(reference, (c) => c.conversations.sendToConversation(reference.conversation.id, { ...activity, conversation: reference.conversation, from: reference.bot }));
    if (!res.id) throw new Error("Teams accepted the message but returned no id");
    return res.id;
  }

  /** Everyone in the conversation, by their Entra ID object id (the core's id for a person). */
  async members(reference: StoredReference): Promise<string[]> {
    const members = await this.within(reference, (c) => c.conversations.getConversationMembers(reference.conversation.id));
    return members.flatMap((m) => (m.aadObjectId ? [m.aadObjectId] : []));
  }

  async update(reference: StoredReference, activityId: string, activity: object): Promise<void> {
    await this.within(reference, (c) => c.conversations.updateActivity(reference.conversation.id, activityId, { ...activity, id: activityId, conversation: reference.conversation, from: reference.bot }));
  }

  /**
   * Opens (or finds: Teams keeps one per person) the 1:1 conversation with a person the bot
   * shares a team with, and returns a reference to it.
   */
  async openPersonal(team: StoredReference, tenantId: string, user: { id: string; name?: string; aadObjectId?: string }): Promise<StoredReference> {
    let conversationId: string | null = null;
    const parameters = { isGroup: false, bot: team.bot, members: [{ id: user.id }], tenantId, channelData: { tenant: { id: tenantId } } };
    await this.adapter.createConversationAsync(
      this.appId,
      team.channelId,
      team.serviceUrl,
      this.adapter.audience,
      parameters as Parameters<BotAdapter["createConversationAsync"]>[4],
      async (context) => {
        conversationId = context.activity.conversation?.id ?? null;
      },
    );
    if (!conversationId) throw new Error("Teams opened a conversation but returned no id");
    return {
      channelId: team.channelId,
      serviceUrl: team.serviceUrl,
      bot: team.bot,
      conversation: { id: conversationId, conversationType: "personal", tenantId },
      user,
    };
  }
}
