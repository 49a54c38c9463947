// SIGTERM to a real bot process (the `npm start` entry, as the crash tests spawn it): a request in
// flight is answered, the process exits 0 within PARTNERPULS_SHUTDOWN_SECONDS and leaves no job
// running under its name; a request that never ends makes it give up at the deadline with exit 1.
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { mkdtemp, rm } from "node:fs/promises";
import { it, expect, describe, afterAll } from "vitest";
import { startBot, stopBot, type BotProcess } from "../crash/bot-process.ts";
import { openDatabase } from "../../src/store/database.ts";
import { DEMO_SETUP_COMMANDS } from "../../adapters/local/people.ts";
import { playground, command } from "./playground.ts";

async function tokenOf(url: string): Promise<string> {
  const html = await (await fetch(`${url.replace("127.0.0.1", "localhost")}/`)).text();
  return /name="playground-token" content="([^"]+)"/.exec(html)![1]!;
}

/** A playground command whose body arrives in two parts: in flight from its headers on. */
function slowCommand(url: string, token: string, text: string) {
  const { port } = new URL(url);
  const body = Buffer.from(JSON.stringify({ as: "mette", text }));
  let finish!: () => void;
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, method: "POST", path: "/local/api/command", agent: false, headers: { host: `localhost:${port}`, "content-type": "application/json", "content-length": body.length, "x-playground-token": token } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("error", reject);
    req.write(body.subarray(0, 5));
    finish = () => req.end(body.subarray(5));
  });
  return { answered, finish: () => finish() };
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function bot(instance: string, seconds: number): Promise<{ bot: BotProcess; dataDir: string }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "partnerpuls-shutdown-"));
  dirs.push(dataDir);
  const b = await startBot({ DATABASE_URL: dataDir, PARTNERPULS_INSTANCE: instance, PARTNERPULS_PLAYGROUND: "on", PARTNERPULS_SHUTDOWN_SECONDS: String(seconds), PARTNERPULS_CLOCK_TICK: "*/1 * * * * *", LOG_LEVEL: "info" });
  return { bot: b, dataDir };
}

describe("graceful shutdown of a bot process", () => {
  it("SIGTERM: the request in flight is answered, the process exits 0 within the deadline, no job left running under its name", async () => {
    const { bot: b, dataDir } = await bot("ops-shutdown-1", 15);
    try {
      const token = await tokenOf(b.url);
      const p = playground(b.url, token);
      for (const c of DEMO_SETUP_COMMANDS.en) await command(p, "mette", c);
      expect((await fetch(`${b.url}/readyz`)).status).toBe(200);
      // The check-in's polls are enqueued as the signal arrives: the courier and clock are busy.
      const inflight = slowCommand(b.url, token, "checkin start sections=1-7");
      await new Promise((r) => setTimeout(r, 300));
      const signalled = Date.now();
      b.child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 300));
      inflight.finish();
      const answer = await inflight.answered;
      expect(answer.status).toBe(200);
      expect(answer.body).toMatch(/Round #1|Runde #1/); // the round opened: the command ran to its end
      const { code, signal } = await b.exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalled).toBeLessThan(15_000);
      expect(b.output()).toMatch(/"msg":"shutting down"/);
      expect(b.output()).toMatch(/"msg":"stopped"/);
      // no new connection once it stopped
      await expect(fetch(`${b.url}/healthz`)).rejects.toThrow();
    } finally {
      await stopBot(b);
    }
    const db = await openDatabase({ url: dataDir });
    try {
      expect(await db.prisma.job.count({ where: { kind: "deliver" } })).toBeGreaterThan(0);
      expect(await db.prisma.job.count({ where: { status: "running", leasedBy: "ops-shutdown-1" } })).toBe(0);
      expect(await db.prisma.job.count({ where: { status: "running" } })).toBe(0);
    } finally {
      await db.close();
    }
  });

  it("a request that never ends: the deadline passes, it says so and exits 1", async () => {
    const { bot: b } = await bot("ops-shutdown-2", 2);
    try {
      const token = await tokenOf(b.url);
      const stuck = slowCommand(b.url, token, "help");
      stuck.answered.catch(() => undefined);
      // Long enough for a busy machine to have read the request's headers (it is then in flight).
      await new Promise((r) => setTimeout(r, 1_000));
      const signalled = Date.now();
      b.child.kill("SIGTERM");
      const { code } = await b.exited;
      const took = Date.now() - signalled;
      expect(code).toBe(1);
      expect(took).toBeGreaterThanOrEqual(1_900);
      expect(took).toBeLessThan(10_000);
      expect(b.output()).toMatch(/"level":50.*shutdown did not finish before its deadline/);
    } finally {
      await stopBot(b);
    }
  });
});
