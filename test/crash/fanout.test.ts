// A real bot process fans a 200-partner round out to the fake Slack and is killed with SIGKILL at a
// random moment of it, then started again under the same PARTNERPULS_INSTANCE: ten times on
// PostgreSQL, four on a PGlite directory (slower). The fake answers chat.postMessage 20 ms after
// storing the message, so at each kill up to eight polls (the courier's concurrency) have landed
// without the bot hearing so: the worst case.
// Per kill: at most one duplicate poll (counted at the fake by each post's delivery metadata),
// none lost (every partner has exactly one poll in the end), and the restarted process delivers
// within 10 s of being ready (not after the killed one's 60 s lease).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describePostgres, createPostgresDatabase } from "../support/databases.ts";
import { openDatabase } from "../../src/store/database.ts";
import { Partnerpuls } from "../../src/core.ts";
import type { Actor } from "../../src/ports.ts";
import { FakeSlack } from "../support/fake-slack.ts";
import { SIGNING_SECRET, postSigned, slashCommand } from "../slack/payloads.ts";
import { startBot, killBot, stopBot, waitFor, type BotProcess } from "./bot-process.ts";

const PARTNERS = 200;
const INSTANCE = "fanout-bot";
const COORDINATOR = "U0COORD";

const usersOf = (trial: number) => Array.from({ length: PARTNERS }, (_, i) => `U${trial}F${String(i).padStart(3, "0")}`);
const nameOf = (trial: number) => `Fan-out ${trial}`;

interface Store {
  url: string;
  cleanup(): Promise<void>;
}

function fanout(title: string, trials: number, store: () => Promise<Store>, define: (t: string, body: () => void) => void) {
  define(title, () => {
    let fake: FakeSlack;
    let db: Store;
    let bot: BotProcess | undefined;

    beforeAll(async () => {
      fake = await FakeSlack.start();
      db = await store();
      // Seeded before the bot starts (a PGlite directory is one process's at a time): one
      // partnership per trial, each with its own 200 partners, so every trial's DMs are its own.
      const opened = await openDatabase({ url: db.url, migrate: true });
      try {
        const core = new Partnerpuls(opened.prisma);
        const coord: Actor = { workspace: { platform: "slack", externalId: fake.team.teamId, name: fake.team.domain }, userId: COORDINATOR, locale: "en-GB" };
        for (let t = 0; t < trials; t++) {
          await core.command(coord, `partnership create "${nameOf(t)}" language=en`);
          const ws = await opened.prisma.workspace.findFirstOrThrow({ where: { platform: "slack", externalId: fake.team.teamId } });
          const p = await opened.prisma.partnership.findFirstOrThrow({ where: { workspaceId: ws.id, name: nameOf(t) } });
          for (const o of ["A", "B"]) await core.command(coord, `org add "${o}" sector=ngo partnership="${nameOf(t)}"`);
          const users = usersOf(t);
          await opened.prisma.person.createMany({ data: users.map((u) => ({ workspaceId: ws.id, platformUserId: u, displayName: u })) });
          const people = await opened.prisma.person.findMany({ where: { workspaceId: ws.id, platformUserId: { in: users } } });
          await opened.prisma.membership.createMany({ data: people.map((x) => ({ workspaceId: ws.id, partnershipId: p.id, personId: x.id, roles: ["partner"] })) });
        }
      } finally {
        await opened.close();
      }
    });
    afterAll(async () => {
      await stopBot(bot);
      await fake?.close();
      await db?.cleanup();
    });

    const env = () => ({
      DATABASE_URL: db.url,
      PARTNERPULS_INSTANCE: INSTANCE,
      PARTNERPULS_CLOCK_TICK: "*/2 * * * * *",
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      // Slack's real budget would make a round take minutes; the fake has no limit to respect.
      SLACK_MESSAGES_PER_MINUTE: "10000",
    });

    it(`${trials} kills during a ${PARTNERS}-partner fan-out: at most one duplicate each, none lost, resumed within 10 s`, async () => {
      fake.latency("chat.postMessage", 20);
      bot = await startBot(env());
      const figures: { killAfter: number; landedAtKill: number; duplicates: number; looked: number; startMs: number; resumeMs: number }[] = [];
      for (let t = 0; t < trials; t++) {
        const channels = new Set(usersOf(t).map((u) => fake.dmChannel(u)));
        // Kill once this many of the round's polls have landed: anywhere in the fan-out.
        const killAfter = 5 + Math.floor(Math.random() * (PARTNERS - 20));
        let seen = fake.calls.length;
        let landed = 0;
        const countLanded = () => {
          for (; seen < fake.calls.length; seen++) {
            const c = fake.calls[seen]!;
            if (c.method === "chat.postMessage" && c.status === 200 && channels.has(String(c.args.channel))) landed++;
          }
          return landed;
        };
        const res = await postSigned(bot.url, slashCommand({ teamId: fake.team.teamId, teamDomain: fake.team.domain, userId: COORDINATOR }, { text: `checkin start partnership="${nameOf(t)}"`, responseUrl: fake.responseUrl() }));
        expect(res.status).toBe(200);
        await waitFor(`${killAfter} polls of round ${t}`, () => countLanded() >= killAfter, 60_000, 1);
        await killBot(bot);
        const killedAt = Date.now();
        const landedAtKill = countLanded();
        expect(landedAtKill).toBeLessThan(PARTNERS);

        bot = await startBot(env());
        const firstCall = () => fake.calls.find((c) => c.at >= bot!.spawnedAt && (c.method === "chat.postMessage" || c.method === "conversations.history"));
        // Done: every partner has a poll, and the bot has gone quiet (nothing left in flight).
        await waitFor(`round ${t} to reach every partner`, () => [...channels].every((c) => fake.conversation(c).length > 0), 60_000);
        await waitFor("the bot to go quiet", () => Date.now() - (fake.calls.at(-1)?.at ?? 0) > 1_000, 30_000);
        const perChannel = [...channels].map((c) => fake.conversation(c).length);
        const byDelivery = fake.postsByDelivery();
        const ids = new Set([...channels].flatMap((c) => fake.conversation(c).map((m) => String(m.metadata?.event_payload.delivery))));
        const duplicates = [...ids].reduce((n, id) => n + (byDelivery.get(id) ?? 0) - 1, 0);
        const first = firstCall()!;
        figures.push({
          killAfter,
          landedAtKill,
          duplicates,
          looked: fake.calls.filter((c) => c.method === "conversations.history" && c.at >= killedAt).length,
          startMs: bot.readyAt - bot.spawnedAt,
          resumeMs: first.at - bot.readyAt,
        });
        expect(ids.size).toBe(PARTNERS);
        expect(duplicates).toBeLessThanOrEqual(1);
        expect(perChannel.filter((n) => n === 0)).toEqual([]);
        expect(first.at - bot.readyAt).toBeLessThan(10_000);
      }
      console.log(
        `${title}: ${trials} kills during a ${PARTNERS}-partner fan-out\n` +
          figures
            .map((f, i) => `  kill ${i + 1}: ${f.landedAtKill} polls had landed (aimed at ${f.killAfter}); ${f.duplicates} duplicate(s); looked in ${f.looked} DM(s); restart ready in ${f.startMs} ms, first delivery ${f.resumeMs} ms after ready`)
            .join("\n") +
          `\n  duplicates per kill: max ${Math.max(...figures.map((f) => f.duplicates))}, total ${figures.reduce((n, f) => n + f.duplicates, 0)}; ` +
          `time to resume after ready: max ${Math.max(...figures.map((f) => f.resumeMs))} ms`,
      );
      await stopBot(bot);
      // Each poll ran once in the outbox's books too: one committed run per delivery.
      const after = await openDatabase({ url: db.url, migrate: false });
      try {
        const deliveries = await after.prisma.job.groupBy({ by: ["status"], where: { kind: "deliver", dedupeKey: { startsWith: "deliver:poll:" } }, _count: true });
        expect(deliveries).toEqual([{ status: "done", _count: PARTNERS * trials }]);
        const runs = await after.prisma.jobRun.groupBy({ by: ["jobId"], where: { job: { kind: "deliver" } }, _count: true, having: { jobId: { _count: { gt: 1 } } } });
        expect(runs).toEqual([]);
      } finally {
        await after.close();
      }
    // A limit for a hung trial, not a measure of speed: each trial restarts a bot process, which
    // takes 5–10 s beside the rest of the suite on two busy cores.
    }, 60_000 + trials * 40_000);
  });
}

fanout("fan-out crash on PostgreSQL", 10, async () => {
  const created = await createPostgresDatabase();
  return { url: created.url, cleanup: () => created.drop() };
}, describePostgres);

fanout("fan-out crash on a PGlite directory", 4, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "partnerpuls-fanout-"));
  return { url: dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}, describe);
