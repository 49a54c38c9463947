// The Slack side of the outbox: one delivery at a time (a poll to a person, a digest to a channel,
// a card replaced). Pacing and retries belong to the courier, so the Web API client here never
// waits or retries on its own: a 429 becomes RateLimitedError at once, and errors retrying cannot
// mend become PermanentDeliveryError. Every post carries its delivery's id as message metadata, so
// after a crash the courier can ask whether a delivery landed (findDelivered) instead of posting it
// a second time.
import { WebClient, ErrorCode, LogLevel, type WebAPICallError } from "@slack/web-api";
import type { Capabilities } from "../../src/ports.ts";
import type { ChatPort, Delivery, MessageRef, PlatformLimits, WorkspaceRef } from "../../src/ports.ts";
import { RateLimitedError, PermanentDeliveryError } from "../../src/ports.ts";
import type { Lang } from "../../src/i18n/i18n.ts";
import { renderMessage, type FileBlock, type ImageBlock } from "./blocks.ts";
import { pngOf } from "../../src/charts/render.ts";
import { SLACK_API_TIMEOUT_MS } from "./config.ts";

/**
 * Slack's published limits (docs.slack.dev/apis/web-api/rate-limits): chat.postMessage allows about
 * one message per second per conversation (short bursts tolerated) inside a workspace-wide limit;
 * conversations.open (the first DM to a person) and chat.update (replacing a card) are Tier 3,
 * "50+ per minute, sporadic bursts welcome". A delivery may need any of the three, so the default
 * workspace budget is the Tier 3 floor: 50 per minute, at most 10 of them in any one second.
 * A round for 1,000 partners then takes about 20 minutes, well inside any answer window, and Slack
 * has no reason to throttle it; a 429 anyway (Slack's limits move) is the courier's to wait out.
 * SLACK_MESSAGES_PER_MINUTE raises the budget where Slack allows more (e.g. Marketplace apps).
 */
export function slackLimits(perMinute = 50): PlatformLimits {
  return {
    perConversation: [{ count: 1, perMs: 1_000 }],
    perWorkspace: [
      // Bursts of up to 10 in a second; a budget above 600 a minute is spread evenly instead, one
      // send every so many ms: a burst of it would take longer to get out than its window, and run
      // into the next one's at Slack.
      perMinute > 600 ? { count: 1, perMs: Math.floor(60_000 / perMinute) } : { count: Math.min(10, Math.ceil(perMinute / 5)), perMs: 1_000 },
      { count: perMinute, perMs: 60_000 },
    ],
  };
}

export const SLACK_LIMITS_DEFAULT: PlatformLimits = slackLimits();

/** Errors after which the same call will fail the same way: the person, channel or app is gone. */
export const PERMANENT_SLACK_ERRORS = new Set([
  "channel_not_found",
  "user_not_found",
  "users_not_found",
  "user_not_visible",
  "user_disabled",
  "is_archived",
  "not_in_channel",
  "account_inactive",
  "invalid_auth",
  "not_authed",
  "token_revoked",
  "token_expired",
  "no_permission",
  "missing_scope",
  "restricted_action",
  "restricted_action_read_only_channel",
  "restricted_action_thread_only_channel",
  "restricted_action_non_threadable_channel",
  "cannot_dm_bot",
  "team_access_not_granted",
  "ekm_access_denied",
  "org_login_required",
  "not_allowed_token_type",
  "message_not_found",
  "cant_update_message",
  "edit_window_closed",
  "msg_too_long",
  "invalid_blocks",
  "invalid_blocks_format",
  "no_text",
  "too_many_attachments",
  "invalid_arguments",
  "method_deprecated",
]);

/** Translates a Web API failure into what the courier understands; anything else is retried. */
export function deliveryError(e: unknown): unknown {
  const err = e as Partial<WebAPICallError> & { code?: string };
  if (err?.code === ErrorCode.RateLimitedError) {
    const retryAfter = (e as { retryAfter?: number }).retryAfter;
    // chat.postMessage's limit is about one a second per conversation inside a workspace-wide one,
    // conversations.open's is the workspace's, and Slack does not say which was hit: the courier
    // tells them apart by what else is limited (Pacer.limited).
    return new RateLimitedError(Math.max(1, retryAfter ?? 1) * 1000, "unsaid");
  }
  if (err?.code === ErrorCode.PlatformError) {
    const code = (e as { data?: { error?: string } }).data?.error ?? "unknown_error";
    // A person of another organisation in a shared channel: Slack lets the bot write to them directly only from their own workspace.
    if (code === "invalid_user_combination") return new PermanentDeliveryError(`slack: ${code}`, "elsewhere");
    if (PERMANENT_SLACK_ERRORS.has(code)) return new PermanentDeliveryError(`slack: ${code}`);
    return new Error(`slack: ${code}`);
  }
  return e;
}

/** The metadata event type every post carries: `{ delivery: <the outbox's delivery id> }`. */
export const DELIVERY_EVENT = "partnerpuls_delivery";

/**
 * How far back findDelivered looks: the message it looks for was posted moments before a crash,
 * and 15 is the most conversations.history returns to apps outside the Marketplace.
 */
export const HISTORY_LOOKBACK = 15;

export interface SlackTokens {
  /** The bot token for a Slack team, or null when the app is not installed there. */
  botToken(teamId: string): Promise<string | null>;
}

export interface SlackChatPortOptions {
  tokens: SlackTokens;
  apiUrl: string;
  /** the language of the port's own words (the note beside an uploaded file) */
  lang: Lang;
  limits?: PlatformLimits;
  log?: (line: string) => void;
}

/**
 * A WebClient that neither retries nor waits out a 429 (the courier decides), and gives up on a
 * call well inside the delivery's lease, so a hung call cannot outlive the claim it was made under.
 */
export function courierClient(token: string, apiUrl: string): WebClient {
  return new WebClient(token, { slackApiUrl: apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, timeout: SLACK_API_TIMEOUT_MS, logLevel: LogLevel.ERROR });
}

/** Ephemeral replies, modals, file uploads and the App Home; no pictures yet (an image block needs a public URL). */
export const SLACK_CAPABILITIES: Capabilities = { ephemeral: true, modals: true, files: true, home: true, images: false };

export class SlackChatPort implements ChatPort {
  readonly platform = "slack" as const;
  readonly limits: PlatformLimits;
  readonly capabilities: Capabilities = SLACK_CAPABILITIES;
  private readonly clients = new Map<string, WebClient>();
  /** DM channel per team:user — conversations.open is Tier 3, and the answer never changes */
  private readonly dms = new Map<string, string>();
  private readonly log: (line: string) => void;

  constructor(private readonly options: SlackChatPortOptions) {
    this.limits = options.limits ?? SLACK_LIMITS_DEFAULT;
    this.log = options.log ?? ((l) => console.warn(`partnerpuls slack: ${l}`));
  }

  client(token: string): WebClient {
    let c = this.clients.get(token);
    if (!c) {
      c = courierClient(token, this.options.apiUrl);
      this.clients.set(token, c);
    }
    return c;
  }

  /** The Web API client of a team the app is installed in; PermanentDeliveryError if it is not. */
  private async installedClient(teamId: string): Promise<WebClient> {
    const token = await this.options.tokens.botToken(teamId);
    if (!token) throw new PermanentDeliveryError(`slack: the app is not installed in team ${teamId}`);
    return this.client(token);
  }

  async deliver(d: Delivery): Promise<MessageRef | null> {
    if (d.workspace.platform !== "slack") throw new PermanentDeliveryError(`the Slack adapter cannot deliver to a ${d.workspace.platform} workspace`);
    const client = await this.installedClient(d.workspace.externalId);
    const rendered = renderMessage(d.message, { lang: this.options.lang, surface: "message", files: "upload" });
    try {
      if (d.to.kind === "update") {
        // Files were uploaded with the first version; a replacement only re-renders the card.
        await client.chat.update({ channel: d.to.ref.conversationId, ts: d.to.ref.messageId, text: rendered.text, blocks: rendered.blocks });
        return d.to.ref;
      }
      const channel = d.to.kind === "user" ? await this.dmChannel(client, d.workspace.externalId, d.to.userId) : d.to.channelId;
      const metadata = d.deliveryId ? { event_type: DELIVERY_EVENT, event_payload: { delivery: d.deliveryId } } : undefined;
      // An answer in a thread is also shown in the channel (reply_broadcast): the minutes under their agenda, seen by all.
      const thread = d.to.kind === "channel" && d.to.threadOf ? { thread_ts: d.to.threadOf, reply_broadcast: true } : {};
      const posted = await client.chat.postMessage({ channel, text: rendered.text, blocks: rendered.blocks, unfurl_links: false, unfurl_media: false, ...thread, ...(metadata ? { metadata } : {}) });
      const ref = { conversationId: posted.channel ?? channel, messageId: posted.ts! };
      // Where it landed is recorded before uploads, so that one failing cannot post it again. With
      // nothing to upload the courier finishes it next, and a crash before that finds it again by
      // its metadata (findDelivered): a commit fewer for each of a round's polls.
      if (rendered.files.length > 0 || rendered.images.length > 0) await d.landed?.(ref);
      await this.upload(client, ref.conversationId, rendered.files);
      await this.uploadImages(client, ref.conversationId, rendered.images);
      return ref;
    } catch (e) {
      throw deliveryError(e);
    }
  }

  /** Opens (or recalls) the DM a delivery to a person goes to, before the courier books its slot. */
  async prepare(d: Pick<Delivery, "workspace" | "to">): Promise<void> {
    if (d.workspace.platform !== "slack" || d.to.kind !== "user") return;
    const client = await this.installedClient(d.workspace.externalId);
    try {
      await this.dmChannel(client, d.workspace.externalId, d.to.userId);
    } catch (e) {
      throw deliveryError(e);
    }
  }

  /**
   * The message carrying `deliveryId` among the conversation's latest, or null. Needs the
   * history scopes (im:history for DMs, channels:history / groups:history for a home channel); an
   * installation from before they were asked for answers missing_scope, and the courier then
   * sends without knowing.
   */
  async findDelivered(d: Pick<Delivery, "workspace" | "to">, deliveryId: string): Promise<MessageRef | null> {
    if (d.workspace.platform !== "slack") throw new PermanentDeliveryError(`the Slack adapter cannot look in a ${d.workspace.platform} workspace`);
    if (d.to.kind === "update") return d.to.ref;
    const client = await this.installedClient(d.workspace.externalId);
    try {
      const channel = d.to.kind === "user" ? await this.dmChannel(client, d.workspace.externalId, d.to.userId) : d.to.channelId;
      const history = await client.conversations.history({ channel, limit: HISTORY_LOOKBACK, include_all_metadata: true });
      const hit = (history.messages ?? []).find((m) => m.metadata?.event_type === DELIVERY_EVENT && (m.metadata.event_payload as Record<string, unknown> | undefined)?.delivery === deliveryId);
      return hit?.ts ? { conversationId: channel, messageId: hit.ts } : null;
    } catch (e) {
      throw deliveryError(e);
    }
  }

  /** Who is in a channel (for a meeting's agenda: a DM only to those who are not); null when Slack will not say. */
  async conversationMembers(workspace: WorkspaceRef, channelId: string): Promise<string[] | null> {
    const token = await this.options.tokens.botToken(workspace.externalId);
    if (!token) return null;
    const members: string[] = [];
    try {
      let cursor: string | undefined;
      do {
        const page = await this.client(token).conversations.members({ channel: channelId, limit: 500, ...(cursor ? { cursor } : {}) });
        members.push(...(page.members ?? []));
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor && members.length < 10_000);
    } catch {
      return null; // not in the channel, or an installation without channels:read
    }
    return members;
  }

  /** The bot's direct-message channel with a person (opened once, then remembered). */
  async dmChannel(client: WebClient, teamId: string, userId: string): Promise<string> {
    const key = `${teamId}:${userId}`;
    const known = this.dms.get(key);
    if (known) return known;
    const opened = await client.conversations.open({ users: userId });
    const id = opened.channel?.id;
    if (!id) throw new Error("slack: conversations.open returned no channel");
    if (this.dms.size > 50_000) this.dms.clear();
    this.dms.set(key, id);
    return id;
  }

  /**
   * Uploads files beside a message already posted. A failure here is logged, not thrown: the
   * message has landed, and a retry of the delivery would post it twice.
   */
  async upload(client: WebClient, channelId: string, files: FileBlock[]): Promise<boolean> {
    let ok = true;
    for (const f of files) {
      try {
        await client.filesUploadV2({ channel_id: channelId, filename: f.filename, title: f.filename, content: f.content, snippet_type: f.mimeType === "text/csv" ? "csv" : undefined });
      } catch (e) {
        ok = false;
        this.log(`could not upload ${f.filename} to ${channelId}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return ok;
  }

  /**
   * A message's charts as PNGs, in one upload (Slack shows them together, under the message).
   * Like files, a failure is logged: the message itself says everything in words.
   */
  async uploadImages(client: WebClient, channelId: string, images: ImageBlock[]): Promise<boolean> {
    if (images.length === 0) return true;
    try {
      await client.filesUploadV2({
        channel_id: channelId,
        file_uploads: images.map((img) => ({ file: pngOf(img.svg), filename: `${img.name}.png`, title: img.title, alt_text: img.alt })),
      });
      return true;
    } catch (e) {
      this.log(`could not upload ${images.length} chart(s) to ${channelId}: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }
}
