// A stand-in for Slack at its HTTP boundary: the Web API methods Partnerpuls calls, the
// response_url endpoint and file uploads, on a local port. Every call is recorded (method, args,
// token, time, status); messages are kept as a person would now see them (by channel and ts, after
// chat.update, with their metadata, which conversations.history returns); it can answer 429 with
// Retry-After — every Nth call, for a while, or beyond a rate — to prove the courier's pacing, and
// answer late (the message stored at once, the answer held back), as when a process dies between
// Slack taking a message and hearing so. Point SLACK_API_URL at `fake.apiUrl`.
import http from "node:http";
import type { Duplex } from "node:stream";
import { randomBytes, createHash } from "node:crypto";

export interface FakeTeam {
  teamId: string;
  teamName: string;
  domain: string;
  botUserId: string;
  botId: string;
  enterpriseId?: string;
}

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  token: string | null;
  /** ms since the epoch, when the call arrived */
  at: number;
  /** 200, or 429 when it was rate limited */
  status: number;
  /** Slack's error code when the answer was ok:false */
  error?: string;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  /** 1 when posted, +1 for every chat.update */
  version: number;
  postedAt: number;
  updatedAt: number;
  /** the token that posted it */
  token: string | null;
  /** message metadata as posted (chat.postMessage `metadata`), kept through updates that carry none */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  /** the message whose thread it answers, and whether it is shown in the channel too (reply_broadcast) */
  thread?: { ts: string; broadcast: boolean };
}

export interface FakeFile {
  id: string;
  filename: string;
  title?: string;
  length: number;
  content: string | null;
  /** the uploaded bytes as they came (a chart's PNG); content is the same read as UTF-8 */
  bytes: Buffer | null;
  /** the alt text given with the upload, if any */
  alt?: string;
  /** the ts of the channel's newest message when the file was shared there: what it was posted under */
  after?: string;
  channels: string[];
}

export interface FakeUser {
  name: string;
  realName?: string;
  displayName?: string;
  locale?: string;
}

/** Which calls a rate rule covers: a method name, several, or all. */
type Methods = string | string[] | "*";

export type RateRule =
  /** every Nth matching call is answered 429 */
  | { kind: "every"; n: number; retryAfterS: number; methods?: Methods }
  /** every matching call until `untilMs` (epoch ms) is answered 429 */
  | { kind: "window"; untilMs: number; retryAfterS: number; methods?: Methods }
  /** at most `n` matching calls in any second (`perTeam`: in each workspace, as Slack counts); beyond that 429 */
  | { kind: "rate"; n: number; perMs?: number; retryAfterS: number; methods?: Methods; perTeam?: boolean };

interface RuleState {
  rule: RateRule;
  count: number;
  /** when calls were accepted, by team where the rule counts per team (else under "") */
  accepted: Map<string, number[]>;
}

export interface FakeSlackOptions {
  teams?: FakeTeam[];
  /** bot token → team; the first team's token is `xoxb-fake-<teamId>` unless given */
  tokens?: Record<string, string>;
  clientId?: string;
  clientSecret?: string;
}

export const DEFAULT_TEAM: FakeTeam = { teamId: "T0PULS", teamName: "Partnerpuls Test", domain: "partnerpuls-test", botUserId: "U0BOT", botId: "B0BOT" };

const JSON_ARGS = new Set(["blocks", "attachments", "view", "files", "metadata"]);

export class FakeSlack {
  readonly calls: RecordedCall[] = [];
  /** by `${channel}/${ts}` */
  readonly messages = new Map<string, FakeMessage>();
  /** what was POSTed to each response_url, by its id */
  readonly responses = new Map<string, { body: Record<string, unknown>; at: number }[]>();
  /** the Home tab each user sees now */
  readonly homeViews = new Map<string, { view: Record<string, unknown>; at: number; token: string | null }>();
  readonly modals: { triggerId: string; view: Record<string, unknown>; at: number }[] = [];
  readonly files = new Map<string, FakeFile>();
  readonly users = new Map<string, FakeUser>();
  /** who is in each channel (conversations.members); a channel not here is one the bot is not in */
  readonly channelMembers = new Map<string, string[]>();
  readonly teams = new Map<string, FakeTeam>();
  /** bot token → team id */
  readonly tokens = new Map<string, string>();
  /** OAuth codes the fake "authorize" page would hand out: code → team id */
  readonly oauthCodes = new Map<string, string>();
  readonly clientId: string;
  readonly clientSecret: string;
  private readonly rules: RuleState[] = [];
  private readonly responseTargets = new Map<string, { channel: string; ts: string }>();
  /** Socket Mode: open WebSocket connections, and acks awaited by envelope id */
  private readonly sockets = new Set<Duplex>();
  private readonly acks = new Map<string, (payload: unknown) => void>();
  private readonly failures: { method: string; error: string; times: number; when?: (args: Record<string, unknown>) => boolean }[] = [];
  /** ms to hold back each answer, by method */
  private readonly latencies = new Map<string, number>();
  private readonly arrivals = new Map<string, { ms: number; times: number }>();
  private seq = 0;
  private server: http.Server | null = null;
  url = "";

  private constructor(options: FakeSlackOptions) {
    for (const team of options.teams ?? [DEFAULT_TEAM]) this.teams.set(team.teamId, team);
    const first = [...this.teams.values()][0]!;
    for (const [token, team] of Object.entries(options.tokens ?? { [`xoxb-fake-${first.teamId}`]: first.teamId })) this.tokens.set(token, team);
    this.clientId = options.clientId ?? "1111.2222";
    this.clientSecret = options.clientSecret ?? "fake-client-secret";
  }

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    fake.server = http.createServer((req, res) => {
      fake.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(e));
      });
    });
    // Bolt and the SDK keep connections alive; the fake must not hold the test run open.
    fake.server.keepAliveTimeout = 1_000;
    fake.server.on("upgrade", (req: http.IncomingMessage, socket: Duplex) => fake.upgrade(req, socket));
    await new Promise<void>((resolve) => fake.server!.listen(0, "127.0.0.1", resolve));
    const addr = fake.server.address() as { port: number };
    fake.url = `http://127.0.0.1:${addr.port}`;
    return fake;
  }

  /** The base SLACK_API_URL (WebClient appends the method name). */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** The first team's bot token. */
  get botToken(): string {
    return [...this.tokens.keys()][0]!;
  }

  get team(): FakeTeam {
    return [...this.teams.values()][0]!;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    for (const socket of this.sockets) socket.destroy();
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  // ---- test controls -----------------------------------------------------------------------------

  /**
   * A response_url for a command or a button press; read what was posted with `responsesTo`. For
   * a press on a message, `message` says which: `replace_original` then replaces it, as in Slack.
   */
  responseUrl(message?: { channel: string; ts: string }, id = randomBytes(6).toString("hex")): string {
    if (message) this.responseTargets.set(id, message);
    return `${this.url}/response/${id}`;
  }

  responsesTo(url: string): Record<string, unknown>[] {
    const id = url.split("/").pop()!;
    return (this.responses.get(id) ?? []).map((r) => r.body);
  }

  /** The bot's DM channel with a user (what conversations.open answers). */
  dmChannel(userId: string): string {
    return `D${userId}`;
  }

  /** Messages in a conversation as they look now, oldest first. */
  conversation(channel: string): FakeMessage[] {
    return [...this.messages.values()].filter((m) => m.channel === channel).sort((a, b) => Number(a.ts) - Number(b.ts));
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /**
   * Messages that landed per conversation, and against the conversations that should each have
   * had exactly one: how many got more (duplicates) and how many got none (losses).
   */
  deliveryCounts(expected: Iterable<string> = []): { perConversation: Map<string, number>; duplicates: number; losses: number } {
    const perConversation = new Map<string, number>();
    for (const m of this.messages.values()) perConversation.set(m.channel, (perConversation.get(m.channel) ?? 0) + 1);
    let duplicates = 0;
    let losses = 0;
    for (const c of expected) {
      const n = perConversation.get(c) ?? 0;
      if (n === 0) losses++;
      else duplicates += n - 1;
    }
    return { perConversation, duplicates, losses };
  }

  /**
   * Posts per delivery id (their metadata's `event_payload.delivery`), counting every message that
   * landed: more than one is a duplicate.
   */
  postsByDelivery(): Map<string, number> {
    const out = new Map<string, number>();
    for (const m of this.messages.values()) {
      const id = m.metadata?.event_payload.delivery;
      if (typeof id === "string") out.set(id, (out.get(id) ?? 0) + 1);
    }
    return out;
  }

  /** The next `times` calls of `method` arrive `ms` late: what they do happens only then. */
  delayArrival(method: string, ms: number, times = 1): void {
    this.arrivals.set(method, { ms, times });
  }

  /** Answers `method` `ms` late; what it does (a message stored) happens at once. */
  latency(method: string, ms: number): void {
    this.latencies.set(method, ms);
  }

  limit(rule: RateRule): void {
    this.rules.push({ rule, count: 0, accepted: new Map() });
  }

  clearLimits(): void {
    this.rules.length = 0;
  }

  /** The next `times` calls of `method` (matching `when`, if given) answer ok:false with `error`. */
  fail(method: string, error: string, times = 1, when?: (args: Record<string, unknown>) => boolean): void {
    this.failures.push({ method, error, times, ...(when ? { when } : {}) });
  }

  /** Registers an OAuth code that oauth.v2.access will exchange for a bot token of `teamId`. */
  oauthCode(teamId: string): string {
    const code = `code-${randomBytes(4).toString("hex")}`;
    this.oauthCodes.set(code, teamId);
    return code;
  }

  reset(): void {
    this.calls.length = 0;
    this.messages.clear();
    this.responses.clear();
    this.homeViews.clear();
    this.modals.length = 0;
    this.files.clear();
    this.clearLimits();
    this.failures.length = 0;
    this.latencies.clear();
    this.arrivals.clear();
  }

  // ---- Socket Mode ---------------------------------------------------------------------------------

  /** How many Socket Mode connections are open (the app connects on start). */
  get socketConnections(): number {
    return this.sockets.size;
  }

  /**
   * Sends an envelope over Socket Mode, as Slack does ("slash_commands", "interactive",
   * "events_api"), and resolves with the app's acknowledgement.
   */
  sendEnvelope(type: string, payload: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<unknown> {
    const socket = [...this.sockets][0];
    if (!socket) throw new Error("no Socket Mode connection");
    const envelopeId = randomBytes(8).toString("hex");
    const acked = new Promise<unknown>((resolve) => this.acks.set(envelopeId, resolve));
    socket.write(wsFrame(0x1, Buffer.from(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== "events_api", ...extra }))));
    return acked;
  }

  /** A minimal WebSocket server (RFC 6455: text, ping, close), enough for Slack's Socket Mode. */
  private upgrade(req: http.IncomingMessage, socket: Duplex): void {
    const key = req.headers["sec-websocket-key"];
    if (!req.url?.startsWith("/socket") || typeof key !== "string") {
      socket.destroy();
      return;
    }
    const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => this.sockets.delete(socket));
    let buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const frame = readWsFrame(buffer);
        if (!frame) break;
        buffer = buffer.subarray(frame.length);
        if (frame.opcode === 0x1) {
          const m = JSON.parse(frame.payload.toString("utf8")) as { envelope_id?: string; payload?: unknown };
          if (m.envelope_id) this.acks.get(m.envelope_id)?.(m.payload ?? {});
        } else if (frame.opcode === 0x9) socket.write(wsFrame(0xa, frame.payload));
        else if (frame.opcode === 0x8) {
          socket.end(wsFrame(0x8, frame.payload));
          this.sockets.delete(socket);
        }
      }
    });
    socket.write(wsFrame(0x1, Buffer.from(JSON.stringify({ type: "hello", num_connections: this.sockets.size, debug_info: { host: "fake", approximate_connection_time: 18060 }, connection_info: { app_id: "A0PULS" } }))));
  }

  // ---- the server --------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    const raw = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
    });
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(JSON.stringify(body));
    };
    const response = /^\/response\/([\w-]+)$/.exec(url.pathname);
    if (response && req.method === "POST") {
      const list = this.responses.get(response[1]!) ?? [];
      const body = JSON.parse(raw.toString("utf8") || "{}") as Record<string, unknown>;
      list.push({ body, at: Date.now() });
      this.responses.set(response[1]!, list);
      const target = this.responseTargets.get(response[1]!);
      const m = target && body.replace_original === true && body.response_type !== "ephemeral" ? this.messages.get(`${target.channel}/${target.ts}`) : undefined;
      if (m) {
        const blocksError = validateBlocks(body.blocks, 50);
        if (blocksError) return json(400, { ok: false, error: "invalid_blocks" });
        m.text = typeof body.text === "string" ? body.text : "";
        m.blocks = (body.blocks as unknown[]) ?? [];
        m.version++;
        m.updatedAt = Date.now();
      }
      return json(200, { ok: true });
    }
    const upload = /^\/upload\/(F\w+)$/.exec(url.pathname);
    if (upload && req.method === "POST") {
      const file = this.files.get(upload[1]!);
      if (!file) return json(404, { ok: false, error: "file_not_found" });
      file.bytes = await fileContent(req.headers["content-type"], raw);
      file.content = file.bytes.toString("utf8");
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`OK - ${raw.length}`);
      return;
    }
    const api = /^\/api\/([\w.]+)$/.exec(url.pathname);
    if (!api || req.method !== "POST") return json(404, { ok: false, error: "unknown_method" });
    const method = api[1]!;
    const args = parseArgs(req.headers["content-type"], raw);
    const held = this.arrivals.get(method);
    if (held && held.times > 0) {
      // As if the request spent this long on the network: it is handled (and stored) only then.
      held.times--;
      await new Promise((r) => setTimeout(r, held.ms));
    }
    const auth = req.headers.authorization;
    const token = auth?.startsWith("Bearer ") ? auth.slice(7) : typeof args.token === "string" ? args.token : null;
    const call: RecordedCall = { method, args, token, at: Date.now(), status: 200 };
    this.calls.push(call);
    const limited = this.rateLimited(method, call.at, (token && this.tokens.get(token)) || "");
    if (limited !== null) {
      call.status = 429;
      return json(429, { ok: false, error: "ratelimited" }, { "retry-after": String(limited) });
    }
    const result = this.answer(method, args, token, req.headers.authorization);
    if (result.ok === false) call.error = String(result.error);
    const late = this.latencies.get(method);
    if (late) await new Promise((r) => setTimeout(r, late));
    return json(200, result);
  }

  private rateLimited(method: string, now: number, teamId: string): number | null {
    for (const s of this.rules) {
      const m = s.rule.methods ?? "*";
      if (m !== "*" && !(Array.isArray(m) ? m.includes(method) : m === method)) continue;
      if (s.rule.kind === "every") {
        s.count++;
        if (s.count % s.rule.n === 0) return s.rule.retryAfterS;
      } else if (s.rule.kind === "window") {
        if (now < s.rule.untilMs) return s.rule.retryAfterS;
      } else {
        const per = s.rule.perMs ?? 1_000;
        const key = s.rule.perTeam ? teamId : "";
        const accepted = s.accepted.get(key) ?? [];
        s.accepted.set(key, accepted);
        while (accepted.length && accepted[0]! <= now - per) accepted.shift();
        if (accepted.length >= s.rule.n) return s.rule.retryAfterS;
        accepted.push(now);
      }
    }
    return null;
  }

  private nextTs(): string {
    this.seq++;
    return `${Math.floor(Date.now() / 1000)}.${String(this.seq).padStart(6, "0")}`;
  }

  private answer(method: string, args: Record<string, unknown>, token: string | null, authorization: string | undefined): Record<string, unknown> {
    const failure = this.failures.find((f) => f.method === method && f.times > 0 && (!f.when || f.when(args)));
    if (failure) {
      failure.times--;
      return { ok: false, error: failure.error };
    }
    if (method === "oauth.v2.access") return this.oauthAccess(args, authorization);
    if (method === "apps.connections.open")
      return token?.startsWith("xapp-") ? { ok: true, url: `${this.url.replace(/^http/, "ws")}/socket?ticket=${randomBytes(4).toString("hex")}` } : { ok: false, error: "not_allowed_token_type" };
    const teamId = token ? this.tokens.get(token) : undefined;
    const team = teamId ? this.teams.get(teamId) : undefined;
    if (!token) return { ok: false, error: "not_authed" };
    if (!team) return { ok: false, error: "invalid_auth" };
    const str = (k: string) => (typeof args[k] === "string" ? (args[k] as string) : "");
    switch (method) {
      case "auth.test":
        return { ok: true, url: `https://${team.domain}.slack.com/`, team: team.teamName, user: "partnerpuls", team_id: team.teamId, user_id: team.botUserId, bot_id: team.botId, is_enterprise_install: false };
      case "users.info": {
        const id = str("user");
        const u = this.users.get(id) ?? { name: id.toLowerCase(), locale: "en-US" };
        return {
          ok: true,
          user: {
            id,
            team_id: team.teamId,
            name: u.name,
            real_name: u.realName ?? u.name,
            profile: { display_name: u.displayName ?? "", real_name: u.realName ?? u.name },
            ...(args.include_locale === "true" || args.include_locale === true ? { locale: u.locale ?? "en-US" } : {}),
          },
        };
      }
      case "conversations.open": {
        const users = str("users").split(",").filter(Boolean);
        if (users.length !== 1) return { ok: false, error: "invalid_arguments" };
        return { ok: true, channel: { id: this.dmChannel(users[0]!) } };
      }
      case "chat.postMessage": {
        let channel = str("channel");
        if (!channel) return { ok: false, error: "channel_not_found" };
        if (/^[UW]/.test(channel)) channel = this.dmChannel(channel);
        if (!str("text") && !Array.isArray(args.blocks)) return { ok: false, error: "no_text" };
        const blocksError = validateBlocks(args.blocks, 50);
        if (blocksError) return { ok: false, error: "invalid_blocks", errors: [blocksError] };
        const ts = this.nextTs();
        const now = Date.now();
        const metadata = parseMetadata(args.metadata);
        if (metadata === "invalid") return { ok: false, error: "invalid_metadata_format" };
        if (str("thread_ts") && !this.messages.has(`${channel}/${str("thread_ts")}`)) return { ok: false, error: "thread_not_found" };
        const thread = str("thread_ts") ? { thread: { ts: str("thread_ts"), broadcast: args.reply_broadcast === true || args.reply_broadcast === "true" } } : {};
        const m: FakeMessage = { channel, ts, text: str("text"), blocks: (args.blocks as unknown[]) ?? [], version: 1, postedAt: now, updatedAt: now, token, ...(metadata ? { metadata } : {}), ...thread };
        this.messages.set(`${channel}/${ts}`, m);
        return { ok: true, channel, ts, message: { type: "message", text: m.text, blocks: m.blocks, ts, bot_id: team.botId } };
      }
      case "conversations.members": {
        const members = this.channelMembers.get(str("channel"));
        return members ? { ok: true, members, response_metadata: { next_cursor: "" } } : { ok: false, error: "not_in_channel" };
      }
      case "conversations.history": {
        // Newest first, as Slack answers; metadata only when asked for (include_all_metadata).
        const channel = str("channel");
        if (!channel) return { ok: false, error: "channel_not_found" };
        const limit = Math.min(999, Math.max(1, Number(args.limit ?? 100) || 100));
        const withMetadata = args.include_all_metadata === true || args.include_all_metadata === "true" || args.include_all_metadata === "1";
        const all = this.conversation(channel).reverse();
        const messages = all.slice(0, limit).map((m) => ({ type: "message", ts: m.ts, text: m.text, blocks: m.blocks, bot_id: team.botId, ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}) }));
        return { ok: true, messages, has_more: all.length > limit, pin_count: 0 };
      }
      case "chat.update": {
        const key = `${str("channel")}/${str("ts")}`;
        const m = this.messages.get(key);
        if (!m) return { ok: false, error: "message_not_found" };
        const blocksError = validateBlocks(args.blocks, 50);
        if (blocksError) return { ok: false, error: "invalid_blocks", errors: [blocksError] };
        const metadata = parseMetadata(args.metadata);
        if (metadata === "invalid") return { ok: false, error: "invalid_metadata_format" };
        m.text = str("text");
        m.blocks = (args.blocks as unknown[]) ?? [];
        if (metadata) m.metadata = metadata;
        m.version++;
        m.updatedAt = Date.now();
        return { ok: true, channel: m.channel, ts: m.ts, text: m.text };
      }
      case "views.publish": {
        const view = args.view as Record<string, unknown> | undefined;
        if (!view || view.type !== "home") return { ok: false, error: "invalid_arguments" };
        const blocksError = validateBlocks(view.blocks, 100);
        if (blocksError) return { ok: false, error: "invalid_blocks", errors: [blocksError] };
        this.homeViews.set(str("user_id"), { view, at: Date.now(), token });
        return { ok: true, view: { id: `V${this.seq++}`, type: "home" } };
      }
      case "views.open": {
        const view = args.view as Record<string, unknown> | undefined;
        if (!view || !str("trigger_id")) return { ok: false, error: "invalid_arguments" };
        this.modals.push({ triggerId: str("trigger_id"), view, at: Date.now() });
        return { ok: true, view: { id: `V${this.seq++}`, type: "modal" } };
      }
      case "files.getUploadURLExternal": {
        const id = `F${String(++this.seq).padStart(8, "0")}`;
        this.files.set(id, { id, filename: str("filename"), length: Number(args.length ?? 0), content: null, bytes: null, ...(str("alt_txt") || str("alt_text") ? { alt: str("alt_txt") || str("alt_text") } : {}), channels: [] });
        return { ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id };
      }
      case "files.completeUploadExternal": {
        const list = (args.files as { id: string; title?: string }[] | undefined) ?? [];
        const out = [];
        for (const f of list) {
          const file = this.files.get(f.id);
          if (!file || file.content === null) return { ok: false, error: "file_not_found" };
          if (f.title) file.title = f.title;
          if (str("channel_id")) {
            file.channels.push(str("channel_id"));
            file.after = this.conversation(str("channel_id")).at(-1)?.ts;
          }
          out.push({ id: file.id, name: file.filename, title: file.title ?? file.filename });
        }
        return { ok: true, files: out };
      }
      default:
        return { ok: false, error: "unknown_method" };
    }
  }

  private oauthAccess(args: Record<string, unknown>, authorization: string | undefined): Record<string, unknown> {
    let clientId = typeof args.client_id === "string" ? args.client_id : "";
    let clientSecret = typeof args.client_secret === "string" ? args.client_secret : "";
    if (authorization?.startsWith("Basic ")) [clientId = "", clientSecret = ""] = Buffer.from(authorization.slice(6), "base64").toString("utf8").split(":");
    if (clientId !== this.clientId || clientSecret !== this.clientSecret) return { ok: false, error: "invalid_client_id" };
    const teamId = this.oauthCodes.get(String(args.code ?? ""));
    const team = teamId ? this.teams.get(teamId) : undefined;
    if (!team) return { ok: false, error: "invalid_code" };
    this.oauthCodes.delete(String(args.code));
    const token = `xoxb-installed-${team.teamId}-${randomBytes(3).toString("hex")}`;
    this.tokens.set(token, team.teamId);
    return {
      ok: true,
      app_id: "A0PULS",
      authed_user: { id: "U0INSTALLER" },
      scope: "commands,chat:write,im:write,files:write,users:read,im:history,channels:history,groups:history",
      token_type: "bot",
      access_token: token,
      bot_user_id: team.botUserId,
      team: { id: team.teamId, name: team.teamName },
      enterprise: null,
      is_enterprise_install: false,
    };
  }
}

function parseArgs(contentType: string | undefined, raw: Buffer): Record<string, unknown> {
  const text = raw.toString("utf8");
  if (!text) return {};
  if ((contentType ?? "").includes("application/json")) return JSON.parse(text) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    // WebClient sends arrays and objects as JSON strings inside the form.
    if (JSON_ARGS.has(k)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // leave it as the string it was
      }
    }
    out[k] = v;
  }
  return out;
}

/** Slack's message metadata: an event_type and an object event_payload; anything else is refused. */
function parseMetadata(v: unknown): FakeMessage["metadata"] | null | "invalid" {
  if (v === undefined || v === "") return null;
  const m = v as { event_type?: unknown; event_payload?: unknown };
  if (typeof m !== "object" || m === null || typeof m.event_type !== "string" || typeof m.event_payload !== "object" || m.event_payload === null) return "invalid";
  return { event_type: m.event_type, event_payload: m.event_payload as Record<string, unknown> };
}

async function fileContent(contentType: string | undefined, raw: Buffer): Promise<Buffer> {
  if ((contentType ?? "").startsWith("multipart/form-data")) {
    const form = await new Response(new Uint8Array(raw), { headers: { "content-type": contentType! } }).formData();
    for (const [, v] of form) if (typeof v !== "string") return Buffer.from(await v.arrayBuffer());
    for (const [, v] of form) return Buffer.from(String(v), "utf8");
  }
  return raw;
}

/** The limits Slack enforces on what it is sent; a message breaking one is refused (invalid_blocks). */
export function validateBlocks(blocks: unknown, maxBlocks: number): string | null {
  if (blocks === undefined) return null;
  if (!Array.isArray(blocks)) return "blocks must be an array";
  if (blocks.length > maxBlocks) return `more than ${maxBlocks} blocks`;
  const ids = new Set<string>();
  const actionIds = new Set<string>();
  for (const b of blocks as Record<string, unknown>[]) {
    const id = b.block_id as string | undefined;
    if (id !== undefined) {
      if (id.length > 255) return "block_id longer than 255";
      if (ids.has(id)) return `duplicate block_id ${id}`;
      ids.add(id);
    }
    const text = b.text as { text?: string; type?: string } | undefined;
    if (b.type === "header" && (text?.type !== "plain_text" || (text.text ?? "").length > 150)) return "header text must be plain_text of at most 150";
    if (b.type === "section") {
      if (text && (text.text ?? "").length > 3000) return "section text longer than 3000";
      if (text && !(text.text ?? "").length) return "empty section text";
      const fields = b.fields as { text: string }[] | undefined;
      if (fields && (fields.length > 10 || fields.some((f) => f.text.length > 2000))) return "more than 10 fields or a field longer than 2000";
      if (!text && !fields) return "a section needs text or fields";
    }
    if (b.type === "context") {
      const els = b.elements as { text?: string }[];
      if (!els?.length || els.length > 10 || els.some((e) => (e.text ?? "").length > 3000)) return "context needs 1–10 elements of at most 3000";
    }
    if (b.type === "input") {
      const label = b.label as { type?: string; text?: string } | undefined;
      if (label?.type !== "plain_text" || !label.text || label.text.length > 2000) return "input label must be plain_text of 1–2000";
      const el = b.element as { type?: string; action_id?: string; max_length?: number; initial_value?: string; initial_date?: string; options?: { text?: { text?: string }; value?: string }[]; initial_option?: { value?: string }; placeholder?: { text?: string } } | undefined;
      if (!el || !["plain_text_input", "static_select", "datepicker"].includes(el.type ?? "")) return "unsupported input element";
      if (el.type === "static_select") {
        const options = el.options ?? [];
        if (options.length < 1 || options.length > 100) return "static_select needs 1–100 options";
        if (options.some((o) => !o.text?.text || o.text.text.length > 75 || !o.value || o.value.length > 150)) return "option text 1–75, value 1–150";
        if (el.initial_option && !options.some((o) => o.value === el.initial_option!.value)) return "initial_option is not one of the options";
      }
      if (el.type === "datepicker" && el.initial_date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(el.initial_date)) return "initial_date must be YYYY-MM-DD";
      if ((el.action_id ?? "").length > 255) return "action_id longer than 255";
      if (el.action_id) {
        if (actionIds.has(el.action_id)) return `duplicate action_id ${el.action_id}`;
        actionIds.add(el.action_id);
      }
      if (el.max_length !== undefined && (el.max_length < 1 || el.max_length > 3000)) return "max_length must be 1–3000";
      if (el.initial_value !== undefined && (el.initial_value === "" || el.initial_value.length > (el.max_length ?? 3000))) return "initial_value empty or longer than max_length";
      if ((el.placeholder?.text ?? "").length > 150) return "placeholder longer than 150";
    }
    if (b.type === "actions") {
      const els = b.elements as { text?: { text: string }; action_id?: string; value?: string }[];
      if (!els?.length || els.length > 25) return "actions needs 1–25 elements";
      for (const e of els) {
        if ((e.text?.text ?? "").length > 75) return "button text longer than 75";
        if ((e.value ?? "").length > 2000) return "button value longer than 2000";
        if ((e.action_id ?? "").length > 255) return "action_id longer than 255";
        if (e.action_id) {
          if (actionIds.has(e.action_id)) return `duplicate action_id ${e.action_id}`;
          actionIds.add(e.action_id);
        }
      }
    }
  }
  return null;
}

/** A server-to-client WebSocket frame (unmasked, final). */
function wsFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : n < 65536 ? Buffer.from([0x80 | opcode, 126, n >> 8, n & 0xff]) : Buffer.concat([Buffer.from([0x80 | opcode, 127]), (() => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(n));
    return b;
  })()]);
  return Buffer.concat([head, payload]);
}

/** One client-to-server frame from the start of `buf` (masked), or null if it has not all arrived. */
function readWsFrame(buf: Buffer): { opcode: number; payload: Buffer; length: number } | null {
  if (buf.length < 2) return null;
  const opcode = buf[0]! & 0x0f;
  const masked = (buf[1]! & 0x80) !== 0;
  let len = buf[1]! & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return null;
    len = buf.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    if (buf.length < 10) return null;
    len = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  const maskLen = masked ? 4 : 0;
  if (buf.length < offset + maskLen + len) return null;
  const mask = masked ? buf.subarray(offset, offset + 4) : null;
  const payload = Buffer.from(buf.subarray(offset + maskLen, offset + maskLen + len));
  if (mask) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
  return { opcode, payload, length: offset + maskLen + len };
}
