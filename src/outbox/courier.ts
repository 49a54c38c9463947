// The courier delivers the outbox (outbox.ts: every message the bot sends on its own is first a
// "deliver" job, written in the same transaction as the change that caused it). It claims due
// deliveries, paces them under each platform's limits, delivers through the platform's ChatPort,
// and records where each landed. A crash mid-send resumes from the table:
// nobody is lost, and nobody already marked sent is sent again. A delivery a crashed run began
// sending is "in doubt": it is recorded as sending before the platform is called, and where it
// landed as soon as the platform answers (each in a commit of its own); after a restart one that
// landed is finished without sending, and one still in doubt is looked for in its conversation
// (ChatPort.findDelivered) before it is sent again. Only one that cannot be looked for is sent
// blind, and those one at a time: a crash then repeats at most the one in flight.
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { ChatPort, Delivery, MessageRef, Platform } from "../ports.ts";
import { RateLimitedError, PermanentDeliveryError } from "../ports.ts";
import type { Message } from "../messages/model.ts";
import { JobQueue, LeaseLostError, type ClaimedJob } from "../jobs/queue.ts";
import { crashPoint } from "../crashpoints.ts";
import { Pacer } from "./pacer.ts";
import { DELIVER, laneOf, type DeliveryPayload } from "./outbox.ts";
import type { CourierOptions, CourierStats } from "./courier-options.ts";

export type { CourierOptions, CourierStats } from "./courier-options.ts";

const KINDS = [DELIVER] as const;

/** What the courier records on a delivery while it sends it (Job.result until the job is done). */
type Progress = { sending: true } | { landed: MessageRef };

export class Courier {
  readonly queue: JobQueue;
  readonly stats: CourierStats = { delivered: 0, rateLimited: 0, workspacePaused: 0, retried: 0, failed: 0, leaseLost: 0, resumed: 0, recovered: 0, unchecked: 0 };
  private readonly ports = new Map<Platform, ChatPort>();
  private readonly pacer: Pacer;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly pollMs: number;
  private readonly log: (line: string) => void;
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  /** set by stop(): paced waits end at once and unsent claims are handed back */
  private stopping = false;
  private readonly sleepers = new Set<() => void>();
  /** start(): this instance's previous process's claims, taken back before the first claim */
  private reclaiming: Promise<void> | null = null;
  /** in-doubt deliveries that cannot be looked for go one at a time (see `alone`) */
  private blind: Promise<unknown> = Promise.resolve();
  /** when the pacing table was last pruned (see schedule) */
  private prunedPaceAt = 0;

  constructor(
    db: PrismaClient,
    ports: ChatPort[],
    private readonly options: CourierOptions = {},
  ) {
    for (const p of ports) this.ports.set(p.platform, p);
    this.queue = new JobQueue(db, { runner: options.runner, leaseMs: 60_000 });
    this.pacer = new Pacer(db);
    this.concurrency = options.concurrency ?? 8;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.pollMs = options.pollMs ?? 2_000;
    this.log = options.log ?? ((l) => console.log(`partnerpuls courier: ${l}`));
  }

  addPort(port: ChatPort): void {
    this.ports.set(port.platform, port);
  }

  /** Starts delivering, and keeps looking for due deliveries every pollMs. */
  start(): void {
    this.stopped = false;
    this.stopping = false;
    // Restarted under the same instance name: what the killed process had claimed goes out now,
    // not when its 60 s lease ends.
    this.reclaiming ??= this.queue.reclaimOwn(KINDS).then(
      (n) => {
        if (n > 0) this.log(`took back ${n} deliveries this instance's previous process had claimed`);
      },
      (e: unknown) => this.log(`could not take back earlier claims: ${e instanceof Error ? e.message : String(e)}`),
    );
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    for (const wake of this.sleepers) wake();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Something was enqueued: deliver now (or right after the current pass). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = (async () => {
      do {
        this.again = false;
        try {
          while ((await this.pass()) > 0 && !this.stopped);
        } catch (e) {
          this.log(`pass failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = null;
      this.schedule();
    });
  }

  private async schedule(): Promise<void> {
    if (this.stopped) return;
    await this.prunePace();
    let wait = this.pollMs;
    try {
      const next = await this.queue.nextDue(KINDS);
      if (next) wait = Math.min(this.pollMs, Math.max(10, next.getTime() - Date.now()));
    } catch {
      // the database is away for a moment: try again at the next poll
    }
    if (this.stopped || this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), wait);
    this.timer.unref();
  }

  /**
   * Idle time (between passes), at most once a minute: slots behind the longest window of any
   * platform's limits go, with the budgets of keys no longer used. One batch; the rest next time.
   */
  private async prunePace(): Promise<void> {
    if (Date.now() - this.prunedPaceAt < 60_000) return;
    this.prunedPaceAt = Date.now();
    // At least an hour (Teams' longest window): other instances may run platforms this one does not.
    const horizon = Math.max(3_600_000, ...[...this.ports.values()].flatMap((p) => [...p.limits.perConversation, ...p.limits.perWorkspace].map((l) => l.perMs)));
    try {
      await this.pacer.prune(horizon);
    } catch (e) {
      this.log(`could not prune the pacing table: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /**
   * Resolves when no delivery is in flight or due within `horizonMs` (retries after a 429 or a
   * short backoff included). Tests and benchmarks wait on this.
   */
  async settle(timeoutMs = 60_000, horizonMs = 5_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (this.stopping) return;
      await this.running;
      if ((await this.queue.backlog(KINDS, horizonMs)) === 0) return;
      if (Date.now() > end) throw new Error("outbox did not settle in time");
      if (this.stopped) await this.pass();
      else this.kick();
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** One pass: claims a batch of due deliveries and works through it. Returns how many it claimed. */
  async pass(): Promise<number> {
    await this.reclaiming;
    const jobs = await this.queue.claim(KINDS, 50);
    if (jobs.length === 0) return 0;
    const leaseEnd = Date.now() + this.queue.leaseMs - 10_000;
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        await this.deliverOne(job, leaseEnd);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, jobs.length) }, worker));
    return jobs.length;
  }

  private async deliverOne(job: ClaimedJob, leaseEnd: number): Promise<void> {
    const payload = job.payload as DeliveryPayload;
    const port = this.ports.get(payload.workspace.platform);
    if (!port) {
      await this.queue.fail(job, `no adapter for platform ${payload.workspace.platform} is running`);
      this.stats.failed++;
      return;
    }
    if (job.resumed) this.stats.resumed++;
    const progress = (job.progress ?? null) as Progress | null;
    if (progress && "landed" in progress) {
      // An earlier run sent it and recorded where, then stopped before finishing: finish it only.
      this.stats.recovered++;
      await this.finish(job, payload, progress.landed);
      return;
    }
    const wsKey = `${payload.workspace.platform}:${payload.workspace.externalId}`;
    const lane = job.lane ?? laneOf(payload.workspace, payload.to);
    // Began by a run that never heard back: look before sending again (a replacement is the same
    // however often it is made, so an update is simply made again).
    const inDoubt = progress !== null && "sending" in progress && payload.to.kind !== "update";
    // Everything a fresh delivery needs is done before its slot is booked (building the message,
    // recording it as sending), so that the post follows the slot at once: work between the two
    // (database round trips on a busy connection) made posts of one window land in the next one.
    let message: Message | null = null;
    if (!inDoubt) {
      message = await this.build(job, payload, wsKey, lane);
      if (!message) return;
      if (port.prepare && !(await this.prepare(port, job, payload, wsKey, lane))) return;
      if (payload.to.kind !== "update" && !(await this.queue.progress(job, { sending: true } satisfies Progress))) {
        this.stats.leaseLost++;
        return;
      }
    }
    // Booked in the database, under the budget every instance shares (see pacer.ts).
    const wait = await this.pacer.reserve(
      [
        { key: wsKey, limits: port.limits.perWorkspace },
        { key: lane, limits: port.limits.perConversation },
      ],
      Math.max(0, leaseEnd - Date.now()),
    );
    if (wait === null) {
      // Not within this lease: hand it back rather than hold it (not sent: no longer in doubt).
      await this.queue.retryAt(job, new Date(Date.now() + 1_000), "paced", false, !inDoubt);
      return;
    }
    if (wait > 0) await this.sleep(wait);
    if (this.stopping) {
      // Shutting down: hand the job back now instead of leaving it claimed until its lease ends.
      await this.queue.retryAt(job, new Date(), "instance stopped before sending", false, !inDoubt);
      return;
    }
    let blind = false;
    if (inDoubt) {
      // After the slot, as before: the look-up (conversations.history) is paced with the sends.
      const looked = await this.lookFor(port, job, payload);
      if (looked === "retried") return;
      if (looked !== "absent" && looked !== "unknown") {
        this.stats.recovered++;
        await this.finish(job, payload, looked.found);
        return;
      }
      blind = looked === "unknown";
      message = await this.build(job, payload, wsKey, lane);
      if (!message) return;
    }
    if (!message) return;
    let landed: MessageRef | null = null;
    const delivery: Delivery = {
      workspace: payload.workspace,
      to: payload.to,
      message,
      deliveryId: job.id,
      landed: async (ref) => {
        landed = ref;
        await this.queue.progress(job, { landed: ref } satisfies Progress).catch((e: unknown) => this.log(`${job.id}: landed, but could not record it: ${e instanceof Error ? e.message : String(e)}`));
      },
    };
    let ref: MessageRef | null;
    try {
      if (blind) this.stats.unchecked++;
      ref = blind ? await this.alone(() => port.deliver(delivery)) : await port.deliver(delivery);
    } catch (e) {
      if (landed) {
        // The port failed after the message had landed: sending it again would repeat it.
        this.log(`${job.id}: landed, then failed (${e instanceof Error ? e.message : String(e)}); not sending it again`);
        await this.finish(job, payload, landed);
        return;
      }
      await this.failed(job, e, wsKey, lane);
      return;
    }
    crashPoint("deliver:after-send");
    await this.finish(job, payload, ref);
  }

  /** The delivery's message, built now if it was enqueued as a RenderRef; null: settled here (failed, skipped, retried). */
  private async build(job: ClaimedJob, payload: DeliveryPayload, wsKey: string, lane: string): Promise<Message | null> {
    if (payload.message) return payload.message;
    if (!payload.render) {
      await this.queue.fail(job, "delivery without a message");
      this.stats.failed++;
      return null;
    }
    if (!this.options.render) {
      await this.queue.fail(job, "no renderer for a message built at delivery");
      this.stats.failed++;
      return null;
    }
    let message: Message | null;
    try {
      message = await this.options.render(payload.render);
    } catch (e) {
      // The database was away for a moment: the delivery waits and is built again.
      await this.failed(job, e, wsKey, lane);
      return null;
    }
    if (!message) await this.queue.complete(job, undefined, { status: "skipped", note: "no longer applies" });
    return message;
  }

  /** port.prepare for a delivery; false: it failed, and the delivery is settled as a failed send is. */
  private async prepare(port: ChatPort, job: ClaimedJob, payload: DeliveryPayload, wsKey: string, lane: string): Promise<boolean> {
    try {
      await port.prepare!({ workspace: payload.workspace, to: payload.to });
      return true;
    } catch (e) {
      await this.failed(job, e, wsKey, lane);
      return false;
    }
  }

  /** Marks a delivery done (with what it means, e.g. an invitation sent) while the lease holds. */
  private async finish(job: ClaimedJob, payload: DeliveryPayload, ref: MessageRef | null): Promise<void> {
    try {
      await this.queue.complete(job, this.options.onDelivered ? (tx) => this.options.onDelivered!(tx, payload.after ?? { type: "none" }, ref) : undefined, { result: ref });
      this.stats.delivered++;
    } catch (e) {
      if (e instanceof LeaseLostError) {
        // Delivered, but another instance took the job over meanwhile: it may deliver it again.
        this.stats.leaseLost++;
        this.log(`${job.id}: delivered after its lease ran out; a duplicate is possible`);
      } else throw e;
    }
  }

  /** Whether an in-doubt delivery landed: found (where), absent, unknown (cannot tell), or retried later. */
  private async lookFor(port: ChatPort, job: ClaimedJob, payload: DeliveryPayload): Promise<{ found: MessageRef } | "absent" | "unknown" | "retried"> {
    if (!port.findDelivered) return "unknown";
    try {
      const found = await port.findDelivered({ workspace: payload.workspace, to: payload.to }, job.id);
      return found ? { found } : "absent";
    } catch (e) {
      if (e instanceof RateLimitedError) {
        // The look-up has a limit of its own (Slack: conversations.history), so other sends go on;
        // the delivery stays in doubt until it can be looked for.
        await this.queue.retryAt(job, new Date(Date.now() + e.retryAfterMs), `429 looking for an earlier send: retry after ${e.retryAfterMs} ms`, false);
        return "retried";
      }
      this.log(`${job.id}: cannot tell whether an earlier run sent it (${e instanceof Error ? e.message : String(e)}); sending it`);
      return "unknown";
    }
  }

  /**
   * Runs deliveries that may repeat one at a time: with eight in flight a crash could repeat
   * eight; this way it repeats at most the one.
   */
  private alone<T>(send: () => Promise<T>): Promise<T> {
    const run = this.blind.then(send, send);
    this.blind = run.catch(() => undefined);
    return run;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** The port answered with an error, which is taken to mean nothing landed: the next try starts afresh. */
  private async failed(job: ClaimedJob, e: unknown, wsKey: string, lane: string): Promise<void> {
    const reason = e instanceof Error ? e.message : String(e);
    if (e instanceof RateLimitedError) {
      this.stats.rateLimited++;
      // Recorded for the key, so every instance waits it out, not only this one.
      if (e.scope === "unsaid") {
        if ((await this.pacer.limited(lane, wsKey, e.retryAfterMs)) === "workspace") this.stats.workspacePaused++;
      } else {
        await this.pacer.pause(e.scope === "conversation" ? lane : wsKey, e.retryAfterMs);
        if (e.scope === "workspace") this.stats.workspacePaused++;
      }
      await this.queue.retryAt(job, new Date(Date.now() + e.retryAfterMs), `429: retry after ${e.retryAfterMs} ms`, false, true);
      return;
    }
    if (e instanceof PermanentDeliveryError || job.attempts >= this.maxAttempts) {
      this.stats.failed++;
      this.log(`${job.id} to ${lane} failed for good: ${reason}`);
      await this.queue.fail(job, reason);
      const payload = job.payload as DeliveryPayload;
      if (e instanceof PermanentDeliveryError && e.kind === "elsewhere" && payload.to?.kind === "user")
        await this.options.onElsewhere?.({ workspace: payload.workspace, userId: payload.to.userId }).catch((x: unknown) => this.log(`could not tell of ${lane}: ${x instanceof Error ? x.message : String(x)}`));
      return;
    }
    // Exponential backoff with full jitter: 1 s, 2 s, 4 s … capped at 5 minutes.
    this.stats.retried++;
    const backoff = Math.min(300_000, (this.options.backoffMs ?? 1_000) * 2 ** (job.attempts - 1));
    await this.queue.retryAt(job, new Date(Date.now() + backoff / 2 + Math.random() * (backoff / 2)), reason, true, true);
  }
}
