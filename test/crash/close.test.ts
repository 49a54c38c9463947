// A real bot process on PostgreSQL closes a small round when its deadline passes (the clock, ticking
// every second) and is killed during the close: by itself at the close's commit point
// (PARTNERPULS_CRASH_AT=round-close:before-commit / round-close:after-commit, src/crashpoints.ts),
// or with SIGKILL at a random moment of it; 20 trials in all. After each restart under the same
// PARTNERPULS_INSTANCE (no crash point), exactly one digest reaches the home channel at the fake
// Slack, the round is closed once (one digest recorded, one committed run of its close job), and
// every partner's poll card has been replaced by the closed one.
import { it, expect, beforeAll, afterAll } from "vitest";
import { describePostgres, createPostgresDatabase } from "../support/databases.ts";
import { openDatabase, type Database } from "../../src/store/database.ts";
import { Partnerpuls } from "../../src/core.ts";
import type { Actor } from "../../src/ports.ts";
import type { CrashPoint } from "../../src/crashpoints.ts";
import { FakeSlack } from "../support/fake-slack.ts";
import { SIGNING_SECRET, postSigned, slashCommand } from "../slack/payloads.ts";
import { startBot, killBot, stopBot, waitFor, type BotProcess } from "./bot-process.ts";

const INSTANCE = "close-bot";
const COORDINATOR = "U0COORD";
const PARTNERS = 3;
/** How long after the close job is claimed a random kill may come: the close and the digest's post take about this long. */
const RANDOM_WINDOW_MS = 250;

type Trial = { kind: "point"; point: CrashPoint } | { kind: "random" };
const TRIALS: Trial[] = [
  ...Array.from({ length: 10 }, (): Trial => ({ kind: "random" })),
  ...Array.from({ length: 5 }, (): Trial => ({ kind: "point", point: "round-close:before-commit" })),
  ...Array.from({ length: 5 }, (): Trial => ({ kind: "point", point: "round-close:after-commit" })),
];

describePostgres("a round's close, killed at its commit and at random moments", () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let db: Database;
  let fake: FakeSlack;
  let bot: BotProcess | undefined;
  let core: Partnerpuls;
  const coord = (): Actor => ({ workspace: { platform: "slack", externalId: fake.team.teamId, name: fake.team.domain }, userId: COORDINATOR, locale: "en-GB" });

  beforeAll(async () => {
    fake = await FakeSlack.start();
    // Slack takes the digest at once and answers 30 ms later: a kill then leaves it landed unrecorded.
    fake.latency("chat.postMessage", 30);
    created = await createPostgresDatabase();
    db = await openDatabase({ url: created.url, migrate: true });
    core = new Partnerpuls(db.prisma);
  });
  afterAll(async () => {
    await stopBot(bot);
    await db?.close();
    await created?.drop();
    await fake?.close();
  });

  const env = (crashAt?: CrashPoint) => ({
    DATABASE_URL: created.url,
    PARTNERPULS_INSTANCE: INSTANCE,
    PARTNERPULS_CLOCK_TICK: "* * * * * *",
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    SLACK_MESSAGES_PER_MINUTE: "10000",
    ...(crashAt ? { PARTNERPULS_CRASH_AT: crashAt } : {}),
  });

  /** A partnership with a home channel and three partners, its round started and every poll delivered. */
  async function openRound(t: number) {
    const name = `Close ${t}`;
    const channel = `C0CLOSE${t}`;
    const users = Array.from({ length: PARTNERS }, (_, i) => `U${t}C${i}`);
    await core.command(coord(), `partnership create "${name}" language=en channel=#{${channel}}`);
    for (const o of ["A", "B"]) await core.command(coord(), `org add "${o}" sector=ngo partnership="${name}"`);
    for (const u of users) await core.command(coord(), `member add @{${u}} roles=partner partnership="${name}"`);
    const res = await postSigned(bot!.url, slashCommand({ teamId: fake.team.teamId, teamDomain: fake.team.domain, userId: COORDINATOR }, { text: `checkin start partnership="${name}"`, responseUrl: fake.responseUrl() }));
    expect(res.status).toBe(200);
    await waitFor(`round ${t}'s polls`, () => users.every((u) => fake.conversation(fake.dmChannel(u)).length === 1), 30_000);
    const round = await db.prisma.round.findFirstOrThrow({ where: { partnership: { name } } });
    // …and recorded as delivered (only a recorded poll's card is replaced at close).
    await waitFor(`round ${t}'s polls recorded`, async () => (await db.prisma.invitation.count({ where: { roundId: round.id, sentAt: { not: null } } })) === PARTNERS, 30_000);
    return { name, channel, users, round };
  }

  /** The deadline passes now: the clock's next tick closes the round. */
  async function deadlineNow(roundId: string) {
    const now = new Date();
    await db.prisma.round.update({ where: { id: roundId }, data: { closesAt: now } });
    await db.prisma.job.update({ where: { dedupeKey: `round.close:${roundId}` }, data: { dueAt: now } });
  }

  it(`${TRIALS.length} kills during a close: one digest each time, the round closed once`, async () => {
    const lines: string[] = [];
    for (const [t, trial] of TRIALS.entries()) {
      // A trial at a crash point needs a bot started with it; a random one kills whichever runs.
      if (trial.kind === "point") {
        await stopBot(bot);
        bot = await startBot(env(trial.point));
      } else bot ??= await startBot(env());
      const { channel, users, round } = await openRound(t);
      const closeJob = await db.prisma.job.findUniqueOrThrow({ where: { dedupeKey: `round.close:${round.id}` } });
      await deadlineNow(round.id);
      let where: string;
      if (trial.kind === "point") {
        const { signal } = await bot.exited;
        expect(signal).toBe("SIGKILL");
        where = trial.point;
      } else {
        await waitFor("the clock to claim the close", async () => (await db.prisma.job.findUniqueOrThrow({ where: { id: closeJob.id } })).status !== "pending", 10_000, 5);
        await new Promise((r) => setTimeout(r, Math.random() * RANDOM_WINDOW_MS));
        await killBot(bot);
        const closed = (await db.prisma.round.findUniqueOrThrow({ where: { id: round.id } })).closedAt !== null;
        const digestJob = await db.prisma.job.findUnique({ where: { dedupeKey: `deliver:digest:close-${round.id}:channel` } });
        const landed = fake.conversation(channel).length > 0;
        const progress = digestJob?.status === "running" ? (digestJob.result as { sending?: true; landed?: unknown } | null) : null;
        where = !closed
          ? "before the close committed"
          : digestJob?.status === "done" || progress?.landed
            ? "after the digest landed and was recorded"
            : progress?.sending
              ? `while the digest was being posted (${landed ? "it had landed" : "it had not landed"})`
              : "after the commit, before the digest was sent";
      }
      const killedAt = Date.now();
      bot = await startBot(env());
      // Finished: the digest has gone out and the close job is done, and the bot has gone quiet.
      await waitFor(`round ${t}'s digest`, () => fake.conversation(channel).length > 0, 30_000);
      await waitFor("the close job to finish", async () => ["done", "skipped"].includes((await db.prisma.job.findUniqueOrThrow({ where: { id: closeJob.id } })).status), 30_000);
      await waitFor("the outbox to empty", async () => (await db.prisma.job.count({ where: { kind: "deliver", status: { in: ["pending", "running"] } } })) === 0, 30_000);
      await waitFor("the bot to go quiet", () => Date.now() - (fake.calls.at(-1)?.at ?? 0) > 800, 30_000);
      const digestAt = fake.conversation(channel)[0]!.postedAt;

      expect(fake.conversation(channel), `trial ${t + 1} (${where})`).toHaveLength(1);
      expect(await db.prisma.digest.count({ where: { roundId: round.id } })).toBe(1);
      expect(await db.prisma.jobRun.count({ where: { jobId: closeJob.id } })).toBe(1);
      const closedRound = await db.prisma.round.findUniqueOrThrow({ where: { id: round.id } });
      expect(closedRound.closedAt).not.toBeNull();
      // One poll each, replaced by the closed card (a replacement made twice is the same card).
      for (const u of users) {
        const [poll, ...more] = fake.conversation(fake.dmChannel(u));
        expect(more).toEqual([]);
        expect(poll!.version).toBeGreaterThanOrEqual(2);
      }
      const looked = fake.callsTo("conversations.history").filter((c) => c.at >= killedAt && c.args.channel === channel).length;
      lines.push(
        `  trial ${t + 1}: killed ${where}; restart ready in ${bot.readyAt - bot.spawnedAt} ms; ` +
          `the one digest ${digestAt >= killedAt ? `posted ${digestAt - bot.readyAt} ms after ready` : `had landed before the kill${looked ? " (found in the channel's history)" : ""}`}`,
      );
    }
    console.log(`close crash on PostgreSQL: ${TRIALS.length} kills during a round's close, one digest each\n${lines.join("\n")}`);
    // Twenty-odd bot processes started one after another: under 3 minutes alone, more beside the
    // rest of the suite on two busy cores. A limit for a hung trial, not a measure of speed.
  }, 480_000);
});
