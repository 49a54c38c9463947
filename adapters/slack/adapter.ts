// The Slack adapter: a Bolt App behind our own receiver on the shared HTTP server. It turns slash
// commands, button presses, the agreement modal and App Home visits into core calls, and renders
// what comes back as Block Kit. It holds no business rule: every decision is the core's.
import type http from "node:http";
import { withLease } from "../../src/store/leases.ts";
import { App, LogLevel, type Authorize, type AuthorizeResult, type ButtonAction } from "@slack/bolt";
import { InstallProvider } from "@slack/oauth";
import { WebClient, ErrorCode } from "@slack/web-api";
import type { AdapterDeps, PlatformAdapter } from "../adapter.ts";
import type { Actor } from "../../src/ports.ts";
import type { Message } from "../../src/messages/model.ts";
import { textMessage, isSaidApart } from "../../src/messages/model.ts";
import { ConfigError } from "../../src/config.ts";
import { isDatabaseBusy } from "../../src/store/retry.ts";
import { langFromLocale, type Lang } from "../../src/i18n/i18n.ts";
import type { Mount } from "../../src/server.ts";
import { SLACK_API_TIMEOUT_MS, type SlackConfig } from "./config.ts";
import { SLACK_BOT_SCOPES } from "./scopes.ts";
import { slackText } from "./words.ts";
import { renderMessage, decodeActionId, fromSlackText, plainText, fieldsFromState } from "./blocks.ts";
import type { AgreementResult } from "../../src/core.ts";
import { SlackChatPort, SLACK_CAPABILITIES, slackLimits, type SlackTokens } from "./port.ts";
import { PrismaInstallationStore, SLACK_PEOPLE } from "./installations.ts";
import { SlackReceiver, InboundSeenTable, SLACK_EVENTS_PATH } from "./receiver.ts";
import { SlackPeople } from "./people.ts";
import { BoltPinoLogger } from "./logger.ts";
import { lineLogger } from "../../src/observability/log.ts";
import { ACTION_MODAL_ID, FORM_MODAL_ID, actionModal, agreementFromSubmission, formErrors, formMeta, formModal, isForm, modalErrors, isActionModalRequest, modalMeta, resultModal } from "./modal.ts";

export const SLACK_INSTALL_PATH = "/slack/install";
export const SLACK_REDIRECT_PATH = "/slack/oauth_redirect";

export interface SlackAdapter extends PlatformAdapter {
  readonly platform: "slack";
  readonly port: SlackChatPort;
  readonly app: App;
  readonly receiver: SlackReceiver;
  /** Resolves when every Slack request taken so far is fully handled (replies sent, cards replaced). */
  settle(): Promise<void>;
}

export interface SlackAdapterOptions {
  log?: (line: string) => void;
  now?: () => number;
}

/** Single-workspace mode: the bot token's own team, learnt from auth.test. */
async function singleWorkspace(token: string, apiUrl: string, log: (l: string) => void) {
  const identity: { teamId?: string; botUserId?: string; botId?: string } = {};
  const learn = async () => {
    const r = await new WebClient(token, { slackApiUrl: apiUrl, retryConfig: { retries: 0 }, timeout: SLACK_API_TIMEOUT_MS, logLevel: LogLevel.ERROR }).auth.test();
    Object.assign(identity, { teamId: r.team_id, botUserId: r.user_id, botId: r.bot_id });
  };
  try {
    await learn();
  } catch (e) {
    const code = (e as { code?: string; data?: { error?: string } }).code === ErrorCode.PlatformError ? (e as { data?: { error?: string } }).data?.error : undefined;
    if (code) throw new ConfigError(`Partnerpuls cannot start: the Slack configuration is not valid.\n  SLACK_BOT_TOKEN: Slack refused it (${code})\nSee manifest/slack/README.md.`);
    // Slack unreachable right now: start anyway, and learn the team on the first request.
    log(`auth.test failed (${e instanceof Error ? e.message : String(e)}); continuing`);
  }
  const tokens: SlackTokens = {
    // One workspace: a delivery to any other team has nowhere to go.
    botToken: async (teamId) => (identity.teamId === undefined || identity.teamId === teamId ? token : null),
  };
  const authorize: Authorize<boolean> = async (source) => {
    if (identity.teamId === undefined) await learn().catch(() => undefined);
    const result: AuthorizeResult = { botToken: token, botUserId: identity.botUserId, botId: identity.botId, teamId: identity.teamId ?? source.teamId };
    return result;
  };
  return { identity, tokens, authorize };
}

export async function createSlackAdapter(deps: AdapterDeps, config: SlackConfig, options: SlackAdapterOptions = {}): Promise<SlackAdapter> {
  const { core, prisma, shared = true } = deps;
  const log = options.log ?? lineLogger("slack");
  const now = options.now ?? Date.now;
  const people = new SlackPeople(now);
  const mounts: Mount[] = [];

  let tokens: SlackTokens;
  let authorize: Authorize<boolean>;
  let teamForHealth: () => string | undefined = () => undefined;
  let installations: PrismaInstallationStore | null = null;
  if (config.mode.kind === "single") {
    const single = await singleWorkspace(config.mode.botToken, config.apiUrl, log);
    tokens = single.tokens;
    authorize = single.authorize;
    teamForHealth = () => single.identity.teamId;
  } else {
    const store = new PrismaInstallationStore(prisma, now, (teamId) => core.workspaceRestored({ platform: "slack", externalId: teamId }));
    installations = store;
    const installer = new InstallProvider({
      clientId: config.mode.clientId,
      clientSecret: config.mode.clientSecret,
      stateSecret: config.mode.stateSecret,
      installationStore: store,
      clientOptions: { slackApiUrl: config.apiUrl, timeout: SLACK_API_TIMEOUT_MS },
      logger: new BoltPinoLogger(undefined, "slack-oauth"),
      logLevel: LogLevel.WARN,
    });
    const installUrl = { scopes: [...SLACK_BOT_SCOPES], ...(config.mode.redirectUri ? { redirectUri: config.mode.redirectUri } : {}) };
    tokens = store;
    authorize = (source) => installer.authorize(source);
    mounts.push(async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
      if (req.method !== "GET") return false;
      if (url.pathname === SLACK_INSTALL_PATH) await installer.handleInstallPath(req, res, undefined, installUrl);
      else if (url.pathname === SLACK_REDIRECT_PATH) await installer.handleCallback(req, res);
      else return false;
      return true;
    });
  }

  const port = new SlackChatPort({ tokens, apiUrl: config.apiUrl, lang: config.defaultLanguage, limits: slackLimits(config.messagesPerMinute), log });
  // Requests taken are remembered in the database, so a replay or retry reaching another instance is not done twice.
  const seen = new InboundSeenTable(prisma, { now, log });
  const receiver = new SlackReceiver({ signingSecret: config.signingSecret, appToken: config.appToken, apiUrl: config.apiUrl, seen, now, log });
  mounts.unshift(receiver.mount);
  const app = new App({
    receiver,
    authorize,
    // Interactive calls (replacing a card, publishing Home) may wait out a short 429; deliveries
    // go through the port's own clients, which never do. No call hangs for longer than the timeout.
    clientOptions: { slackApiUrl: config.apiUrl, retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 5_000 }, timeout: SLACK_API_TIMEOUT_MS },
    logger: new BoltPinoLogger(),
    logLevel: LogLevel.WARN,
    convoStore: false,
  });
  app.error(async (e) => {
    throw e; // the receiver logs it once, with the request it belongs to
  });

  const langOf = (actor: Actor): Lang => langFromLocale(actor.locale) ?? config.defaultLanguage;
  const actorFor = async (client: WebClient, teamId: string, teamDomain: string | undefined, userId: string, userName?: string, channelId?: string): Promise<Actor> => {
    const profile = await people.get(client, teamId, userId);
    const displayName = profile.displayName ?? userName;
    return {
      workspace: { platform: "slack", externalId: teamId, ...(teamDomain ? { name: teamDomain } : {}) },
      userId,
      capabilities: SLACK_CAPABILITIES,
      ...(displayName ? { displayName } : {}),
      ...(profile.locale ? { locale: profile.locale } : {}),
      // Slack's DM conversation ids begin with D: a command typed there is not typed in a channel.
      ...(channelId ? { channelId, conversation: channelId.startsWith("D") ? ("direct" as const) : ("channel" as const) } : {}),
    };
  };
  /** A reply the core could not give (it threw): said in the person's language, logged for us. */
  const failed = (actor: Actor, what: string, e: unknown): Message => {
    log(`${what} failed for ${actor.workspace.externalId}/${actor.userId}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    // The database too busy even after retries: nothing was kept, and saying so is the truth.
    return textMessage(slackText(langOf(actor), isDatabaseBusy(e) ? "busy" : "error"));
  };

  /**
   * An ephemeral reply cannot carry a file: files go to the person's direct messages and the reply
   * says so; if that fails, a small file is shown inline and a large one explained.
   */
  const ephemeral = async (client: WebClient, actor: Actor, reply: Message) => {
    const lang = langOf(actor);
    let files: "dm" | "inline" = "inline";
    const attached = reply.blocks.filter((b) => b.type === "file");
    if (attached.length > 0) {
      try {
        const channel = await port.dmChannel(client, actor.workspace.externalId, actor.userId);
        if (await port.upload(client, channel, attached)) files = "dm";
      } catch (e) {
        log(`could not open a DM with ${actor.userId} for a file: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return renderMessage(reply, { lang, surface: "message", files });
  };

  const publishHome = async (client: WebClient, actor: Actor) => {
    const home = await core.home(actor);
    const { blocks } = renderMessage(home, { lang: langOf(actor), surface: "home", files: "inline" });
    await client.views.publish({ user_id: actor.userId, view: { type: "home", blocks } });
  };

  // ---- slash command ---------------------------------------------------------------------------
  app.command(config.command, async ({ command, ack, respond, client }) => {
    await ack(); // within Slack's 3 seconds, before any database work; the answer follows via response_url
    const actor = await actorFor(client, command.team_id, command.team_domain, command.user_id, command.user_name, command.channel_id);
    const text = fromSlackText(command.text).trim();
    if (isActionModalRequest(text)) {
      await client.views.open({ trigger_id: command.trigger_id, view: actionModal({ lang: await core.languageOf(actor), channelId: command.channel_id }) });
      return;
    }
    let reply: Message;
    try {
      reply = await core.command(actor, text || "help");
    } catch (e) {
      reply = failed(actor, `command "${text.slice(0, 40)}"`, e);
    }
    const r = await ephemeral(client, actor, reply);
    await respond({ response_type: "ephemeral", replace_original: false, text: r.text, blocks: r.blocks });
  });

  // ---- buttons -----------------------------------------------------------------------------------
  // The same press delivered twice is stopped in the receiver (InboundSeen), on whichever instance.
  /**
   * One press at a time per message, so the card shows the last press, not the slowest: in turn
   * within this process, and under a lease in the database across instances (a database only one
   * process opens, embedded PGlite, needs none: two queries a press saved).
   */
  const queues = new Map<string, Promise<void>>();
  const serially = (key: string, work: () => Promise<void>): Promise<void> => {
    const next = (queues.get(key) ?? Promise.resolve()).then(() => (shared ? withLease(prisma, `slack:message:${key}`, work) : work()));
    const tail = next.catch(() => undefined);
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return next;
  };

  app.action(/^[a-z]+\.[a-z-]+(?::\d+)?$/, async ({ ack, body, action: pressedAction, client, respond, context }) => {
    await ack();
    if (body.type !== "block_actions" || pressedAction.type !== "button") return;
    const action = pressedAction as ButtonAction;
    const b = body as typeof body & {
      container?: { type?: string; message_ts?: string; channel_id?: string; is_ephemeral?: boolean; view_id?: string };
      team?: { id: string; domain?: string } | null;
    };
    const teamId = b.team?.id ?? b.user.team_id ?? "";
    const container = b.container ?? {};
    const where = container.type === "view" ? `view:${b.user.id}` : `${container.channel_id}:${container.message_ts}`;
    await serially(`${teamId}:${where}`, async () => {
      const actor = await actorFor(client, teamId, b.team?.domain, b.user.id, b.user.username ?? b.user.name);
      let result: Message;
      try {
        const card = container.channel_id && container.message_ts ? { conversationId: container.channel_id, messageId: container.message_ts } : undefined;
        // Text typed into the card's fields comes with the press.
        const fields = fieldsFromState((body as { state?: { values?: Parameters<typeof fieldsFromState>[0] } }).state?.values);
        result = await core.action(actor, decodeActionId(action.action_id), action.value ?? "", card, fields);
      } catch (e) {
        result = failed(actor, `button ${action.action_id}`, e);
      }
      if (container.type === "view") {
        // A Home tab button: what it opens arrives as a direct message; Home shows the new state.
        const r = renderMessage(result, { lang: langOf(actor), files: "upload" });
        const channel = await port.dmChannel(client, teamId, actor.userId);
        await client.chat.postMessage({ channel, text: r.text, blocks: r.blocks });
        await port.upload(client, channel, r.files);
        await publishHome(client, actor);
        return;
      }
      const triggerId = (body as { trigger_id?: string }).trigger_id;
      if (isForm(result) && triggerId) {
        // A form opens as a modal over whatever was pressed, which stays as it was.
        await client.views.open({ trigger_id: triggerId, view: formModal(result, langOf(actor), container.channel_id) });
        return;
      }
      if (container.is_ephemeral || isSaidApart(result)) {
        // An ephemeral message can only be replaced through response_url; an error is said apart,
        // so the card it came from stays as it was.
        const r = await ephemeral(client, actor, result);
        await respond({ response_type: "ephemeral", replace_original: Boolean(container.is_ephemeral) && !isSaidApart(result), text: r.text, blocks: r.blocks });
        return;
      }
      const channel = container.channel_id ?? b.channel?.id;
      const ts = container.message_ts ?? b.message?.ts;
      if (!channel || !ts) return;
      const r = renderMessage(result, { lang: langOf(actor), files: "upload" });
      try {
        // Without waiting out a 429: chat.update is Tier 3 (50+ a minute per workspace), and a
        // partner clicking through a section should not wait for other partners' clicks.
        await port.client(context.botToken ?? "").chat.update({ channel, ts, text: r.text, blocks: r.blocks });
      } catch (e) {
        if ((e as { code?: string }).code !== ErrorCode.RateLimitedError) throw e;
        // The press's own response_url replaces the message as well, outside the Web API's tiers.
        await respond({ replace_original: true, text: r.text, blocks: r.blocks });
      }
      await port.upload(client, channel, r.files);
    });
  });

  // ---- the agreement modal ---------------------------------------------------------------------
  app.view(ACTION_MODAL_ID, async ({ ack, body, view, client }) => {
    const meta = modalMeta(view.private_metadata, config.defaultLanguage);
    const teamId = body.team?.id ?? body.user.team_id ?? "";
    const actor = await actorFor(client, teamId, body.team?.domain, body.user.id, body.user.name, meta.channelId);
    let result: AgreementResult;
    try {
      result = await core.agreement(actor, agreementFromSubmission(view.state.values));
    } catch (e) {
      const r = failed(actor, "the agreement modal", e);
      result = { ok: false, errors: { text: plainText(r, 300) }, lang: meta.lang };
    }
    if (!result.ok) {
      await ack({ response_action: "errors", errors: modalErrors(result.errors) });
      return;
    }
    await ack({ response_action: "update", view: resultModal(meta.lang, result.reply) });
  });

  // ---- a form of the core's, sent from its modal ------------------------------------------------
  app.view(FORM_MODAL_ID, async ({ ack, body, view, client }) => {
    const meta = formMeta(view.private_metadata);
    if (!meta) {
      await ack();
      return;
    }
    const teamId = body.team?.id ?? body.user.team_id ?? "";
    const actor = await actorFor(client, teamId, body.team?.domain, body.user.id, body.user.name, meta.c);
    let result: Message;
    try {
      result = await core.action(actor, meta.a, meta.v, undefined, fieldsFromState(view.state.values as Parameters<typeof fieldsFromState>[0]));
    } catch (e) {
      result = { ...failed(actor, `the form ${meta.a}`, e), error: true };
    }
    if (result.error) {
      await ack({ response_action: "errors", errors: formErrors(result, view.blocks as Parameters<typeof formErrors>[1]) });
      return;
    }
    await ack({ response_action: "update", view: resultModal(meta.l, result) });
  });

  // ---- App Home --------------------------------------------------------------------------------
  app.event("app_home_opened", async ({ event, body, client }) => {
    if (event.tab !== "home") return;
    const actor = await actorFor(client, body.team_id, undefined, event.user);
    await publishHome(client, actor);
  });

  // ---- Leaving a workspace -------------------------------------------------------------------
  // Uninstalled, or the bot's token revoked: its installation goes, nothing more is sent there,
  // and coordinators in other workspaces are told. Installing again brings it back (on its first request).
  const leave = async (teamId: string | undefined, enterpriseId: string | undefined) => {
    if (!teamId) return;
    await installations?.deleteInstallation({ teamId, enterpriseId, isEnterpriseInstall: false });
    await core.workspaceRemoved({ platform: "slack", externalId: teamId });
  };
  app.event("app_uninstalled", async ({ body }) => leave(body.team_id, body.enterprise_id));
  app.event("tokens_revoked", async ({ event, body }) => {
    if (event.tokens.bot?.length) await leave(body.team_id, body.enterprise_id);
  });

  core.addPlatformStore("slack", SLACK_PEOPLE);

  return {
    platform: "slack",
    mounts,
    routes: [SLACK_EVENTS_PATH, SLACK_INSTALL_PATH, SLACK_REDIRECT_PATH],
    port,
    app,
    receiver,
    settle: () => receiver.settle(),
    async start() {
      await receiver.start();
    },
    async stop() {
      await receiver.stop();
      await receiver.settle();
    },
    health() {
      return {
        slack: {
          mode: config.mode.kind,
          socketMode: receiver.socketMode,
          ...(teamForHealth() ? { team: teamForHealth() } : {}),
          requests: { ...receiver.stats },
        },
      };
    },
  };
}
