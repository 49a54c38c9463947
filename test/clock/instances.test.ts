// Three bot processes (the real `npm start` entry) share one PostgreSQL database. 10,000 jobs come
// due within one minute; one process is killed with SIGKILL while it holds claimed jobs. Every
// job must run exactly once (one committed run each), none more than 60 s late, none lost.
import { it, expect, beforeAll, afterAll } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { describePostgres, createPostgresDatabase } from "../support/databases.ts";
import { openDatabase, type Database } from "../../src/store/database.ts";

const JOBS = 10_000;
const SPREAD_MS = 60_000;

describePostgres("three instances on one PostgreSQL database", () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let db: Database;
  const bots: ChildProcess[] = [];

  beforeAll(async () => {
    created = await createPostgresDatabase();
    db = await openDatabase({ url: created.url, migrate: true });
  });
  afterAll(async () => {
    for (const b of bots) if (b.exitCode === null && b.signalCode === null) b.kill("SIGTERM");
    await Promise.all(bots.map((b) => (b.exitCode === null && b.signalCode === null ? new Promise((r) => b.once("exit", r)) : null)));
    await db?.close();
    await created?.drop();
  });

  function startBot(name: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, ["--import", "tsx", "adapters/main.ts"], {
      env: {
        ...process.env,
        DATABASE_URL: created.url,
        PORT: "0",
        PARTNERPULS_PLAYGROUND: "off",
        PARTNERPULS_INSTANCE: name,
        // Faster than production (30 s, 120 s) so the test takes a minute and a half, not five.
        PARTNERPULS_CLOCK_TICK: "*/5 * * * * *",
        PARTNERPULS_CLOCK_LEASE_SECONDS: "10",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    bots.push(child);
    let output = "";
    return new Promise((resolve, reject) => {
      const onData = (d: Buffer) => {
        output += d.toString();
        if (/is running on/.test(output)) resolve(child);
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
      child.once("exit", (code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${output}`)));
    });
  }

  it("runs 10,000 jobs exactly once, none more than 60 s late, and takes over a killed instance's claims", async () => {
    const ws = await db.prisma.workspace.create({ data: { platform: "local", externalId: "instances" } });
    const start = Date.now() + 20_000; // time for three processes to start
    const rows = Array.from({ length: JOBS }, (_, i) => ({
      workspaceId: ws.id,
      kind: "probe",
      dueAt: new Date(start + Math.floor((i * SPREAD_MS) / JOBS)),
      dedupeKey: `probe:${i}`,
      payload: { i },
    }));
    for (let i = 0; i < rows.length; i += 2000) await db.prisma.job.createMany({ data: rows.slice(i, i + 2000) });
    await Promise.all(["bot-1", "bot-2", "bot-3"].map(startBot));

    // Kill bot-3 the moment it holds claimed jobs.
    let killedHolding = 0;
    // (It claims a batch at each of its ticks while jobs are coming due: watch for the whole minute.)
    while (!killedHolding && Date.now() < start + SPREAD_MS) {
      const held = await db.prisma.job.count({ where: { leasedBy: "bot-3", status: "running" } });
      if (held > 0) {
        bots[2]!.kill("SIGKILL");
        killedHolding = held;
      } else await new Promise((r) => setTimeout(r, 10));
    }
    expect(killedHolding).toBeGreaterThan(0);
    const orphans = (await db.prisma.job.findMany({ where: { leasedBy: "bot-3", status: "running" }, select: { id: true } })).map((j) => j.id);
    const orphaned = orphans.length;

    // Wait for everything (the last jobs are due a minute after the first, plus the lease).
    const deadline = Date.now() + 150_000;
    let done = 0;
    while (Date.now() < deadline) {
      done = await db.prisma.job.count({ where: { kind: "probe", status: "done" } });
      if (done === JOBS) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const runs = await db.prisma.jobRun.groupBy({ by: ["jobId"], _count: { _all: true } });
    const duplicates = runs.filter((r) => r._count._all > 1).length;
    const lateness = await db.prisma.jobRun.aggregate({ _max: { lateMs: true }, _avg: { lateMs: true } });
    const byRunner = await db.prisma.jobRun.groupBy({ by: ["runner"], _count: { _all: true } });
    const takenOver = await db.prisma.job.count({ where: { kind: "probe", attempts: { gt: 1 } } });
    console.log(
      `instances: ${done}/${JOBS} done; runs by instance ${byRunner.map((r) => `${r.runner}=${r._count._all}`).join(", ")}; ` +
        `bot-3 killed holding ${killedHolding} claimed (${orphaned} still claimed after the kill), ${takenOver} taken over; ` +
        `duplicates ${duplicates}; lateness max ${lateness._max.lateMs} ms, mean ${Math.round(lateness._avg.lateMs ?? 0)} ms`,
    );
    expect(done).toBe(JOBS);
    expect(runs).toHaveLength(JOBS);
    expect(duplicates).toBe(0);
    expect(lateness._max.lateMs!).toBeLessThan(60_000);
    // Each claim the killed instance held was taken over, unless the statement finishing it was on
    // its way to the database already (a job without effects is finished in one statement, which
    // commits though its sender is gone): then it ran once, by bot-3, and nobody ran it again.
    const orphansTakenOver = await db.prisma.job.count({ where: { id: { in: orphans }, attempts: { gt: 1 } } });
    const orphansFinishedByKilled = await db.prisma.jobRun.count({ where: { jobId: { in: orphans }, runner: "bot-3" } });
    expect(orphansTakenOver + orphansFinishedByKilled).toBe(orphaned);
    expect(takenOver).toBeGreaterThanOrEqual(orphansTakenOver);
    expect(byRunner.filter((r) => r.runner !== "bot-3").length).toBe(2);
  }, 240_000);
});
