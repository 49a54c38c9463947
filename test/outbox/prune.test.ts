// What is pruned, on both databases: finished jobs (done, skipped) due and finished longer ago than
// the retention go, with their runs, a batch at a time; nothing pending, running or failed, nothing
// recent, goes. And the pacing table: slots behind every window, and the budgets left with none.
import { it, expect } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { JobQueue } from "../../src/jobs/queue.ts";
import { Clock } from "../../src/clock/clock.ts";
import { Pacer } from "../../src/outbox/pacer.ts";

const DAY = 86_400_000;

describeEachDatabase("pruning", (db) => {
  it("deletes only finished jobs past the retention, with their runs, at most a batch per call", async () => {
    const prisma = db().prisma;
    const ws = await prisma.workspace.create({ data: { platform: "local", externalId: "prune" } });
    const now = Date.now();
    const ago = (days: number) => new Date(now - days * DAY);
    const job = (key: string, status: string, dueDays: number, finishedDays: number | null) =>
      prisma.job.create({ data: { workspaceId: ws.id, kind: "probe", dedupeKey: key, status, payload: {}, dueAt: ago(dueDays), finishedAt: finishedDays === null ? null : ago(finishedDays), leaseUntil: status === "running" ? ago(dueDays) : null } });
    const old = [];
    for (let i = 0; i < 5; i++) old.push(await job(`old-done:${i}`, "done", 40, 40));
    const oldSkipped = await job("old-skipped", "skipped", 40, 40);
    for (const j of [old[0]!, oldSkipped]) await prisma.jobRun.create({ data: { jobId: j.id, runner: "r", lateMs: 0 } });
    // Kept: each for its reason.
    const kept = [
      await job("recent-done", "done", 1, 1), // within the retention: its key still dedupes
      await job("ran-late", "done", 40, 2), // due long ago, finished lately (retried for weeks)
      await job("old-pending", "pending", 40, null), // may still run and enqueue
      await job("old-running", "running", 40, null), // a crashed instance's, to be taken over
      await job("old-failed", "failed", 40, 40), // kept for whoever looks into it
    ];
    await prisma.jobRun.create({ data: { jobId: kept[0]!.id, runner: "r", lateMs: 0 } });

    const queue = new JobQueue(prisma);
    const batches = [];
    for (let n = -1; n !== 0; ) batches.push((n = await queue.prune(30 * DAY, 2)));
    expect(batches).toEqual([2, 2, 2, 0]);
    const left = await prisma.job.findMany({ where: { workspaceId: ws.id }, select: { dedupeKey: true } });
    expect(left.map((j) => j.dedupeKey).sort()).toEqual(kept.map((j) => j.dedupeKey).sort());
    expect(await prisma.jobRun.count({ where: { jobId: { in: [old[0]!.id, oldSkipped.id] } } })).toBe(0);
    expect(await prisma.jobRun.count({ where: { jobId: kept[0]!.id } })).toBe(1);
    // A kept key still keeps its job from being enqueued twice.
    expect(await JobQueue.enqueue(prisma, [{ workspaceId: ws.id, kind: "probe", dueAt: new Date(), payload: {}, dedupeKey: "recent-done" }])).toBe(0);
  });

  it("the clock prunes by its retention, and not at all without one", async () => {
    const prisma = db().prisma;
    const ws = await prisma.workspace.create({ data: { platform: "local", externalId: "prune-clock" } });
    const at = new Date(Date.now() - 10 * DAY);
    await prisma.job.create({ data: { workspaceId: ws.id, kind: "probe", dedupeKey: "ten-days", status: "done", payload: {}, dueAt: at, finishedAt: at } });
    await new Clock(prisma, {}, { log: () => {} }).prune();
    expect(await prisma.job.count({ where: { dedupeKey: "ten-days" } })).toBe(1);
    await new Clock(prisma, {}, { log: () => {}, retentionDays: 30 }).prune();
    expect(await prisma.job.count({ where: { dedupeKey: "ten-days" } })).toBe(1);
    await new Clock(prisma, {}, { log: () => {}, retentionDays: 7 }).prune();
    expect(await prisma.job.count({ where: { dedupeKey: "ten-days" } })).toBe(0);
  });

  it("prunes expired pacing slots as bookings pass them, and unused keys' leftovers", async () => {
    const prisma = db().prisma;
    const pacer = new Pacer(prisma);
    const now = Date.now();
    await pacer.reserve([{ key: "prune:ws", limits: [{ count: 5, perMs: 1_000 }] }]);
    // Slots from long ago: one under a key still in use, one under a key nobody uses any more.
    await prisma.paceSlot.createMany({ data: [{ key: "prune:ws", at: BigInt(now - 2 * 3_600_000) }, { key: "prune:gone", at: BigInt(now - 2 * 3_600_000) }] });
    await prisma.paceBudget.create({ data: { key: "prune:gone", slots: 1 } });
    await prisma.paceBudget.create({ data: { key: "prune:paused", pausedUntil: BigInt(now + 60_000) } });
    // A booking deletes its own key's slots behind every window.
    await pacer.reserve([{ key: "prune:ws", limits: [{ count: 5, perMs: 1_000 }] }]);
    expect(await prisma.paceSlot.count({ where: { key: "prune:ws" } })).toBe(2);
    await pacer.prune(3_600_000);
    expect(await prisma.paceSlot.count({ where: { key: "prune:gone" } })).toBe(0);
    const budgets = (await prisma.paceBudget.findMany({ where: { key: { startsWith: "prune:" } } })).map((b) => b.key).sort();
    expect(budgets).toEqual(["prune:paused", "prune:ws"]);
  });
});
