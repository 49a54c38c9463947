// What the core asks of a chat platform. Adapters implement this; the core knows nothing else
// about Slack, Teams or the playground.
import type { Message } from "./messages/model.ts";
import type { Tx } from "./jobs/queue.ts";

/** An adapter's name for its platform, as stored with each workspace. The core compares, never interprets it. */
export type Platform = string;

/**
 * The members with no chat platform: one workspace for all of them, and a page of their own for
 * each (the web adapter). Nothing is pushed to them; their page shows what is open.
 */
export const WEB_PLATFORM: Platform = "web";

/** Which workspace a request came from: a Slack team, a Teams tenant, the playground. */
export interface WorkspaceRef {
  platform: Platform;
  externalId: string;
  name?: string;
}

/**
 * What a platform can show. The core chooses what to offer by it: where a platform has no Home
 * view, `overview` shows the same; where it has forms, help says the agreement form exists.
 * Adapters translate what remains (a reply for the asker alone, a file) as their platform can.
 */
export interface Capabilities {
  /** a reply only the asker sees, in a shared channel */
  ephemeral: boolean;
  /** a form in a dialog (the agreement form) */
  modals: boolean;
  /** files handed over with a message (exports) */
  files: boolean;
  /** a Home view of one's own open items */
  home: boolean;
  /** pictures in a message */
  images: boolean;
}

/** What the core assumes of a platform that says nothing: text and buttons only. */
export const TEXT_ONLY: Capabilities = { ephemeral: false, modals: false, files: false, home: false, images: false };

/** Who is asking, as the adapter authenticated them. */
export interface Actor {
  workspace: WorkspaceRef;
  userId: string;
  displayName?: string;
  /** the platform's locale for this user, e.g. "da-DK", used until they choose a language */
  locale?: string;
  /** the channel the command was typed in, if any: a partnership's home channel selects it */
  channelId?: string;
  /** whether that was a shared channel or a direct message with the bot (a DM is nobody's home channel) */
  conversation?: "channel" | "direct";
  /** the platform's own id of the online meeting whose chat this is (a Teams meeting), if it is one */
  onlineMeetingId?: string;
  /** what the platform the request came from can show (its port's); TEXT_ONLY when left out */
  capabilities?: Capabilities;
}

/** Where a sent message landed, so it can be replaced later (Slack channel + ts, Teams conversation + activity id). */
export interface MessageRef {
  conversationId: string;
  messageId: string;
}

export type Destination =
  | { kind: "user"; userId: string }
  /** `threadOf`: a message there to answer in its thread, where the platform has threads (the minutes under a meeting's agenda) */
  | { kind: "channel"; channelId: string; threadOf?: string }
  /** replace a message sent earlier (a poll card after its round closed) */
  | { kind: "update"; ref: MessageRef };

export interface Delivery {
  workspace: WorkspaceRef;
  to: Destination;
  message: Message;
  /** the outbox's id for this delivery, the same on every try: a port that can, stores it with the message (see findDelivered) */
  deliveryId?: string;
  /**
   * Call as soon as the platform has accepted the message, before any other work: the courier
   * records where it landed in a commit of its own, so a crash after this point does not send it
   * again. It never throws.
   */
  landed?: (ref: MessageRef) => Promise<void>;
}

/** At most `count` messages per `perMs` milliseconds. */
export interface RateLimit {
  count: number;
  perMs: number;
}

/** The platform's published sending limits; the courier paces every delivery under them. */
export interface PlatformLimits {
  /** per conversation (a DM or a channel) */
  perConversation: RateLimit[];
  /** per workspace (Slack team) or tenant (Teams) */
  perWorkspace: RateLimit[];
}

export interface ChatPort {
  readonly platform: Platform;
  readonly limits: PlatformLimits;
  readonly capabilities: Capabilities;
  /**
   * Delivers one message and says where it landed. Throws RateLimitedError when the platform
   * answers 429, PermanentDeliveryError when retrying cannot help (user or channel gone, bot
   * removed); any other error is retried with backoff.
   */
  deliver(delivery: Delivery): Promise<MessageRef | null>;
  /**
   * What a delivery needs from the platform that nobody sees (Slack: opening the DM), done before
   * its slot is booked, so that the send itself follows the slot at once. Throws as deliver does.
   */
  prepare?(delivery: Pick<Delivery, "workspace" | "to">): Promise<void>;
  /**
   * For a delivery an earlier run began sending and never recorded (it crashed): looks in the
   * destination for the message that carries `deliveryId`; where it landed, or null if it is not
   * there (then it is sent). Throws RateLimitedError to be asked again later; any other error
   * means "cannot tell", and the courier sends it anyway, one such delivery at a time. Platforms
   * that cannot look leave this out.
   */
  findDelivered?(delivery: Pick<Delivery, "workspace" | "to">, deliveryId: string): Promise<MessageRef | null>;
  /** Who is in a conversation (platform user ids), or null when the platform will not say. */
  conversationMembers?(workspace: WorkspaceRef, channelId: string): Promise<string[] | null>;
}

/**
 * What an adapter keeps about people in tables of its own (conversation references, who installed
 * the app). Erasing a person asks each store of their workspace's platform to forget them, in the
 * erasure's own transaction, so nothing of them is left behind when it commits.
 */
export interface PlatformStore {
  forgetPerson(tx: Tx, workspaceExternalId: string, userId: string): Promise<void>;
}

/** The platform said "too many requests": wait at least this long before the next try. */
export class RateLimitedError extends Error {
  constructor(
    readonly retryAfterMs: number,
    /**
     * Whose limit was hit: the conversation's, the whole workspace's, or "unsaid" when the
     * platform does not tell (the courier then reads it by what else is limited; see Pacer.limited).
     */
    readonly scope: "conversation" | "workspace" | "unsaid" = "unsaid",
  ) {
    super(`rate limited: retry after ${retryAfterMs} ms`);
    this.name = "RateLimitedError";
  }
}

/** Retrying will not help: the delivery is recorded as failed, with this reason. */
export class PermanentDeliveryError extends Error {
  constructor(
    reason: string,
    /** "elsewhere": the person is a guest from another organisation, and the platform lets the bot write to them only from their own workspace */
    readonly kind: "gone" | "elsewhere" = "gone",
  ) {
    super(reason);
    this.name = "PermanentDeliveryError";
  }
}

/**
 * What the core reports as it works, for metrics and logs: which command or button, and how it
 * ended. Never who asked, never what anyone answered.
 */
export type CoreEvent =
  | { kind: "command"; name: string; outcome: "ok" | "refused" | "malformed" }
  | { kind: "press"; actionId: string; outcome: "ok" | "refused" }
  | { kind: "vote" };
