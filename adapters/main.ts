// The composition root: reads the configuration, opens the database (applying migrations),
// builds the core, the courier (outbox) and each configured adapter on the one HTTP server.
import { loadConfig, ConfigError, type Config } from "../src/config.ts";
import { openDatabase, type Database } from "../src/store/database.ts";
import { Partnerpuls } from "../src/core.ts";
import { Courier } from "../src/outbox/courier.ts";
import { Clock } from "../src/clock/clock.ts";
import { startServer, type Mount } from "../src/server.ts";
import { downloadsMount, mediaMount } from "../src/downloads.ts";
import { calendarMount, reportMount } from "../src/report/mount.ts";
import { memberPageMount } from "./web/adapter.ts";
import type { PlatformAdapter } from "./adapter.ts";
import { LocalChat, createLocalMount } from "./local/adapter.ts";
import { slackConfigFrom } from "./slack/config.ts";
import { teamsConfigFrom } from "./teams/config.ts";
import { createLogger, lineLogger, logger as processLogger, setLogger, type Logger } from "../src/observability/log.ts";
import { noteWorkspace } from "../src/observability/context.ts";
import { Metrics, queueSnapshot } from "../src/observability/metrics.ts";
import { readiness, type Phase } from "../src/observability/readiness.ts";

export async function main(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(env);
  // The one logger of the process, before anything logs (the database logs its retries).
  setLogger(createLogger({ level: config.LOG_LEVEL }));
  const db = await openDatabase({ url: config.DATABASE_URL });
  try {
    return await startApp(config, db, env);
  } catch (e) {
    await db.close();
    throw e;
  }
}

export interface AppOptions {
  /** the courier's and clock's name for this instance (leases, run records) */
  runner?: string;
  /** the core's clock (tests) */
  now?: () => Date;
  /** false: do not tick (tests drive `clock.tick()` themselves) */
  clock?: boolean;
  /** instead of the process's logger (tests capture lines) */
  logger?: Logger;
  /** prom-client's process collectors (default true; off for apps that share a test process) */
  processMetrics?: boolean;
}

/**
 * Everything but opening the database: tests hand in a database of their own. Slack and Teams are
 * loaded only when configured, so the local mode never loads their SDKs.
 */
export async function startApp(config: Config, db: Database, env: NodeJS.ProcessEnv = process.env, options: AppOptions = {}) {
  // GET /downloads/<id> and /media/<id>.png: files and charts an adapter hands over as a link
  // (Teams), served by any instance.
  const mounts: Mount[] = [downloadsMount(db.prisma), mediaMount(db.prisma)];
  let courier: Courier | null = null;
  const log = () => options.logger ?? processLogger();
  // Read at scrape time: the courier's counters, and the job lag and outbox depth (one query).
  const metrics = new Metrics({ courierStats: () => courier?.stats, queue: () => queueSnapshot(db.prisma), defaultMetrics: options.processMetrics });
  let phase: Phase = "starting";
  let courierRunning = false;
  let clockRunning: boolean | "manual" = false;
  const core = new Partnerpuls(db.prisma, {
    onEvent: metrics.onEvent,
    defaultLanguage: config.PARTNERPULS_LANGUAGE,
    defaultTimeZone: config.PARTNERPULS_TIMEZONE,
    now: options.now,
    onEnqueue: () => courier?.kick(),
    // The server listens only further down; a link is made when someone asks, long after.
    publicUrl: () => (config.PARTNERPULS_PUBLIC_URL ?? server.url.replace("127.0.0.1", "localhost")).replace(/\/+$/, ""),
    reportDays: config.PARTNERPULS_REPORT_DAYS,
    // Asked of the platform's own port (the adapters exist only further down).
    conversationMembers: async (workspace, channelId) => [...(chat ? [chat] : []), ...adapters.map((a) => a.port)].find((p) => p.platform === workspace.platform)?.conversationMembers?.(workspace, channelId) ?? null,
  });
  const adapters: PlatformAdapter[] = [];
  // The configuration is checked first (a stray or wrong variable stops the start, saying why);
  // the SDKs are loaded only for a platform that is configured.
  const slackConfig = slackConfigFrom(env);
  const teamsConfig = teamsConfigFrom(env);
  if (slackConfig) adapters.push(await (await import("./slack/index.ts")).createSlackAdapter({ core, prisma: db.prisma, shared: db.kind === "postgres" }, slackConfig));
  if (teamsConfig) adapters.push(await (await import("./teams/index.ts")).createTeamsAdapter({ core, prisma: db.prisma, shared: db.kind === "postgres" }, teamsConfig));
  let chat: LocalChat | null = null;
  let playgroundToken: string | null = null;
  if (config.PARTNERPULS_PLAYGROUND === "on") {
    chat = new LocalChat();
    const local = createLocalMount({ core, chat, settle: () => courier?.settle() ?? Promise.resolve() });
    mounts.push((req, res, url) => {
      if (url.pathname.startsWith("/local/api/")) noteWorkspace("local", "playground");
      return local.mount(req, res, url);
    });
    playgroundToken = local.token;
  }
  // GET /report/<token>: the steering group's report page, opened by its signed link alone.
  // GET and POST /me/<token>: the page of a member with no chat platform, by its signed link alone.
  mounts.push(reportMount(core), calendarMount(core), memberPageMount(core));
  for (const a of adapters) mounts.push(...a.mounts);
  courier = new Courier(db.prisma, [...(chat ? [chat] : []), ...adapters.map((a) => a.port)], {
    onDelivered: (tx, after, ref) => core.recordDelivery(tx, after, ref),
    render: (ref) => core.renderDelivery(ref),
    onElsewhere: (to) => core.personElsewhere(to),
    runner: options.runner ?? config.PARTNERPULS_INSTANCE,
    log: lineLogger("courier", "auto", log),
  });
  const server = await startServer({
    port: config.PORT,
    host: config.HOST,
    mounts,
    routes: adapters.flatMap((a) => a.routes),
    health: async () => {
      await db.prisma.$queryRaw`SELECT 1`;
      const platforms = Object.fromEntries(adapters.map((a) => [a.platform, a.health()]));
      return { database: db.kind, playground: playgroundToken !== null, ...platforms, outbox: courier!.stats };
    },
    ready: readiness(db.prisma, () => phase, () => ({ courier: courierRunning, clock: clockRunning })),
    metrics,
    metricsToken: config.PARTNERPULS_METRICS_TOKEN,
    logger: options.logger,
  });
  for (const a of adapters) await a.start();
  // Deliveries left by an earlier run (or another instance) go out now; the clock catches up on
  // whatever came due while no instance was running.
  courier.start();
  courierRunning = true;
  const clock = new Clock(db.prisma, core.clockHandlers(), {
    runner: options.runner ?? config.PARTNERPULS_INSTANCE,
    leaseMs: config.PARTNERPULS_CLOCK_LEASE_SECONDS * 1000,
    now: options.now,
    onTick: () => courier!.kick(),
    retentionDays: config.PARTNERPULS_JOB_RETENTION_DAYS,
    log: lineLogger("clock", "auto", log),
  });
  if (options.clock !== false) clock.start(config.PARTNERPULS_CLOCK_TICK);
  clockRunning = options.clock === false ? "manual" : true;
  phase = "ready";
  /**
   * Stops everything this app started; the database stays open (tests hand in their own). In
   * order: not ready (a load balancer stops sending), no new connections and the requests in
   * flight finished (up to `graceMs`), no more ticks, the work those requests began, then the
   * courier, which finishes what it sends and hands back the rest of its claims.
   */
  const stop = async (graceMs?: number) => {
    phase = "stopping";
    await server.close(graceMs);
    await clock.stop();
    clockRunning = false;
    for (const a of adapters) await a.settle?.();
    await courier!.stop();
    courierRunning = false;
    for (const a of adapters) await a.stop();
  };
  const shutdown = async (graceMs?: number) => {
    await stop(graceMs);
    await db.close();
  };
  return {
    server,
    db,
    core,
    chat,
    courier,
    clock,
    metrics,
    /** starting, ready (answering /readyz with 200) or stopping */
    get phase() {
      return phase;
    },
    adapters: Object.fromEntries(adapters.map((a) => [a.platform, a])) as Partial<Record<PlatformAdapter["platform"], PlatformAdapter>>,
    playgroundToken,
    /** waits until every request taken is handled and every due delivery has gone out */
    settle: async () => {
      for (const a of adapters) await a.settle?.();
      await courier!.settle();
      for (const a of adapters) await a.settle?.();
    },
    stop,
    shutdown,
    config,
  };
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/").split("/").pop()!);
if (isEntry) {
  main()
    .then(({ server, db, playgroundToken, shutdown, adapters, config }) => {
      const log = processLogger();
      const platforms = Object.keys(adapters);
      const running = `Partnerpuls is running on ${server.url} (database: ${db.kind}${platforms.length ? `; ${platforms.join(", ")}` : ""}).`;
      const open = playgroundToken ? `Playground: open ${server.url.replace("127.0.0.1", "localhost")}/ in your browser.` : null;
      // A person at a terminal reads sentences; a log collector reads JSON lines.
      if (process.stdout.isTTY) process.stdout.write(`${running}\n${open ? `${open}\n` : ""}`);
      log.info({ url: server.url, database: db.kind, platforms }, running);
      if (open) log.info(open);
      let stopping = false;
      for (const sig of ["SIGINT", "SIGTERM"] as const)
        process.on(sig, () => {
          if (stopping) return;
          stopping = true;
          const deadlineMs = config.PARTNERPULS_SHUTDOWN_SECONDS * 1000;
          log.info({ signal: sig, deadlineSeconds: config.PARTNERPULS_SHUTDOWN_SECONDS }, "shutting down");
          // Whatever still hangs at the deadline (a request that never ends, a database that does
          // not answer) is given up on: the orchestrator would SIGKILL us soon anyway.
          setTimeout(() => {
            log.error({ deadlineSeconds: config.PARTNERPULS_SHUTDOWN_SECONDS }, "shutdown did not finish before its deadline; exiting");
            process.exit(1);
          }, deadlineMs);
          shutdown(deadlineMs).then(
            () => {
              log.info("stopped");
              process.exit(0);
            },
            (e: unknown) => {
              log.error({ err: e }, "shutdown failed");
              process.exit(1);
            },
          );
        });
    })
    .catch((e) => {
      if (e instanceof ConfigError) process.stderr.write(`${e.message}\n`);
      else processLogger().fatal({ err: e }, "Partnerpuls could not start");
      process.exit(1);
    });
}
