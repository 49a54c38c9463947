// A stand-in for the Bot Framework connector service (an activity's serviceUrl): the REST API a
// bot calls to send, reply, update and open conversations, answered from memory. It records
// every call and keeps each message's current state (after updates), so tests read what a person
// sees. It can answer 429 like Teams: every Nth call, and when Teams' per-conversation (7 in 1 s,
// 60 in 30 s) or per-tenant (30 in 1 s) limits are exceeded.
import http from "node:http";
import { randomUUID } from "node:crypto";
import { generateKeyPair, exportJWK, SignJWT, type JWK } from "jose";

export interface FakeActivity {
  id: string;
  conversationId: string;
  /** the message as it looks now */
  activity: Record<string, unknown>;
  /** every version, first to now */
  versions: Record<string, unknown>[];
  /** set when the bot sent it as a reply (POST …/activities/{replyToId}) */
  replyToId: string | null;
  /** order of arrival across all conversations */
  seq: number;
}

export interface RecordedCall {
  method: string;
  path: string;
  conversationId: string | null;
  status: number;
  authorization: string | null;
  body: unknown;
  at: number;
}

export interface FakeConversation {
  id: string;
  tenantId: string | null;
  isGroup: boolean;
  members: { id: string }[];
  activities: FakeActivity[];
}

export interface RateWindow {
  count: number;
  perMs: number;
}

export interface FakeTeamsOptions {
  /** answer 429 to every Nth call (sends, replies, updates, creates) */
  throttleEvery?: number;
  /** the Retry-After header (seconds) of a 429; null: no header at all */
  retryAfterSeconds?: number | null;
  /** enforce Teams' limits with 429 (true: 7/1 s and 60/30 s per conversation, 30/1 s per tenant) */
  enforceLimits?: boolean | { perConversation: RateWindow[]; perTenant: RateWindow[] };
  /** members the fake knows (GET …/members/{id}); others are 404 */
  members?: { id: string; name?: string; aadObjectId?: string }[];
  /** checks every message posted or updated (e.g. its cards); what it returns is kept in `problems` */
  checkMessage?: (activity: Record<string, unknown>) => string[];
}

export const TEAMS_PUBLISHED_LIMITS = {
  perConversation: [
    { count: 7, perMs: 1_000 },
    { count: 60, perMs: 30_000 },
  ],
  perTenant: [{ count: 30, perMs: 1_000 }],
};

/** Teams keeps one 1:1 conversation per bot and person; the fake names it after the person. */
export function personalConversationId(memberId: string): string {
  return `a:1:1-${memberId}`;
}

export class FakeTeams {
  readonly calls: RecordedCall[] = [];
  readonly conversations = new Map<string, FakeConversation>();
  readonly members = new Map<string, { id: string; name?: string; aadObjectId?: string }>();
  /** who is in a shared conversation (GET …/members), by its id; one not here answers 404 */
  readonly roster = new Map<string, string[]>();
  /** the next calls fail with these answers, in order (then normal service resumes) */
  /** what `checkMessage` found wrong, with the message's id */
  readonly problems: string[] = [];
  readonly failures: { status: number; headers?: Record<string, string>; body?: unknown; match?: (method: string, path: string) => boolean }[] = [];
  private seq = 0;
  private counted = 0;
  private readonly windows = new Map<string, number[]>();
  private server!: http.Server;
  url = "";

  constructor(readonly options: FakeTeamsOptions = {}) {
    for (const m of options.members ?? []) this.members.set(m.id, m);
  }

  static async start(options: FakeTeamsOptions = {}): Promise<FakeTeams> {
    const fake = new FakeTeams(options);
    fake.server = http.createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    const addr = fake.server.address() as { port: number };
    fake.url = `http://127.0.0.1:${addr.port}/`;
    return fake;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The sequence number of the latest activity: read it before a step, compare after. */
  get lastSeq(): number {
    return this.seq;
  }

  conversation(id: string): FakeConversation {
    let c = this.conversations.get(id);
    if (!c) {
      c = { id, tenantId: null, isGroup: !id.startsWith("a:"), members: [], activities: [] };
      this.conversations.set(id, c);
    }
    return c;
  }

  /** Messages in a conversation as they look now, oldest first. */
  messages(conversationId: string): FakeActivity[] {
    return this.conversations.get(conversationId)?.activities ?? [];
  }

  /** Counts sends per conversation by a key each message carries: duplicates and losses. */
  tally(keyOf: (activity: Record<string, unknown>) => string | null, expected?: Map<string, string[]>) {
    const perConversation = new Map<string, Map<string, number>>();
    for (const c of this.conversations.values())
      for (const a of c.activities) {
        const key = keyOf(a.versions[0]!);
        if (key === null) continue;
        const m = perConversation.get(c.id) ?? new Map<string, number>();
        m.set(key, (m.get(key) ?? 0) + 1);
        perConversation.set(c.id, m);
      }
    let duplicates = 0;
    let delivered = 0;
    for (const m of perConversation.values())
      for (const n of m.values()) {
        delivered++;
        duplicates += n - 1;
      }
    let lost = 0;
    for (const [cid, keys] of expected ?? []) for (const k of keys) if (!perConversation.get(cid)?.get(k)) lost++;
    return { perConversation, delivered, duplicates, lost, throttled: this.calls.filter((c) => c.status === 429).length };
  }

  private limitFor(): { perConversation: RateWindow[]; perTenant: RateWindow[] } | null {
    const e = this.options.enforceLimits;
    if (!e) return null;
    return e === true ? TEAMS_PUBLISHED_LIMITS : e;
  }

  /** Sliding windows as Teams applies them; a call over any limit is refused, not counted. */
  private overLimit(conversationId: string, tenantId: string | null, now: number): { retryAfterMs: number } | null {
    const limits = this.limitFor();
    if (!limits) return null;
    const checks: [string, RateWindow][] = [
      ...limits.perConversation.map((w) => [`c:${conversationId}:${w.perMs}`, w] as [string, RateWindow]),
      ...(tenantId ? limits.perTenant.map((w) => [`t:${tenantId}:${w.perMs}`, w] as [string, RateWindow]) : []),
    ];
    for (const [key, w] of checks) {
      const times = (this.windows.get(key) ?? []).filter((t) => t > now - w.perMs);
      this.windows.set(key, times);
      if (times.length >= w.count) return { retryAfterMs: times[0]! + w.perMs - now };
    }
    for (const [key] of checks) this.windows.get(key)!.push(now);
    return null;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname.replace(/\/+$/, "");
    const method = req.method ?? "GET";
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    const conversationId = parts[0] === "v3" && parts[1] === "conversations" && parts[2] ? parts[2] : null;
    const call: RecordedCall = { method, path, conversationId, status: 0, authorization: req.headers.authorization ?? null, body, at: Date.now() };
    this.calls.push(call);
    const answer = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      const data = payload === undefined ? "" : JSON.stringify(payload);
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(data);
    };
    const writes = method === "POST" || method === "PUT";

    const failure = this.failures.findIndex((f) => !f.match || f.match(method, path));
    if (failure >= 0 && writes) {
      const f = this.failures.splice(failure, 1)[0]!;
      return answer(f.status, f.body ?? { error: { code: `Fake${f.status}`, message: "injected failure" } }, f.headers ?? {});
    }
    if (writes && this.options.throttleEvery && ++this.counted % this.options.throttleEvery === 0) {
      const ra = this.options.retryAfterSeconds === undefined ? 1 : this.options.retryAfterSeconds;
      return answer(429, { error: { code: "TooManyRequests", message: "throttled" } }, ra === null ? {} : { "retry-after": String(ra) });
    }

    // POST /v3/conversations — open a conversation (a 1:1 for one member)
    if (method === "POST" && parts.length === 2 && parts[0] === "v3" && parts[1] === "conversations") {
      const p = body as { isGroup?: boolean; members?: { id: string }[]; tenantId?: string; channelData?: { tenant?: { id?: string } } };
      const member = p.members?.[0]?.id;
      if (!member) return answer(400, { error: { code: "BadArgument", message: "members required" } });
      const id = p.isGroup ? `19:${randomUUID()}@thread.v2` : personalConversationId(member);
      const c = this.conversation(id);
      c.tenantId = p.tenantId ?? p.channelData?.tenant?.id ?? c.tenantId;
      c.members = p.members ?? [];
      return answer(201, { id });
    }
    if (!conversationId) return answer(404, { error: { code: "NotFound", message: path } });
    const c = this.conversation(baseId(conversationId));
    const activityPart = parts[3] === "activities" ? parts[4] : undefined;

    // GET /v3/conversations/{id}/members: everyone in it (a channel's team, a group or meeting chat)
    if (method === "GET" && parts[3] === "members" && !parts[4]) {
      const ids = this.roster.get(baseId(conversationId));
      if (!ids) return answer(404, { error: { code: "ConversationNotFound", message: conversationId } });
      return answer(200, ids.map((id) => ({ ...(this.members.get(id) ?? { id }), objectId: this.members.get(id)?.aadObjectId })));
    }
    // GET /v3/conversations/{id}/members/{memberId}
    if (method === "GET" && parts[3] === "members" && parts[4]) {
      const m = this.members.get(parts[4]);
      return m ? answer(200, { ...m, objectId: m.aadObjectId }) : answer(404, { error: { code: "MemberNotFoundInConversation", message: parts[4] } });
    }
    if (!writes || parts[3] !== "activities") return answer(404, { error: { code: "NotFound", message: path } });

    const a = body as Record<string, unknown>;
    if (this.options.checkMessage) for (const p of this.options.checkMessage(a)) this.problems.push(`${method} ${path}: ${p}`);
    const tenant = (a.conversation as { tenantId?: string } | undefined)?.tenantId ?? (a.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id ?? null;
    if (tenant && !c.tenantId) c.tenantId = tenant;
    const limited = this.overLimit(baseId(conversationId), c.tenantId, Date.now());
    if (limited) return answer(429, { error: { code: "TooManyRequests", message: "rate limit" } }, { "retry-after": String(Math.max(1, Math.ceil(limited.retryAfterMs / 1000))) });

    if (method === "PUT") {
      const existing = activityPart ? this.find(activityPart) : undefined;
      if (!existing) return answer(404, { error: { code: "ActivityNotFound", message: activityPart ?? "" } });
      existing.activity = { ...a, id: existing.id };
      existing.versions.push(existing.activity);
      return answer(200, { id: existing.id });
    }
    // POST …/activities (new message) or …/activities/{replyToId} (a reply)
    const id = `${++this.seq}:${randomUUID().slice(0, 8)}`;
    const stored = { ...a, id };
    c.activities.push({ id, conversationId: c.id, activity: stored, versions: [stored], replyToId: activityPart ?? null, seq: this.seq });
    return answer(201, { id });
  }

  /** An activity by id, in any conversation. */
  find(id: string): FakeActivity | undefined {
    for (const c of this.conversations.values()) {
      const a = c.activities.find((x) => x.id === id);
      if (a) return a;
    }
    return undefined;
  }
}

/** Replies in a channel thread use "<channel>;messageid=<root>": the thread lives in the channel. */
function baseId(conversationId: string): string {
  return conversationId.split(";")[0]!;
}

// ---------------------------------------------------------------------------------------------
// The Teams side of a conversation: a tenant with a team, a channel and people, and the activities
// Teams would POST to the bot for what they do (Bot Framework protocol shapes).

export interface TeamsPerson {
  /** the 29: id Teams uses for them with this bot */
  id: string;
  aadObjectId: string;
  name: string;
  locale: string;
}

export type Activity = Record<string, unknown> & { type: string; id: string };

let activityCounter = 0;

export class TeamsWorld {
  readonly tenantId: string;
  readonly bot = { id: "28:partnerpuls-bot", name: "Partnerpuls" };
  /** the team; its General channel has the team's id */
  readonly team: { id: string; name: string };
  readonly channel: { id: string; name: string };

  constructor(
    readonly serviceUrl: string,
    options: { tenantId?: string; team?: { id: string; name: string }; channel?: { id: string; name: string } } = {},
  ) {
    this.tenantId = options.tenantId ?? "8f3c1a52-6a2e-4d1b-9f0e-1c2d3e4f5a6b";
    this.team = options.team ?? { id: "19:team-sundby@thread.tacv2", name: "Sund By" };
    this.channel = options.channel ?? { id: "19:styregruppe@thread.tacv2", name: "Styregruppe" };
  }

  static person(key: string, name: string, locale = "en-GB"): TeamsPerson {
    const hex = Buffer.from(key.padEnd(16, "-")).toString("hex").slice(0, 32).padEnd(32, "0");
    const aadObjectId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    return { id: `29:1${key}-pairwise-id`, aadObjectId, name, locale };
  }

  private base(person: TeamsPerson | null, conversation: Record<string, unknown>, channelData: Record<string, unknown>): Activity {
    return {
      type: "message",
      id: `act-${++activityCounter}`,
      timestamp: new Date().toISOString(),
      serviceUrl: this.serviceUrl,
      channelId: "msteams",
      from: person ? { id: person.id, name: person.name, aadObjectId: person.aadObjectId } : { id: "29:system" },
      recipient: { ...this.bot },
      conversation: { ...conversation, tenantId: this.tenantId },
      channelData: { tenant: { id: this.tenantId }, ...channelData },
      ...(person ? { locale: person.locale } : {}),
    };
  }

  personalConversation(person: TeamsPerson) {
    return { id: personalConversationId(person.id), conversationType: "personal", isGroup: false };
  }

  /** A message in the person's 1:1 chat with the bot. */
  personalMessage(person: TeamsPerson, text: string, extra: Record<string, unknown> = {}): Activity {
    return { ...this.base(person, this.personalConversation(person), {}), text, textFormat: "plain", ...extra };
  }

  private channelConversation(root: string) {
    return { id: `${this.channel.id};messageid=${root}`, conversationType: "channel", isGroup: true };
  }

  private channelData(channel = this.channel) {
    return { team: { id: this.team.id, name: this.team.name }, channel: { id: channel.id, name: channel.name }, teamsTeamId: this.team.id, teamsChannelId: channel.id };
  }

  /**
   * A post in the channel that @mentions the bot. `<at>Name</at>` in the text become mention
   * entities: the bot, or the person of that name (as Teams sends them: 29: id and name only).
   */
  channelMessage(person: TeamsPerson, text: string, people: TeamsPerson[] = []): Activity {
    const full = `<at>${this.bot.name}</at> ${text}`;
    const entities: Record<string, unknown>[] = [];
    for (const m of full.matchAll(/<at>([^<]+)<\/at>/g)) {
      const name = m[1]!;
      const who = name === this.bot.name ? this.bot : people.find((p) => p.name === name);
      if (!who) throw new Error(`no person called ${name} to mention`);
      entities.push({ type: "mention", text: m[0], mentioned: { id: who.id, name: who.name } });
    }
    entities.push({ type: "clientInfo", locale: person.locale, country: "DK", platform: "Web" });
    const a = this.base(person, {}, this.channelData());
    return { ...a, conversation: { ...this.channelConversation(a.id), tenantId: this.tenantId }, text: full, textFormat: "plain", entities };
  }

  /** A message in a group chat the bot was added to, @mentioning it. */
  groupChatMessage(person: TeamsPerson, text: string, chatId = "19:sundby-chat@thread.v2"): Activity {
    const full = `<at>${this.bot.name}</at> ${text}`;
    return {
      ...this.base(person, { id: chatId, conversationType: "groupChat", isGroup: true, name: "Sund By chat" }, {}),
      text: full,
      textFormat: "plain",
      entities: [{ type: "mention", text: `<at>${this.bot.name}</at>`, mentioned: { ...this.bot } }],
    };
  }

  /** A message in an online meeting's chat @mentioning the bot: the chat is a group chat, and its channelData names the meeting. */
  meetingChatMessage(person: TeamsPerson, text: string, meeting: { chatId: string; id: string }): Activity {
    const a = this.groupChatMessage(person, text, meeting.chatId);
    return { ...a, conversation: { ...(a.conversation as object), name: undefined }, channelData: { ...(a.channelData as object), meeting: { id: meeting.id } } };
  }

  /**
   * Teams' meeting start and end events, as Microsoft documents them for bots with the meeting
   * RSC permissions: an `event` named application/vnd.microsoft.meetingStart (or …End) in the
   * meeting's chat, its details in `value` with Pascal-case keys.
   */
  meetingEvent(kind: "start" | "end", person: TeamsPerson, meeting: { chatId: string; id: string; title: string }, at: Date): Activity {
    const a = this.base(person, { id: meeting.chatId, isGroup: true }, {});
    return {
      ...a,
      type: "event",
      name: kind === "start" ? "application/vnd.microsoft.meetingStart" : "application/vnd.microsoft.meetingEnd",
      value: {
        MeetingType: "Scheduled",
        Title: meeting.title,
        Id: meeting.id,
        JoinUrl: `https://teams.microsoft.com/l/meetup-join/${encodeURIComponent(meeting.chatId)}/0`,
        ...(kind === "start" ? { StartTime: at.toISOString() } : { EndTime: at.toISOString() }),
      },
    };
  }

  /** An Action.Execute press: Teams invokes `adaptiveCard/action` and shows the card it gets back. */
  execute(person: TeamsPerson, conversation: { id: string; conversationType: string }, replyToId: string, verb: string, data: Record<string, unknown>): Activity {
    return {
      ...this.base(person, conversation, conversation.conversationType === "channel" ? this.channelData() : {}),
      type: "invoke",
      name: "adaptiveCard/action",
      replyToId,
      value: { action: { type: "Action.Execute", id: `action-${activityCounter}`, verb, data }, trigger: "manual" },
    };
  }

  /** An Action.Submit press from an older client: a message with the data as its value. */
  submit(person: TeamsPerson, conversation: { id: string; conversationType: string }, replyToId: string, data: Record<string, unknown>): Activity {
    return { ...this.base(person, conversation, conversation.conversationType === "channel" ? this.channelData() : {}), replyToId, value: data };
  }

  /** The app installed for a person (their 1:1 chat with the bot exists from then on). */
  installPersonal(person: TeamsPerson, action: "add" | "remove" = "add"): Activity {
    return { ...this.base(person, this.personalConversation(person), { source: { name: "message" } }), type: "installationUpdate", action };
  }

  /** The app added to the team by `by`, in its General channel. */
  installTeam(by: TeamsPerson): Activity {
    const a = this.base(by, { id: this.team.id, conversationType: "channel", isGroup: true }, { ...this.channelData({ id: this.team.id, name: "General" }), settings: { selectedChannel: { id: this.team.id } } });
    return { ...a, type: "installationUpdate", action: "add" };
  }

  /** Teams' conversationUpdate for members added to the team (the bot among them on install). */
  membersAdded(by: TeamsPerson, members: (TeamsPerson | "bot")[]): Activity {
    const a = this.base(by, { id: this.team.id, conversationType: "channel", isGroup: true }, { ...this.channelData({ id: this.team.id, name: "General" }), eventType: "teamMemberAdded" });
    return { ...a, type: "conversationUpdate", membersAdded: members.map((m) => (m === "bot" ? { id: this.bot.id } : { id: m.id, aadObjectId: m.aadObjectId })) };
  }

  /** The channel's own conversation, where the bot's posts (digests) are pressed. */
  channelOfPosts() {
    return { id: this.channel.id, conversationType: "channel", isGroup: true };
  }

  /** A post in the channel, as the channel's conversation holds it. */
  channelPosts(fake: FakeTeams): FakeActivity[] {
    return fake.messages(this.channel.id);
  }
}

/** POSTs an activity to the bot as the Bot Framework service would. */
export async function postActivity(appUrl: string, activity: Activity, token?: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${appUrl}/api/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(activity),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

// ---------------------------------------------------------------------------------------------
// The Bot Framework's token issuer: OpenID metadata and signing keys served locally, tokens signed
// with jose. The bot is pointed at it with botbuilder's own settings (ToBotFromChannelOpenIdMetadataUrl,
// ToBotFromChannelTokenIssuer), as a private cloud would be.


export const BOT_FRAMEWORK_ISSUER = "https://api.botframework.com";

export class FakeTokenIssuer {
  private server!: http.Server;
  url = "";
  private keys!: { privateKey: CryptoKey; jwk: JWK };
  /** a second key pair the metadata does not publish: tokens signed with it must be refused */
  private stranger!: { privateKey: CryptoKey };
  readonly kid = "partnerpuls-test-key";
  metadataRequests = 0;

  static async start(): Promise<FakeTokenIssuer> {
    const f = new FakeTokenIssuer();
    const pair = await generateKeyPair("RS256", { extractable: true });
    f.keys = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: f.kid, use: "sig", alg: "RS256" } };
    f.stranger = { privateKey: (await generateKeyPair("RS256")).privateKey };
    f.server = http.createServer((req, res) => {
      f.metadataRequests++;
      const send = (body: unknown) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.url === "/v1/.well-known/openidconfiguration")
        return send({ issuer: BOT_FRAMEWORK_ISSUER, authorization_endpoint: `${f.url}/auth`, jwks_uri: `${f.url}/v1/.well-known/keys`, id_token_signing_alg_values_supported: ["RS256"], token_endpoint_auth_methods_supported: ["private_key_jwt"] });
      // Teams' keys are endorsed for the channels they may sign for.
      if (req.url === "/v1/.well-known/keys") return send({ keys: [{ ...f.keys.jwk, endorsements: ["msteams"] }] });
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((resolve) => f.server.listen(0, "127.0.0.1", resolve));
    f.url = `http://127.0.0.1:${(f.server.address() as { port: number }).port}`;
    return f;
  }

  /** The botbuilder settings that make the bot trust this issuer (and only it). */
  env(): Record<string, string> {
    return {
      ToBotFromChannelOpenIdMetadataUrl: `${this.url}/v1/.well-known/openidconfiguration`,
      ToBotFromEmulatorOpenIdMetadataUrl: `${this.url}/v1/.well-known/openidconfiguration`,
      ToBotFromChannelTokenIssuer: BOT_FRAMEWORK_ISSUER,
    };
  }

  /** A channel token as the Bot Framework signs it for a request to the bot. */
  async token(claims: { aud: string; serviceUrl: string; iss?: string; expiresIn?: string | number; signWith?: "issuer" | "stranger"; kid?: string }): Promise<string> {
    const key = claims.signWith === "stranger" ? this.stranger.privateKey : this.keys.privateKey;
    return new SignJWT({ serviceurl: claims.serviceUrl })
      .setProtectedHeader({ alg: "RS256", kid: claims.kid ?? this.kid, typ: "JWT" })
      .setIssuer(claims.iss ?? BOT_FRAMEWORK_ISSUER)
      .setAudience(claims.aud)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 60)
      .setNotBefore(Math.floor(Date.now() / 1000) - 60)
      .setExpirationTime(claims.expiresIn ?? "1h")
      .sign(key);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
