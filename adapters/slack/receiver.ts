// Bolt's transport seam: Slack's HTTP requests arrive on the shared server (one Mount), are
// verified here, and only then reach the Bolt App. Our verification is stricter than Bolt's: the
// timestamp may be at most five minutes off in either direction (Bolt accepts any future one,
// which lets a captured request be replayed later), and a request without the headers is refused
// before its body is even parsed. Within those five minutes a captured request could still be
// sent again, and Slack itself retries events: every command, button press, modal submission and
// event is taken once, across all instances, by its key in the InboundSeen table. Socket Mode,
// when configured, feeds the same App through the same check.
import type http from "node:http";
import { createHmac, timingSafeEqual } from "node:crypto";
import { SocketModeReceiver, LogLevel, type App, type Receiver, type ReceiverEvent, type AckFn } from "@slack/bolt";
import { readBody, sendJson, type Mount } from "../../src/server.ts";
import type { PrismaClient } from "../../src/generated/prisma/client.ts";
import { SLACK_API_TIMEOUT_MS } from "./config.ts";
import { BoltPinoLogger } from "./logger.ts";
import { lineLogger } from "../../src/observability/log.ts";
import { noteWorkspace } from "../../src/observability/context.ts";

export const SLACK_EVENTS_PATH = "/slack/events";
/** How far a request's timestamp may be from our clock, either way. */
export const MAX_CLOCK_SKEW_S = 5 * 60;

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/** Slack's request signing: v0=HMAC-SHA256(secret, "v0:{timestamp}:{raw body}"), hex. */
export function signSlackRequest(secret: string, timestamp: number | string, body: string | Buffer): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:`).update(body).digest("hex")}`;
}

export function verifySlackSignature(
  secret: string,
  headers: http.IncomingHttpHeaders,
  rawBody: Buffer,
  nowMs: number = Date.now(),
): VerifyResult {
  const signature = headers["x-slack-signature"];
  const timestamp = headers["x-slack-request-timestamp"];
  if (typeof signature !== "string" || typeof timestamp !== "string") return { ok: false, reason: "missing X-Slack-Signature or X-Slack-Request-Timestamp" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "malformed X-Slack-Request-Timestamp" };
  const skew = Math.abs(Math.floor(nowMs / 1000) - Number(timestamp));
  if (skew > MAX_CLOCK_SKEW_S) return { ok: false, reason: `X-Slack-Request-Timestamp is ${skew} s away from now` };
  const want = Buffer.from(signSlackRequest(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (given.length !== want.length || !timingSafeEqual(given, want)) return { ok: false, reason: "signature mismatch" };
  return { ok: true };
}

/** A request body as Slack sends it: a form (commands; `payload=` JSON for interactivity) or JSON (events). */
export function parseSlackBody(contentType: string | undefined, raw: Buffer): Record<string, unknown> {
  const text = raw.toString("utf8");
  if ((contentType ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    const form = new URLSearchParams(text);
    const payload = form.get("payload");
    if (payload !== null) return JSON.parse(payload) as Record<string, unknown>;
    return Object.fromEntries(form.entries());
  }
  const parsed = JSON.parse(text) as unknown;
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
  return parsed as Record<string, unknown>;
}

export interface SlackReceiverOptions {
  /** null: HTTP requests are refused (Socket Mode only) */
  signingSecret: string | null;
  /** Socket Mode app token (xapp-…), or null */
  appToken: string | null;
  /** for the Socket Mode client's own Web API calls (apps.connections.open) */
  apiUrl: string;
  /** where requests already taken are remembered (shared by every instance) */
  seen: InboundSeen;
  now?: () => number;
  log?: (line: string) => void;
}

/** Remembers which inbound requests were taken. */
export interface InboundSeen {
  /** true the first time a key is offered, by any instance; false ever after (for a while) */
  firstTime(key: string): Promise<boolean>;
  /** resolves when no background pruning is running */
  settle(): Promise<void>;
}

/**
 * What makes a Slack request the same request: Slack's own per-request ids, never a user alone.
 * A replay of a signed request carries the same ids; a new command or a second click gets new
 * ones. Null when the body carries none (then it cannot be told apart, and is taken).
 */
export function inboundKey(body: Record<string, unknown>): string | null {
  const id = (v: unknown) => (typeof v === "string" && v.length > 0 && v.length <= 200 ? v : null);
  const team = id(body.team_id) ?? id((body.team as { id?: unknown } | null | undefined)?.id) ?? "";
  if (body.type === "event_callback") {
    const eventId = id(body.event_id);
    return eventId && `slack:event:${eventId}`;
  }
  if (typeof body.command === "string") {
    const trigger = id(body.trigger_id);
    return trigger && `slack:command:${team}:${trigger}`;
  }
  if (body.type === "block_actions") {
    const trigger = id(body.trigger_id);
    const actions = Array.isArray(body.actions) ? (body.actions as { action_ts?: unknown }[]) : [];
    const actionTs = id(actions[0]?.action_ts);
    const user = id((body.user as { id?: unknown } | undefined)?.id) ?? "";
    return trigger || actionTs ? `slack:action:${team}:${user}:${trigger ?? ""}:${actionTs ?? ""}` : null;
  }
  if (body.type === "view_submission") {
    const trigger = id(body.trigger_id);
    return trigger && `slack:view:${team}:${trigger}`;
  }
  return null;
}

/** Longer than any request can stay valid: five minutes either side of its timestamp. */
export const INBOUND_SEEN_KEEP_MS = 15 * 60_000;

/** InboundSeen rows in the database: an INSERT … ON CONFLICT DO NOTHING decides who goes on. */
export class InboundSeenTable implements InboundSeen {
  private lastPrune = Number.NEGATIVE_INFINITY;
  private pruning: Promise<void> | null = null;

  constructor(
    private readonly prisma: Pick<PrismaClient, "inboundSeen" | "$executeRaw">,
    private readonly options: { now?: () => number; log?: (line: string) => void; keepMs?: number; pruneEveryMs?: number } = {},
  ) {}

  async firstTime(key: string): Promise<boolean> {
    const now = (this.options.now ?? Date.now)();
    // On every request: one plain statement, without the model API's work around it.
    const count = await this.prisma.$executeRaw`INSERT INTO "InboundSeen" ("key", "seenAt") VALUES (${key}, ${new Date(now)}) ON CONFLICT DO NOTHING`;
    // Old keys go now and then, in the background: no request waits for it.
    if (!this.pruning && now - this.lastPrune >= (this.options.pruneEveryMs ?? 60_000)) {
      this.lastPrune = now;
      this.pruning = this.prune(now).finally(() => (this.pruning = null));
    }
    return count === 1;
  }

  async settle(): Promise<void> {
    await this.pruning;
  }

  private async prune(now: number): Promise<void> {
    try {
      await this.prisma.inboundSeen.deleteMany({ where: { seenAt: { lt: new Date(now - (this.options.keepMs ?? INBOUND_SEEN_KEEP_MS)) } } });
    } catch (e) {
      (this.options.log ?? lineLogger("slack"))(`pruning InboundSeen failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

export class SlackReceiver implements Receiver {
  private app: App | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private readonly socket: SocketModeReceiver | null;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  /** counters for /healthz and tests */
  readonly stats = { accepted: 0, rejected: 0, duplicates: 0 };

  constructor(private readonly options: SlackReceiverOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? lineLogger("slack");
    this.socket = options.appToken
      ? new SocketModeReceiver({ appToken: options.appToken, logger: new BoltPinoLogger(undefined, "slack-socket"), logLevel: LogLevel.WARN, installerOptions: { clientOptions: { slackApiUrl: options.apiUrl, timeout: SLACK_API_TIMEOUT_MS } } })
      : null;
  }

  init(app: App): void {
    this.app = app;
    // Socket Mode events go through the same App, taken once like HTTP ones and tracked (settle()).
    const once = async (event: ReceiverEvent) => {
      if (await this.firstTime(event.body as Record<string, unknown>)) return app.processEvent(event);
      await event.ack();
    };
    this.socket?.init({ processEvent: (event: ReceiverEvent) => this.track(once(event)) } as unknown as App);
  }

  async start(): Promise<void> {
    if (this.socket) await this.socket.start();
  }

  async stop(): Promise<void> {
    // The client's own disconnect resolves once the socket is closed (the receiver's stop does not wait).
    if (this.socket) await this.socket.client.disconnect();
  }

  get socketMode(): boolean {
    return this.socket !== null;
  }

  /** Resolves when every request taken so far has been fully handled (its reply sent, its card replaced). */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    await this.options.seen.settle();
  }

  /** Whether this request is new to every instance; counts it as a duplicate otherwise. */
  private async firstTime(body: Record<string, unknown>): Promise<boolean> {
    const key = inboundKey(body);
    if (key === null || (await this.options.seen.firstTime(key))) return true;
    this.stats.duplicates++;
    return false;
  }

  private track(p: Promise<void>): Promise<void> {
    const tracked = p.finally(() => this.inflight.delete(tracked));
    this.inflight.add(tracked);
    return tracked;
  }

  readonly mount: Mount = async (req, res, url) => {
    if (url.pathname !== SLACK_EVENTS_PATH) return false;
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST" }).end();
      return true;
    }
    await this.handle(req, res);
    return true;
  };

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const refuse = (status: number, reason: string) => {
      this.stats.rejected++;
      this.log(`refused a request to ${SLACK_EVENTS_PATH}: ${reason}`);
      sendJson(res, status, { error: status === 401 ? "unauthorized" : "bad request" });
    };
    const secret = this.options.signingSecret;
    if (!secret) return refuse(401, "no SLACK_SIGNING_SECRET: HTTP requests are not accepted (Socket Mode only)");
    // Headers first: an unsigned request is refused before its body is read.
    if (typeof req.headers["x-slack-signature"] !== "string" || typeof req.headers["x-slack-request-timestamp"] !== "string")
      return refuse(401, "missing X-Slack-Signature or X-Slack-Request-Timestamp");
    const raw = await readBody(req, 2_000_000);
    const verified = verifySlackSignature(secret, req.headers, raw, this.now());
    if (!verified.ok) return refuse(401, verified.reason);
    let body: Record<string, unknown>;
    try {
      body = parseSlackBody(req.headers["content-type"], raw);
    } catch {
      return refuse(400, "body is neither a Slack form nor JSON");
    }
    noteWorkspace("slack", body.team_id ?? (body.team as { id?: unknown } | null | undefined)?.id);
    if (body.ssl_check === "1") {
      res.writeHead(200).end();
      return;
    }
    if (body.type === "url_verification") {
      sendJson(res, 200, { challenge: String(body.challenge ?? "") });
      return;
    }
    const retryNum = Number(req.headers["x-slack-retry-num"] ?? NaN);
    const retryReason = typeof req.headers["x-slack-retry-reason"] === "string" ? req.headers["x-slack-retry-reason"] : undefined;
    // Not ready: Slack may send it again, so it is not recorded as taken.
    if (!this.app) {
      sendJson(res, 503, { error: "not ready" });
      return;
    }
    // A button press is acknowledged at once, before it waits for the database behind other
    // presses: its answer carries nothing (the card is replaced afterwards), and Slack sends an
    // interaction only once, so nothing rests on the ack coming later.
    const retry = Number.isFinite(retryNum) ? retryNum : undefined;
    if (body.type === "block_actions") {
      res.writeHead(200).end();
      await this.track(this.take(this.app, body, res, retry, retryReason, true)).catch((e: unknown) => this.log(`a button press could not be taken: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    await this.take(this.app, body, res, retry, retryReason, false);
  }

  /**
   * A replay, or Slack's retry of an event some instance has taken (no ack within 3 s), is acked
   * and not done again. An event no instance has seen (say, after a crash) is done now.
   */
  private async take(app: App, body: Record<string, unknown>, res: http.ServerResponse, retryNum: number | undefined, retryReason: string | undefined, ackedEarly: boolean): Promise<void> {
    if (!(await this.firstTime(body))) {
      if (!ackedEarly) res.writeHead(200, body.type === "event_callback" ? { "x-slack-no-retry": "1" } : {}).end();
      return;
    }
    this.stats.accepted++;
    await this.dispatch(app, body, res, retryNum, retryReason, ackedEarly);
  }

  /** Hands a verified request to Bolt; resolves once it is acknowledged (the rest goes on, tracked). */
  private dispatch(app: App, body: Record<string, unknown>, res: http.ServerResponse, retryNum: number | undefined, retryReason: string | undefined, ackedEarly = false): Promise<void> {
    let acked = ackedEarly;
    let onAck!: () => void;
    const ackSent = new Promise<void>((r) => (onAck = r));
    const respond = (status: number, response?: unknown) => {
      if (acked) return;
      acked = true;
      if (response === undefined || response === "" || response === null) res.writeHead(status).end();
      else if (typeof response === "string") res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(response);
      else sendJson(res, status, response);
      onAck();
    };
    const ack: AckFn<unknown> = async (response?: unknown) => {
      if (ackedEarly) return;
      if (acked) throw new Error("this request was acknowledged already");
      respond(200, response);
    };
    const event: ReceiverEvent = { body, ack, ...(retryNum !== undefined ? { retryNum } : {}), ...(retryReason ? { retryReason } : {}) };
    const processing = this.track(
      app.processEvent(event).then(
        // Nothing acknowledged it (no listener for it): Slack still gets its 200.
        () => respond(200),
        (e: unknown) => {
          // No installation for the team (OAuth mode): refused like an unsigned request.
          if ((e as { code?: string }).code === "slack_bolt_authorization_error") {
            this.stats.rejected++;
            this.log(`refused a request from a workspace without an installation: ${e instanceof Error ? e.message : String(e)}`);
            return respond(401, { error: "unauthorized" });
          }
          this.log(`handling a ${String(body.type ?? body.command ?? "request")} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
          respond(500, { error: "internal error" });
        },
      ),
    );
    return ackedEarly ? Promise.resolve() : Promise.race([ackSent, processing]);
  }
}
