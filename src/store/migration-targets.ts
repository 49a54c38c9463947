// The databases migrations run against: the target (an open PGlite or a PostgreSQL server) and the
// throwaway in-memory PGlite shadow databases, each behind a driver adapter that runs migration
// scripts safely. Apart from migrate.ts so the public migration API reads without the adapters.
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import type {
  ConnectionInfo,
  IsolationLevel,
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
  SqlQuery,
  SqlResultSet,
  Transaction,
} from "@prisma/driver-adapter-utils";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";

import { toDriverAdapterError } from "./schema-engine.ts";

/** Where migrations go: an open PGlite (the caller owns and closes it) or a PostgreSQL server. */
export type MigrationTarget = { kind: "pglite"; pglite: PGlite } | { kind: "postgres"; url: string };

/** Delegates to a driver adapter but runs migration scripts in one awaited call: the stock
 *  PGlite adapter does not await `exec` (a failing migration would be recorded as applied) and
 *  adapter-pg splits scripts on every `;` (breaks string literals and `$$` bodies). A script sent
 *  as one simple query also runs as one implicit transaction, as with Prisma's native engine. */
class ScriptSafeAdapter implements SqlDriverAdapter {
  readonly provider = "postgres" as const;
  readonly adapterName: string;

  constructor(
    private readonly inner: SqlDriverAdapter,
    private readonly runScript: (script: string) => Promise<unknown>,
    private readonly onDispose?: () => Promise<void>,
  ) {
    this.adapterName = inner.adapterName;
  }

  queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    return this.inner.queryRaw(query);
  }

  executeRaw(query: SqlQuery): Promise<number> {
    return this.inner.executeRaw(query);
  }

  startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    return this.inner.startTransaction(isolationLevel);
  }

  getConnectionInfo(): ConnectionInfo {
    return this.inner.getConnectionInfo?.() ?? { supportsRelationJoins: true };
  }

  async executeScript(script: string): Promise<void> {
    try {
      await this.runScript(script);
    } catch (e) {
      throw toDriverAdapterError(e);
    }
  }

  async dispose(): Promise<void> {
    try {
      await this.inner.dispose();
    } finally {
      await this.onDispose?.();
    }
  }
}

const EMPTY_PGLITE = Symbol.for("partnerpuls.empty-pglite-datadir");

/** Owns the throwaway PGlite instances (shadow databases) a run creates, and closes them.
 *  The first one in a process runs initdb (~1.8 s) and keeps a tarball of the empty data
 *  directory; later ones start from it (~0.5 s), which matters for tests that diff repeatedly. */
class ScratchDatabases {
  private readonly open: PGlite[] = [];

  async create(): Promise<PGlite> {
    const g = globalThis as { [EMPTY_PGLITE]?: Promise<Blob> };
    const template = g[EMPTY_PGLITE] ? await g[EMPTY_PGLITE].catch(() => undefined) : undefined;
    const db = new PGlite({ dataDir: "memory://", loadDataDir: template });
    this.open.push(db);
    await db.waitReady;
    if (!template) {
      const dump = db.dumpDataDir("none");
      g[EMPTY_PGLITE] = dump;
      await dump.catch(() => {
        if (g[EMPTY_PGLITE] === dump) delete g[EMPTY_PGLITE];
      });
    }
    return db;
  }

  async adapter(db: PGlite): Promise<SqlDriverAdapter> {
    return pgliteAdapter(db, async () => {
      const i = this.open.indexOf(db);
      if (i >= 0) this.open.splice(i, 1);
      if (!db.closed) await db.close();
    });
  }

  async closeAll(): Promise<void> {
    const dbs = this.open.splice(0);
    await Promise.allSettled(dbs.map((db) => (db.closed ? undefined : db.close())));
  }
}

async function pgliteAdapter(db: PGlite, onDispose?: () => Promise<void>): Promise<SqlDriverAdapter> {
  const inner = await new PrismaPGlite(db).connect();
  return new ScriptSafeAdapter(inner, (script) => db.exec(script), onDispose);
}

/** Main database = the given PGlite or a pg.Pool({max:1}); shadow databases = throwaway PGlite. */
/** Rows of a plain query on the target, without the engine (e.g. reading _prisma_migrations). */
export async function queryTarget<R>(target: MigrationTarget, sql: string): Promise<R[]> {
  if (target.kind === "pglite") return (await target.pglite.query<R>(sql)).rows;
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as R[];
  } finally {
    await client.end();
  }
}

export async function withTarget<T>(target: MigrationTarget, fn: (factory: SqlMigrationAwareDriverAdapterFactory) => Promise<T>): Promise<T> {
  const scratch = new ScratchDatabases();
  const shadow = async () => scratch.adapter(await scratch.create());

  if (target.kind === "pglite") {
    const db = target.pglite;
    const factory: SqlMigrationAwareDriverAdapterFactory = {
      provider: "postgres",
      adapterName: "partnerpuls-pglite-migrate",
      connect: () => pgliteAdapter(db),
      connectToShadowDb: shadow,
    };
    try {
      return await fn(factory);
    } finally {
      await scratch.closeAll();
      // The engine takes a session advisory lock and never releases it; PGlite has one session,
      // which the application keeps using, so drop it here.
      await db.query("SELECT pg_advisory_unlock_all()").catch(() => undefined);
    }
  }

  // One connection: the engine's session advisory lock dies with it when the pool ends.
  const pool = new pg.Pool({ connectionString: target.url, max: 1 });
  pool.on("error", () => undefined); // an idle client dropped by the server must not crash us
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: "postgres",
    adapterName: "partnerpuls-pg-migrate",
    connect: async () => new ScriptSafeAdapter(await new PrismaPg(pool).connect(), (script) => pool.query(script)),
    connectToShadowDb: shadow,
  };
  try {
    return await fn(factory);
  } finally {
    await scratch.closeAll();
    await pool.end();
  }
}

/** Main and shadow database are one throwaway in-memory PGlite. The engine only asks the main
 *  connection for the server version before replaying the history into the shadow one, so sharing
 *  saves a second initdb (~1.5 s) per diff. */
export async function withScratchFactory<T>(fn: (factory: SqlMigrationAwareDriverAdapterFactory) => Promise<T>): Promise<T> {
  const scratch = new ScratchDatabases();
  let shared: Promise<PGlite> | undefined;
  const connect = async () => pgliteAdapter(await (shared ??= scratch.create()));
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: "postgres",
    adapterName: "partnerpuls-pglite-scratch",
    connect,
    connectToShadowDb: connect,
  };
  try {
    return await fn(factory);
  } finally {
    await scratch.closeAll();
  }
}
