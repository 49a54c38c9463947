// Migrations through Prisma's WASM schema engine (@prisma/schema-engine-wasm) and driver adapters,
// so nothing needs the native schema engine that Prisma's CLI would download.
// Files and the `_prisma_migrations` table are byte-compatible with `prisma migrate`:
//   applyMigrations   = `prisma migrate deploy` (engine.applyMigrations, advisory lock 72707369)
//   createMigration   = `prisma migrate dev --create-only`: the history is replayed into a throwaway
//                       in-memory PGlite (the shadow database) and diffed against schema.prisma
//   checkSchemaCovered = `prisma migrate diff --from-migrations … --to-schema … --exit-code`
//   migrationStatus   = `prisma migrate status` (engine.diagnoseMigrationHistory)
// What each piece below works around (Prisma 7.10, pglite-prisma-adapter 0.7.2):
//   - the PGlite adapter does not await `executeScript` (a failing migration would be recorded as
//     applied) and adapter-pg splits scripts on every `;`: the engine gets a factory whose
//     executeScript runs the whole script in one awaited call;
//   - the engine takes a session advisory lock and never releases it: migrations run on a pool of
//     one connection that is ended afterwards, so other instances are not blocked;
//   - the engine leaves a 10 s timer, and PGlite must be closed explicitly, or CLIs and tests hang;
//   - a shadow database on the server and introspection through adapter-pg do not work: new
//     migrations are diffed against a throwaway in-memory PGlite;
//   - PGlite is PostgreSQL 18 and the server here is 15: the tests apply every migration to both.
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  DriverAdapterError,
  type ConnectionInfo,
  type ErrorRegistry,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
  type Transaction,
} from "@prisma/driver-adapter-utils";
import * as engineBindings from "@prisma/schema-engine-wasm/schema_engine_bg";
import type { MigrationList, SchemaContainer, SchemaEngine, SchemaFilter } from "@prisma/schema-engine-wasm/schema_engine_bg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";

const here = path.dirname(fileURLToPath(import.meta.url));
/** prisma/migrations of this repository, independent of the working directory. */
export const DEFAULT_MIGRATIONS_DIR = path.resolve(here, "../../prisma/migrations");
/** prisma/schema.prisma of this repository, independent of the working directory. */
export const DEFAULT_SCHEMA_PATH = path.resolve(here, "../../prisma/schema.prisma");

/** Where migrations go: an open PGlite (the caller owns and closes it) or a PostgreSQL server. */
export type MigrationTarget = { kind: "pglite"; pglite: PGlite } | { kind: "postgres"; url: string };

export interface MigrateOptions {
  /** Defaults to DEFAULT_MIGRATIONS_DIR. */
  migrationsDir?: string;
  /** Defaults to DEFAULT_SCHEMA_PATH. */
  schemaPath?: string;
}

export interface ApplyMigrationsResult {
  /** Migrations applied by this call, in order; empty when the database was up to date. */
  applied: string[];
}

export type CreateMigrationResult =
  | { created: false }
  | { created: true; name: string; directory: string; sql: string; lockfileWritten: boolean };

export interface MigrationStatus {
  /** Migration directories on disk, in order. */
  migrations: string[];
  applied: string[];
  pending: string[];
  /** Started but never finished (the script failed); `migrate deploy` refuses to continue. */
  failed: string[];
  /** Applied, but migration.sql changed on disk since (checksum mismatch). */
  edited: string[];
  /** Recorded in the database but missing on disk. */
  unknownToDisk: string[];
  hasMigrationsTable: boolean;
  /** True when nothing is pending, failed, edited or unknown. */
  upToDate: boolean;
}

const MIGRATION_LOCK_FILE = "migration_lock.toml";
const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

// ---------------------------------------------------------------------------------------------
// Public API

/** `prisma migrate deploy`: apply every pending migration. A failing script throws and stays
 *  recorded as failed (never as applied); later calls refuse until it is resolved. */
export async function applyMigrations(target: MigrationTarget, opts: MigrateOptions = {}): Promise<ApplyMigrationsResult> {
  const migrationsList = await readMigrationsList(opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  return withTarget(target, (factory) =>
    withEngine(factory, undefined, async (engine) => {
      const out = await engine.applyMigrations({ migrationsList, filters: NO_FILTER });
      return { applied: out.appliedMigrationNames };
    }),
  );
}

/** `prisma migrate status`: which migrations are applied, pending or failed on the target. */
export async function migrationStatus(target: MigrationTarget, opts: MigrateOptions = {}): Promise<MigrationStatus> {
  const migrationsList = await readMigrationsList(opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  const migrations = migrationsList.migrationDirectories.map((d) => d.path);
  const out = await withTarget(target, (factory) =>
    withEngine(factory, undefined, (engine) =>
      engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: NO_FILTER }),
    ),
  );
  const history = out.history;
  const pendingNames = history && "unappliedMigrationNames" in history ? history.unappliedMigrationNames : [];
  const unknownToDisk = history && "unpersistedMigrationNames" in history ? history.unpersistedMigrationNames : [];
  const failed = out.failedMigrationNames;
  const pending = migrations.filter((m) => pendingNames.includes(m) && !failed.includes(m));
  const applied = migrations.filter((m) => !pendingNames.includes(m) && !failed.includes(m));
  return {
    migrations,
    applied,
    pending,
    failed,
    edited: out.editedMigrationNames,
    unknownToDisk,
    hasMigrationsTable: out.hasMigrationsTable,
    upToDate: pending.length === 0 && failed.length === 0 && out.editedMigrationNames.length === 0 && unknownToDisk.length === 0,
  };
}

/** `prisma migrate resolve`: after fixing a failed migration by hand, mark it rolled back (deploy
 *  then runs it again) or applied (deploy skips it). */
export async function resolveMigration(
  target: MigrationTarget,
  migrationName: string,
  as: "rolled-back" | "applied",
  opts: MigrateOptions = {},
): Promise<void> {
  const migrationsList = await readMigrationsList(opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  await withTarget(target, (factory) =>
    withEngine(factory, undefined, (engine) =>
      as === "applied"
        ? engine.markMigrationApplied({ migrationName, migrationsList })
        : engine.markMigrationRolledBack({ migrationName }),
    ),
  );
}

/** Write `<migrationsDir>/<YYYYMMDDHHMMSS>_<name>/migration.sql` holding what schema.prisma adds to
 *  the existing history (replayed into a throwaway in-memory PGlite), plus migration_lock.toml if
 *  missing. Writes nothing when the history already holds the schema.
 *  (The WASM engine's own createMigration insists on a shadow-database factory it never receives
 *  in 8.1.0-2, so this renders the same script through `diff`, as `prisma migrate diff` would.) */
export async function createMigration(name: string, opts: MigrateOptions = {}): Promise<CreateMigrationResult> {
  const slug = normaliseMigrationName(name);
  const migrationsDir = path.resolve(opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  const hadLockfile = (await readMigrationsList(migrationsDir)).lockfile.content !== null;
  const sql = await checkSchemaCovered(opts);
  if (sql === "") return { created: false };

  const migrationName = `${migrationTimestamp(new Date())}_${slug}`;
  const directory = path.join(migrationsDir, migrationName);
  if (existsSync(directory)) throw new Error(`The migration directory already exists at ${directory}`);
  await mkdir(directory, { recursive: true });
  await writeFile(path.join(directory, "migration.sql"), sql, "utf-8");
  if (!hadLockfile) await writeFile(path.join(migrationsDir, MIGRATION_LOCK_FILE), migrationLockContent("postgresql"), "utf-8");
  return { created: true, name: migrationName, directory, sql, lockfileWritten: !hadLockfile };
}

/** The SQL that schema.prisma needs beyond what the migrations create; "" when they hold it.
 *  The history is replayed into a throwaway in-memory PGlite (the engine's shadow database). */
export async function checkSchemaCovered(opts: MigrateOptions = {}): Promise<string> {
  const migrationsList = await readMigrationsList(opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  const schema = await readSchema(opts.schemaPath ?? DEFAULT_SCHEMA_PATH);
  // The engine reads the connector from migration_lock.toml; a history without one is PostgreSQL.
  migrationsList.lockfile.content ??= migrationLockContent("postgresql");
  const out = await withScratchFactory((factory) =>
    withEngine(factory, schema, (engine) =>
      engine.diff({
        from: { tag: "migrations", ...migrationsList },
        to: { tag: "schemaDatamodel", ...schema },
        script: true,
        exitCode: true,
        filters: NO_FILTER,
      }),
    ),
  );
  // exitCode 2 = non-empty diff (as `prisma migrate diff --exit-code`).
  return out.exitCode === 0 ? "" : (out.stdout ?? "");
}

/** Prisma's migration directory timestamp: UTC, YYYYMMDDHHMMSS. */
export function migrationTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/** Prisma's migration_lock.toml, byte for byte as `prisma migrate dev` writes it. */
export function migrationLockContent(provider: string): string {
  return `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${provider}"\n`;
}

/** Read a migrations directory the way Prisma's CLI does (directories sorted by name). */
export async function readMigrationsList(migrationsDir: string): Promise<MigrationList> {
  const baseDir = path.resolve(migrationsDir);
  const lockContent = await readFile(path.join(baseDir, MIGRATION_LOCK_FILE), "utf-8").catch(() => null);
  const entries = await readdir(baseDir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return [];
    throw e;
  });
  const migrationDirectories = await Promise.all(
    entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort((a, b) => a.localeCompare(b))
      .map(async (dir) => ({
        path: dir,
        migrationFile: {
          path: "migration.sql",
          content: await readFile(path.join(baseDir, dir, "migration.sql"), "utf-8").then(
            (value) => ({ tag: "ok" as const, value }),
            (e: Error) => ({ tag: "error" as const, value: e.message }),
          ),
        },
      })),
  );
  return {
    baseDir,
    lockfile: { path: MIGRATION_LOCK_FILE, content: lockContent },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}

// ---------------------------------------------------------------------------------------------
// Names and files

function normaliseMigrationName(name: string): string {
  const slug = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!slug) throw new Error(`Invalid migration name ${JSON.stringify(name)}: use letters, digits and underscores`);
  return slug.slice(0, 200);
}

async function readSchema(schemaPath: string): Promise<{ files: SchemaContainer[] }> {
  const absolute = path.resolve(schemaPath);
  return { files: [{ path: absolute, content: await readFile(absolute, "utf-8") }] };
}

// ---------------------------------------------------------------------------------------------
// The WASM engine

const WASM_CACHE = Symbol.for("partnerpuls.schema-engine-wasm");

/** Instantiate the engine's .wasm once per process. The package's main entry imports the .wasm as
 *  an ES module, which Node 20 cannot; its `schema_engine_bg` entry takes an instance instead.
 *  The cache lives on globalThis because the bindings module (and its `wasm` variable) is shared
 *  by everything in the process that loads it natively, e.g. all test files of a vitest worker. */
function loadEngineWasm(): Promise<void> {
  const g = globalThis as { [WASM_CACHE]?: WeakMap<object, Promise<void>> };
  const cache = (g[WASM_CACHE] ??= new WeakMap());
  let loaded = cache.get(engineBindings);
  if (!loaded) {
    loaded = instantiateEngineWasm();
    cache.set(engineBindings, loaded);
    loaded.catch(() => cache.delete(engineBindings));
  }
  return loaded;
}

async function instantiateEngineWasm(): Promise<void> {
  const require = createRequire(import.meta.url);
  const bindingsPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
  const bytes = await readFile(path.join(path.dirname(bindingsPath), "schema_engine_bg.wasm"));
  const imports: WebAssembly.ModuleImports = { ...(engineBindings as unknown as WebAssembly.ModuleImports) };
  for (const key of Object.keys(imports)) {
    // The engine arms ~10 s timers (timeouts around connections and the advisory lock) and never
    // clears them; unref them so they cannot keep a CLI or a test worker alive.
    if (key.startsWith("__wbg_setTimeout_")) {
      imports[key] = (callback: () => void, ms: number) => {
        const timer = setTimeout(callback, ms >>> 0);
        timer.unref();
        return timer;
      };
    }
  }
  const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": imports });
  engineBindings.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
}

function engineLog(line: string): void {
  if (process.env.PARTNERPULS_DEBUG_MIGRATE) process.stderr.write(`[schema-engine] ${line}\n`);
}

async function withEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  schema: { files: SchemaContainer[] } | undefined,
  fn: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  await loadEngineWasm();
  const bound = bindMigrationAwareSqlAdapterFactory(factory);
  const datamodels = schema?.files.map((f) => [f.path, f.content] as [string, string]);
  let engine: SchemaEngine;
  try {
    engine = await engineBindings.SchemaEngine.new({ datamodels }, engineLog, bound);
  } catch (e) {
    throw engineError(e, bound.errorRegistry);
  }
  try {
    return await fn(engine);
  } catch (e) {
    throw engineError(e, bound.errorRegistry);
  } finally {
    engine.free();
  }
}

/** Turn what the engine throws into an Error with a readable message, recovering the original
 *  JavaScript error when an adapter call failed with a non-database error. */
function engineError(e: unknown, registry: ErrorRegistry): Error {
  if (!(e instanceof Error)) return new Error(`Schema engine error: ${String(e)}`);
  const id = findGenericJsErrorId(e);
  if (id !== undefined) {
    const original = registry.consumeError(id)?.error;
    if (original instanceof Error) return original;
  }
  const rawCode = (e as Error & { code?: unknown }).code;
  const code = typeof rawCode === "string" ? rawCode : undefined;
  // The message carries a Rust span trace ("   0: schema_commands::…") after the text.
  const [head = e.message, trace = ""] = e.message.split(/\n\s+0: /, 2);
  let message = head.replace(/^external connector error\n/, "").trim();
  const failedMigration = /apply_script[\s\S]*?with migration_name="([^"]+)"/.exec(trace)?.[1];
  if (failedMigration) {
    message =
      `Migration ${failedMigration} failed and was not applied: ${message}\n` +
      `It is recorded as failed in _prisma_migrations; no further migration will be applied until it ` +
      `is fixed and resolved (see https://pris.ly/d/migrate-resolve).`;
  }
  if (code && !message.startsWith(code)) message = `${code}: ${message}`;
  const error = new Error(message, { cause: e }) as Error & { code?: string; migrationName?: string };
  if (code) error.code = code;
  if (failedMigration) error.migrationName = failedMigration;
  return error;
}

function findGenericJsErrorId(e: Error): number | undefined {
  const cause = (e as { cause?: unknown }).cause;
  if (cause && typeof cause === "object" && (cause as { kind?: unknown }).kind === "GenericJs") {
    const id = (cause as { id?: unknown }).id;
    if (typeof id === "number") return id;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Adapters for the engine

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

function toDriverAdapterError(e: unknown): unknown {
  if (e && typeof e === "object") {
    const err = e as { code?: unknown; severity?: unknown; message?: unknown; detail?: unknown; column?: unknown; hint?: unknown };
    if (typeof err.code === "string" && typeof err.severity === "string" && typeof err.message === "string") {
      return new DriverAdapterError({
        kind: "postgres",
        code: err.code,
        severity: err.severity,
        message: err.message,
        detail: typeof err.detail === "string" ? err.detail : undefined,
        column: typeof err.column === "string" ? err.column : undefined,
        hint: typeof err.hint === "string" ? err.hint : undefined,
      });
    }
  }
  return e;
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
async function withTarget<T>(target: MigrationTarget, fn: (factory: SqlMigrationAwareDriverAdapterFactory) => Promise<T>): Promise<T> {
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
async function withScratchFactory<T>(fn: (factory: SqlMigrationAwareDriverAdapterFactory) => Promise<T>): Promise<T> {
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
