// The Teams adapter: POST /api/messages on the shared HTTP server (Bot Framework activities in),
// a ChatPort for the courier (messages out), conversation references in the database so any
// instance can reach anyone later. See manifest/teams/README.md for registering the bot.
import type { AdapterDeps, PlatformAdapter } from "../adapter.ts";
import { readBody, sendJson, HttpError, type Mount } from "../../src/server.ts";
import type { TeamsConfig } from "./config.ts";
import { BotAdapter, createAuthentication, outboundAudience, type Activity } from "./bot.ts";
import { TEAMS_PEOPLE, ConversationStore } from "./store.ts";
import { Sender } from "./send.ts";
import { TeamsPort } from "./port.ts";
import { Inbound } from "./inbound.ts";
import type { FileLinks } from "./cards.ts";
import { offerFiles } from "../../src/downloads.ts";
import { lineLogger, logger } from "../../src/observability/log.ts";
import { noteWorkspace } from "../../src/observability/context.ts";

export { teamsConfigFrom, type TeamsConfig } from "./config.ts";
export { TEAMS_LIMITS } from "./port.ts";

export const MESSAGES_PATH = "/api/messages";

export interface TeamsAdapter extends PlatformAdapter {
  readonly platform: "teams";
  readonly port: TeamsPort;
}

function isLoopback(serviceUrl: unknown): boolean {
  if (typeof serviceUrl !== "string") return false;
  try {
    return ["localhost", "127.0.0.1", "[::1]"].includes(new URL(serviceUrl).hostname);
  } catch {
    return false;
  }
}

export async function createTeamsAdapter(deps: AdapterDeps, config: TeamsConfig, options: { log?: (line: string) => void } = {}): Promise<TeamsAdapter> {
  const log = options.log ?? lineLogger("teams");
  if (!config.appId && !config.local)
    throw new Error("Teams needs MicrosoftAppId; without it no request could be authenticated. Set TEAMS_LOCAL=1 to run without authentication on this machine only.");
  if (config.local) log("TEAMS_LOCAL=1: authentication is OFF; only activities whose serviceUrl is on this machine are accepted.");
  const adapter = new BotAdapter(createAuthentication(config), outboundAudience(config));
  // botbuilder's own handler would console.error the whole error; ours logs it and lets it reach
  // the server, which answers 500 as before.
  adapter.onTurnError = async (context, error) => {
    logger().error({ component: "teams", err: error, activityType: context.activity?.type }, "turn failed in botbuilder");
    throw error;
  };
  const store = new ConversationStore(deps.prisma);
  const sender = new Sender(adapter, config.appId ?? "");
  const publicUrl = config.publicUrl ?? null;
  // Teams takes no file from a bot without the person's OneDrive consent: files go as links to
  // GET /downloads/<id> (src/downloads.ts) where a public address is configured.
  const files: FileLinks | undefined = publicUrl
    ? async (tenantId, userId, message) => {
        try {
          return await offerFiles(deps.prisma, message, { publicUrl, workspace: { platform: "teams", externalId: tenantId }, userId });
        } catch (e) {
          // The message still goes, saying the link could not be made, rather than not at all.
          log(`could not store a file for download: ${e instanceof Error ? e.message : String(e)}`);
          return new Map(message.blocks.flatMap((b, i) => (b.type === "file" ? [[i, null] as const] : [])));
        }
      }
    : undefined;
  const port = new TeamsPort(store, sender, files);
  deps.core.addPlatformStore("teams", TEAMS_PEOPLE);
  const inbound = new Inbound({ core: deps.core, store, sender, adapter, log, files });
  let received = 0;
  let rejected = 0;

  const mount: Mount = async (req, res, url) => {
    if (url.pathname !== MESSAGES_PATH) return false;
    if (req.method !== "POST") throw new HttpError(405, "POST an activity here");
    let activity: Activity;
    try {
      activity = JSON.parse((await readBody(req, 1_000_000)).toString("utf8")) as Activity;
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(400, "body must be JSON");
    }
    if (!activity || typeof activity !== "object" || typeof activity.type !== "string" || typeof activity.serviceUrl !== "string")
      throw new HttpError(400, "not a Bot Framework activity");
    // Without authentication the serviceUrl is whatever the request says: do not call out of this machine.
    if (config.local && !isLoopback(activity.serviceUrl)) throw new HttpError(400, "TEAMS_LOCAL=1 accepts only a serviceUrl on this machine");
    let authenticated;
    try {
      authenticated = await adapter.authenticate(activity, String(req.headers.authorization ?? ""));
    } catch (e) {
      // Nothing of the request is looked at further: no rows, no calls out.
      rejected++;
      log(`rejected a request without a valid token: ${e instanceof Error ? e.message : String(e)}`);
      sendJson(res, 401, { error: "unauthorized" });
      return true;
    }
    received++;
    noteWorkspace("teams", activity.conversation?.tenantId ?? (activity.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id);
    const result = await adapter.run(authenticated, activity, (context) => inbound.turn(context));
    if (result?.body !== undefined) sendJson(res, result.status, result.body);
    else {
      res.writeHead(result?.status ?? 200);
      res.end();
    }
    return true;
  };

  return {
    platform: "teams",
    mounts: [mount],
    routes: [MESSAGES_PATH],
    port,
    async start() {},
    // Pressed cards still being replaced are replaced before the process goes.
    stop: () => inbound.settle(),
    settle: () => inbound.settle(),
    health: () => ({ authentication: config.local ? "off (TEAMS_LOCAL=1)" : config.appType, received, rejected }),
  };
}

