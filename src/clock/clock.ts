// The clock: node-cron ticks on every instance (every 30 s); each tick claims the jobs that are
// due (with a lease, so instances never run the same job and a crashed instance's claims are
// taken over) and runs them. Nothing is kept in memory: after downtime the next tick finds every
// job that came due meanwhile, and each handler decides whether it is still useful or stale.
import cron from "node-cron";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { JobQueue, LeaseLostError, type ClaimedJob, type Tx } from "../jobs/queue.ts";
import { lineLogger } from "../observability/log.ts";

/** What a handler decided. Effects run inside the transaction that marks the job done. */
export type JobOutcome =
  | { status: "done"; effect?: (tx: Tx) => Promise<void>; note?: string }
  /** stale or pointless now (a nudge for a closed round): recorded, and logged; the effect may schedule what follows */
  | { status: "skipped"; note: string; effect?: (tx: Tx) => Promise<void> }
  /** not yet (quiet hours, snoozed): the job waits until `at` */
  | { status: "later"; at: Date; note: string };

export type JobHandler = (job: ClaimedJob, now: Date) => Promise<JobOutcome>;

export interface ClockOptions {
  now?: () => Date;
  runner?: string;
  leaseMs?: number;
  /** jobs claimed per query */
  batch?: number;
  /** jobs run at once within a batch */
  concurrency?: number;
  log?: (line: string) => void;
  /** after each tick that ran something (e.g. to wake the courier for what the jobs enqueued) */
  onTick?: (report: TickReport) => void;
  /** finished jobs and their runs older than this are pruned by the ticks start() schedules (see JobQueue.prune) */
  retentionDays?: number;
}

/** How often an instance prunes finished jobs, and how much at most at a time (batches of 1,000). */
const PRUNE_EVERY_MS = 10 * 60_000;
const PRUNE_BATCHES = 10;

export interface TickReport {
  done: number;
  skipped: number;
  later: number;
  failed: number;
  leaseLost: number;
}

export class Clock {
  readonly queue: JobQueue;
  private readonly kinds: string[];
  private readonly now: () => Date;
  private readonly batch: number;
  private readonly concurrency: number;
  private readonly log: (line: string) => void;
  private task: ReturnType<typeof cron.schedule> | null = null;
  private ticking: Promise<TickReport> | null = null;
  /** start(): this instance's previous process's claims, taken back before the first tick claims */
  private reclaiming: Promise<void> | null = null;
  private pruning: Promise<void> | null = null;
  private prunedAt = 0;
  /** the last prune stopped at its cap with more to delete: go on at the next tick */
  private pruneBehind = false;

  constructor(
    db: PrismaClient,
    private readonly handlers: Record<string, JobHandler>,
    private readonly options: ClockOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.queue = new JobQueue(db, { runner: options.runner, leaseMs: options.leaseMs ?? 120_000, now: this.now });
    this.kinds = Object.keys(handlers);
    this.batch = options.batch ?? 100;
    this.concurrency = options.concurrency ?? 4;
    this.log = options.log ?? lineLogger("clock");
  }

  /** Ticks every `expression` (node-cron, with seconds) until stop(); the first tick is at once. */
  start(expression = "*/30 * * * * *"): void {
    // Restarted under the same instance name: the killed process's claims run at the first tick,
    // not when their lease ends (their effects never committed, so running them now is safe).
    this.reclaiming ??= this.queue.reclaimOwn(this.kinds).then(
      (n) => {
        if (n > 0) this.log(`took back ${n} jobs this instance's previous process had claimed`);
      },
      (e: unknown) => this.log(`could not take back earlier claims: ${e instanceof Error ? e.message : String(e)}`),
    );
    // Pruning rides on the scheduled ticks only: a test's own tick() never deletes what it looks at.
    this.task = cron.schedule(expression, () => void this.tick().then(() => this.prune()), { noOverlap: true, name: `partnerpuls-clock-${this.queue.runner}` });
    void this.tick();
  }

  async stop(): Promise<void> {
    await this.task?.stop();
    this.task = null;
    await this.ticking;
    await this.pruning;
  }

  /**
   * Deletes finished jobs past the retention, every ten minutes, a few batches at a time (short
   * statements, never a long lock); a backlog (the first prune of a large table) goes on tick by tick.
   */
  prune(): Promise<void> {
    const days = this.options.retentionDays;
    if (!days || this.pruning || (!this.pruneBehind && Date.now() - this.prunedAt < PRUNE_EVERY_MS)) return this.pruning ?? Promise.resolve();
    this.prunedAt = Date.now();
    this.pruning = (async () => {
      let deleted = 0;
      let full = false;
      try {
        for (let i = 0; i < PRUNE_BATCHES; i++) {
          const n = await this.queue.prune(days * 86_400_000, 1_000);
          deleted += n;
          full = n === 1_000;
          if (!full) break;
        }
      } catch (e) {
        this.log(`could not prune finished jobs: ${e instanceof Error ? e.message : String(e)}`);
      }
      this.pruneBehind = full;
      if (deleted > 0) this.log(`pruned ${deleted} jobs finished more than ${days} days ago`);
    })().finally(() => (this.pruning = null));
    return this.pruning;
  }

  /** Runs every job that is due now, batch after batch. A tick already running is joined. */
  tick(): Promise<TickReport> {
    this.ticking ??= this.runDue()
      .then((r) => {
        if (r.done + r.skipped > 0) this.options.onTick?.(r);
        return r;
      })
      .finally(() => (this.ticking = null));
    return this.ticking;
  }

  private async runDue(): Promise<TickReport> {
    const report: TickReport = { done: 0, skipped: 0, later: 0, failed: 0, leaseLost: 0 };
    await this.reclaiming;
    try {
      for (;;) {
        const jobs = await this.queue.claim(this.kinds, this.batch);
        if (jobs.length === 0) break;
        let next = 0;
        const worker = async () => {
          while (next < jobs.length) await this.runOne(jobs[next++]!, report);
        };
        await Promise.all(Array.from({ length: Math.min(this.concurrency, jobs.length) }, worker));
      }
    } catch (e) {
      this.log(`tick failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    return report;
  }

  private async runOne(job: ClaimedJob, report: TickReport): Promise<void> {
    const handler = this.handlers[job.kind]!;
    try {
      const outcome = await handler(job, this.now());
      if (outcome.status === "later") {
        await this.queue.retryAt(job, outcome.at, outcome.note, false);
        report.later++;
      } else if (outcome.status === "skipped") {
        await this.queue.complete(job, outcome.effect, { status: "skipped", note: outcome.note });
        this.log(`skipped ${job.kind} ${job.dedupeKey}: ${outcome.note}`);
        report.skipped++;
      } else {
        await this.queue.complete(job, outcome.effect, { note: outcome.note });
        report.done++;
      }
    } catch (e) {
      if (e instanceof LeaseLostError) {
        report.leaseLost++;
        return;
      }
      const reason = e instanceof Error ? e.message : String(e);
      this.log(`${job.kind} ${job.dedupeKey} failed (try ${job.attempts}): ${reason}`);
      report.failed++;
      // A bug or an outage: try again later, a few times, then give up and keep the reason.
      if (job.attempts >= 5) await this.queue.fail(job, reason);
      else await this.queue.retryAt(job, new Date(this.now().getTime() + 60_000 * 2 ** (job.attempts - 1)), reason);
    }
  }
}
