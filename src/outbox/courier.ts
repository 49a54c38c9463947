// The outbox: every message the bot sends on its own (polls, nudges, reminders, digests, card
// updates) is first a "deliver" job, written in the same transaction as the change that caused it.
// The courier claims due deliveries, paces them under each platform's limits, delivers through the
// platform's ChatPort, and records where each landed. A crash mid-send resumes from the table:
// nobody is lost, and nobody already marked sent is sent again.
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { ChatPort, Delivery, Destination, MessageRef, Platform, WorkspaceRef } from "../ports.ts";
import { RateLimitedError, PermanentDeliveryError } from "../ports.ts";
import type { Message } from "../messages/model.ts";
import { JobQueue, LeaseLostError, type ClaimedJob, type Tx } from "../jobs/queue.ts";
import { Pacer } from "./pacer.ts";

export const DELIVER = "deliver";
const KINDS = [DELIVER] as const;

/** What else to record once a delivery has landed (in the same transaction as "done"). */
export type AfterDelivery = { type: "invitation.sent"; invitationId: string } | { type: "none" };

/**
 * A message the core builds when it is delivered rather than when it is enqueued: a round's polls
 * and closed cards. That keeps a large round's start and close short and linear (no message is
 * built inside their transactions), and a poll for a round that has closed meanwhile is not sent.
 */
export type RenderRef =
  | { kind: "poll"; roundId: string; invitationId: string; reminder?: boolean; withSnooze?: boolean }
  | { kind: "poll.closed"; roundId: string; invitationId: string };

export interface DeliveryPayload {
  workspace: WorkspaceRef;
  to: Destination;
  /** built when enqueued; or */
  message?: Message;
  /** built by CourierOptions.render when delivered */
  render?: RenderRef;
  after?: AfterDelivery;
}

export interface OutboxItem extends DeliveryPayload {
  workspaceId: string;
  dedupeKey: string;
  /** not before (default: now) */
  dueAt?: Date;
}

/** The conversation a delivery paces against. */
export function laneOf(workspace: WorkspaceRef, to: Destination): string {
  const conversation = to.kind === "user" ? `user:${to.userId}` : to.kind === "channel" ? `channel:${to.channelId}` : `conversation:${to.ref.conversationId}`;
  return `${workspace.platform}:${workspace.externalId}:${conversation}`;
}

/** Writes deliveries into the outbox (inside the caller's transaction when given one). */
export async function enqueueDeliveries(db: Pick<PrismaClient, "job"> | Tx, items: OutboxItem[]): Promise<number> {
  const now = new Date();
  return JobQueue.enqueue(
    db,
    items.map((i) => ({
      workspaceId: i.workspaceId,
      kind: DELIVER,
      // Deliveries run on real time even when the core runs on a test clock.
      dueAt: i.dueAt ?? now,
      // Deliveries share the Job table's unique keys with the clock's jobs: keep them apart.
      dedupeKey: `deliver:${i.dedupeKey}`,
      lane: laneOf(i.workspace, i.to),
      payload: { workspace: i.workspace, to: i.to, ...(i.message ? { message: i.message } : {}), ...(i.render ? { render: i.render } : {}), after: i.after ?? { type: "none" } } satisfies DeliveryPayload,
    })),
  );
}

export interface CourierOptions {
  /** builds a message enqueued as a RenderRef; null: it no longer applies (its round closed), skip it */
  render?: (ref: RenderRef) => Promise<Message | null>;
  /** records what a landed delivery means (e.g. an invitation was sent), in the done-transaction */
  onDelivered?: (tx: Tx, after: AfterDelivery, ref: MessageRef | null) => Promise<void>;
  /** deliveries in flight at once */
  concurrency?: number;
  /** tries before a delivery is given up (429s do not count) */
  maxAttempts?: number;
  /** how often to look for due deliveries when nothing woke the courier (other instances, retries) */
  pollMs?: number;
  runner?: string;
  /** first retry delay after a failure; doubles each time (tests make it short) */
  backoffMs?: number;
  log?: (line: string) => void;
}

export interface CourierStats {
  delivered: number;
  rateLimited: number;
  retried: number;
  failed: number;
  leaseLost: number;
}

export class Courier {
  readonly queue: JobQueue;
  readonly stats: CourierStats = { delivered: 0, rateLimited: 0, retried: 0, failed: 0, leaseLost: 0 };
  private readonly ports = new Map<Platform, ChatPort>();
  private readonly pacer = new Pacer();
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

  constructor(
    db: PrismaClient,
    ports: ChatPort[],
    private readonly options: CourierOptions = {},
  ) {
    for (const p of ports) this.ports.set(p.platform, p);
    this.queue = new JobQueue(db, { runner: options.runner, leaseMs: 60_000 });
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
    const wsKey = `${payload.workspace.platform}:${payload.workspace.externalId}`;
    const lane = job.lane ?? laneOf(payload.workspace, payload.to);
    const wait = this.pacer.reserve(
      [
        { key: wsKey, limits: port.limits.perWorkspace },
        { key: lane, limits: port.limits.perConversation },
      ],
      Math.max(0, leaseEnd - Date.now()),
    );
    if (wait === null) {
      // Not within this lease: hand it back rather than hold it.
      await this.queue.retryAt(job, new Date(Date.now() + 1_000), "paced", false);
      return;
    }
    if (wait > 0) await this.sleep(wait);
    if (this.stopping) {
      // Shutting down: hand the job back now instead of leaving it claimed until its lease ends.
      await this.queue.retryAt(job, new Date(), "instance stopped before sending", false);
      return;
    }
    let message = payload.message ?? null;
    if (!message && payload.render) {
      if (!this.options.render) {
        await this.queue.fail(job, "no renderer for a message built at delivery");
        this.stats.failed++;
        return;
      }
      message = await this.options.render(payload.render);
      if (!message) {
        await this.queue.complete(job, undefined, { status: "skipped", note: "no longer applies" });
        return;
      }
    }
    if (!message) {
      await this.queue.fail(job, "delivery without a message");
      this.stats.failed++;
      return;
    }
    const delivery: Delivery = { workspace: payload.workspace, to: payload.to, message };
    let ref: MessageRef | null;
    try {
      ref = await port.deliver(delivery);
    } catch (e) {
      await this.failed(job, e, wsKey, lane);
      return;
    }
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

  private async failed(job: ClaimedJob, e: unknown, wsKey: string, lane: string): Promise<void> {
    const reason = e instanceof Error ? e.message : String(e);
    if (e instanceof RateLimitedError) {
      this.stats.rateLimited++;
      const until = Date.now() + e.retryAfterMs;
      this.pacer.pause(e.scope === "conversation" ? lane : wsKey, until);
      await this.queue.retryAt(job, new Date(until), `429: retry after ${e.retryAfterMs} ms`, false);
      return;
    }
    if (e instanceof PermanentDeliveryError || job.attempts >= this.maxAttempts) {
      this.stats.failed++;
      this.log(`${job.id} to ${lane} failed for good: ${reason}`);
      await this.queue.fail(job, reason);
      return;
    }
    // Exponential backoff with full jitter: 1 s, 2 s, 4 s … capped at 5 minutes.
    this.stats.retried++;
    const backoff = Math.min(300_000, (this.options.backoffMs ?? 1_000) * 2 ** (job.attempts - 1));
    await this.queue.retryAt(job, new Date(Date.now() + backoff / 2 + Math.random() * (backoff / 2)), reason);
  }
}
