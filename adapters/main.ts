// The composition root: reads the configuration, opens the database (applying migrations),
// builds the core, the courier (outbox) and each configured adapter on the one HTTP server.
import { loadConfig, ConfigError, type Config } from "../src/config.ts";
import { openDatabase, type Database } from "../src/store/database.ts";
import { Partnerpuls } from "../src/core.ts";
import { Courier } from "../src/outbox/courier.ts";
import { Clock } from "../src/clock/clock.ts";
import { startServer, type Mount } from "../src/server.ts";
import { downloadsMount } from "../src/downloads.ts";
import type { PlatformAdapter } from "./adapter.ts";
import { LocalChat, createLocalMount } from "./local/adapter.ts";
import { slackConfigFrom } from "./slack/config.ts";
import { teamsConfigFrom } from "./teams/config.ts";

export async function main(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(env);
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
}

/**
 * Everything but opening the database: tests hand in a database of their own. Slack and Teams are
 * loaded only when configured, so the local mode never loads their SDKs.
 */
export async function startApp(config: Config, db: Database, env: NodeJS.ProcessEnv = process.env, options: AppOptions = {}) {
  // GET /downloads/<id>: files an adapter hands over as a link (Teams), served by any instance.
  const mounts: Mount[] = [downloadsMount(db.prisma)];
  let courier: Courier | null = null;
  const core = new Partnerpuls(db.prisma, {
    defaultLanguage: config.PARTNERPULS_LANGUAGE,
    defaultTimeZone: config.PARTNERPULS_TIMEZONE,
    now: options.now,
    onEnqueue: () => courier?.kick(),
  });
  const adapters: PlatformAdapter[] = [];
  // The configuration is checked first (a stray or wrong variable stops the start, saying why);
  // the SDKs are loaded only for a platform that is configured.
  const slackConfig = slackConfigFrom(env);
  const teamsConfig = teamsConfigFrom(env);
  if (slackConfig) adapters.push(await (await import("./slack/index.ts")).createSlackAdapter({ core, prisma: db.prisma }, slackConfig));
  if (teamsConfig) adapters.push(await (await import("./teams/index.ts")).createTeamsAdapter({ core, prisma: db.prisma }, teamsConfig));
  let chat: LocalChat | null = null;
  let playgroundToken: string | null = null;
  if (config.PARTNERPULS_PLAYGROUND === "on") {
    chat = new LocalChat();
    const local = createLocalMount({ core, chat });
    mounts.push(local.mount);
    playgroundToken = local.token;
  }
  for (const a of adapters) mounts.push(...a.mounts);
  courier = new Courier(db.prisma, [...(chat ? [chat] : []), ...adapters.map((a) => a.port)], {
    onDelivered: (tx, after, ref) => core.recordDelivery(tx, after, ref),
    render: (ref) => core.renderDelivery(ref),
    runner: options.runner ?? config.PARTNERPULS_INSTANCE,
  });
  const server = await startServer({
    port: config.PORT,
    host: config.HOST,
    mounts,
    health: async () => {
      await db.prisma.$queryRaw`SELECT 1`;
      const platforms = Object.fromEntries(adapters.map((a) => [a.platform, a.health()]));
      return { database: db.kind, playground: playgroundToken !== null, ...platforms, outbox: courier!.stats };
    },
  });
  for (const a of adapters) await a.start();
  // Deliveries left by an earlier run (or another instance) go out now; the clock catches up on
  // whatever came due while no instance was running.
  courier.start();
  const clock = new Clock(db.prisma, core.clockHandlers(), {
    runner: options.runner ?? config.PARTNERPULS_INSTANCE,
    leaseMs: config.PARTNERPULS_CLOCK_LEASE_SECONDS * 1000,
    now: options.now,
    onTick: () => courier!.kick(),
  });
  if (options.clock !== false) clock.start(config.PARTNERPULS_CLOCK_TICK);
  /** Stops everything this app started; the database stays open (tests hand in their own). */
  const stop = async () => {
    await clock.stop();
    for (const a of adapters) await a.settle?.();
    await courier!.stop();
    for (const a of adapters) await a.stop();
    await server.close();
  };
  const shutdown = async () => {
    await stop();
    await db.close();
  };
  return {
    server,
    db,
    core,
    chat,
    courier,
    clock,
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
    .then(({ server, db, playgroundToken, shutdown, adapters }) => {
      const platforms = Object.keys(adapters);
      console.log(`Partnerpuls is running on ${server.url} (database: ${db.kind}${platforms.length ? `; ${platforms.join(", ")}` : ""}).`);
      if (playgroundToken) console.log(`Playground: open ${server.url.replace("127.0.0.1", "localhost")}/ in your browser.`);
      let stopping = false;
      for (const sig of ["SIGINT", "SIGTERM"] as const)
        process.on(sig, () => {
          if (stopping) return;
          stopping = true;
          shutdown().then(() => process.exit(0), () => process.exit(1));
        });
    })
    .catch((e) => {
      console.error(e instanceof ConfigError ? e.message : e);
      process.exit(1);
    });
}
