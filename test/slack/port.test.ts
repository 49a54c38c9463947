// The Slack ChatPort: one delivery each, Slack's answers mapped to what the courier understands,
// and, behind the real courier and outbox, every partner polled exactly once through 429s.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from "vitest";
import { SlackChatPort, SLACK_LIMITS_DEFAULT, slackLimits } from "../../adapters/slack/port.ts";
import { RateLimitedError, PermanentDeliveryError, type Actor, type Delivery, type MessageRef } from "../../src/ports.ts";
import { message, textMessage } from "../../src/messages/model.ts";
import { FakeSlack } from "../support/fake-slack.ts";
import { describeEachDatabase } from "../support/databases.ts";
import { coreWithCourier } from "../support/recording-port.ts";

let fake: FakeSlack;
let port: SlackChatPort;
beforeAll(async () => {
  fake = await FakeSlack.start();
  const token = fake.botToken;
  port = new SlackChatPort({ tokens: { botToken: async (team) => (team === fake.team.teamId ? token : null) }, apiUrl: fake.apiUrl, lang: "en", log: () => {} });
});
afterAll(async () => {
  await fake.close();
});

const ws = () => ({ platform: "slack" as const, externalId: fake.team.teamId });
const toUser = (userId: string, m = textMessage("Your check-in")): Delivery => ({ workspace: ws(), to: { kind: "user", userId }, message: m });
const toChannel = (channelId: string, m = textMessage("Digest")): Delivery => ({ workspace: ws(), to: { kind: "channel", channelId }, message: m });

describe("the Slack ChatPort", () => {
  beforeEach(() => fake.reset());

  it("opens a DM once per person and posts there; says where it landed", async () => {
    const ref = await port.deliver(toUser("U1"));
    expect(ref).toEqual({ conversationId: "DU1", messageId: expect.stringMatching(/^\d+\.\d{6}$/) });
    await port.deliver(toUser("U1"));
    expect(fake.callsTo("conversations.open")).toHaveLength(1);
    expect(fake.conversation("DU1")).toHaveLength(2);
    expect(fake.callsTo("chat.postMessage")[0]!.token).toBe(fake.botToken);
  });

  it("posts to a channel and replaces a message in place", async () => {
    const ref = (await port.deliver(toChannel("C1")))!;
    const again = await port.deliver({ workspace: ws(), to: { kind: "update", ref }, message: textMessage("Round closed") });
    expect(again).toEqual(ref);
    const [m] = fake.conversation("C1");
    expect(m!.version).toBe(2);
    expect(JSON.stringify(m!.blocks)).toContain("Round closed");
  });

  it("uploads a message's files beside it, saying where the message landed before it uploads", async () => {
    const m = message("Export", [{ type: "text", text: "Here it is" }, { type: "file", filename: "results.csv", mimeType: "text/csv", content: "round,mean\n1,3.5\n" }]);
    const landed: { ref: MessageRef; filesSoFar: number }[] = [];
    const ref = (await port.deliver({ ...toUser("U2", m), landed: async (r) => void landed.push({ ref: r, filesSoFar: fake.files.size }) }))!;
    const files = [...fake.files.values()];
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ filename: "results.csv", content: "round,mean\n1,3.5\n", channels: [ref.conversationId] });
    expect(landed).toEqual([{ ref, filesSoFar: 0 }]);
    // A message with nothing to upload is finished as soon as deliver returns: no landing to record.
    const plain: MessageRef[] = [];
    await port.deliver({ ...toUser("U2"), landed: async (r) => void plain.push(r) });
    expect(plain).toEqual([]);
  });

  it("turns a 429 into RateLimitedError with Slack's Retry-After, without retrying itself", async () => {
    fake.limit({ kind: "every", n: 1, retryAfterS: 7, methods: "chat.postMessage" });
    const e = await port.deliver(toChannel("C1")).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RateLimitedError);
    expect((e as RateLimitedError).retryAfterMs).toBe(7000);
    expect(fake.callsTo("chat.postMessage")).toHaveLength(1);
  });

  it("turns errors retrying cannot mend into PermanentDeliveryError, and leaves the rest to retry", async () => {
    for (const code of ["channel_not_found", "is_archived", "not_in_channel", "account_inactive", "invalid_auth", "token_revoked", "missing_scope"]) {
      fake.fail("chat.postMessage", code);
      const e = await port.deliver(toChannel("C1")).catch((x: unknown) => x);
      expect(e, code).toBeInstanceOf(PermanentDeliveryError);
      expect((e as Error).message).toBe(`slack: ${code}`);
    }
    fake.fail("conversations.open", "user_not_found");
    expect(await port.deliver(toUser("U404")).catch((x: unknown) => x)).toBeInstanceOf(PermanentDeliveryError);
    const gone = await port.deliver({ workspace: ws(), to: { kind: "update", ref: { conversationId: "C1", messageId: "1.000001" } }, message: textMessage("x") }).catch((x: unknown) => x);
    expect((gone as Error).message).toBe("slack: message_not_found");
    fake.fail("chat.postMessage", "internal_error");
    const transient = await port.deliver(toChannel("C1")).catch((x: unknown) => x);
    expect(transient).toBeInstanceOf(Error);
    expect(transient).not.toBeInstanceOf(PermanentDeliveryError);
    expect(transient).not.toBeInstanceOf(RateLimitedError);
    // A team the app is not installed in, or another platform, has nowhere to go.
    expect(await port.deliver({ ...toChannel("C1"), workspace: { platform: "slack", externalId: "T0OTHER" } }).catch((x: unknown) => x)).toBeInstanceOf(PermanentDeliveryError);
    expect(await port.deliver({ ...toChannel("C1"), workspace: { platform: "teams", externalId: "x" } }).catch((x: unknown) => x)).toBeInstanceOf(PermanentDeliveryError);
  });

  it("publishes Slack's limits: one message a second per conversation, a workspace budget per minute", () => {
    expect(SLACK_LIMITS_DEFAULT.perConversation).toEqual([{ count: 1, perMs: 1000 }]);
    expect(SLACK_LIMITS_DEFAULT.perWorkspace).toEqual([
      { count: 10, perMs: 1000 },
      { count: 50, perMs: 60_000 },
    ]);
    // Bursts of 10 at most; a budget above 600 a minute goes out evenly, one send every 20 ms for 3,000.
    expect(slackLimits(600).perWorkspace).toEqual([
      { count: 10, perMs: 1000 },
      { count: 600, perMs: 60_000 },
    ]);
    expect(slackLimits(3000).perWorkspace).toEqual([
      { count: 1, perMs: 20 },
      { count: 3000, perMs: 60_000 },
    ]);
  });
});

describeEachDatabase("the Slack ChatPort behind the courier", (db) => {
  it("polls every partner exactly once while Slack throttles and answers 429", async () => {
    fake.reset();
    const limited = new SlackChatPort({
      tokens: { botToken: async () => fake.botToken },
      apiUrl: fake.apiUrl,
      lang: "en",
      limits: slackLimits(3000),
      log: () => {},
    });
    const { core, settle, stop, courier } = coreWithCourier(db().prisma, limited);
    try {
      const actor = (userId: string): Actor => ({ workspace: { platform: "slack", externalId: fake.team.teamId, name: fake.team.domain }, userId, locale: "en-GB" });
      const run = async (text: string) => core.command(actor("U0COORD"), text);
      await run('partnership create "Throttled" language=en');
      for (const o of ["A", "B"]) await run(`org add "${o}" sector=ngo`);
      const partners = Array.from({ length: 24 }, (_, i) => `U0P${String(i).padStart(2, "0")}`);
      for (const p of partners) await run(`member add @{${p}} roles=partner`);
      // Slack lets 6 messages a second through, and answers every 5th post 429 regardless.
      fake.limit({ kind: "rate", n: 6, retryAfterS: 1, methods: "chat.postMessage" });
      fake.limit({ kind: "every", n: 5, retryAfterS: 1, methods: "chat.postMessage" });
      expect((await run("checkin start")).fallback).toMatch(/#1/);
      await settle();
      const posts = fake.callsTo("chat.postMessage");
      expect(posts.filter((c) => c.status === 429).length).toBeGreaterThan(0);
      expect(courier.stats.rateLimited).toBeGreaterThan(0);
      const counted = fake.deliveryCounts(partners.map((p) => fake.dmChannel(p)));
      expect({ duplicates: counted.duplicates, losses: counted.losses }).toEqual({ duplicates: 0, losses: 0 });
      expect(posts.filter((c) => c.status === 200)).toHaveLength(partners.length);
    } finally {
      fake.clearLimits();
      await stop();
    }
  });
});
