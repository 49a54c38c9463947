// The courier delivering through the Teams port while Teams throttles: every poll arrives once,
// none twice, none lost, and the 429s were the courier's to wait out.
import { it, expect, beforeAll, afterAll } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { loadConfig } from "../../src/config.ts";
import { startApp } from "../../adapters/main.ts";
import { FakeTeams, TeamsWorld, postActivity, personalConversationId, type Activity } from "../support/fake-teams.ts";
import { messageProblems } from "./validate-card.ts";

describeEachDatabase("Teams: deliveries under throttling", (db) => {
  let fake: FakeTeams;
  let app: Awaited<ReturnType<typeof startApp>>;
  const world = () => new TeamsWorld(fake.url);
  const coordinator = TeamsWorld.person("coord", "Mette Holm", "en-GB");
  const partners = Array.from({ length: 6 }, (_, i) => TeamsWorld.person(`p${i}`, `Partner ${i}`, "en-GB"));

  beforeAll(async () => {
    // Every 3rd write is refused (Retry-After 0 s keeps the test quick), on top of Teams' limits.
    fake = await FakeTeams.start({ throttleEvery: 3, retryAfterSeconds: 0, enforceLimits: true, checkMessage: messageProblems });
    const env = { PORT: "0", TEAMS_LOCAL: "1", PARTNERPULS_PLAYGROUND: "off" };
    app = await startApp(loadConfig(env), db(), env);
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
  });

  it("every partner gets their poll exactly once, and the cards are replaced at close", async () => {
    const w = world();
    // Replies to commands are not the courier's: a 429 on one is waited out inside the turn.
    const post = async (a: Activity) => expect((await postActivity(app.server.url, a)).status).toBe(200);
    await post(w.installTeam(coordinator));
    await post(w.membersAdded(coordinator, ["bot", coordinator, ...partners]));
    await post(w.channelMessage(coordinator, 'partnership create "Throttled" channel=here language=en'));
    for (const [name, sector] of [["A", "municipality"], ["B", "region"], ["C", "ngo"]]) await post(w.channelMessage(coordinator, `org add "${name}" sector=${sector}`));
    for (const p of partners) await post(w.channelMessage(coordinator, `member add <at>${p.name}</at> org="B" roles=partner`, partners));
    await post(w.personalMessage(coordinator, "checkin start deadline=14d"));
    await app.settle();
    const pollKey = (a: Record<string, unknown>) => (typeof a.summary === "string" && /check-in #1/.test(a.summary) ? "poll" : null);
    const expected = new Map(partners.map((p) => [personalConversationId(p.id), ["poll"]]));
    const tally = fake.tally(pollKey, expected);
    expect({ duplicates: tally.duplicates, lost: tally.lost }).toEqual({ duplicates: 0, lost: 0 });
    expect(tally.throttled).toBeGreaterThan(0);
    expect(app.courier.stats.rateLimited).toBeGreaterThan(0);

    await post(w.personalMessage(coordinator, "checkin close"));
    await app.settle();
    for (const p of partners) {
      const polls = fake.messages(personalConversationId(p.id)).filter((m) => m.replyToId === null);
      expect(polls).toHaveLength(1);
      expect(JSON.stringify(polls[0]!.activity)).toMatch(/closed/);
    }
    const digests = fake.messages(w.channel.id).filter((m) => m.replyToId === null);
    expect(digests).toHaveLength(1);
    expect(fake.problems).toEqual([]);
  });
});
