// The clock on PostgreSQL: jobs per second claimed and completed by one and by three bot
// processes (the real `npm start` entry, ticking every second), and lateness p50/p99.
// Two loads per instance count: 5,000 jobs due at the same moment (throughput), and 5,000 jobs
// due evenly over 20 s (lateness under a steady load). Prints one JSON line.
import { spawn, type ChildProcess } from "node:child_process";
import pg from "pg";
import { openDatabase } from "../src/store/database.ts";

const base = process.env.PARTNERPULS_TEST_POSTGRES_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const JOBS = 5_000;

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function startBot(url: string, name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "adapters/main.ts"], {
    env: { ...process.env, DATABASE_URL: url, PORT: "0", PARTNERPULS_PLAYGROUND: "off", PARTNERPULS_INSTANCE: name, PARTNERPULS_CLOCK_TICK: "* * * * * *" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (/is running on/.test(out)) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`${name} exited ${code}`)));
  });
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function measure(instances: number) {
  const name = `partnerpuls_bench_clock_${process.pid}_${instances}`;
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString(), migrate: true });
  const bots: ChildProcess[] = [];
  try {
    const ws = await db.prisma.workspace.create({ data: { platform: "local", externalId: "bench" } });
    for (let i = 0; i < instances; i++) bots.push(await startBot(url.toString(), `bench-${i + 1}`));
    const results: Record<string, number> = {};
    for (const load of ["burst", "steady"] as const) {
      const t0 = Date.now() + 2_000;
      const rows = Array.from({ length: JOBS }, (_, i) => ({
        workspaceId: ws.id,
        kind: "probe",
        dueAt: new Date(load === "burst" ? t0 : t0 + Math.floor((i * 20_000) / JOBS)),
        dedupeKey: `${load}:${i}`,
        payload: {},
      }));
      await db.prisma.job.createMany({ data: rows });
      for (;;) {
        const left = await db.prisma.job.count({ where: { dedupeKey: { startsWith: `${load}:` }, status: { not: "done" } } });
        if (left === 0) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const runs = await db.prisma.jobRun.findMany({ where: { job: { dedupeKey: { startsWith: `${load}:` } } }, select: { lateMs: true, finishedAt: true } });
      const late = runs.map((r) => r.lateMs).sort((a, b) => a - b);
      const last = Math.max(...runs.map((r) => r.finishedAt.getTime()));
      if (load === "burst") results.jobsPerSecond = Math.round(JOBS / ((last - t0) / 1000));
      results[`${load}LateP50`] = pct(late, 50);
      results[`${load}LateP99`] = pct(late, 99);
      results[`${load}Runs`] = runs.length;
    }
    return results;
  } finally {
    for (const b of bots) b.kill("SIGTERM");
    await Promise.all(bots.map((b) => new Promise((r) => (b.exitCode !== null ? r(null) : b.once("exit", r)))));
    await db.close();
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

const one = await measure(1);
const three = await measure(3);
console.log(JSON.stringify({ one, three, scaling: three.jobsPerSecond! / one.jobsPerSecond! }));
