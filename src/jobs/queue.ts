// The durable job queue under the clock and the outbox. Every future or outbound action is a row
// in "Job"; any number of instances claim due rows with a lease. Exactly-once for database effects:
// a run's effects commit in the same transaction that marks the job done, and only while this
// instance still holds the lease (a taken-over job's late finisher rolls back). Effects outside the
// database (a message sent) cannot be rolled back: a claim says whether an earlier run may have
// begun them (`resumed`, `progress`), so the caller can look before doing them again.
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client.ts";

export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
type Writer = Pick<PrismaClient, "$executeRaw"> | Tx;

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
    // One parameter holding every row: Prisma's createMany spent over a second building the query
    // for a round's 3,000 jobs (its polls and nudges); PostgreSQL reads the JSON in a tenth of that.
    // In order (WITH ORDINALITY), as a lane's jobs are claimed in the order they were enqueued (seq).
    const rows = jobs.map((j) => ({ id: randomUUID(), workspaceId: j.workspaceId, kind: j.kind, dueAt: j.dueAt.toISOString(), payload: j.payload, dedupeKey: j.dedupeKey, lane: j.lane ?? null }));
    return await db.$executeRaw`
      INSERT INTO "Job" ("id", "workspaceId", "kind", "dueAt", "payload", "dedupeKey", "lane")
      SELECT e->>'id', e->>'workspaceId', e->>'kind', (e->>'dueAt')::timestamp(3), e->'payload', e->>'dedupeKey', e->>'lane'
      FROM jsonb_array_elements(${JSON.stringify(rows)}::jsonb) WITH ORDINALITY AS x(e, n)
      ORDER BY n
      ON CONFLICT DO NOTHING`;
  }

  /**
   * Claims up to `limit` due jobs of the given kinds: pending ones, and running ones whose lease
   * ran out (their instance crashed). SKIP LOCKED lets instances claim side by side without waiting.
   * The sub-select reads each row's status before the update, which is how `resumed` is known.
   * Progress an earlier run recorded is in `result` until the job finishes (then the final result).
   *
   * Lanes (deliveries: one conversation) go in the order they were enqueued, one job at a time:
   * a job is claimed only when no pending or running job of its lane was enqueued before it (a
   * lower seq). So two instances never send one conversation's messages at once or out of order
   * (two updates of one card: the later never lands first). The order is the enqueueing, not
   * dueAt, because a retried job's dueAt moves on and it must keep its place. A job alone in its
   * lane (the common case) costs one index probe (Job_lane_seq_idx).
   */
  async claim(kinds: readonly string[], limit: number): Promise<ClaimedJob[]> {
    const now = this.now();
    const leaseUntil = new Date(now.getTime() + this.leaseMs);
    const rows = await this.db.$queryRaw<ClaimedJob[]>`
      UPDATE "Job" j SET status = 'running', "leasedBy" = ${this.runner}, "leaseUntil" = ${leaseUntil},
        "startedAt" = ${now}, attempts = j.attempts + 1
      FROM (
        SELECT id, status AS was FROM "Job" c
        WHERE kind = ANY(${kinds as string[]}::text[]) AND "dueAt" <= ${now}
          AND (status = 'pending' OR (status = 'running' AND "leaseUntil" < ${now}))
          AND (c.lane IS NULL OR NOT EXISTS (
            SELECT 1 FROM "Job" e WHERE e.lane = c.lane AND e.status IN ('pending', 'running')
              AND e.seq < c.seq))
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
    const lateMs = Math.max(0, Math.round(now.getTime() - job.dueAt.getTime()));
    const finish = (q: Pick<PrismaClient, "$queryRaw">) => q.$queryRaw<{ jobId: string }[]>`
      WITH finished AS (
        UPDATE "Job" SET status = ${outcome.status ?? "done"}, "finishedAt" = ${now}, outcome = ${outcome.note ?? null},
          result = ${outcome.result === undefined ? null : JSON.stringify(outcome.result)}::jsonb, "leaseUntil" = NULL
        WHERE id = ${job.id} AND "leasedBy" = ${this.runner} AND status = 'running'
        RETURNING id)
      INSERT INTO "JobRun" ("id", "jobId", "runner", "lateMs") SELECT ${randomUUID()}, id, ${this.runner}, ${lateMs}::int FROM finished
      RETURNING "jobId"`;
    // Without effects, finishing is one statement (atomic on its own): a clock of many small jobs
    // does one round trip per job, not four.
    if (!effect) {
      if ((await finish(this.db)).length !== 1) throw new LeaseLostError(job.id);
      return;
    }
    await this.db.$transaction(async (tx) => {
      if ((await finish(tx)).length !== 1) throw new LeaseLostError(job.id);
      await effect(tx);
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

  /**
   * When the next job of these kinds is due (null: none pending). A job waiting behind an earlier
   * one of its lane (see claim) is not counted: it comes due when that one is done, not before.
   */
  async nextDue(kinds: readonly string[]): Promise<Date | null> {
    const rows = await this.db.$queryRaw<{ at: Date | null }[]>`
      SELECT min(CASE WHEN status = 'pending' THEN "dueAt" ELSE "leaseUntil" END) AS at FROM "Job" c
      WHERE kind = ANY(${kinds as string[]}::text[]) AND status IN ('pending', 'running')
        AND (c.lane IS NULL OR NOT EXISTS (
          SELECT 1 FROM "Job" e WHERE e.lane = c.lane AND e.status IN ('pending', 'running')
            AND e.seq < c.seq))`;
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

  /**
   * Deletes up to `limit` finished jobs (their runs go with them, ON DELETE CASCADE) that are
   * done or skipped, and were both due and finished more than `retentionMs` ago; returns how many.
   *
   * What is safe: a job's row is also its dedupeKey, which keeps the same job from being enqueued
   * twice. Nothing pending or running is touched (it may still run and enqueue), and failed jobs
   * stay for whoever looks into them. A finished job can only be enqueued again by what computes
   * its key, and every key names something that happens once or a moment: an id made once (an
   * invitation's poll, a round's close, a digest's messages, a meeting's pulse) enqueued in the
   * transaction that made it, or a job's own id ("remind:<job>", "nudge:<job>"), enqueued in that
   * job's done-transaction, which never runs again; and the clock's recurring keys name their
   * moment ("schedule:<id>:<at>", "action:<id>:<due>:overdue:<week>"), always computed forward from
   * now (the next occurrence after the one that ran, reminders only while their moment is ahead).
   * So a key due longer ago than the retention (at least a day: far past any lease, retry or
   * replayed request) cannot come again, and its row protects nothing. Batched, SKIP LOCKED: the
   * instances prune side by side without waiting on each other or on claims.
   */
  async prune(retentionMs: number, limit = 1_000): Promise<number> {
    const before = new Date(this.now().getTime() - retentionMs);
    return this.db.$executeRaw`
      DELETE FROM "Job" WHERE id IN (
        SELECT id FROM "Job"
        WHERE status IN ('done', 'skipped') AND "dueAt" < ${before} AND "finishedAt" < ${before}
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)`;
  }
}
