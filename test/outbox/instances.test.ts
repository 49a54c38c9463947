// Two outbox couriers on one database, as two bot instances on one PostgreSQL server (each with
// its own connection pool), and on PGlite as two in one process sharing the embedded database.
// The sending budget, a 429's pause (a conversation's, or the workspace's when two conversations
// are limited at once) and a conversation's order live in the database, so together they behave as
// one instance would. Slack is the fake at its HTTP boundary, reached through the real port (the
// SDK's WebClient); everything else is the real courier and queue.
import { it, expect, beforeAll, afterAll, describe } from "vitest";
import type { PrismaClient } from "../../src/generated/prisma/client.ts";
import { Courier } from "../../src/outbox/courier.ts";
import { enqueueDeliveries, type OutboxItem } from "../../src/outbox/outbox.ts";
import { SlackChatPort } from "../../adapters/slack/port.ts";
import type { Destination, PlatformLimits } from "../../src/ports.ts";
import { textMessage } from "../../src/messages/model.ts";
import { openDatabase } from "../../src/store/database.ts";
import { DEFAULT_TEAM, FakeSlack } from "../support/fake-slack.ts";
import { createPostgresDatabase, describePostgres, testDatabases } from "../support/databases.ts";

/**
 * The workspace's budget: 20 posts a second, one every 50 ms (and one a second per conversation,
 * Slack's). Without a burst: a burst's slots all come at once, and how long a busy process takes
 * to get twenty posts out, one after another, would shift the counts at the fake, not the budget.
 */
const BUDGET = 20;
const LIMITS: PlatformLimits = { perConversation: [{ count: 1, perMs: 1_000 }], perWorkspace: [{ count: 1, perMs: 1_000 / BUDGET }] };

interface Pair {
  a: PrismaClient;
  b: PrismaClient;
  close(): Promise<void>;
}

async function pgliteShared(): Promise<Pair> {
  const db = await testDatabases.find((d) => d.name === "pglite")!.open();
  return { a: db.prisma, b: db.prisma, close: () => db.close() };
}

async function postgresTwoPools(): Promise<Pair> {
  const created = await createPostgresDatabase();
  const one = await openDatabase({ url: created.url, migrate: true });
  const two = await openDatabase({ url: created.url, migrate: false });
  return {
    a: one.prisma,
    b: two.prisma,
    close: async () => {
      await two.close();
      await one.close();
      await created.drop();
    },
  };
}

/** Most calls in any `windowMs` (calls as they reached the fake, whatever it answered). */
function mostInAnyWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((x, y) => x - y);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

function suite(name: string, open: () => Promise<Pair>) {
  let pair: Pair;
  const fakes: FakeSlack[] = [];
  const couriers: Courier[] = [];
  beforeAll(async () => {
    pair = await open();
  });
  afterAll(async () => {
    for (const c of couriers) await c.stop();
    for (const f of fakes) await f.close();
    await pair?.close();
  });

  /** Two instances (a courier, a Slack port and a Web API client each) and a Slack team of their own. */
  async function instances(teamId: string, options: ConstructorParameters<typeof Courier>[2] = {}) {
    const fake = await FakeSlack.start({ teams: [{ ...DEFAULT_TEAM, teamId }] });
    fakes.push(fake);
    const workspace = await pair.a.workspace.create({ data: { platform: "slack", externalId: teamId } });
    const port = () => new SlackChatPort({ tokens: { botToken: async (t) => (t === teamId ? fake.botToken : null) }, apiUrl: fake.apiUrl, lang: "en", limits: LIMITS, log: () => {} });
    const courier = (db: PrismaClient, runner: string) => new Courier(db, [port()], { runner, pollMs: 200, backoffMs: 200, log: () => {}, ...options });
    const a = courier(pair.a, `${teamId}-a`);
    const b = courier(pair.b, `${teamId}-b`);
    couriers.push(a, b);
    const enqueue = (items: { to: Destination; text: string; key: string }[]) =>
      enqueueDeliveries(
        pair.a,
        items.map((i): OutboxItem => ({ workspaceId: workspace.id, workspace: { platform: "slack", externalId: teamId }, to: i.to, message: textMessage(i.text), lang: "en", dedupeKey: `${teamId}:${i.key}` })),
      );
    return { fake, a, b, enqueue };
  }

  describe(name, () => {
    it("two instances together stay within one workspace's budget, and deliver each message once", async () => {
      const { fake, a, b, enqueue } = await instances("TBUDGET");
      // Each instance sends once first: its Web API client, connections and queries are made then,
      // not in the first second measured (where a cold start, not the budget, would set the times).
      await enqueue([{ to: { kind: "channel", channelId: "CWARM1" }, text: "warm", key: "warm1" }]);
      await a.pass();
      await enqueue([{ to: { kind: "channel", channelId: "CWARM2" }, text: "warm", key: "warm2" }]);
      await b.pass();
      await new Promise((r) => setTimeout(r, 1_000)); // their slots a window behind
      fake.reset();
      // Slack enforces the budget too: beyond it, 429.
      fake.limit({ kind: "rate", n: BUDGET, perMs: 1_000, retryAfterS: 1, methods: "chat.postMessage" });
      // Channels, not DMs: a first DM opens the conversation first (conversations.open), which
      // would put a round trip between the slot and the post that this count should not measure.
      const channels = Array.from({ length: 100 }, (_, i) => `C${String(i).padStart(3, "0")}`);
      await enqueue(channels.map((c) => ({ to: { kind: "channel", channelId: c }, text: `Digest for ${c}`, key: c })));
      a.start();
      b.start();
      await Promise.all([a.settle(60_000), b.settle(60_000)]);
      await Promise.all([a.stop(), b.stop()]);

      const posts = fake.callsTo("chat.postMessage");
      const times = posts.map((c) => c.at);
      const most = mostInAnyWindow(times, 1_000);
      const counts = fake.deliveryCounts(channels);
      console.log(
        `${name}: 100 messages by two instances (${a.stats.delivered - 1} + ${b.stats.delivered - 1}), budget ${BUDGET}/s: ` +
          `at most ${most} posts in any second, ${posts.filter((c) => c.status === 429).length} answered 429, ` +
          `${counts.duplicates} duplicates, ${counts.losses} lost, first to last post ${times.at(-1)! - times[0]!} ms`,
      );
      // Each instance on its own budget would reach twice the budget in a second. Slots are 50 ms
      // apart and a post reaches the fake a moment after its slot; that moment varies on a busy
      // machine, which can carry a few posts into the next second's count: hence + 3.
      expect(most).toBeLessThanOrEqual(BUDGET + 3);
      expect(counts.losses).toBe(0);
      expect(counts.duplicates).toBe(0);
      expect(a.stats.delivered + b.stats.delivered).toBe(102);
      expect(a.stats.delivered).toBeGreaterThan(0);
      expect(b.stats.delivered).toBeGreaterThan(0);
      // The budget sets the pace: 100 at 20 a second take at least four seconds (a lower bound only).
      expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(4_000);
    }, 90_000);

    it("a lone 429 holds back only its conversation: the rest of the workspace goes on, from either instance", async () => {
      const { fake, a, b, enqueue } = await instances("TLONE");
      fake.limit({ kind: "every", n: 1, retryAfterS: 2, methods: "chat.postMessage" });
      await enqueue([{ to: { kind: "user", userId: "U1" }, text: "first", key: "U1" }]);
      expect(await a.pass()).toBe(1);
      const [limited] = fake.callsTo("chat.postMessage");
      expect(limited!.status).toBe(429);
      expect(a.stats).toMatchObject({ rateLimited: 1, workspacePaused: 0 });
      fake.clearLimits();

      // Another conversation is not held back, from the other instance either.
      await enqueue([{ to: { kind: "user", userId: "U2" }, text: "second", key: "U2" }]);
      expect(await b.pass()).toBe(1);
      const toU2 = fake.callsTo("chat.postMessage").filter((c) => c.args.channel === fake.dmChannel("U2"));
      expect(toU2.map((c) => c.status)).toEqual([200]);
      expect(toU2[0]!.at - limited!.at).toBeLessThan(2_000);

      // The conversation limited waits out its Retry-After, then gets its message once.
      await a.settle(30_000);
      const toU1 = fake.callsTo("chat.postMessage").filter((c) => c.args.channel === fake.dmChannel("U1"));
      expect(toU1.map((c) => c.status)).toEqual([429, 200]);
      // A lower bound only (a slow machine makes it later, never earlier); 10 ms for timer rounding.
      expect(toU1[1]!.at - limited!.at).toBeGreaterThanOrEqual(1_990);
      expect(fake.deliveryCounts(["U1", "U2"].map((u) => fake.dmChannel(u)))).toMatchObject({ duplicates: 0, losses: 0 });
    }, 60_000);

    it("429s from two conversations at once hold back the whole workspace, the other instance too, until Retry-After has passed", async () => {
      const { fake, a, b, enqueue } = await instances("TPAUSE");
      fake.limit({ kind: "every", n: 1, retryAfterS: 2, methods: "chat.postMessage" });
      await enqueue(["U1", "U2"].map((u) => ({ to: { kind: "user" as const, userId: u }, text: "first", key: u })));
      expect(await a.pass()).toBe(2);
      const limited = fake.callsTo("chat.postMessage");
      expect(limited.map((c) => c.status)).toEqual([429, 429]);
      expect(a.stats).toMatchObject({ rateLimited: 2, workspacePaused: 1 });
      fake.clearLimits();

      // Instance b has heard no 429 itself; its first post, to a third person, still waits for the workspace's pause.
      await enqueue([{ to: { kind: "user", userId: "U3" }, text: "second", key: "U3" }]);
      expect(await b.pass()).toBe(1);
      const toU3 = fake.callsTo("chat.postMessage").filter((c) => c.args.channel === fake.dmChannel("U3"));
      expect(toU3.map((c) => c.status)).toEqual([200]);
      console.log(`${name}: b's first post came ${toU3[0]!.at - limited[1]!.at} ms after a's second 429 (Retry-After 2 s)`);
      expect(toU3[0]!.at - limited[1]!.at).toBeGreaterThanOrEqual(1_990);

      await a.settle(30_000);
      const counts = fake.deliveryCounts(["U1", "U2", "U3"].map((u) => fake.dmChannel(u)));
      expect(counts).toMatchObject({ duplicates: 0, losses: 0 });
    }, 60_000);

    it("updates of one message arrive in the order they were made, one at a time, even when one is retried", async () => {
      const { fake, a, b, enqueue } = await instances("TORDER");
      await enqueue([{ to: { kind: "user", userId: "U1" }, text: "v0", key: "card" }]);
      await a.settle(30_000);
      const [card] = fake.conversation(fake.dmChannel("U1"));
      const ref = { conversationId: card!.channel, messageId: card!.ts };

      // Five changes, one after another; the first replacement fails once (Slack had a hiccup) and
      // goes back to wait for its retry: the four after it must not overtake it, whichever
      // instance is free. The fake answers late, so an instance sending the next one at once would
      // have two in flight.
      fake.fail("chat.update", "internal_error", 1);
      fake.latency("chat.update", 100);
      for (let v = 1; v <= 5; v++) await enqueue([{ to: { kind: "update", ref }, text: `v${v}`, key: `card:v${v}` }]);
      a.start();
      b.start();
      await Promise.all([a.settle(60_000), b.settle(60_000)]);
      await Promise.all([a.stop(), b.stop()]);

      const updates = fake.callsTo("chat.update");
      console.log(`${name}: chat.update calls in arrival order: ${updates.map((c) => `${c.args.text}${c.error ? ` (${c.error})` : ""}`).join(", ")}; runs by instance: ${await runsByRunner(pair.a, "TORDER")}`);
      expect(updates.map((c) => c.args.text)).toEqual(["v1", "v1", "v2", "v3", "v4", "v5"]);
      expect(updates[0]!.error).toBe("internal_error");
      // One at a time: each came after the answer to the one before (the fake answers 100 ms late).
      for (let i = 1; i < updates.length; i++) expect(updates[i]!.at - updates[i - 1]!.at).toBeGreaterThanOrEqual(100);
      expect(fake.conversation(fake.dmChannel("U1")).map((m) => [m.text, m.version])).toEqual([["v5", 6]]);
    }, 60_000);
  });
}

async function runsByRunner(db: PrismaClient, teamId: string): Promise<string> {
  const runs = await db.jobRun.groupBy({ by: ["runner"], where: { job: { dedupeKey: { startsWith: `deliver:${teamId}:card:` } } }, _count: { _all: true } });
  return runs.map((r) => `${r.runner}=${r._count._all}`).join(", ");
}

describe("two outbox instances on one database", () => {
  suite("pglite (one database shared in-process)", pgliteShared);
  describePostgres("postgres (two connection pools)", () => suite("postgres", postgresTwoPools));
});
