// Benchmarks the core on one database (run by bench/run.ts, one process per database, so each
// peak RSS is its own). Prints one JSON line. Every figure comes with a baseline measured in the
// same process, so the ratio means something on a noisy machine.
import { performance } from "node:perf_hooks";
import { openBenchDatabase } from "./database.ts";
import { addPartners } from "./seed.ts";
import { Partnerpuls } from "../src/core.ts";
import type { WorkspaceRef } from "../src/ports.ts";
import { findBuiltIn, CHECKLIST_KEY } from "../src/instruments/catalogue.ts";
import { snapshotFor } from "../src/domain/rounds.ts";
import { answerValue } from "../src/messages/build.ts";
import { sectionsChart, totalsChart, mapChart, purposesChart, spreadChart, type Chart } from "../src/charts/charts.ts";
import { pngOf, svgOf } from "../src/charts/render.ts";

const kind = process.argv[2] === "postgres" ? "postgres" : "pglite";
const PARTNERS = 50;
const ROUNDS = 20;
const ANSWERS = 2000;


function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), n: s.length };
}

const { db, cleanup } = await openBenchDatabase(kind, "core");
const prisma = db.prisma;
try {
  const ws: WorkspaceRef = { platform: "local", externalId: "bench" };
  const core = new Partnerpuls(prisma);
  // Set up through the core's own commands: the partnership, its coordinator and 50 partners.
  const coord = { workspace: ws, userId: "coord" };
  await core.command(coord, 'partnership create "Bench" language=en');
  await core.command(coord, 'org add "Lead" sector=municipality');
  const workspace = await prisma.workspace.findFirstOrThrow({ where: { externalId: "bench" } });
  const partnership = await prisma.partnership.findFirstOrThrow({ where: { workspaceId: workspace.id } });
  const org = await prisma.organisation.findFirstOrThrow({ where: { partnershipId: partnership.id } });
  const members = await addPartners(prisma, workspace.id, partnership.id, Array.from({ length: PARTNERS }, (_, i) => `p${i}`), [org.id]);

  // 20 closed rounds of 50 partners × 35 statements (35,000 answers), written in bulk.
  const checklist = findBuiltIn(CHECKLIST_KEY)!;
  const sectionIds = checklist.sections.map((s) => s.id);
  const snap = snapshotFor(checklist, sectionIds, { purposes: [], organisations: [] });
  if (!snap.ok) throw new Error(snap.reason);
  const itemIds = checklist.sections.flatMap((s) => s.items.map((i) => i.id));
  const seedStart = performance.now();
  for (let r = 1; r <= ROUNDS; r++) {
    const round = await prisma.round.create({
      data: { workspaceId: workspace.id, partnershipId: partnership.id, number: r, instrumentKey: checklist.key, instrumentVersion: checklist.version, sectionIds, snapshot: snap.snapshot as object, opensAt: new Date(Date.UTC(2020, r, 1)), closesAt: new Date(Date.UTC(2020, r, 15)), closedAt: new Date(Date.UTC(2020, r, 15)) },
    });
    await prisma.invitation.createMany({ data: members.map((m) => ({ workspaceId: workspace.id, roundId: round.id, membershipId: m.id, completedAt: round.closesAt })) });
    await prisma.answer.createMany({
      data: members.flatMap((m, i) => itemIds.map((itemId, k) => ({ workspaceId: workspace.id, roundId: round.id, membershipId: m.id, itemId, rating: 1 + ((i + k + r) % 5) }))),
    });
  }
  const seedMs = performance.now() - seedStart;

  // Digest of the latest round (with trend and history over the earlier rounds) vs. the floor:
  // reading the same round's answers once.
  const latest = await prisma.round.findFirstOrThrow({ where: { partnershipId: partnership.id, number: ROUNDS } });
  const digestTimes: number[] = [];
  const readTimes: number[] = [];
  for (let i = 0; i < 12; i++) {
    let t = performance.now();
    const d = await core.digestFor(workspace.id, partnership.id, "en", latest.id);
    if (!d) throw new Error("no digest");
    digestTimes.push(performance.now() - t);
    t = performance.now();
    await prisma.answer.findMany({ where: { workspaceId: workspace.id, roundId: latest.id }, select: { membershipId: true, itemId: true, rating: true, choice: true } });
    readTimes.push(performance.now() - t);
  }
  digestTimes.splice(0, 2); // warm-up
  readTimes.splice(0, 2);

  // Charts: each kind drawn to SVG and PNG with new numbers every time (nothing cached), against
  // the floor of the same libraries: a one-bar chart with no axes, drawn the same way.
  // Memory kept after a full collection (run.ts passes --expose-gc), before and after: the JS heap
  // and what native code and buffers hold (WebAssembly's memory counts as array buffers).
  const settledRss = () => {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  const rssBeforeCharts = settledRss();
  const draws: Record<Chart["kind"], (i: number) => Promise<Chart>> = {
    sections: (i) => sectionsChart("en", { roundNumber: 2, previousRoundNumber: 1, min: 5, max: 25, sections: checklist.sections.map((x, k) => ({ label: x.title.en, now: 5 + ((i + k) % 20) + 0.1 * (i % 10), before: 6 + ((i * 3 + k) % 19) })) }),
    totals: (i) => totalsChart("en", { rounds: Array.from({ length: 20 }, (_, r) => ({ roundNumber: r + 1, total: 35 + ((i * 7 + r * 13) % 140) + i / 100 })), bands: checklist.bands.map((b) => ({ label: b.label.en, min: b.min, max: b.max })), min: 35, max: 175 }),
    map: (i) => {
      const orgs = Array.from({ length: 12 }, (_, k) => `Organisation ${k + 1}-${i}`);
      const pairs = orgs.flatMap((a, x) => orgs.slice(x + 1).map((b, y) => ({ a, b, now: (x + y + i) % 5, want: (x * y + i) % 5 })));
      return mapChart("en", { organisations: orgs, levels: ["No link", "Networking", "Coordinating", "Cooperating", "Collaborating"], pairs });
    },
    purposes: (i) => purposesChart("en", { levels: ["Networking", "Coordinating", "Cooperating", "Collaborating"], purposes: Array.from({ length: 6 }, (_, k) => ({ label: `Purpose ${k + 1}-${i}`, counts: { Networking: (i + k) % 9, Coordinating: (i * 2 + k) % 7, Cooperating: k % 5, Collaborating: (i + 3 * k) % 6 } })) }),
    spread: (i) => spreadChart("en", { points: [1, 2, 3, 4, 5], items: Array.from({ length: 3 }, (_, k) => ({ id: `s${k + 1}.1`, text: `${checklist.sections[k]!.items[0]!.text.en.slice(0, 30)} ${i}`, distribution: [1 + ((i + k) % 9), (i * k) % 4, 2, (i + 1) % 5, 1 + ((i * 3) % 8)] })) }),
  };
  const charts: Record<string, ReturnType<typeof stats>> = {};
  for (const [kind, draw] of Object.entries(draws)) {
    const times: number[] = [];
    for (let i = 0; i < 42; i++) {
      const t = performance.now();
      pngOf((await draw(i)).svg);
      times.push(performance.now() - t);
    }
    charts[kind] = stats(times.slice(2));
  }
  const floorTimes: number[] = [];
  for (let i = 0; i < 42; i++) {
    const t = performance.now();
    pngOf(await svgOf({ data: { values: [{ v: i }] }, mark: "bar", encoding: { x: { field: "v", type: "quantitative", axis: null } }, width: 50, height: 20 }));
    floorTimes.push(performance.now() - t);
  }
  const chartFloor = stats(floorTimes.slice(2));

  // The report page of the 20 rounds: its first opening in a language (every chart drawn; the
  // releases already stored, as they are at close), then again, against reading the rounds' rows.
  const token = /\/report\/([A-Za-z0-9_.-]+)/.exec(JSON.stringify(await core.command(coord, "report")))![1]!;
  if (!(await core.reportPage(token, "da"))) throw new Error("no report page");
  let t0 = performance.now();
  const firstPage = await core.reportPage(token, "en");
  const reportFirstMs = performance.now() - t0;
  const reportTimes: number[] = [];
  const roundsRead: number[] = [];
  for (let i = 0; i < 12; i++) {
    t0 = performance.now();
    await core.reportPage(token, "en");
    reportTimes.push(performance.now() - t0);
    t0 = performance.now();
    await prisma.round.findMany({ where: { partnershipId: partnership.id, closedAt: { not: null } }, orderBy: { number: "asc" } });
    roundsRead.push(performance.now() - t0);
  }
  const rssAfterReport = settledRss();

  // Recording answers: 2,000 button presses through the core (validation, permission, upsert,
  // completion check, re-rendered poll) vs. the bare upsert of the same row.
  await core.command(coord, "checkin start deadline=30d");
  const open = await prisma.round.findFirstOrThrow({ where: { partnershipId: partnership.id, closedAt: null } });
  const answerTimes: number[] = [];
  const upsertTimes: number[] = [];
  for (let i = 0; i < ANSWERS; i++) {
    const m = members[i % PARTNERS]!;
    const itemId = itemIds[Math.floor(i / PARTNERS) % itemIds.length]!;
    const rating = 1 + (i % 5);
    let t = performance.now();
    await core.action({ workspace: ws, userId: m.person.platformUserId }, "poll.answer", answerValue(open.id, itemId, { rating }));
    answerTimes.push(performance.now() - t);
    t = performance.now();
    await prisma.answer.upsert({
      where: { roundId_membershipId_itemId: { roundId: latest.id, membershipId: m.id, itemId } },
      create: { workspaceId: workspace.id, roundId: latest.id, membershipId: m.id, itemId, rating },
      update: { rating },
    });
    upsertTimes.push(performance.now() - t);
  }
  const recorded = await prisma.answer.count({ where: { roundId: open.id } });

  const a = stats(answerTimes);
  const u = stats(upsertTimes);
  const dg = stats(digestTimes);
  const rd = stats(readTimes);
  console.log(
    JSON.stringify({
      database: kind,
      seed: { answers: ROUNDS * PARTNERS * itemIds.length, ms: Math.round(seedMs) },
      recordAnswer: { ...a, baselineUpsert: u, ratioP50: a.p50 / u.p50, recorded },
      digest: { ...dg, baselineRead: rd, ratioP50: dg.p50 / rd.p50 },
      charts: { kinds: charts, floor: chartFloor },
      report: { firstMs: reportFirstMs, bytes: firstPage?.length ?? 0, ...stats(reportTimes.slice(2)), baselineRead: stats(roundsRead.slice(2)), ratioP50: stats(reportTimes.slice(2)).p50 / stats(roundsRead.slice(2)).p50 },
      chartsRssMb: Math.round((rssAfterReport - rssBeforeCharts) / 1024 / 1024),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
} finally {
  await cleanup();
}
