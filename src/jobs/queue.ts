// The durable job queue under the clock and the outbox. Every future or outbound action is a row
// in "Job"; any number of instances claim due rows with a lease. Exactly-once for database effects:
// a run's effects commit in the same transaction that marks the job done, and only while this
// instance still holds the lease (a taken-over job's late finisher rolls back). Effects outside the
// database (a message sent) cannot be rolled back: a claim says whether an earlier run may have
// begun them (`resumed`, `progress`), so the caller can look before doing them again.
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
  /** it was still 'running' when claimed: the run that held it crashed or lost its lease */
  resumed: boolean;
  /**
   * What an earlier run recorded with `progress()` while it held the job and did not finish it
   * (the courier: "sending", or where the message landed); null when nothing was recorded.
   */
  progress: unknown;
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
  /** claims older than this are a previous process's (see reclaimOwn) */
  private readonly createdAt: Date;

  constructor(
    private readonly db: PrismaClient,
    options: QueueOptions = {},
  ) {
    this.runner = options.runner ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.now = options.now ?? (() => new Date());
    this.createdAt = this.now();
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
   * The sub-select reads each row's status before the update, which is how `resumed` is known.
   * Progress an earlier run recorded is in `result` until the job finishes (then the final result).
   */
  async claim(kinds: readonly string[], limit: number): Promise<ClaimedJob[]> {
    const now = this.now();
    const leaseUntil = new Date(now.getTime() + this.leaseMs);
    const rows = await this.db.$queryRaw<ClaimedJob[]>`
      UPDATE "Job" j SET status = 'running', "leasedBy" = ${this.runner}, "leaseUntil" = ${leaseUntil},
        "startedAt" = ${now}, attempts = j.attempts + 1
      FROM (
        SELECT id, status AS was FROM "Job"
        WHERE kind = ANY(${kinds as string[]}::text[]) AND "dueAt" <= ${now}
          AND (status = 'pending' OR (status = 'running' AND "leaseUntil" < ${now}))
        ORDER BY "dueAt"
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED) s
      WHERE j.id = s.id
      RETURNING j.id, j."workspaceId", j.kind, j."dueAt", j.payload, j."dedupeKey", j.lane, j.attempts,
        s.was = 'running' AS resumed, j.result AS progress`;
    return rows.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
  }

  /**
   * At start: this instance's own claims left by its previous process (same runner name, claimed
   * before this queue was made) become claimable now instead of when their lease ends; they stay
   * 'running', so whoever claims them next sees them as resumed. Only safe because one name
   * belongs to one live process at a time (PARTNERPULS_INSTANCE). Returns how many.
   */
  async reclaimOwn(kinds: readonly string[]): Promise<number> {
    const expired = new Date(this.now().getTime() - 1);
    return this.db.$executeRaw`
      UPDATE "Job" SET "leaseUntil" = ${expired}
      WHERE kind = ANY(${kinds as string[]}::text[]) AND status = 'running' AND "leasedBy" = ${this.runner}
        AND "startedAt" < ${this.createdAt}`;
  }

  /**
   * Records how far this run got with an effect outside the database, in its own small commit,
   * while it still holds the lease; a later claim reads it as `progress`. False: the lease is gone.
   */
  async progress(job: ClaimedJob, progress: unknown): Promise<boolean> {
    const held = await this.db.$executeRaw`
      UPDATE "Job" SET result = ${progress === null ? null : JSON.stringify(progress)}::jsonb
      WHERE id = ${job.id} AND "leasedBy" = ${this.runner} AND status = 'running'`;
    return held === 1;
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

  /**
   * Puts a job back to wait until `at` (a 429, a transient failure, or pacing). Recorded progress
   * stays unless `clearProgress` (the caller knows the effect did not happen).
   */
  async retryAt(job: ClaimedJob, at: Date, note: string, countAttempt = true, clearProgress = false): Promise<void> {
    await this.db.$executeRaw`
      UPDATE "Job" SET status = 'pending', "dueAt" = ${at}, outcome = ${note}, "leasedBy" = NULL, "leaseUntil" = NULL,
        attempts = attempts - ${countAttempt ? 0 : 1}, result = CASE WHEN ${clearProgress}::boolean THEN NULL ELSE result END
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
