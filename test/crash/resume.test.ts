// Recovery without repeats, in one process on both databases: what a killed run leaves in the Job
// table (claims still 'running', a delivery marked as sending, or where it landed) is what the
// restarted instance finds, and through the real Slack port against the fake Web API it posts only
// what did not land. The process-level crash tests (fanout, close) kill real bot processes.
import { it, expect, beforeAll, afterAll, beforeEach } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { FakeSlack } from "../support/fake-slack.ts";
import { JobQueue, type ClaimedJob } from "../../src/jobs/queue.ts";
import { Courier } from "../../src/outbox/courier.ts";
import { DELIVER, type DeliveryPayload } from "../../src/outbox/outbox.ts";
import { Partnerpuls } from "../../src/core.ts";
import { SlackChatPort, slackLimits, DELIVERY_EVENT } from "../../adapters/slack/port.ts";
import type { Actor, ChatPort, Delivery, MessageRef } from "../../src/ports.ts";
import { loadConfig } from "../../src/config.ts";
import { startApp } from "../../adapters/main.ts";
import type { TeamsAdapter } from "../../adapters/teams/index.ts";
import { textMessage } from "../../src/messages/model.ts";
import { FakeTeams, TeamsWorld, postActivity, personalConversationId } from "../support/fake-teams.ts";

describeEachDatabase("recovery without repeats", (db) => {
  let fake: FakeSlack;
  let port: SlackChatPort;
  let round = 0;
  beforeAll(async () => {
    fake = await FakeSlack.start();
    port = new SlackChatPort({ tokens: { botToken: async () => fake.botToken }, apiUrl: fake.apiUrl, lang: "en", limits: slackLimits(10_000), log: () => {} });
  });
  afterAll(async () => {
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  const channelOf = (job: ClaimedJob) => fake.dmChannel(((job.payload as DeliveryPayload).to as { userId: string }).userId);

  /** A Slack partnership whose round puts one poll per partner in the outbox; nothing delivers them yet. */
  async function pollsFor(partners: number) {
    const core = new Partnerpuls(db().prisma);
    const name = `Resume ${++round}`;
    const coord: Actor = { workspace: { platform: "slack", externalId: fake.team.teamId, name: fake.team.domain }, userId: "U0COORD", locale: "en-GB" };
    const run = (line: string) => core.command(coord, `${line} partnership="${name}"`);
    await core.command(coord, `partnership create "${name}" language=en`);
    for (const o of ["A", "B"]) await run(`org add "${o}" sector=ngo`);
    const users = Array.from({ length: partners }, (_, i) => `U${round}R${i}`);
    for (const u of users) await run(`member add @{${u}} roles=partner`);
    await run("checkin start");
    const courier = (runner: string) =>
      new Courier(db().prisma, [port], { runner, onDelivered: (tx, after, ref) => core.recordDelivery(tx, after, ref), render: (ref) => core.renderDelivery(ref), log: () => {} });
    /** What the killed process did before it died: posted this delivery (the post landed at Slack). */
    const postAsKilled = async (queue: JobQueue, job: ClaimedJob, landed?: (ref: MessageRef) => Promise<void>) => {
      const p = job.payload as DeliveryPayload;
      const message = (await core.renderDelivery(p.render!))!;
      const d: Delivery = { workspace: p.workspace, to: p.to, message, deliveryId: job.id, ...(landed ? { landed } : {}) };
      return (await port.deliver(d))!;
    };
    return { core, users, courier, postAsKilled };
  }

  it("claim says which jobs a lost run left running, and a restart under the same name takes its own back at once", async () => {
    const ws = await db().prisma.workspace.create({ data: { platform: "local", externalId: "reclaim" } });
    const kinds = ["probe.reclaim"];
    await JobQueue.enqueue(db().prisma, [0, 1, 2].map((i) => ({ workspaceId: ws.id, kind: kinds[0]!, dueAt: new Date(Date.now() - 1000), dedupeKey: `reclaim:${i}`, payload: { i } })));
    const killed = new JobQueue(db().prisma, { runner: "bot-x", leaseMs: 60_000 });
    const first = await killed.claim(kinds, 2);
    expect(first.map((j) => j.resumed)).toEqual([false, false]);
    expect(await killed.progress(first[0]!, { step: 1 })).toBe(true);
    // Another instance gets the third, never bot-x's (their lease has a minute to run) …
    const other = new JobQueue(db().prisma, { runner: "bot-y" });
    expect((await other.claim(kinds, 10)).map((j) => (j.payload as { i: number }).i)).toEqual([2]);
    expect(await other.reclaimOwn(kinds)).toBe(0);
    // … and bot-x, restarted, takes its two back without waiting, seeing them as resumed.
    const restarted = new JobQueue(db().prisma, { runner: "bot-x", leaseMs: 60_000 });
    expect(await restarted.reclaimOwn(kinds)).toBe(2);
    const again = await restarted.claim(kinds, 10);
    expect(again.map((j) => [j.id, j.resumed, j.attempts])).toEqual(first.map((j) => [j.id, true, 2]));
    expect(again.find((j) => j.id === first[0]!.id)!.progress).toEqual({ step: 1 });
    // Its own claims made since it started are not taken back by a second call.
    expect(await restarted.reclaimOwn(kinds)).toBe(0);
    // Handed back, the recorded progress stays (the job is still in doubt) unless cleared.
    const [a, b] = again;
    await restarted.retryAt(a!, new Date(Date.now() - 1), "paced", false);
    await restarted.retryAt(b!, new Date(Date.now() - 1), "429", false, true);
    const third = await restarted.claim(kinds, 10);
    expect(third.map((j) => [j.resumed, j.progress])).toEqual([[false, a!.progress], [false, null]]);
  });

  it("finds a poll the killed run had posted by its metadata and does not post it again; posts the rest once", async () => {
    const { users, courier, postAsKilled } = await pollsFor(3);
    const killed = new JobQueue(db().prisma, { runner: "bot-k" });
    const [posted, marked, claimedOnly] = await killed.claim([DELIVER], 10);
    // Posted and never recorded; marked as sending and killed before the post reached Slack; only claimed.
    await killed.progress(posted!, { sending: true });
    const ref = await postAsKilled(killed, posted!);
    await killed.progress(marked!, { sending: true });
    expect(claimedOnly).toBeDefined();
    const t0 = Date.now();
    const restarted = courier("bot-k");
    restarted.start();
    await restarted.settle(20_000);
    await restarted.stop();
    // No wait for the 60 s lease.
    expect(Date.now() - t0).toBeLessThan(10_000);
    const byDelivery = fake.postsByDelivery();
    expect([posted, marked, claimedOnly].map((j) => byDelivery.get(j!.id))).toEqual([1, 1, 1]);
    expect(fake.deliveryCounts(users.map((u) => fake.dmChannel(u)))).toMatchObject({ duplicates: 0, losses: 0 });
    // Looked only where a post may have landed: the two marked as sending.
    expect(fake.callsTo("conversations.history").map((c) => c.args.channel).sort()).toEqual([ref.conversationId, channelOf(marked!)].sort());
    expect(fake.callsTo("conversations.history").every((c) => c.args.include_all_metadata === "true" && Number(c.args.limit) <= 15)).toBe(true);
    expect(restarted.stats).toMatchObject({ resumed: 3, recovered: 1, unchecked: 0, delivered: 3 });
    // The found one is recorded as sent where it landed, so its card can be replaced at close.
    const inv = await db().prisma.invitation.findFirstOrThrow({ where: { id: ((posted!.payload as DeliveryPayload).after as { invitationId: string }).invitationId } });
    expect(inv.pollRefs).toEqual([ref]);
    expect(inv.sentAt).not.toBeNull();
    // Every post carries its delivery's id.
    for (const c of fake.callsTo("chat.postMessage")) expect(c.args.metadata).toEqual({ event_type: DELIVERY_EVENT, event_payload: { delivery: expect.any(String) } });
  });

  it("finishes a delivery whose landing was recorded without asking Slack anything", async () => {
    const { courier, postAsKilled } = await pollsFor(1);
    const killed = new JobQueue(db().prisma, { runner: "bot-l" });
    const [job] = await killed.claim([DELIVER], 10);
    await killed.progress(job!, { sending: true });
    const ref = await postAsKilled(killed, job!);
    // As the courier records it when the port reports it: before a message's uploads (a poll has
    // none, and is found by its metadata instead, as below).
    await killed.progress(job!, { landed: ref });
    const calls = fake.calls.length;
    const restarted = courier("bot-l");
    restarted.start();
    await restarted.settle(20_000);
    await restarted.stop();
    expect(fake.calls.length).toBe(calls);
    expect(restarted.stats).toMatchObject({ recovered: 1, delivered: 1 });
    expect((await db().prisma.job.findUniqueOrThrow({ where: { id: job!.id } })).result).toEqual(ref);
  });

  it("sends again, one at a time, what Slack cannot look for (an installation without the history scopes)", async () => {
    const { users, courier } = await pollsFor(3);
    const killed = new JobQueue(db().prisma, { runner: "bot-m" });
    for (const j of await killed.claim([DELIVER], 10)) await killed.progress(j, { sending: true });
    fake.fail("conversations.history", "missing_scope", 3);
    fake.latency("chat.postMessage", 60);
    const restarted = courier("bot-m");
    restarted.start();
    await restarted.settle(20_000);
    await restarted.stop();
    expect(fake.deliveryCounts(users.map((u) => fake.dmChannel(u)))).toMatchObject({ duplicates: 0, losses: 0 });
    expect(restarted.stats).toMatchObject({ recovered: 0, unchecked: 3, delivered: 3 });
    // They did not overlap: each post began after the one before had been answered.
    const posts = fake.callsTo("chat.postMessage");
    expect(posts).toHaveLength(3);
    for (let i = 1; i < posts.length; i++) expect(posts[i]!.at - posts[i - 1]!.at).toBeGreaterThanOrEqual(55);
  });

  it("waits out a 429 on the look-up without posting meanwhile, then finds the post", async () => {
    const { users, courier, postAsKilled } = await pollsFor(1);
    const killed = new JobQueue(db().prisma, { runner: "bot-n" });
    const [job] = await killed.claim([DELIVER], 10);
    await killed.progress(job!, { sending: true });
    await postAsKilled(killed, job!);
    fake.limit({ kind: "window", untilMs: Date.now() + 800, retryAfterS: 1, methods: "conversations.history" });
    const restarted = courier("bot-n");
    restarted.start();
    await restarted.settle(20_000);
    await restarted.stop();
    expect(fake.callsTo("conversations.history").map((c) => c.status)).toEqual([429, 200]);
    expect(fake.callsTo("chat.postMessage")).toHaveLength(1);
    expect(fake.deliveryCounts(users.map((u) => fake.dmChannel(u)))).toMatchObject({ duplicates: 0, losses: 0 });
    expect(restarted.stats).toMatchObject({ recovered: 1, delivered: 1 });
  });
});

describeEachDatabase("Teams: where a message landed, recorded at once", (db) => {
  // Teams gives a bot no way to read a 1:1 chat back, so nothing can be looked for after a crash:
  // the port reports the landing the moment the connector accepts the message, before other work.
  it("reports the activity id as soon as the connector has taken the message; it has nothing to look in", async () => {
    const fake = await FakeTeams.start();
    const env = { PORT: "0", TEAMS_LOCAL: "1", PARTNERPULS_PLAYGROUND: "off" };
    const app = await startApp(loadConfig(env), db(), env, { clock: false });
    try {
      const world = new TeamsWorld(fake.url);
      const anders = TeamsWorld.person("anders", "Anders Berg", "da-DK");
      expect((await postActivity(app.server.url, world.installPersonal(anders))).status).toBe(200);
      const teams = app.adapters.teams as TeamsAdapter;
      const seen: { ref: MessageRef; connectorHadIt: boolean }[] = [];
      const ref = await teams.port.deliver({
        workspace: { platform: "teams", externalId: world.tenantId },
        to: { kind: "user", userId: anders.aadObjectId },
        message: textMessage("Your check-in"),
        deliveryId: "d-1",
        landed: async (r) => void seen.push({ ref: r, connectorHadIt: fake.find(r.messageId) !== undefined }),
      });
      expect(ref).toEqual({ conversationId: personalConversationId(anders.id), messageId: expect.any(String) });
      expect(seen).toEqual([{ ref, connectorHadIt: true }]);
      expect((teams.port as ChatPort).findDelivered).toBeUndefined();
    } finally {
      await app.stop();
      await fake.close();
    }
  });
});
