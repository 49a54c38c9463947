// The composition root: reads the configuration, opens the database (applying migrations),
// builds the core and mounts each configured adapter on the one HTTP server.
import { loadConfig, ConfigError, type Config } from "../src/config.ts";
import { openDatabase, type Database } from "../src/store/database.ts";
import { Partnerpuls } from "../src/core.ts";
import { startServer, type Mount } from "../src/server.ts";
import type { ChatPort } from "../src/ports.ts";
import { LocalChat, createLocalMount } from "./local/adapter.ts";

export async function main(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(env);
  const db = await openDatabase({ url: config.DATABASE_URL });
  try {
    return await startApp(config, db);
  } catch (e) {
    await db.close();
    throw e;
  }
}

/** Everything but opening the database: tests hand in a database of their own. */
export async function startApp(config: Config, db: Database) {
  const mounts: Mount[] = [];
  // Until the Slack and Teams adapters land, the playground is the one platform.
  const chat = new LocalChat();
  const port: ChatPort = chat;
  const core = new Partnerpuls(db.prisma, port, { defaultLanguage: config.PARTNERPULS_LANGUAGE, defaultTimeZone: config.PARTNERPULS_TIMEZONE });
  const resumed = await core.resumeUnsentPolls();
  if (resumed > 0) console.log(`partnerpuls: sent ${resumed} poll(s) left unsent before the last stop`);
  let playgroundToken: string | null = null;
  if (config.PARTNERPULS_PLAYGROUND === "on") {
    const local = createLocalMount({ core, chat });
    mounts.push(local.mount);
    playgroundToken = local.token;
  }
  const server = await startServer({
    port: config.PORT,
    host: config.HOST,
    mounts,
    health: async () => {
      await db.prisma.$queryRaw`SELECT 1`;
      return { database: db.kind, playground: playgroundToken !== null };
    },
  });
  const shutdown = async () => {
    await server.close();
    await db.close();
  };
  return { server, db, core, chat, playgroundToken, shutdown, config };
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/").split("/").pop()!);
if (isEntry) {
  main()
    .then(({ server, db, playgroundToken, shutdown }) => {
      console.log(`Partnerpuls is running on ${server.url} (database: ${db.kind}).`);
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
