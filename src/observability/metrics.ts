// Prometheus metrics (prom-client), served at /metrics by src/server.ts. Everything is named
// partnerpuls_*. Counters of our own move as things happen; the courier's counts, the job lag
// and the outbox depth are read when Prometheus scrapes (one query), so nothing polls meanwhile.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { CoreEvent } from "../ports.ts";
import type { CourierStats } from "../outbox/courier.ts";

export interface QueueSnapshot {
  /** per job kind: seconds since the oldest pending job that is due now became due */
  lag: { kind: string; seconds: number }[];
  /** deliveries pending or running */
  outboxDepth: number;
}

export interface MetricsOptions {
  /** the courier's counters, once there is a courier */
  courierStats?: () => CourierStats | null | undefined;
  /** read at scrape time (queueSnapshot(prisma)) */
  queue?: () => Promise<QueueSnapshot>;
  /** prom-client's process and Node.js collectors (default true) */
  defaultMetrics?: boolean;
}

/** A label value taken from a request stays one of a bounded few: a forged name cannot add series. */
class BoundedLabel {
  private readonly seen = new Set<string>();
  constructor(private readonly max = 60) {}
  of(value: string): string {
    if (!/^[\w.:-]{1,60}$/.test(value)) return "other";
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return "other";
    this.seen.add(value);
    return value;
  }
}

const COURIER: [keyof CourierStats, string, string][] = [
  ["delivered", "partnerpuls_outbox_delivered_total", "messages the courier delivered"],
  ["rateLimited", "partnerpuls_outbox_rate_limited_total", "429s the courier waited out (Retry-After)"],
  ["workspacePaused", "partnerpuls_outbox_workspace_paused_total", "429s read as the whole workspace's or tenant's limit (everything there waited, not one conversation)"],
  ["retried", "partnerpuls_outbox_retried_total", "deliveries put back to be tried again after a failure"],
  ["failed", "partnerpuls_outbox_failed_total", "deliveries given up for good"],
  ["leaseLost", "partnerpuls_outbox_lease_lost_total", "deliveries whose lease ran out while being sent"],
];

export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<"method" | "route" | "status">;
  readonly commands: Counter<"name" | "outcome">;
  readonly presses: Counter<"action" | "outcome">;
  readonly votes: Counter;
  private readonly names = new BoundedLabel();
  private readonly actions = new BoundedLabel();

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: "partnerpuls_" });
    this.httpDuration = new Histogram({
      name: "partnerpuls_http_request_duration_seconds",
      help: "HTTP requests by route and status, and how long they took",
      labelNames: ["method", "route", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.commands = new Counter({ name: "partnerpuls_commands_total", help: "commands by name and outcome (ok, refused, malformed)", labelNames: ["name", "outcome"], registers });
    this.presses = new Counter({ name: "partnerpuls_button_presses_total", help: "button presses by action and outcome (ok, refused)", labelNames: ["action", "outcome"], registers });
    this.votes = new Counter({ name: "partnerpuls_votes_total", help: "poll answers recorded", registers });
    for (const [key, name, help] of COURIER) {
      new Counter({
        name,
        help,
        registers,
        collect() {
          const stats = options.courierStats?.();
          this.reset();
          if (stats) this.inc(stats[key]);
        },
      });
    }
    let snapshot: Promise<QueueSnapshot | null> | null = null;
    // Both gauges share one query per scrape.
    const read = () => (snapshot ??= (options.queue?.() ?? Promise.resolve(null)).catch(() => null).finally(() => setTimeout(() => (snapshot = null), 0)));
    new Gauge({
      name: "partnerpuls_job_lag_seconds",
      help: "seconds since the oldest due pending job of each kind became due (0: none waiting)",
      labelNames: ["kind"],
      registers,
      async collect() {
        const s = await read();
        this.reset();
        for (const { kind, seconds } of s?.lag ?? []) this.set({ kind }, seconds);
      },
    });
    new Gauge({
      name: "partnerpuls_outbox_depth",
      help: "deliveries pending or running",
      registers,
      async collect() {
        const s = await read();
        if (s) this.set(s.outboxDepth);
      },
    });
  }

  /** For CoreOptions.onEvent. */
  readonly onEvent = (e: CoreEvent): void => {
    if (e.kind === "command") this.commands.inc({ name: this.names.of(e.name), outcome: e.outcome });
    else if (e.kind === "press") this.presses.inc({ action: this.actions.of(e.actionId), outcome: e.outcome });
    else if (e.kind === "vote") this.votes.inc();
  };

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method: /^[A-Z]{3,7}$/.test(method) ? method : "other", route, status: String(status) }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * One query: the lag of the oldest due pending job per kind, and the deliveries pending or
 * running. Served by the (status, dueAt) index.
 */
export async function queueSnapshot(prisma: PrismaClient, now: Date = new Date()): Promise<QueueSnapshot> {
  const rows = await prisma.$queryRaw<{ kind: string; oldest_due: Date | null; depth: bigint | number }[]>`
    SELECT kind,
           MIN("dueAt") FILTER (WHERE status = 'pending' AND "dueAt" <= ${now}) AS oldest_due,
           COUNT(*) FILTER (WHERE kind = 'deliver') AS depth
      FROM "Job"
     WHERE status IN ('pending', 'running')
     GROUP BY kind`;
  return {
    lag: rows.map((r) => ({ kind: r.kind, seconds: r.oldest_due ? Math.max(0, (now.getTime() - new Date(r.oldest_due).getTime()) / 1000) : 0 })),
    outboxDepth: rows.reduce((n, r) => n + Number(r.depth), 0),
  };
}
