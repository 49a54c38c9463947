// "Nothing lost under a burst": 200 slash commands posted at once into the whole app (real Bolt
// app, core, database, outbox, courier), Slack faked only at its HTTP boundary. A coordinator
// records 50 agreements while they and 40 partners ask for digests, exports, status and lists of a
// partnership with three closed rounds of answers. Every command must be answered once and none
// with an error, and the 50 agreements must be numbered 1..50 with no gap or duplicate: once, 25
// of 200 such commands failed because a transaction waited longer than Prisma's default 2 s.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { describeEachDatabase, describePostgres, createPostgresDatabase, pgliteTemplate } from "../support/databases.ts";
import { openDatabase, type Database } from "../../src/store/database.ts";
import { transientReason } from "../../src/store/retry.ts";
import { startSlackDriver, SLACK_PEOPLE, STEERING_CHANNEL, type SlackDriverHandle } from "../behaviour/drivers/slack.ts";
import { Worker } from "node:worker_threads";
import { postSigned, slashCommand, SIGNING_SECRET, type Who } from "./payloads.ts";
import { findBuiltIn, CHECKLIST_KEY } from "../../src/instruments/catalogue.ts";
import { LANGS } from "../../src/i18n/i18n.ts";
import { slackText } from "../../adapters/slack/words.ts";

const COORD = SLACK_PEOPLE[0].id;
/** The behaviour suite's partners and more, 40 in all: digests and exports with something to add up. */
const PARTNERS = [...SLACK_PEOPLE.slice(1).map((p) => p.id), ...Array.from({ length: 41 - SLACK_PEOPLE.length }, (_, i) => `U0P${String(i + 1).padStart(2, "0")}`)];
const ROUNDS = 3;
const ACTIONS = 50;
const BURST = 200;

/** Replies that mean the command did not happen. */
const FAILURE_TEXTS = LANGS.flatMap((l) => [slackText(l, "error"), slackText(l, "busy")]);

interface Sent {
  userId: string;
  text: string;
  responseUrl: string;
  status?: number;
  ackMs?: number;
}

/** The 200 commands, in an order that mixes writers and readers (a fixed shuffle: reproducible). */
function burstCommands(): { userId: string; text: string }[] {
  const list: { userId: string; text: string }[] = [];
  const partner = (i: number) => PARTNERS[i % PARTNERS.length]!;
  for (let i = 1; i <= ACTIONS; i++) list.push({ userId: COORD, text: `action add "Agreement ${i} from the burst" owner=<@${partner(i)}> due=2030-0${1 + (i % 9)}-15` });
  for (let i = 0; i < 20; i++) list.push({ userId: COORD, text: "digest" });
  for (let i = 0; i < 15; i++) list.push({ userId: COORD, text: "export csv" });
  for (let i = 0; i < 15; i++) list.push({ userId: COORD, text: "member list" });
  for (let i = 0; i < 10; i++) list.push({ userId: COORD, text: "status" });
  for (let i = 0; i < 30; i++) list.push({ userId: partner(i), text: "status" });
  for (let i = 0; i < 40; i++) list.push({ userId: partner(i + 3), text: "action list" });
  for (let i = 0; i < 20; i++) list.push({ userId: partner(i + 5), text: "help" });
  expect(list).toHaveLength(BURST);
  let seed = 20251120;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

// The sender: every request signed and written before the first answer is read.
const SENDER = `
const { parentPort, workerData } = require("node:worker_threads");
const { createHmac } = require("node:crypto");
const http = require("node:http");
const { url, secret, bodies } = workerData;
const target = new URL(url);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const latencies = new Array(bodies.length).fill(null);
const statuses = new Array(bodies.length).fill(-1);
let finished = 0;
const done = () => { if (++finished === bodies.length) parentPort.postMessage({ latencies, statuses }); };
const start = performance.now();
bodies.forEach((body, i) => {
  const ts = Math.floor(Date.now() / 1000);
  const signature = "v0=" + createHmac("sha256", secret).update("v0:" + ts + ":" + body).digest("hex");
  const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: "POST", agent, headers: {
    "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body),
    "x-slack-request-timestamp": String(ts), "x-slack-signature": signature } }, (res) => {
    latencies[i] = performance.now() - start;
    statuses[i] = res.statusCode;
    res.resume();
    res.on("end", done);
  });
  req.on("error", done);
  req.end(body);
});
`;

function postAtOnce(base: string, bodies: string[]): Promise<{ latencies: (number | null)[]; statuses: number[] }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(SENDER, { eval: true, workerData: { url: `${base}/slack/events`, secret: SIGNING_SECRET, bodies } });
    w.once("message", (m) => {
      resolve(m as { latencies: (number | null)[]; statuses: number[] });
      void w.terminate();
    });
    w.once("error", reject);
  });
}

describeEachDatabase("a burst of 200 Slack commands at once", (db) => {
  let h: SlackDriverHandle;
  const who = (userId: string): Who => ({ teamId: h.fake.team.teamId, teamDomain: h.fake.team.domain, userId });
  /** One command at a time, for the setup: its reply, which must not be an error. */
  const command = async (userId: string, text: string) => {
    const responseUrl = h.fake.responseUrl();
    const req = slashCommand(who(userId), { text, responseUrl });
    // After a pause for seeding, the server may close an idle keep-alive connection just as fetch
    // reuses it. Sending the same request again is safe: the receiver takes a trigger_id once.
    const res = await postSigned(h.app.server.url, req).catch((e: Error & { cause?: { code?: string } }) => {
      if (e.cause?.code !== "ECONNRESET") throw e;
      return postSigned(h.app.server.url, req);
    });
    expect(res.status).toBe(200);
    await h.app.settle();
    const reply = String(h.fake.responsesTo(responseUrl).at(-1)?.text ?? "");
    expect(reply, text).not.toMatch(/⚠️/);
    return reply;
  };

  beforeAll(async () => {
    // No pacing of our own in the way: the burst is about the database, not Slack's send budget.
    h = await startSlackDriver(db(), { SLACK_MESSAGES_PER_MINUTE: "6000" });
    for (const p of PARTNERS.slice(3)) h.fake.users.set(p, { name: p.toLowerCase(), realName: `Partner ${p.slice(3)}`, locale: "en-GB" });
    // The coordinator reads English by her own choice (her Slack locale is Danish).
    await command(COORD, "language en");
    await command(COORD, `partnership create "Sund By" channel=<#${STEERING_CHANNEL.id}|${STEERING_CHANNEL.name}> language=en`);
    for (const o of ["Aarhus Kommune", "Region Midtjylland"]) await command(COORD, `org add "${o}" sector=municipality`);
    for (const [i, p] of PARTNERS.entries()) await command(COORD, `member add <@${p}> org="${i % 2 ? "Aarhus Kommune" : "Region Midtjylland"}" roles=partner`);
    // Closed rounds opened and closed over Slack (closing posts a digest); every partner's answers
    // to all 35 statements in between are written in bulk: through the core they would only time
    // the setup (bench/core.ts seeds the same way).
    const checklist = findBuiltIn(CHECKLIST_KEY)!;
    const itemIds = checklist.sections.flatMap((s) => s.items.map((i) => i.id));
    for (let r = 1; r <= ROUNDS; r++) {
      expect(await command(COORD, "checkin start deadline=14d")).toMatch(new RegExp(`#${r}`));
      const round = await db().prisma.round.findFirstOrThrow({ where: { closedAt: null } });
      const invitations = await db().prisma.invitation.findMany({ where: { roundId: round.id } });
      expect(invitations).toHaveLength(PARTNERS.length);
      await db().prisma.answer.createMany({
        data: invitations.flatMap((inv, i) => itemIds.map((itemId, k) => ({ workspaceId: round.workspaceId, roundId: round.id, membershipId: inv.membershipId, itemId, rating: 1 + ((i * 7 + k * 3 + r) % 5) }))),
      });
      await db().prisma.invitation.updateMany({ where: { roundId: round.id }, data: { completedAt: new Date() } });
      await command(COORD, "checkin close");
    }
    expect(await db().prisma.answer.count()).toBe(ROUNDS * PARTNERS.length * itemIds.length);
    await h.app.settle();
  });
  afterAll(async () => {
    await h?.driver.close();
  });

  it("answers every command once, none with an error, and keeps all 50 agreements numbered 1..50", async () => {
    const digestsBefore = await db().prisma.digest.count();
    const postsBefore = h.fake.conversation(STEERING_CHANNEL.id).length;
    const csvFiles = () => [...h.fake.files.values()].filter((f) => f.filename === "partnerpuls-Sund-By.csv" && f.channels.includes(h.fake.dmChannel(COORD))).length;
    const filesBefore = csvFiles();
    const sent: Sent[] = burstCommands().map((c) => ({ ...c, responseUrl: h.fake.responseUrl() }));
    // All at once, from a worker thread: like Slack, the senders do not share the app's event
    // loop, so an acknowledgement's time is the app's alone.
    const started = performance.now();
    const burst = await postAtOnce(h.app.server.url, sent.map((s) => slashCommand(who(s.userId), { text: s.text, responseUrl: s.responseUrl }).body));
    const ackedMs = performance.now() - started;
    const statuses = burst.statuses;
    burst.latencies.forEach((ms, i) => (sent[i]!.ackMs = ms ?? Infinity));
    statuses.forEach((status, i) => (sent[i]!.status = status));
    await h.app.settle();
    const settledMs = performance.now() - started;
    const lastReplyMs = Math.max(...sent.flatMap((s) => (h.fake.responses.get(s.responseUrl.split("/").pop()!) ?? []).map((r) => r.at))) - (performance.timeOrigin + started);

    const replies = sent.map((s) => ({ ...s, replies: h.fake.responsesTo(s.responseUrl).map((r) => String(r.text ?? "")) }));
    const failed = replies.filter((r) => r.status !== 200 || r.replies.length !== 1 || r.replies.some((x) => FAILURE_TEXTS.includes(x) || x.includes("⚠️")));
    const acks = sent.map((x) => x.ackMs ?? Infinity).sort((a, b) => a - b);
    console.log(`${db().kind}: ${BURST} commands acknowledged in ${Math.round(ackedMs)} ms (p50 ${Math.round(acks[99]!)} ms, p90 ${Math.round(acks[179]!)} ms), last answer after ${Math.round(lastReplyMs)} ms, all settled after ${Math.round(settledMs)} ms; ${failed.length} failed`);
    expect(failed.map((f) => `${f.userId} "${f.text}": HTTP ${f.status}, ${f.replies.length} replies ${JSON.stringify(f.replies.map((x) => x.slice(0, 80)))}`)).toEqual([]);

    // Nothing lost: each agreement's reply names its number, once; the table holds exactly those.
    const adds = replies.filter((r) => r.text.startsWith("action add"));
    const numbers = adds.map((r) => Number(/Action #(\d+) recorded/.exec(r.replies[0]!)?.[1])).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: ACTIONS }, (_, i) => i + 1));
    const stored = await db().prisma.action.findMany({ orderBy: { number: "asc" }, include: { owner: { include: { person: true } } } });
    expect(stored.map((a) => a.number)).toEqual(Array.from({ length: ACTIONS }, (_, i) => i + 1));
    expect(new Set(stored.map((a) => a.text))).toEqual(new Set(adds.map((a) => /"(.*)"/.exec(a.text)![1])));
    // The reply for an agreement is the agreement that was stored under its number.
    for (const r of adds) {
      const n = Number(/Action #(\d+)/.exec(r.replies[0]!)![1]);
      expect(r.replies[0]).toContain(stored[n - 1]!.text);
      expect(r.text).toContain(`<@${stored[n - 1]!.owner!.person.platformUserId}>`);
    }
    // Each agreement's three reminders (before, on and after its 2030 due date) were queued with it.
    expect(await db().prisma.job.count({ where: { kind: "action.remind" } })).toBe(3 * ACTIONS);

    // The other commands did what they say: every digest recorded and posted, every export sent.
    const digests = sent.filter((s) => s.text === "digest").length;
    expect(await db().prisma.digest.count()).toBe(digestsBefore + digests);
    expect(h.fake.conversation(STEERING_CHANNEL.id).length).toBe(postsBefore + digests);
    expect(csvFiles() - filesBefore).toBe(sent.filter((s) => s.text === "export csv").length);
    for (const r of replies.filter((x) => x.text === "status")) expect(r.replies[0]).toMatch(new RegExp(`#${ROUNDS}`));
    for (const r of replies.filter((x) => x.text === "action list")) expect(r.replies[0]).toMatch(/Sund By/);

    expect(lastReplyMs).toBeLessThan(60_000);
  }, 120_000);
});

// The retry under the burst, on its own: real contention, the client openDatabase returns.
describe("interactive transactions that lose to others", () => {
  describePostgres("postgres", () => {
    let created: Awaited<ReturnType<typeof createPostgresDatabase>>;
    let db: Database;
    const reasons: (string | null)[] = [];
    beforeAll(async () => {
      created = await createPostgresDatabase();
      db = await openDatabase({ url: created.url, retry: { onRetry: (e) => reasons.push(transientReason(e)) } });
    });
    afterAll(async () => {
      await db?.close();
      await created?.drop();
    });

    it("are run again after a deadlock, and both commit", async () => {
      const [a, b] = await Promise.all(["a", "b"].map((externalId) => db.prisma.workspace.create({ data: { platform: "local", externalId, name: externalId } })));
      let runs = 0;
      // Each locks one row, waits until the other has locked the other row, then wants that one.
      let locked = 0;
      const bothLocked = new Promise<void>((resolve) => {
        const check = setInterval(() => locked >= 2 && (clearInterval(check), resolve()), 5);
      });
      const rename = (first: string, second: string, name: string) =>
        db.prisma.$transaction(async (tx) => {
          runs++;
          await tx.workspace.update({ where: { id: first }, data: { name } });
          if (runs <= 2) {
            locked++;
            await bothLocked;
          }
          await tx.workspace.update({ where: { id: second }, data: { name } });
        });
      await Promise.all([rename(a!.id, b!.id, "first"), rename(b!.id, a!.id, "second")]);
      expect(runs).toBe(3); // the deadlock's victim, once more
      expect(reasons).toEqual(["deadlock"]);
      const names = (await db.prisma.workspace.findMany({ where: { id: { in: [a!.id, b!.id] } } })).map((w) => w.name);
      expect(new Set(names).size).toBe(1); // one transaction's names on both rows: each was whole
    });

    it("are not run again for anything else", async () => {
      reasons.length = 0;
      let runs = 0;
      const duplicate = db.prisma.$transaction(async (tx) => {
        runs++;
        await tx.workspace.create({ data: { platform: "local", externalId: "a", name: "again" } });
      });
      await expect(duplicate).rejects.toMatchObject({ code: "P2002" });
      expect(runs).toBe(1);
      expect(reasons).toEqual([]);
    });
  });

  describe("pglite", () => {
    it("wait their turn on PGlite's one connection, and are retried when the wait runs out", async () => {
      // A short maxWait stands in for a long queue: the transaction ahead holds PGlite for 600 ms.
      const open = (retry: false | { tries: number }) => openDatabase({ url: "memory://", migrate: false, loadDataDir: template, transactions: { maxWaitMs: 150 }, retry });
      const template = await pgliteTemplate();
      for (const retry of [false, { tries: 8 }] as const) {
        const db = await open(retry);
        try {
          let release!: () => void;
          let started!: () => void;
          const ahead = new Promise<void>((r) => (started = r));
          const holder = db.prisma.$transaction(async (tx) => {
            await tx.workspace.count();
            started();
            await new Promise<void>((r) => (release = r));
          }, { timeout: 5_000 });
          await ahead;
          const timer = setTimeout(() => release(), 600);
          const behind = db.prisma.$transaction((tx) => tx.workspace.create({ data: { platform: "local", externalId: "behind", name: "behind" } }));
          if (retry === false) await expect(behind).rejects.toMatchObject({ code: "P2028" }); // what Prisma alone does
          else expect((await behind).externalId).toBe("behind");
          clearTimeout(timer);
          release();
          await holder;
        } finally {
          await db.close();
        }
      }
    });
  });
});

// When waiting and retrying are not enough: the person is told, in their language, that nothing
// was changed. The database itself refuses every attempt (a trigger raising serialization_failure,
// as PostgreSQL does to the loser of a conflict), so every try is spent.
describeEachDatabase("a command the database keeps refusing", (db) => {
  let h: SlackDriverHandle;
  beforeAll(async () => {
    h = await startSlackDriver(db());
  });
  afterAll(async () => {
    await h?.driver.close();
  });

  it("is tried four times, then answered with the busy message in the person's language, and records nothing", async () => {
    const coordinator = h.driver.people.coordinator; // Slack locale da-DK
    const owner = h.driver.people.partners[0];
    await h.driver.command(coordinator, 'partnership create "Sund By" language=en');
    await h.driver.command(coordinator, `member add <@${owner}> roles=partner`);
    const agreement = `action add "Send the plan to the board" owner=<@${owner}> due=2030-01-15`;
    const p = db().prisma;
    await p.$executeRawUnsafe(`CREATE SEQUENCE refused_attempts`);
    await p.$executeRawUnsafe(`CREATE FUNCTION refuse_action() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM nextval('refused_attempts'); RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001'; END $$`);
    await p.$executeRawUnsafe(`CREATE TRIGGER refuse_action BEFORE INSERT ON "Action" FOR EACH ROW EXECUTE FUNCTION refuse_action()`);
    try {
      const busy = await h.driver.command(coordinator, agreement);
      expect(busy.text).toBe(slackText("da", "busy"));
      // A sequence is not rolled back with its transaction: it counts every attempt.
      const [counted] = await p.$queryRawUnsafe<{ attempts: bigint }[]>(`SELECT last_value AS attempts FROM refused_attempts`);
      expect(Number(counted!.attempts)).toBe(4);
      expect(await p.action.count()).toBe(0);
      expect(await p.job.count({ where: { kind: "action.remind" } })).toBe(0); // its reminders went with it
    } finally {
      await p.$executeRawUnsafe(`DROP TRIGGER refuse_action ON "Action"`);
    }
    // Once the database takes it, the same command goes through, as agreement #1, in her
    // language: she chose none, so her Slack locale's Danish, over the partnership's English.
    expect((await h.driver.command(coordinator, agreement)).text).toMatch(/Aftale #1 noteret/);
    expect(await p.action.count()).toBe(1);
  });
});
