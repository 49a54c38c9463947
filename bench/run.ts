// `npm run bench`: runs each benchmark in its own process (so peak RSS is per database) and
// prints the figures with their same-run baselines.
import { spawnSync } from "node:child_process";
import pg from "pg";

const base = process.env.PARTNERPULS_TEST_POSTGRES_URL || "postgres://postgres@127.0.0.1:5432/postgres";

async function postgresUp(): Promise<string | null> {
  const c = new pg.Client({ connectionString: base, connectionTimeoutMillis: 3000 });
  c.on("error", () => undefined);
  try {
    await c.connect();
    return null;
  } catch (e) {
    return (e as Error & { code?: string }).code ?? String(e);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** A benchmark's result: its last line that is a JSON object holding `key` (a log line may follow it). */
function resultLine(stdout: string, key: string): string {
  return (
    stdout
      .trim()
      .split("\n")
      .reverse()
      .find((l) => l.startsWith("{") && l.includes(`"${key}"`)) ?? ""
  );
}

const f = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

for (const database of ["pglite", "postgres"]) {
  if (database === "postgres") {
    const down = await postgresUp();
    if (down) {
      console.log(`\npostgres: skipped (server not reachable at ${base}: ${down})`);
      continue;
    }
  }
  const run = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", "bench/core.ts", database], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const line = resultLine(run.stdout, "recordAnswer");
  if (run.status !== 0 || !line.startsWith("{")) {
    console.error(`${database}: benchmark failed (exit ${run.status})\n${run.stdout}`);
    process.exitCode = 1;
    continue;
  }
  const r = JSON.parse(line);
  console.log(`\n== core on ${database} ==`);
  console.log(`seeded ${r.seed.answers} answers (50 partners × 35 statements × 20 rounds) in ${r.seed.ms} ms`);
  console.log(
    `record one answer (button press → saved → poll re-rendered), ${r.recordAnswer.n} answers: p50 ${f(r.recordAnswer.p50)} ms, p99 ${f(r.recordAnswer.p99)} ms` +
      ` | baseline bare upsert p50 ${f(r.recordAnswer.baselineUpsert.p50)} ms, p99 ${f(r.recordAnswer.baselineUpsert.p99)} ms | ratio p50 ${r.recordAnswer.ratioP50.toFixed(1)}×`,
  );
  console.log(
    `digest (latest of 20 rounds, with trend and history), ${r.digest.n} runs: p50 ${f(r.digest.p50)} ms, p99 ${f(r.digest.p99)} ms` +
      ` | baseline reading that round's 1,750 answers p50 ${f(r.digest.baselineRead.p50)} ms | ratio p50 ${r.digest.ratioP50.toFixed(1)}×`,
  );
  const kinds = Object.entries(r.charts.kinds as Record<string, { p50: number; p99: number }>);
  console.log(
    `charts drawn (SVG + PNG, new numbers each time; goal p50 under 50 ms): ${kinds.map(([k, x]) => `${k} p50 ${f(x.p50)} ms (${(x.p50 / r.charts.floor.p50).toFixed(1)}×)`).join(", ")}` +
      ` | baseline one-bar chart p50 ${f(r.charts.floor.p50)} ms`,
  );
  console.log(
    `report page of 20 rounds × 50 partners (goal under 200 ms): first opening in a language ${Math.round(r.report.firstMs)} ms, again p50 ${f(r.report.p50)} ms, p99 ${f(r.report.p99)} ms, ${Math.round(r.report.bytes / 1024)} KB` +
      ` | baseline reading the 20 rounds p50 ${f(r.report.baselineRead.p50)} ms | ratio p50 ${r.report.ratioP50.toFixed(1)}×`,
  );
  console.log(`memory the charts and the report keep (heap and native, after a full collection): ${r.chartsRssMb} MB`);
  console.log(`peak RSS of the process: ${r.peakRssMb} MB`);
}

// ---- a partnership of 2,000 members: the coordinator's commands, on each database ----
for (const database of ["pglite", "postgres"]) {
  if (database === "postgres" && (await postgresUp())) continue;
  const run = spawnSync(process.execPath, ["--import", "tsx", "bench/scale.ts", database], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const line = resultLine(run.stdout, "slowest");
  if (run.status !== 0 || !line.startsWith("{")) {
    console.error(`scale on ${database}: benchmark failed (exit ${run.status})\n${run.stdout}`);
    process.exitCode = 1;
    continue;
  }
  const r = JSON.parse(line);
  console.log(`\n== a partnership of ${r.members} members in ${r.organisations} organisations on ${database} (${r.answers} answers; goal: each command under 2 s) ==`);
  console.log(`${Object.entries(r.ms as Record<string, number>).map(([k, v]) => `${k} ${v} ms`).join(", ")} | slowest ${r.slowest} ms: ${r.slowest < 2000 ? "within" : "over"} the goal | peak RSS ${r.peakRssMb} MB`);
}

// ---- the clock: one and three bot processes on PostgreSQL ----
if (await postgresUp()) console.log("\nclock: skipped (PostgreSQL is not reachable)");
else {
  const run = spawnSync(process.execPath, ["--import", "tsx", "bench/clock.ts"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const line = resultLine(run.stdout, "scaling");
  if (run.status !== 0 || !line.startsWith("{")) {
    console.error(`clock: benchmark failed (exit ${run.status})\n${run.stdout}`);
    process.exitCode = 1;
  } else {
    const r = JSON.parse(line);
    console.log("\n== clock on postgres (bot processes ticking every second) ==");
    for (const [label, x] of [["one instance", r.one], ["three instances", r.three]] as const)
      console.log(
        `${label}: ${x.jobsPerSecond} jobs/s claimed and completed (5,000 due at once; lateness p50 ${x.burstLateP50} ms, p99 ${x.burstLateP99} ms)` +
          ` | 5,000 due over 20 s: lateness p50 ${x.steadyLateP50} ms, p99 ${x.steadyLateP99} ms`,
      );
    console.log(`three instances vs one: ${r.scaling.toFixed(2)}× the throughput (2 cores shared with the database)`);
  }
}

// ---- platforms: acknowledging a vote, and sending a round to 1,000 partners ----
function section(title: string, args: string[], format: (stdout: string) => string) {
  const run = spawnSync(process.execPath, ["--import", "tsx", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (run.status !== 0) {
    console.error(`${title}: benchmark failed (exit ${run.status})\n${run.stdout}`);
    process.exitCode = 1;
    return;
  }
  console.log(`\n== ${title} ==\n${format(run.stdout.trim())}`);
}
const sendLine = (stdout: string) => {
  const r = JSON.parse(resultLine(stdout, "partners"));
  return `${r.partners} partners: ${r.seconds} s against a ceiling of ${r.ceiling} s at the platform's limit, so ${r.ofCeiling} % of it; ${r.sent} messages sent, ${r.rateLimited} answered 429 (waited out; ${r.courier.workspacePaused} read as the whole workspace's limit), ${r.duplicates} duplicates, ${r.losses} losses`;
};
section("Slack: acknowledging a signed block_actions vote at 200 requests/s (in-memory PGlite)", ["bench/slack.ts"], (s) => s.split("\n").filter((l) => !l.startsWith("{")).join("\n"));
section("Slack: a round to 1,000 partners (fake Web API: 50 chat.postMessage/s, a 429 every 100 calls; budget 47.5/s)", ["bench/send.ts"], sendLine);
section("Teams: an adaptiveCard/action vote round trip at 100 requests/s (in-memory PGlite)", ["bench/teams.ts"], (s) => s.split("\n").filter((l) => !l.startsWith("{") && !l.startsWith("==")).join("\n"));
section("Teams: a round to 1,000 partners (fake connector enforcing Teams' per-conversation and per-tenant limits, a 429 every 100 calls)", ["bench/send-teams.ts"], sendLine);
section("Across organisations: a round to 1,000 partners in 3 Slack workspaces and 2 Teams tenants (200 each; each paced and limited on its own, a 429 every 100 calls)", ["bench/send-across.ts"], (stdout) => {
  const r = JSON.parse(resultLine(stdout, "ceilings"));
  return `${r.partners} partners: ${r.seconds} s; the slowest workspace's ceiling is ${Math.max(r.ceilings.slack, r.ceilings.teams)} s (Slack ${r.ceilings.slack} s, Teams ${r.ceilings.teams} s), so ${r.ofCeiling} % of it; ${r.rateLimited.slack + r.rateLimited.teams} answered 429 (waited out), ${r.duplicates} duplicates, ${r.losses} losses`;
});
