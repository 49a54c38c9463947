// The Teams adapter under a steady load of button presses: p50/p99 of an `adaptiveCard/action`
// vote round trip (POST /api/messages → answer saved → poll re-rendered → card updated through the
// connector → invoke response) at 100 requests a second, open loop, for about 5 s, against the
// whole app on in-memory PGlite with a local fake connector. Beside it, in the same run, a bare
// CloudAdapter that only returns an invoke response, on the same HTTP server code.
//
//   npx tsx bench/teams.ts        (or import { benchTeams } from bench/run.ts)
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { openDatabase } from "../src/store/database.ts";
import { loadConfig } from "../src/config.ts";
import { startServer } from "../src/server.ts";
import { startApp } from "../adapters/main.ts";
import { bareInvokeMount } from "../adapters/teams/baseline.ts";
import { FakeTeams, TeamsWorld, postActivity, personalConversationId, type Activity, type TeamsPerson } from "../test/support/fake-teams.ts";

const RATE = 100; // requests per second
const SECONDS = 5;
const PARTNERS = 20;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Sends `make(i)` at a fixed rate whatever the answers' speed (open loop) and measures each
 * latency from when the request was due, so a slow stretch counts fully (no coordinated omission).
 */
async function openLoop(url: string, make: (i: number) => Activity, check: (body: unknown) => boolean, rate = RATE) {
  const n = rate * SECONDS;
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now() + 50;
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const activity = make(i);
    inflight.push(
      postActivity(url, activity).then(
        (r) => {
          if (r.status !== 200 || !check(r.body)) errors++;
          latencies.push(performance.now() - due);
        },
        () => {
          errors++;
        },
      ),
    );
  }
  await Promise.all(inflight);
  const sorted = latencies.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n, errors, seconds: (performance.now() - start) / 1000 };
}

export async function benchTeams(): Promise<Record<string, string | number>> {
  const db = await openDatabase({ url: "memory://" });
  const fake = await FakeTeams.start();
  const env = { PORT: "0", TEAMS_LOCAL: "1", PARTNERPULS_PLAYGROUND: "off" };
  const log = console.log;
  console.log = () => undefined; // the app's start-up lines
  // No clock ticks: nothing but the votes competes for the database.
  const app = await startApp(loadConfig(env), db, env, { clock: false }).finally(() => (console.log = log));
  const baseline = await startServer({ port: 0, host: "127.0.0.1", mounts: [bareInvokeMount()], health: async () => ({}) });
  try {
    const world = new TeamsWorld(fake.url);
    const post = async (a: Activity) => {
      const r = await postActivity(app.server.url, a);
      if (r.status !== 200) throw new Error(`set-up step ${a.type} → ${r.status}`);
    };
    // A partnership with 20 partners, set up as a coordinator would in Teams, and a check-in.
    const coordinator = TeamsWorld.person("coord", "Mette Holm", "en-GB");
    const partners: TeamsPerson[] = Array.from({ length: PARTNERS }, (_, i) => TeamsWorld.person(`p${i}`, `Partner ${i}`, "en-GB"));
    await post(world.installTeam(coordinator));
    await post(world.membersAdded(coordinator, ["bot", coordinator, ...partners]));
    for (const p of partners) await post(world.installPersonal(p));
    await post(world.channelMessage(coordinator, 'partnership create "Bench" channel=here language=en'));
    for (const [name, sector] of [["A", "municipality"], ["B", "region"], ["C", "ngo"]]) await post(world.channelMessage(coordinator, `org add "${name}" sector=${sector}`));
    for (const p of partners) await post(world.channelMessage(coordinator, `member add <at>${p.name}</at> org="B" roles=partner`, partners));
    await post(world.personalMessage(coordinator, "checkin start deadline=14d"));
    await app.settle();
    // Each partner's poll card and the answer buttons on it.
    const polls = partners.map((p) => {
      const poll = fake.messages(personalConversationId(p.id)).find((m) => m.replyToId === null);
      if (!poll) throw new Error(`${p.name} got no poll`);
      const card = (poll.activity.attachments as { content: { body: { id?: string; items?: { type: string; actions?: { verb: string; data: { value: string } }[] }[] }[] } }[])[0]!.content;
      const buttons = card.body.filter((e) => e.id?.startsWith("question:")).flatMap((q) => q.items!.filter((i) => i.type === "ActionSet").flatMap((s) => s.actions!));
      return { person: p, id: poll.id, buttons };
    });
    // Votes spread over the partners (5 a second each) and over their statements and ratings.
    const vote = (i: number) => {
      const poll = polls[i % polls.length]!;
      const button = poll.buttons[Math.floor(i / polls.length) % poll.buttons.length]!;
      return world.execute(poll.person, world.personalConversation(poll.person), poll.id, button.verb, button.data);
    };
    const isCard = (b: unknown) => (b as { statusCode?: number; type?: string })?.statusCode === 200 && (b as { type: string }).type === "application/vnd.microsoft.card.adaptive";
    // Warm both up (JIT, connections, caches) before measuring.
    for (let i = 0; i < 50; i++) {
      await postActivity(app.server.url, vote(i));
      await postActivity(baseline.url, vote(i));
    }
    const teams = await openLoop(app.server.url, vote, isCard);
    const bare = await openLoop(baseline.url, vote, isCard);
    // What one instance sustains: votes one after another, and latency at half the rate.
    const closed = performance.now();
    for (let i = 0; i < 200; i++) await postActivity(app.server.url, vote(i));
    const capacity = 200 / ((performance.now() - closed) / 1000);
    const half = await openLoop(app.server.url, vote, isCard, RATE / 2);
    const answers = await db.prisma.answer.count();
    return {
      "requests per second": RATE,
      "requests each": teams.n,
      "vote round trip p50 ms": round(teams.p50),
      "vote round trip p99 ms": round(teams.p99),
      "vote errors": teams.errors,
      "bare CloudAdapter p50 ms": round(bare.p50),
      "bare CloudAdapter p99 ms": round(bare.p99),
      "bare errors": bare.errors,
      "ratio p50": round(teams.p50 / bare.p50),
      "ratio p99": round(teams.p99 / bare.p99),
      "votes per second, one at a time": round(capacity),
      "vote round trip at 50/s p50 ms": round(half.p50),
      "vote round trip at 50/s p99 ms": round(half.p99),
      "answers stored": answers,
      "card updates sent": fake.calls.filter((c) => c.method === "PUT").length,
    };
  } finally {
    await baseline.close();
    await app.shutdown(); // closes the database too
    await fake.close();
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await benchTeams();
  console.log("\n== Teams: adaptiveCard/action vote at 100 requests/s, open loop, in-memory PGlite ==");
  console.log(
    `vote round trip p50 ${r["vote round trip p50 ms"]} ms, p99 ${r["vote round trip p99 ms"]} ms (${r["requests each"]} requests, ${r["vote errors"]} errors)` +
      ` | baseline bare CloudAdapter p50 ${r["bare CloudAdapter p50 ms"]} ms, p99 ${r["bare CloudAdapter p99 ms"]} ms | ratio p50 ${r["ratio p50"]}×, p99 ${r["ratio p99"]}×`,
  );
  console.log(`one at a time: ${r["votes per second, one at a time"]} votes/s; at 50/s: p50 ${r["vote round trip at 50/s p50 ms"]} ms, p99 ${r["vote round trip at 50/s p99 ms"]} ms`);
  console.log(JSON.stringify(r));
}
