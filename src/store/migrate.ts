// Migrations through Prisma's WASM schema engine (@prisma/schema-engine-wasm) and driver adapters,
// so nothing needs the native schema engine that Prisma's CLI would download.
// Files and the `_prisma_migrations` table are byte-compatible with `prisma migrate`:
//   applyMigrations   = `prisma migrate deploy` (engine.applyMigrations, advisory lock 72707369)
//   createMigration   = `prisma migrate dev --create-only`: the history is replayed into a throwaway
//                       in-memory PGlite (the shadow database) and diffed against schema.prisma
//   checkSchemaCovered = `prisma migrate diff --from-migrations … --to-schema … --exit-code`
//   migrationStatus   = `prisma migrate status` (engine.diagnoseMigrationHistory)
// What schema-engine.ts (the engine) and migration-targets.ts (the databases it runs against) work
// around (Prisma 7.10, pglite-prisma-adapter 0.7.2):
//   - the PGlite adapter does not await `executeScript` (a failing migration would be recorded as
//     applied) and adapter-pg splits scripts on every `;`: the engine gets a factory whose
//     executeScript runs the whole script in one awaited call;
//   - the engine takes a session advisory lock and never releases it: migrations run on a pool of
//     one connection that is ended afterwards, so other instances are not blocked;
//   - the engine leaves a 10 s timer, and PGlite must be closed explicitly, or CLIs and tests hang;
//   - a shadow database on the server and introspection through adapter-pg do not work: new
//     migrations are diffed against a throwaway in-memory PGlite;
//   - PGlite is PostgreSQL 18 and the server here is 15: the tests apply every migration to both.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import type { MigrationList, SchemaContainer, SchemaFilter } from "@prisma/schema-engine-wasm/schema_engine_bg";

import { queryTarget, withScratchFactory, withTarget, type MigrationTarget } from "./migration-targets.ts";
import { withEngine } from "./schema-engine.ts";

export type { MigrationTarget } from "./migration-targets.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
/** prisma/migrations of this repository, independent of the working directory. */
export const DEFAULT_MIGRATIONS_DIR = path.resolve(here, "../../prisma/migrations");
/** prisma/schema.prisma of this repository, independent of the working directory. */
export const DEFAULT_SCHEMA_PATH = path.resolve(here, "../../prisma/schema.prisma");

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
  // Most starts have nothing to apply: then the engine (a WebAssembly module that keeps tens of MB)
  // is never loaded.
  if (await isUpToDate(target, migrationsList)) return { applied: [] };
  return withTarget(target, (factory) =>
    withEngine(factory, undefined, async (engine) => {
      const out = await engine.applyMigrations({ migrationsList, filters: NO_FILTER });
      return { applied: out.appliedMigrationNames };
    }),
  );
}

/**
 * Whether every migration on disk is recorded as applied, unchanged (Prisma's checksum: SHA-256 of
 * migration.sql), and nothing else is recorded. Anything else (no table yet, a migration pending,
 * failed, edited or unknown) is the engine's to apply or to refuse with its own message.
 */
async function isUpToDate(target: MigrationTarget, list: MigrationList): Promise<boolean> {
  const [table] = await queryTarget<{ present: boolean }>(target, `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`);
  if (!table?.present) return false;
  const rows = await queryTarget<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
    target,
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`,
  );
  const applied = new Map(rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => [r.migration_name, r.checksum]));
  if (rows.some((r) => r.finished_at === null && r.rolled_back_at === null)) return false;
  if (applied.size !== list.migrationDirectories.length) return false;
  return list.migrationDirectories.every((d) => d.migrationFile.content.tag === "ok" && applied.get(d.path) === createHash("sha256").update(d.migrationFile.content.value).digest("hex"));
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
