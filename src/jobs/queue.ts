// The durable job queue under the clock and the outbox. Every future or outbound action is a row
// in "Job"; any number of instances claim due rows with a lease. Exactly-once for database effects:
// a run's effects commit in the same transaction that marks the job done, and only while this
// instance still holds the lease (a taken-over job's late finisher rolls back).
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { Prisma } from "../generated/prisma/client.ts";

export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
type Writer = Pick<PrismaClient, "job"> | Tx;

export interface NewJob {
  workspaceId: string;
  kind: string;
  dueAt: Date;
  payload: unknown;
  /** the same dedupeKey is never enqueued twice: a second enqueue is a no-op */
  dedupeKey: string;
  lane?: string;
}

export interface ClaimedJob {
  id: string;
  workspaceId: string;
  kind: string;
  dueAt: Date;
  payload: unknown;
  dedupeKey: string;
  lane: string | null;
  /** tries so far, this one included */
  attempts: number;
}

/** The lease ran out and another instance took the job over: this run's effects were rolled back. */
export class LeaseLostError extends Error {
  constructor(jobId: string) {
    super(`lease on job ${jobId} was lost`);
    this.name = "LeaseLostError";
  }
}

export interface QueueOptions {
  /** this instance's name in leases and run records */
  runner?: string;
  leaseMs?: number;
  now?: () => Date;
}

export class JobQueue {
  readonly runner: string;
  readonly leaseMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly db: PrismaClient,
    options: QueueOptions = {},
  ) {
    this.runner = options.runner ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.now = options.now ?? (() => new Date());
  }

  /** Adds jobs; those whose dedupeKey exists already are skipped. Returns how many were added. */
  static async enqueue(db: Writer, jobs: NewJob[]): Promise<number> {
    if (jobs.length === 0) return 0;
    const r = await db.job.createMany({
      data: jobs.map((j) => ({ workspaceId: j.workspaceId, kind: j.kind, dueAt: j.dueAt, payload: j.payload as Prisma.InputJsonValue, dedupeKey: j.dedupeKey, lane: j.lane ?? null })),
      skipDuplicates: true,
    });
    return r.count;
  }

  /**
   * Claims up to `limit` due jobs of the given kinds: pending ones, and running ones whose lease
   * ran out (their instance crashed). SKIP LOCKED lets instances claim side by side without waiting.
   */
  async claim(kinds: readonly string[], limit: number): Promise<ClaimedJob[]> {
    const now = this.now();
    const leaseUntil = new Date(now.getTime() + this.leaseMs);
    const rows = await this.db.$queryRaw<ClaimedJob[]>`
      UPDATE "Job" SET status = 'running', "leasedBy" = ${this.runner}, "leaseUntil" = ${leaseUntil},
        "startedAt" = ${now}, attempts = attempts + 1
      WHERE id IN (
        SELECT id FROM "Job"
        WHERE kind = ANY(${kinds as string[]}::text[]) AND "dueAt" <= ${now}
          AND (status = 'pending' OR (status = 'running' AND "leaseUntil" < ${now}))
        ORDER BY "dueAt"
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, "workspaceId", kind, "dueAt", payload, "dedupeKey", lane, attempts`;
    return rows.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
  }

  /**
   * Finishes a job: first re-checks the lease (locking the row, so nobody takes it over meanwhile),
   * then runs the effects, records the run and the outcome, all in one transaction.
   */
  async complete(
    job: ClaimedJob,
    effect?: (tx: Tx) => Promise<void>,
    outcome: { status?: "done" | "skipped"; note?: string; result?: unknown } = {},
  ): Promise<void> {
    const now = this.now();
    await this.db.$transaction(async (tx) => {
      const held = await tx.$executeRaw`
        UPDATE "Job" SET status = ${outcome.status ?? "done"}, "finishedAt" = ${now}, outcome = ${outcome.note ?? null},
          result = ${outcome.result === undefined ? null : JSON.stringify(outcome.result)}::jsonb, "leaseUntil" = NULL
        WHERE id = ${job.id} AND "leasedBy" = ${this.runner} AND status = 'running'`;
      if (held !== 1) throw new LeaseLostError(job.id);
      if (effect) await effect(tx);
      await tx.jobRun.create({ data: { jobId: job.id, runner: this.runner, lateMs: Math.max(0, Math.round(now.getTime() - job.dueAt.getTime())) } });
    });
  }

  /** Puts a job back to wait until `at` (a 429, a transient failure, or pacing). */
  async retryAt(job: ClaimedJob, at: Date, note: string, countAttempt = true): Promise<void> {
    await this.db.$executeRaw`
      UPDATE "Job" SET status = 'pending', "dueAt" = ${at}, outcome = ${note}, "leasedBy" = NULL, "leaseUntil" = NULL,
        attempts = attempts - ${countAttempt ? 0 : 1}
      WHERE id = ${job.id} AND "leasedBy" = ${this.runner} AND status = 'running'`;
  }

  /** Gives up on a job: recorded as failed with the reason. */
  async fail(job: ClaimedJob, note: string): Promise<void> {
    await this.db.$executeRaw`
      UPDATE "Job" SET status = 'failed', "finishedAt" = ${this.now()}, outcome = ${note}, "leaseUntil" = NULL
      WHERE id = ${job.id} AND "leasedBy" = ${this.runner} AND status = 'running'`;
  }

  /** When the next job of these kinds is due (null: none pending). */
  async nextDue(kinds: readonly string[]): Promise<Date | null> {
    const rows = await this.db.$queryRaw<{ at: Date | null }[]>`
      SELECT min(CASE WHEN status = 'pending' THEN "dueAt" ELSE "leaseUntil" END) AS at FROM "Job"
      WHERE kind = ANY(${kinds as string[]}::text[]) AND status IN ('pending', 'running')`;
    return rows[0]?.at ?? null;
  }

  /** Running jobs, and pending ones due within `withinMs`: 0 means nothing to do that soon. */
  async backlog(kinds: readonly string[], withinMs = 0): Promise<number> {
    const now = new Date(this.now().getTime() + withinMs);
    const rows = await this.db.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM "Job"
      WHERE kind = ANY(${kinds as string[]}::text[]) AND (status = 'running' OR (status = 'pending' AND "dueAt" <= ${now}))`;
    return Number(rows[0]?.n ?? 0);
  }
}
