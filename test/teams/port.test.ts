// The Teams ChatPort as the courier uses it: one delivery to a person, a channel or an earlier
// card; Teams' answers mapped to the courier's errors; each request sent once (the connector
// client's own retries are off); conversation references from the database, so another instance
// can message people it never saw.
import { it, expect, beforeAll, afterAll, beforeEach } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { loadConfig } from "../../src/config.ts";
import { startApp } from "../../adapters/main.ts";
import { createTeamsAdapter, teamsConfigFrom, type TeamsAdapter } from "../../adapters/teams/index.ts";
import { RateLimitedError, PermanentDeliveryError, type Delivery, type WorkspaceRef } from "../../src/ports.ts";
import { textMessage, type RichText } from "../../src/messages/model.ts";
import { FakeTeams, TeamsWorld, postActivity, personalConversationId, type Activity } from "../support/fake-teams.ts";
import { assertValidCard, cardsOf, messageProblems } from "./validate-card.ts";

describeEachDatabase("Teams: the port", (db) => {
  let fake: FakeTeams;
  let app: Awaited<ReturnType<typeof startApp>>;
  let teams: TeamsAdapter;
  let world: TeamsWorld;
  let ws: WorkspaceRef;
  const mette = TeamsWorld.person("mette", "Mette Holm", "da-DK");
  const anders = TeamsWorld.person("anders", "Anders Berg", "da-DK");
  const lars = TeamsWorld.person("lars", "Lars Nielsen", "en-GB");
  const stranger = TeamsWorld.person("stranger", "Nobody Known");
  const post = async (a: Activity) => expect((await postActivity(app.server.url, a)).status).toBe(200);
  const toUser = (userId: string, text: RichText = "Hello"): Delivery => ({ workspace: ws, to: { kind: "user", userId }, message: textMessage(text) });

  beforeAll(async () => {
    fake = await FakeTeams.start({ checkMessage: messageProblems });
    const env = { PORT: "0", TEAMS_LOCAL: "1", PARTNERPULS_PLAYGROUND: "off" };
    app = await startApp(loadConfig(env), db(), env);
    teams = app.adapters.teams as TeamsAdapter;
    world = new TeamsWorld(fake.url);
    ws = { platform: "teams", externalId: world.tenantId };
    // Mette installed the app in the team; Anders and Lars are members; Anders installed it for himself.
    await post(world.installTeam(mette));
    await post(world.membersAdded(mette, ["bot", mette, anders, lars]));
    await post(world.installPersonal(anders));
    // A message in the channel teaches the bot the channel.
    await post(world.channelMessage(mette, "help"));
  });
  afterAll(async () => {
    // every message the bot sent carried cards Teams can render
    expect(fake?.problems ?? []).toEqual([]);
    await app?.stop();
    await fake?.close();
  });
  beforeEach(() => {
    fake.calls.length = 0;
    fake.failures.length = 0;
  });

  it("declares Teams' limits for the courier", () => {
    expect(teams.port.platform).toBe("teams");
    expect(teams.port.limits.perConversation).toContainEqual({ count: 7, perMs: 1000 });
    expect(teams.port.limits.perConversation).toContainEqual({ count: 60, perMs: 30_000 });
    // One send every 36 ms: under 28 a second, evenly spaced.
    expect(teams.port.limits.perWorkspace).toEqual([{ count: 1, perMs: 36 }]);
  });

  it("sends to a person in their 1:1 chat, as a new message with a valid card", async () => {
    const ref = await teams.port.deliver(toUser(anders.aadObjectId, [{ t: "text", text: "A " }, { t: "strong", text: "poll" }, { t: "text", text: " for " }, { t: "person", id: mette.aadObjectId }]));
    expect(ref).toEqual({ conversationId: personalConversationId(anders.id), messageId: expect.any(String) });
    const sent = fake.find(ref!.messageId)!;
    expect(sent.replyToId).toBeNull();
    expect(fake.calls.map((c) => `${c.method} ${c.status}`)).toEqual(["POST 201"]);
    const [card] = cardsOf(sent.activity);
    assertValidCard(card);
    // the core's text as Teams shows it: bold, and the person as a mention with their name
    expect(JSON.stringify(card)).toContain("A **poll** for <at>Mette Holm</at>");
  });

  it("opens a 1:1 chat through the team for a member who never installed the app, once", async () => {
    const first = await teams.port.deliver(toUser(lars.aadObjectId, "first"));
    expect(fake.calls.map((c) => `${c.method} ${c.path.replace(/%3A/g, ":")}`)).toEqual([
      "POST /v3/conversations",
      `POST /v3/conversations/${encodeURIComponent(personalConversationId(lars.id)).replace(/%3A/g, ":")}/activities`,
    ]);
    const create = fake.calls[0]!.body as { isGroup: boolean; members: { id: string }[]; tenantId: string; channelData: { tenant: { id: string } }; bot: { id: string } };
    expect(create).toMatchObject({ isGroup: false, members: [{ id: lars.id }], tenantId: world.tenantId, channelData: { tenant: { id: world.tenantId } }, bot: { id: world.bot.id } });
    expect(first?.conversationId).toBe(personalConversationId(lars.id));
    fake.calls.length = 0;
    await teams.port.deliver(toUser(lars.aadObjectId, "second"));
    expect(fake.calls.map((c) => c.method)).toEqual(["POST"]); // the chat is known now
  });

  it("cannot reach a person the bot has never met: a permanent failure that says what to do", async () => {
    await expect(teams.port.deliver(toUser(stranger.aadObjectId))).rejects.toThrow(PermanentDeliveryError);
    await expect(teams.port.deliver(toUser(stranger.aadObjectId))).rejects.toThrow("no conversation with this user yet: install the app for them");
    expect(fake.calls).toHaveLength(0);
  });

  it("posts to a channel as a new thread, and replaces a card in place", async () => {
    const ref = await teams.port.deliver({ workspace: ws, to: { kind: "channel", channelId: world.channel.id }, message: textMessage("Digest") });
    expect(ref?.conversationId).toBe(world.channel.id);
    const post = fake.find(ref!.messageId)!;
    expect(post.conversationId).toBe(world.channel.id);
    expect(post.replyToId).toBeNull();
    const again = await teams.port.deliver({ workspace: ws, to: { kind: "update", ref: ref! }, message: textMessage("Digest, corrected") });
    expect(again).toEqual(ref);
    expect(fake.calls.at(-1)?.method).toBe("PUT");
    expect(post.versions).toHaveLength(2);
    expect(JSON.stringify(post.activity)).toContain("Digest, corrected");
  });

  it("maps 429 to RateLimitedError with Retry-After (1 s when Teams leaves it out), sending once", async () => {
    fake.failures.push({ status: 429, headers: { "retry-after": "3" } });
    const e = await teams.port.deliver(toUser(anders.aadObjectId)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RateLimitedError);
    expect((e as RateLimitedError).retryAfterMs).toBe(3000);
    // Teams does not say which limit it was: the courier reads it (a lone one is the conversation's).
    expect((e as RateLimitedError).scope).toBe("unsaid");
    fake.failures.push({ status: 429 });
    const e2 = await teams.port.deliver(toUser(anders.aadObjectId)).catch((x: unknown) => x);
    expect((e2 as RateLimitedError).retryAfterMs).toBe(1000);
    // botbuilder's HTTP pipeline would have slept and retried on its own: it does not
    expect(fake.calls.filter((c) => c.method === "POST")).toHaveLength(2);
  });

  it("maps 403 and 404 to PermanentDeliveryError", async () => {
    fake.failures.push({ status: 403, body: { error: { code: "ConversationBlockedByUser", message: "User blocked the conversation with the bot." } } });
    await expect(teams.port.deliver(toUser(anders.aadObjectId))).rejects.toThrow(/403 ConversationBlockedByUser/);
    fake.failures.push({ status: 404, body: { error: { code: "ConversationNotFound", message: "gone" } } });
    const e = await teams.port.deliver({ workspace: ws, to: { kind: "channel", channelId: world.channel.id }, message: textMessage("x") }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PermanentDeliveryError);
  });

  it("leaves 412, 502, 504 and network errors to the courier's retries: plain errors, one request each", async () => {
    for (const status of [412, 502, 504]) {
      fake.calls.length = 0;
      fake.failures.push({ status });
      const e = await teams.port.deliver(toUser(anders.aadObjectId)).catch((x: unknown) => x);
      expect(e, String(status)).toBeInstanceOf(Error);
      expect(e).not.toBeInstanceOf(RateLimitedError);
      expect(e).not.toBeInstanceOf(PermanentDeliveryError);
      expect((e as { status?: number }).status).toBe(status);
      // a 502 after Teams took the message must not post it twice
      expect(fake.calls, String(status)).toHaveLength(1);
    }
    const dead = { ...toUser(anders.aadObjectId) };
    const record = await db().prisma.teamsConversation.findUnique({ where: { tenantId_key: { tenantId: world.tenantId, key: `user:${anders.aadObjectId}` } } });
    const reference = record!.reference as { personal: { serviceUrl: string } };
    // a connector that does not answer at all
    await db().prisma.teamsConversation.update({ where: { id: record!.id }, data: { reference: { ...reference, personal: { ...reference.personal, serviceUrl: "http://127.0.0.1:9/" } } } });
    try {
      const e = await teams.port.deliver(dead).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(Error);
      expect(e).not.toBeInstanceOf(PermanentDeliveryError);
    } finally {
      await db().prisma.teamsConversation.update({ where: { id: record!.id }, data: { reference } });
    }
  });

  it("another instance can message people and channels it never saw (references are in the database)", async () => {
    const config = teamsConfigFrom({ TEAMS_LOCAL: "1" })!;
    const other = await createTeamsAdapter({ core: app.core, prisma: db().prisma }, config, { log: () => undefined });
    const toAnders = await other.port.deliver(toUser(anders.aadObjectId, "from the other instance"));
    expect(fake.find(toAnders!.messageId)?.conversationId).toBe(personalConversationId(anders.id));
    const toChannel = await other.port.deliver({ workspace: ws, to: { kind: "channel", channelId: world.channel.id }, message: textMessage("digest from the other instance") });
    expect(fake.find(toChannel!.messageId)?.conversationId).toBe(world.channel.id);
    await other.port.deliver({ workspace: ws, to: { kind: "update", ref: toAnders! }, message: textMessage("updated by the other instance") });
    expect(JSON.stringify(fake.find(toAnders!.messageId)?.activity)).toContain("updated by the other instance");
  });

  it("a person who uninstalled is reached through the team again, or not at all", async () => {
    await post(world.installPersonal(anders, "remove"));
    const stored = await db().prisma.teamsConversation.findUnique({ where: { tenantId_key: { tenantId: world.tenantId, key: `user:${anders.aadObjectId}` } } });
    expect((stored!.reference as { personal: unknown }).personal).toBeNull();
    fake.calls.length = 0;
    await teams.port.deliver(toUser(anders.aadObjectId));
    expect(fake.calls[0]?.path).toBe("/v3/conversations");
  });
});
