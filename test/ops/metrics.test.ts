// /metrics and /readyz of a whole app on both databases: a command and a vote through the
// playground move the counters; the courier's, the job lag and the outbox depth are read at scrape
// time; a peer that is not this machine gets 404 without the bearer token, and /readyz without detail.
import http from "node:http";
import os from "node:os";
import { mkdtemp, mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { it, expect, beforeAll, afterAll, describe } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { loadConfig } from "../../src/config.ts";
import { startApp } from "../../adapters/main.ts";
import { startServer } from "../../src/server.ts";
import { readiness, type Phase } from "../../src/observability/readiness.ts";
import { DEFAULT_MIGRATIONS_DIR } from "../../src/store/migrate.ts";
import { command, firstAnswer, playground, setUpRound } from "./playground.ts";

const TOKEN = "metrics-token-0123456789abcdef";

/** This machine's own addresses that are not loopback (as test/local/loopback.test.ts finds them). */
const external = Object.values(os.networkInterfaces())
  .flat()
  .filter((a): a is os.NetworkInterfaceInfo => a !== undefined && !a.internal && !(a.family === "IPv6" && a.address.startsWith("fe80:")))
  .map((a) => a.address);

function get(port: number, from: string, pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: from, localAddress: from, family: from.includes(":") ? 6 : 4, port, path: pathname, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The value of one sample in Prometheus' text format (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) total += Number(m[3]);
  }
  return total;
}

describeEachDatabase("/metrics and /readyz", (db) => {
  let app: Awaited<ReturnType<typeof startApp>>;
  let port: number;
  beforeAll(async () => {
    const env = { PORT: "0", HOST: "::", PARTNERPULS_PLAYGROUND: "on", PARTNERPULS_METRICS_TOKEN: TOKEN };
    app = await startApp(loadConfig(env), db(), env, { clock: false, processMetrics: false });
    port = (app.server.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("counts commands, presses, votes, requests and deliveries, and reads the queue at scrape time", async () => {
    const p = playground(`http://127.0.0.1:${port}`, app.playgroundToken!);
    const before = (await get(port, "127.0.0.1", "/metrics")).body;
    expect(sample(before, "partnerpuls_votes_total")).toBe(0);
    const commands = await setUpRound(p);
    await command(p, "mette", "no such command");
    await app.settle();
    const answer = await firstAnswer(p, "anders");
    await p.call("POST", "/action", { as: "anders", actionId: answer.actionId, value: answer.value, messageId: answer.messageId });
    await app.settle();

    const r = await get(port, "127.0.0.1", "/metrics");
    expect(r.status).toBe(200);
    const text = r.body;
    expect(sample(text, "partnerpuls_commands_total", { outcome: "ok" })).toBe(commands);
    expect(sample(text, "partnerpuls_commands_total", { name: "checkin.start", outcome: "ok" })).toBe(1);
    expect(sample(text, "partnerpuls_commands_total", { outcome: "malformed" })).toBe(1);
    expect(sample(text, "partnerpuls_button_presses_total", { action: "poll.answer", outcome: "ok" })).toBe(1);
    expect(sample(text, "partnerpuls_votes_total")).toBe(1);
    // every playground call so far, by route and status, in the duration histogram
    expect(sample(text, "partnerpuls_http_request_duration_seconds_count", { route: "/local/api/*", status: "200" })).toBeGreaterThanOrEqual(commands + 3);
    // the three partners' polls went out through the courier
    expect(sample(text, "partnerpuls_outbox_delivered_total")).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/^partnerpuls_outbox_failed_total 0$/m);
    expect(text).toMatch(/^partnerpuls_outbox_rate_limited_total 0$/m);
    expect(text).toMatch(/^partnerpuls_outbox_depth 0$/m);
    // the round's nudges and close are pending, not yet due: they are there with no lag
    expect(text).toMatch(/^partnerpuls_job_lag_seconds\{kind="[\w.]+"\} 0$/m);
    // no name outside partnerpuls_
    for (const line of text.split("\n").filter((l) => l && !l.startsWith("#"))) expect(line).toMatch(/^partnerpuls_/);
  });

  it("reads the job lag and the outbox depth from the database when scraped", async () => {
    const workspace = await db().prisma.workspace.findFirstOrThrow();
    const dueAt = new Date(Date.now() - 90_000);
    await db().prisma.job.createMany({
      data: [
        { workspaceId: workspace.id, kind: "ops.test", dueAt, payload: {}, dedupeKey: `ops-lag-${Date.now()}` },
        { workspaceId: workspace.id, kind: "deliver", dueAt: new Date(Date.now() + 3_600_000), payload: {}, dedupeKey: `ops-depth-${Date.now()}` },
      ],
    });
    try {
      const text = (await get(port, "127.0.0.1", "/metrics")).body;
      expect(sample(text, "partnerpuls_job_lag_seconds", { kind: "ops.test" })).toBeGreaterThanOrEqual(90);
      expect(sample(text, "partnerpuls_job_lag_seconds", { kind: "ops.test" })).toBeLessThan(200);
      expect(sample(text, "partnerpuls_outbox_depth")).toBe(1);
    } finally {
      await db().prisma.job.deleteMany({ where: { dedupeKey: { startsWith: "ops-" } } });
    }
  });

  it("answers /readyz with 200 and, to this machine, what it checked", async () => {
    const r = await get(port, "127.0.0.1", "/readyz");
    expect(r.status).toBe(200);
    const migrations = (await readdir(DEFAULT_MIGRATIONS_DIR, { withFileTypes: true })).filter((e) => e.isDirectory()).length;
    expect(JSON.parse(r.body)).toEqual({ ok: true, state: "ready", courier: true, clock: "manual", migrations });
    expect(app.phase).toBe("ready");
  });

  describe.skipIf(external.length === 0)(external.length ? `from this machine's other addresses (${external.join(", ")})` : "from other addresses (skipped: no non-loopback address)", () => {
    it("/metrics is a 404 without the bearer token (or with a wrong one), served with it", async () => {
      for (const from of external) {
        const bare = await get(port, from, "/metrics");
        expect(bare.status, from).toBe(404);
        expect(bare.body).not.toMatch(/partnerpuls_/);
        expect((await get(port, from, "/metrics", { authorization: `Bearer ${TOKEN.slice(0, -1)}x` })).status, from).toBe(404);
        const withToken = await get(port, from, "/metrics", { authorization: `Bearer ${TOKEN}` });
        expect(withToken.status, from).toBe(200);
        expect(withToken.body).toMatch(/^partnerpuls_votes_total \d+$/m);
      }
    });

    it("/readyz says only ok", async () => {
      for (const from of external) expect(await get(port, from, "/readyz"), from).toEqual({ status: 200, body: '{"ok":true}' });
    });
  });

  it("a proxied request from loopback is not this machine: 404", async () => {
    expect((await get(port, "127.0.0.1", "/metrics", { "x-forwarded-for": "203.0.113.9" })).status).toBe(404);
  });

  it("readiness waits for migrations this build ships and the database does not hold", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "partnerpuls-migrations-"));
    for (const e of await readdir(DEFAULT_MIGRATIONS_DIR, { withFileTypes: true })) if (e.isDirectory()) await mkdir(path.join(dir, e.name));
    const ok = await readiness(db().prisma, () => "ready", () => ({ courier: true }), dir)();
    expect(ok.ready).toBe(true);
    await mkdir(path.join(dir, "29991231000000_from_the_future"));
    const pending = await readiness(db().prisma, () => "ready", () => ({ courier: true }), dir)();
    expect(pending).toMatchObject({ ready: false, pendingMigrations: ["29991231000000_from_the_future"] });
    expect((await readiness(db().prisma, () => "ready", () => ({ courier: false }), dir)()).ready).toBe(false);
  });
});

describe("/readyz through the server", () => {
  it("is 503 while starting and once stopping, 200 in between", async () => {
    let phase: Phase = "starting";
    const server = await startServer({
      port: 0,
      host: "127.0.0.1",
      mounts: [],
      health: async () => ({}),
      ready: async () => ({ ready: phase === "ready", state: phase }),
    });
    const port = (server.server.address() as { port: number }).port;
    try {
      expect(await get(port, "127.0.0.1", "/readyz")).toEqual({ status: 503, body: '{"ok":false,"state":"starting"}' });
      phase = "ready";
      expect((await get(port, "127.0.0.1", "/readyz")).status).toBe(200);
      phase = "stopping";
      expect(await get(port, "127.0.0.1", "/readyz")).toEqual({ status: 503, body: '{"ok":false,"state":"stopping"}' });
      // /healthz stays 200 throughout: the process is alive, only not taking traffic
      expect((await get(port, "127.0.0.1", "/healthz")).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
