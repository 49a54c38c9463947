// Slack benchmark: how fast a button press is acknowledged (Slack gives an app 3 seconds) while
// the app records votes at a steady 200 presses a second. Open loop: a worker thread sends a
// signed block_actions request every 5 ms whatever the answers do, and times each from the moment
// it was due to its response, so a slow server cannot slow the load down and hide its own delays.
// The same requests go to a bare Bolt app that only acknowledges: the baseline, measured in the
// same run. The real app runs with the whole stack (core, in-memory PGlite, outbox) and Slack's
// Web API played by the fake in this process (chat.update after each vote lands there).
//
// The 1,000-partner send benchmark needs the courier and is run from bench/run.ts; the fake
// supports it: fake.limit({ kind: "rate", n: 50, retryAfterS: 1, methods: "chat.postMessage" }),
// fake.limit({ kind: "every", n: 100, retryAfterS: 1 }), and fake.deliveryCounts(expected) counts
// duplicates and losses per recipient.
import { Worker } from "node:worker_threads";
import type { AddressInfo } from "node:net";
import type http from "node:http";
import { App, LogLevel } from "@slack/bolt";
import { openDatabase } from "../src/store/database.ts";
import { loadConfig } from "../src/config.ts";
import type { Actor } from "../src/ports.ts";
import { startApp } from "../adapters/main.ts";
import type { SlackAdapter } from "../adapters/slack/index.ts";
import { parseBlockId, type SlackBlock } from "../adapters/slack/blocks.ts";
import { FakeSlack } from "../test/support/fake-slack.ts";
import { blockActions, SIGNING_SECRET } from "../test/slack/payloads.ts";

const RATE_PER_S = 200;
const SECONDS = 5;
const WARMUP_S = 1;
const PARTNERS = 20;

// The load generator, in plain JavaScript for a worker thread of its own.
const LOAD = `
const { parentPort, workerData } = require("node:worker_threads");
const { createHmac } = require("node:crypto");
const http = require("node:http");
const { url, secret, bodies, intervalMs } = workerData;
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
const latencies = new Array(bodies.length).fill(null);
const statuses = {};
let finished = 0;
const start = performance.now() + 20;
const send = (i) => {
  const due = start + i * intervalMs;
  const body = bodies[i];
  const ts = Math.floor(Date.now() / 1000);
  const signature = "v0=" + createHmac("sha256", secret).update("v0:" + ts + ":" + body).digest("hex");
  const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: "POST", agent, headers: {
    "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body),
    "x-slack-request-timestamp": String(ts), "x-slack-signature": signature } }, (res) => {
    latencies[i] = performance.now() - due;
    statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1;
    res.resume();
    res.on("end", done);
  });
  req.on("error", () => { statuses.error = (statuses.error || 0) + 1; done(); });
  req.end(body);
};
const done = () => { if (++finished === bodies.length) { agent.destroy(); parentPort.postMessage({ latencies, statuses }); } };
let next = 0;
const tick = () => {
  const now = performance.now();
  while (next < bodies.length && start + next * intervalMs <= now) send(next++);
  if (next < bodies.length) setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
};
setTimeout(tick, Math.max(0, start - performance.now()));
`;

function load(url: string, bodies: string[]): Promise<{ latencies: (number | null)[]; statuses: Record<string, number> }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(LOAD, { eval: true, workerData: { url, secret: SIGNING_SECRET, bodies, intervalMs: 1000 / RATE_PER_S } });
    w.once("message", (m) => {
      resolve(m as { latencies: (number | null)[]; statuses: Record<string, number> });
      void w.terminate();
    });
    w.once("error", reject);
  });
}

function percentiles(xs: (number | null)[]) {
  const s = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  const p = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { p50: p(0.5), p99: p(0.99), max: s.at(-1) ?? NaN, n: s.length };
}

const round = (x: number) => Math.round(x * 100) / 100;

export async function benchSlack(): Promise<Record<string, string | number>> {
  const fake = await FakeSlack.start();
  const db = await openDatabase({ url: "memory://" });
  const env = { PORT: "0", PARTNERPULS_PLAYGROUND: "off", SLACK_BOT_TOKEN: fake.botToken, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.apiUrl, SLACK_MESSAGES_PER_MINUTE: "6000" };
  // No clock: nothing here is scheduled, and its ticks would only add noise.
  const app = await startApp(loadConfig(env), db, env, { clock: false });
  const slack = app.adapters.slack as SlackAdapter;
  let bare: App | null = null;
  try {
    // A partnership of 20 partners with an open check-in: each has a poll card in their DMs.
    const team = fake.team;
    const actor = (userId: string): Actor => ({ workspace: { platform: "slack", externalId: team.teamId, name: team.domain }, userId, locale: "en-GB" });
    const run = (text: string) => app.core.command(actor("U0COORD"), text);
    await run('partnership create "Bench" language=en');
    for (const o of ["Lead", "Partner"]) await run(`org add "${o}" sector=ngo`);
    const partners = Array.from({ length: PARTNERS }, (_, i) => `U0B${String(i).padStart(3, "0")}`);
    for (const p of partners) await run(`member add @{${p}} roles=partner`);
    await run("checkin start");
    await app.settle();
    const cards = partners.map((p) => {
      const card = fake.conversation(fake.dmChannel(p))[0]!;
      const options = (card.blocks as SlackBlock[]).filter((b): b is Extract<SlackBlock, { type: "actions" }> => b.type === "actions" && parseBlockId(b.block_id)?.kind === "qa");
      return { p, card, options };
    });
    // One distinct vote per request: partner, statement and rating vary; action_ts is unique.
    const total = (SECONDS + WARMUP_S) * RATE_PER_S;
    const bodies = Array.from({ length: total }, (_, i) => {
      const { p, card, options } = cards[i % PARTNERS]!;
      const q = options[Math.floor(i / PARTNERS) % options.length]!;
      const b = q.elements[(i * 7) % q.elements.length]!;
      return blockActions(
        { teamId: team.teamId, teamDomain: team.domain, userId: p },
        {
          button: { action_id: b.action_id, block_id: q.block_id, value: b.value, text: b.text.text },
          responseUrl: fake.responseUrl(),
          message: { channel: card.channel, ts: card.ts, text: card.text, blocks: card.blocks },
          actionTs: `1700000000.${String(i).padStart(6, "0")}`,
        },
      ).body;
    });
    const warm = WARMUP_S * RATE_PER_S;

    const real = await load(`${app.server.url}/slack/events`, bodies);
    const drainStart = performance.now();
    await slack.settle();
    const drainMs = performance.now() - drainStart;
    const votes = await db.prisma.answer.count();
    const updates = fake.callsTo("chat.update").filter((c) => c.status === 200).length;

    // The baseline: a bare Bolt app (its own HTTP receiver and signature check) that only acks.
    // Its identity is given, so Bolt has no reason to call auth.test on each request.
    bare = new App({
      signingSecret: SIGNING_SECRET,
      token: fake.botToken,
      botId: team.botId,
      botUserId: team.botUserId,
      tokenVerificationEnabled: false,
      clientOptions: { slackApiUrl: fake.apiUrl },
      logLevel: LogLevel.ERROR,
    });
    bare.action(/.*/, async ({ ack }) => {
      await ack();
    });
    const server = (await bare.start(0)) as http.Server;
    const baseline = await load(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`, bodies);

    const r = percentiles(real.latencies.slice(warm));
    const b = percentiles(baseline.latencies.slice(warm));
    return {
      "requests (after 1 s warm-up)": r.n,
      "rate (requests/s)": RATE_PER_S,
      "ack p50 (ms)": round(r.p50),
      "ack p99 (ms)": round(r.p99),
      "ack max (ms)": round(r.max),
      "bare Bolt ack p50 (ms)": round(b.p50),
      "bare Bolt ack p99 (ms)": round(b.p99),
      "ratio p50": round(r.p50 / b.p50),
      "ratio p99": round(r.p99 / b.p99),
      "HTTP statuses": JSON.stringify(real.statuses),
      "bare Bolt HTTP statuses": JSON.stringify(baseline.statuses),
      "votes recorded (distinct answers)": votes,
      "cards replaced (chat.update)": updates,
      "work left after the last ack (ms)": Math.round(drainMs),
    };
  } finally {
    await bare?.stop().catch(() => undefined);
    await app.shutdown();
    await fake.close();
  }
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/").split("/").pop()!);
if (isEntry) {
  const r = await benchSlack();
  for (const [k, v] of Object.entries(r)) console.log(`${k}: ${v}`);
}
