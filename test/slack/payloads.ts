// Requests exactly as Slack sends them to /slack/events: slash command forms, interactivity
// payloads (`payload=` JSON in a form), Events API JSON; signed with the app's signing secret.
import { randomBytes } from "node:crypto";
import { signSlackRequest } from "../../adapters/slack/receiver.ts";

export const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

export interface Signed {
  body: string;
  contentType: string;
  headers?: Record<string, string>;
  /** seconds since the epoch to sign with (default: now) */
  timestamp?: number;
  secret?: string;
}

/** POSTs a request to /slack/events, signed unless `headers` says otherwise. */
export async function postSigned(base: string, req: Signed): Promise<Response> {
  const ts = req.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    "content-type": req.contentType,
    "x-slack-request-timestamp": String(ts),
    "x-slack-signature": signSlackRequest(req.secret ?? SIGNING_SECRET, ts, req.body),
    ...req.headers,
  };
  for (const [k, v] of Object.entries(headers)) if (v === "") delete headers[k];
  return fetch(`${base}/slack/events`, { method: "POST", headers, body: req.body });
}

const FORM = "application/x-www-form-urlencoded";

export interface Who {
  teamId: string;
  teamDomain: string;
  userId: string;
  userName?: string;
}

/** A slash command, with every field Slack sends, in Slack's order. */
export function slashCommand(who: Who, o: { text: string; command?: string; channelId?: string; channelName?: string; responseUrl: string; triggerId?: string }): Signed {
  const form = new URLSearchParams({
    token: "gIkuvaNzQIHg97ATvDxqgjtO",
    team_id: who.teamId,
    team_domain: who.teamDomain,
    channel_id: o.channelId ?? `D${who.userId}`,
    channel_name: o.channelName ?? "directmessage",
    user_id: who.userId,
    user_name: who.userName ?? who.userId.toLowerCase(),
    command: o.command ?? "/puls",
    text: o.text,
    api_app_id: "A0PULS",
    is_enterprise_install: "false",
    response_url: o.responseUrl,
    trigger_id: o.triggerId ?? `${Date.now()}.${randomBytes(4).toString("hex")}`,
  });
  return { body: form.toString(), contentType: FORM };
}

export interface PressedButton {
  action_id: string;
  block_id: string;
  value: string;
  text: string;
}

/** A block_actions payload for a button in a message (or, with `view`, in the Home tab). */
export function blockActions(
  who: Who,
  o: {
    button: PressedButton;
    responseUrl: string;
    message?: { channel: string; ts: string; text: string; blocks: unknown[]; ephemeral?: boolean };
    homeViewId?: string;
    /** Slack's action_ts; unique per press unless given */
    actionTs?: string;
    /** what the message's inputs hold: block_id → action_id → { type, value } */
    state?: Record<string, Record<string, Record<string, unknown>>>;
    /** the press's trigger_id (a modal it opens is opened with it); unique unless given */
    triggerId?: string;
  },
): Signed {
  const actionTs = o.actionTs ?? `${(Date.now() / 1000).toFixed(6)}${randomBytes(2).readUInt16BE(0) % 1000}`;
  const base = {
    type: "block_actions",
    user: { id: who.userId, username: who.userName ?? who.userId.toLowerCase(), name: who.userName ?? who.userId.toLowerCase(), team_id: who.teamId },
    api_app_id: "A0PULS",
    token: "gIkuvaNzQIHg97ATvDxqgjtO",
    trigger_id: o.triggerId ?? `${Date.now()}.${randomBytes(4).toString("hex")}`,
    team: { id: who.teamId, domain: who.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    response_url: o.responseUrl,
    actions: [{ action_id: o.button.action_id, block_id: o.button.block_id, text: { type: "plain_text", text: o.button.text, emoji: true }, value: o.button.value, type: "button", action_ts: actionTs }],
  };
  const payload = o.message
    ? {
        ...base,
        container: { type: "message", message_ts: o.message.ts, channel_id: o.message.channel, is_ephemeral: Boolean(o.message.ephemeral) },
        channel: { id: o.message.channel, name: o.message.channel.startsWith("D") ? "directmessage" : "styregruppe" },
        ...(o.message.ephemeral ? {} : { message: { type: "message", user: "U0BOT", ts: o.message.ts, bot_id: "B0BOT", text: o.message.text, blocks: o.message.blocks } }),
        state: { values: o.state ?? {} },
      }
    : {
        ...base,
        container: { type: "view", view_id: o.homeViewId ?? "V0HOME" },
        view: { id: o.homeViewId ?? "V0HOME", type: "home", blocks: [], state: { values: {} }, team_id: who.teamId, private_metadata: "", callback_id: "" },
      };
  return { body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), contentType: FORM };
}

/** A view_submission of a modal (the agreement modal, a form of the core's), with the blocks it was opened with. */
export function viewSubmission(
  who: Who,
  o: { callbackId: string; privateMetadata: string; values: Record<string, Record<string, Record<string, unknown>>>; blocks?: unknown[] },
): Signed {
  const payload = {
    type: "view_submission",
    team: { id: who.teamId, domain: who.teamDomain },
    user: { id: who.userId, username: who.userName ?? who.userId.toLowerCase(), name: who.userName ?? who.userId.toLowerCase(), team_id: who.teamId },
    api_app_id: "A0PULS",
    token: "gIkuvaNzQIHg97ATvDxqgjtO",
    trigger_id: `${Date.now()}.${randomBytes(4).toString("hex")}`,
    view: {
      id: "V0MODAL",
      team_id: who.teamId,
      type: "modal",
      callback_id: o.callbackId,
      private_metadata: o.privateMetadata,
      state: { values: o.values },
      hash: "156772938.1827394",
      title: { type: "plain_text", text: "Record an agreement" },
      blocks: o.blocks ?? [],
      root_view_id: "V0MODAL",
      previous_view_id: null,
      clear_on_close: false,
      notify_on_close: false,
      app_id: "A0PULS",
      bot_id: "B0BOT",
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  return { body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), contentType: FORM };
}

/** An Events API event_callback for app_home_opened. */
export function appHomeOpened(who: Who, o: { eventId?: string; tab?: "home" | "messages" } = {}): Signed & { eventId: string } {
  const eventId = o.eventId ?? `Ev${randomBytes(5).toString("hex").toUpperCase()}`;
  const body = {
    token: "gIkuvaNzQIHg97ATvDxqgjtO",
    team_id: who.teamId,
    api_app_id: "A0PULS",
    event: { type: "app_home_opened", user: who.userId, channel: `D${who.userId}`, tab: o.tab ?? "home", event_ts: `${(Date.now() / 1000).toFixed(6)}` },
    type: "event_callback",
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: who.teamId, user_id: "U0BOT", is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
  return { body: JSON.stringify(body), contentType: "application/json", eventId };
}
