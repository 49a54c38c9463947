// A signed Slack request is valid for five minutes, so a captured one can be sent again, and Slack
// retries events itself. Each is taken once however many instances share the database: three
// real apps (Bolt behind our receiver; two over HTTP, one over Socket Mode) on one database, one
// fake Slack Web API, the very same signed requests sent to each.
import { it, expect, beforeAll, afterAll } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { FakeSlack } from "../support/fake-slack.ts";
import { loadConfig } from "../../src/config.ts";
import { startApp } from "../../adapters/main.ts";
import type { SlackAdapter } from "../../adapters/slack/index.ts";
import { InboundSeenTable, INBOUND_SEEN_KEEP_MS } from "../../adapters/slack/receiver.ts";
import { postSigned, slashCommand, blockActions, appHomeOpened, SIGNING_SECRET, type Signed, type Who } from "./payloads.ts";
import { findButton, seenFromSlack } from "../behaviour/drivers/slack.ts";
import type { SlackBlock } from "../../adapters/slack/blocks.ts";

type App = Awaited<ReturnType<typeof startApp>>;
const COORD = "U0METTE";
const PARTNER = "U0ANDERS";

describeEachDatabase("Slack requests taken once across instances", (db, kind) => {
  let fake: FakeSlack;
  let a: App;
  let b: App;
  let socket: App;
  const who = (userId: string): Who => ({ teamId: fake.team.teamId, teamDomain: fake.team.domain, userId });
  const slackOf = (app: App) => app.adapters.slack as SlackAdapter;
  const settle = async () => {
    for (const app of [a, b, socket]) await app.settle();
  };
  /** The same signed request (same body, timestamp and signature) to each app given. */
  const sendTo = async (apps: App[], req: Signed, together = false) => {
    const fixed = { ...req, timestamp: req.timestamp ?? Math.floor(Date.now() / 1000) };
    const post = (app: App) => postSigned(app.server.url, fixed);
    const res = together ? await Promise.all(apps.map(post)) : await apps.reduce<Promise<Response[]>>(async (acc, app) => [...(await acc), await post(app)], Promise.resolve([]));
    await settle();
    return res;
  };
  const duplicates = () => [a, b, socket].reduce((n, app) => n + slackOf(app).receiver.stats.duplicates, 0);

  beforeAll(async () => {
    fake = await FakeSlack.start();
    fake.users.set(COORD, { name: "mette", realName: "Mette Holm", displayName: "Mette Holm", locale: "en-GB" });
    const env = { PORT: "0", PARTNERPULS_PLAYGROUND: "off", SLACK_BOT_TOKEN: fake.botToken, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.apiUrl };
    a = await startApp(loadConfig(env), db(), env, { runner: "a", clock: false });
    b = await startApp(loadConfig(env), db(), env, { runner: "b", clock: false });
    const socketEnv = { ...env, SLACK_APP_TOKEN: "xapp-1-A0PULS-1-test" };
    socket = await startApp(loadConfig(socketEnv), db(), socketEnv, { runner: "socket", clock: false });
    for (let i = 0; i < 100 && fake.socketConnections === 0; i++) await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    for (const app of [a, b, socket]) await app?.stop();
    await fake?.close();
  });

  it("runs a slash command replayed to another instance once", async () => {
    const responseUrl = fake.responseUrl();
    const req = slashCommand(who(COORD), { text: 'partnership create "Sund By"', responseUrl });
    const before = duplicates();
    const [first, second] = await sendTo([a, b], req);
    expect([first!.status, second!.status]).toEqual([200, 200]);
    const replies = fake.responsesTo(responseUrl);
    expect(replies).toHaveLength(1); // a second run would have answered "already exists"
    expect(String(replies[0]!.text)).toMatch(/Sund By/);
    expect(await db().prisma.partnership.count()).toBe(1);
    expect(duplicates()).toBe(before + 1);
  });

  it("runs a slash command replayed to the same instance once", async () => {
    const responseUrl = fake.responseUrl();
    const req = slashCommand(who(COORD), { text: 'org add "Aarhus Kommune" sector=municipality', responseUrl });
    await sendTo([a, a, a], req);
    expect(fake.responsesTo(responseUrl)).toHaveLength(1);
    expect(await db().prisma.organisation.count()).toBe(1);
  });

  it("runs a slash command sent to both instances at the same moment once", async () => {
    const responseUrl = fake.responseUrl();
    const req = slashCommand(who(COORD), { text: `member add <@${PARTNER}> org="Aarhus Kommune" roles=partner`, responseUrl });
    const statuses = (await sendTo([a, b, a, b], req, true)).map((r) => r.status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(fake.responsesTo(responseUrl)).toHaveLength(1);
    expect(String(fake.responsesTo(responseUrl)[0]!.text)).toMatch(/added/);
  });

  it("runs a new command with the same text again: the key is Slack's trigger_id, not the person or the words", async () => {
    const replies: string[] = [];
    for (let i = 0; i < 2; i++) {
      const responseUrl = fake.responseUrl();
      await sendTo([i === 0 ? a : b], slashCommand(who(COORD), { text: "status", responseUrl }));
      replies.push(String(fake.responsesTo(responseUrl)[0]?.text));
    }
    expect(replies).toHaveLength(2);
    for (const r of replies) expect(r).toMatch(/Sund By|answered|check-in/i);
  });

  it("does a replayed button press once, and a second click again", async () => {
    const started = fake.responseUrl();
    await sendTo([a], slashCommand(who(COORD), { text: "checkin start sections=1", responseUrl: started }));
    await settle();
    const dm = fake.conversation(fake.dmChannel(PARTNER)).at(-1)!;
    const card = seenFromSlack("card", dm.text, dm.blocks as SlackBlock[], { channel: dm.channel, ts: dm.ts });
    const press = () => {
      const { button, blockId } = findButton(card, "4", 0);
      return blockActions(who(PARTNER), {
        button: { action_id: button.action_id, block_id: blockId, value: button.value, text: "4" },
        responseUrl: fake.responseUrl({ channel: dm.channel, ts: dm.ts }),
        message: { channel: dm.channel, ts: dm.ts, text: dm.text, blocks: dm.blocks },
      });
    };
    const updates = fake.callsTo("chat.update").length;
    await sendTo([a, b, socket], press());
    expect(fake.callsTo("chat.update")).toHaveLength(updates + 1);
    await sendTo([b], press()); // a new click: its own trigger_id and action_ts
    expect(fake.callsTo("chat.update")).toHaveLength(updates + 2);
    const answers = await db().prisma.answer.findMany({ where: { membership: { person: { platformUserId: PARTNER } } } });
    expect(answers.map((x) => x.rating)).toEqual([4]);
  });

  // Instances share a database only on PostgreSQL: one process owns a PGlite directory, and takes
  // presses on one card in turn without a lease in the database.
  it.runIf(kind === "postgres")("orders two presses on one card taken by two instances: the card ends up showing both", async () => {
    const dm = fake.conversation(fake.dmChannel(PARTNER)).at(-1)!;
    const card = seenFromSlack("card", dm.text, dm.blocks as SlackBlock[], { channel: dm.channel, ts: dm.ts });
    const press = (label: string, question: number) => {
      const { button, blockId } = findButton(card, label, question);
      return blockActions(who(PARTNER), {
        button: { action_id: button.action_id, block_id: blockId, value: button.value, text: label },
        responseUrl: fake.responseUrl({ channel: dm.channel, ts: dm.ts }),
        message: { channel: dm.channel, ts: dm.ts, text: dm.text, blocks: dm.blocks },
      });
    };
    // The first instance's update of the card is slow to reach Slack; the second press, on the
    // other instance, comes while it is on its way. Taken in turn, the later render (both
    // answers) is the one Slack keeps; taken at once, the slow first render would land last.
    fake.delayArrival("chat.update", 600);
    const first = sendTo([a], press("3", 1));
    await new Promise((r) => setTimeout(r, 150));
    await Promise.all([first, sendTo([b], press("5", 2))]);
    await settle();
    const stored = fake.conversation(dm.channel).find((m) => m.ts === dm.ts)!;
    const shown = seenFromSlack("card", stored.text, stored.blocks as SlackBlock[], { channel: dm.channel, ts: dm.ts });
    const selected = (q: number) => shown.questions[q]!.options.filter((o) => o.selected).map((o) => o.label);
    expect([selected(1), selected(2)]).toEqual([["3"], ["5"]]);
  });

  it("publishes Home once for an event Slack retries to other instances", async () => {
    const publishes = fake.callsTo("views.publish").length;
    const event = appHomeOpened(who(PARTNER));
    const [first] = await sendTo([a], event);
    expect(first!.status).toBe(200);
    const retries = await sendTo([b, a], { ...event, headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" } });
    for (const r of retries) {
      expect(r.status).toBe(200);
      expect(r.headers.get("x-slack-no-retry")).toBe("1");
    }
    expect(fake.callsTo("views.publish")).toHaveLength(publishes + 1);
  });

  it("takes a request once whether it came over HTTP or Socket Mode", async () => {
    const responseUrl = fake.responseUrl();
    const req = slashCommand(who(COORD), { text: "help", responseUrl });
    await sendTo([a], req);
    const form = Object.fromEntries(new URLSearchParams(req.body));
    expect(await fake.sendEnvelope("slash_commands", form)).toBeDefined(); // acknowledged, so Slack does not resend
    await settle();
    expect(fake.responsesTo(responseUrl)).toHaveLength(1);
    // …and the other way round
    const socketFirst = fake.responseUrl();
    const req2 = slashCommand(who(COORD), { text: "help", responseUrl: socketFirst });
    await fake.sendEnvelope("slash_commands", Object.fromEntries(new URLSearchParams(req2.body)));
    await settle();
    await sendTo([b], req2);
    expect(fake.responsesTo(socketFirst)).toHaveLength(1);
  });

  it("keys every request taken by Slack's ids under slack:, never by a user id alone", async () => {
    const keys = (await db().prisma.inboundSeen.findMany()).map((r) => r.key);
    expect(keys.length).toBeGreaterThanOrEqual(8);
    for (const k of keys) {
      expect(k).toMatch(/^slack:(command|action|event|view):/);
      expect([COORD, PARTNER]).not.toContain(k.slice(k.lastIndexOf(":") + 1));
    }
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("forgets keys after about fifteen minutes, now and then, without a request waiting for it", async () => {
    let now = Date.UTC(2030, 0, 1, 12);
    const table = new InboundSeenTable(db().prisma, { now: () => now, pruneEveryMs: 60_000 });
    expect(await table.firstTime("slack:test:old")).toBe(true);
    expect(await table.firstTime("slack:test:old")).toBe(false);
    now += 5 * 60_000;
    expect(await table.firstTime("slack:test:recent")).toBe(true);
    await table.settle();
    now += INBOUND_SEEN_KEEP_MS - 4 * 60_000; // "old" is 16 minutes old, "recent" 11
    expect(await table.firstTime("slack:test:trigger")).toBe(true);
    await table.settle();
    const left = (await db().prisma.inboundSeen.findMany({ where: { key: { startsWith: "slack:test:" } } })).map((r) => r.key).sort();
    expect(left).toEqual(["slack:test:recent", "slack:test:trigger"]);
    expect(await table.firstTime("slack:test:recent")).toBe(false);
  });
});
