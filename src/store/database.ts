// Opens the store: embedded PGlite (a data directory, or memory:// in tests) by default, a
// PostgreSQL server for a postgres:// URL. One Prisma schema and one migration history serve both.
// Migrations are applied on open (src/store/migrate.ts). A PGlite directory is locked with a pid
// file: two processes on one directory silently lose writes. A burst of commands queues for the
// database instead of failing: the pool and the transaction limits below are sized for it, and
// every interactive transaction is retried whole when it lost to another one (./retry.ts).
import fs from "node:fs";
import { link, mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import path from "node:path";

import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";

import { PrismaClient } from "../generated/prisma/client.ts";
import { applyMigrations, type MigrationTarget } from "./migrate.ts";
import { readTemplate } from "./pglite-template.ts";
import { transientReason, withRetry, type RetryOptions } from "./retry.ts";
import { logger } from "../observability/log.ts";

export type DatabaseKind = "pglite" | "postgres";

export interface Database {
  prisma: PrismaClient;
  kind: DatabaseKind;
  /** Disconnects Prisma, ends the pool / closes PGlite, releases the directory lock. Idempotent. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres://… or postgresql://… for a server; otherwise a PGlite data directory (default
   *  ./data, relative to the working directory; `file:` and `pglite:` prefixes allowed) or
   *  `memory://` for an in-memory database. Pass process.env.DATABASE_URL here. */
  url?: string;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /** Migrations to apply; defaults to this repository's prisma/migrations. */
  migrationsDir?: string;
  /** PGlite only: start from this dumpDataDir() tarball (cloning a migrated template in tests). */
  loadDataDir?: Blob;
  /** PostgreSQL: the connection pool, instead of POOL_LIMITS. */
  pool?: Partial<PoolLimits>;
  /** Transaction limits, instead of TRANSACTION_LIMITS for the kind of database. */
  transactions?: Partial<TransactionLimits>;
  /** How interactive transactions are retried (default: retry.ts's defaults); false: never. */
  retry?: RetryOptions | false;
}

export interface PoolLimits {
  /** connections this process opens at most; more requests wait in the pool */
  max: number;
  /** how long a query waits for a free connection before it fails */
  connectionTimeoutMs: number;
}

export interface TransactionLimits {
  /** how long a transaction waits to begin (for a connection; on PGlite, for its turn) */
  maxWaitMs: number;
  /** how long a begun transaction may take before it is rolled back */
  timeoutMs: number;
}

// Why these numbers. Our transactions are a few statements each (milliseconds alone), but in a
// burst they wait: for a connection, for the row lock that numbers agreements and rounds per
// partnership (FOR UPDATE: fifty `action add` run one after another), and for an event loop busy
// building digests. Prisma's defaults (2 s to begin, 5 s to finish) turned that waiting into
// failures. Waiting is fine: a slash command's answer may come minutes later (its response_url
// lasts 30 minutes), a button press is acknowledged before any of this.

/** The PostgreSQL connection pool of one process. */
export const POOL_LIMITS: PoolLimits = {
  // pg's default, kept deliberately: on a few cores PostgreSQL does the most work with a handful
  // of busy connections; more only move the queue into the server. Three instances at 10 stay
  // well inside max_connections (100 by default) with room for migrations and psql.
  max: 10,
  // pg waits forever by default, which hides an outage; 30 s covers a burst's queue (200
  // commands are through in under 10 s on 2 cores) several times over.
  connectionTimeoutMs: 30_000,
};

export const TRANSACTION_LIMITS: Record<DatabaseKind, TransactionLimits> = {
  postgres: {
    // Below the pool's connectionTimeoutMs, so a transaction that cannot get a connection ends as
    // Prisma's retryable P2028 rather than as the pool's own timeout, which is not retried.
    maxWaitMs: 25_000,
    // Time queued on the partnership's row lock counts: 15 s covers fifty agreements in a row
    // behind busy digests many times over, and a transaction whose code stalls while it holds
    // locks is still rolled back. (A statement blocked in the server is not interrupted: Prisma
    // notices the timeout at the next one, and the transaction is retried.)
    timeoutMs: 15_000,
  },
  pglite: {
    // PGlite has one connection: a transaction waits for every transaction ahead of it and the
    // queries in between. The wait must cover a burst's whole queue, not one transaction.
    maxWaitMs: 60_000,
    // As for PostgreSQL; a running transaction holds all of PGlite, so not longer.
    timeoutMs: 15_000,
  },
};

export type DatabaseLocation = { kind: "postgres"; url: string } | { kind: "pglite"; dataDir: string | null };

export const DEFAULT_DATA_DIR = "./data";
/** Name of the pid lock file inside a PGlite data directory. */
export const LOCK_FILE_NAME = "partnerpuls.pid";

/** Where a DATABASE_URL points. `dataDir: null` = in-memory PGlite. */
export function parseDatabaseUrl(url: string | undefined = DEFAULT_DATA_DIR): DatabaseLocation {
  const value = url.trim() || DEFAULT_DATA_DIR;
  if (/^postgres(ql)?:\/\//i.test(value)) return { kind: "postgres", url: value };
  const rest = value.replace(/^(pglite|file):(\/\/)?/i, "") || DEFAULT_DATA_DIR;
  if (/^memory:/i.test(rest)) return { kind: "pglite", dataDir: null };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rest)) {
    throw new Error(`Unsupported database URL ${redactUrl(value)}: use postgres://…, a PGlite directory or memory://`);
  }
  return { kind: "pglite", dataDir: path.resolve(rest) };
}

/** A URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, "$1***@");
}

export async function openDatabase(opts: OpenDatabaseOptions = {}): Promise<Database> {
  const location = parseDatabaseUrl(opts.url);
  const migrate = opts.migrate ?? true;
  const migrateOpts = { migrationsDir: opts.migrationsDir };
  const tx = { ...TRANSACTION_LIMITS[location.kind], ...opts.transactions };
  const transactionOptions = { maxWait: tx.maxWaitMs, timeout: tx.timeoutMs };

  if (location.kind === "postgres") {
    if (migrate) await applyMigrations({ kind: "postgres", url: location.url }, migrateOpts);
    const poolLimits = { ...POOL_LIMITS, ...opts.pool };
    const pool = new pg.Pool({ connectionString: location.url, max: poolLimits.max, connectionTimeoutMillis: poolLimits.connectionTimeoutMs });
    pool.on("error", (err) => {
      // The message and code only: pg attaches its whole client (connection settings) to the error.
      const { message, code } = err as Error & { code?: string };
      logger().warn({ component: "database", code, reason: message }, "idle PostgreSQL connection failed");
    });
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions });
    retryTransactions(prisma, opts.retry);
    return database("postgres", prisma, async () => {
      try {
        await prisma.$disconnect();
      } finally {
        await pool.end();
      }
    });
  }

  const store = await openPGlite(location.dataDir, { loadDataDir: opts.loadDataDir });
  try {
    if (migrate) await applyMigrations({ kind: "pglite", pglite: store.pglite }, migrateOpts);
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(store.pglite), transactionOptions });
    retryTransactions(prisma, opts.retry);
    return database("pglite", prisma, async () => {
      try {
        await prisma.$disconnect();
      } finally {
        await store.close();
      }
    });
  } catch (e) {
    await store.close();
    throw e;
  }
}

/** Run `fn` against the database a DATABASE_URL names, as a migration target (the CLI's
 *  deploy/status). A PGlite directory is opened, locked, and closed afterwards. */
export async function withMigrationTarget<T>(
  url: string | undefined,
  fn: (target: MigrationTarget, location: DatabaseLocation) => Promise<T>,
): Promise<T> {
  const location = parseDatabaseUrl(url);
  if (location.kind === "postgres") return fn({ kind: "postgres", url: location.url }, location);
  const store = await openPGlite(location.dataDir);
  try {
    return await fn({ kind: "pglite", pglite: store.pglite }, location);
  } finally {
    await store.close();
  }
}

/**
 * Every interactive `prisma.$transaction(fn)` of this client runs under withRetry: a transaction
 * that lost to another (deadlock, serialization failure, write conflict) or waited too long is run
 * again from the start. Safe because such a transaction was rolled back whole, and our
 * transaction functions only read and write through `tx` (their messages go to the outbox in the
 * same transaction). The batch form `$transaction([...])` is passed through: its queries were
 * built once by the caller and cannot be run twice.
 */
function retryTransactions(prisma: PrismaClient, retry: RetryOptions | false | undefined): void {
  if (retry === false) return;
  const original = prisma.$transaction.bind(prisma) as (arg: unknown, options?: unknown) => Promise<unknown>;
  const onRetry: RetryOptions["onRetry"] = (e, attempt, waitMs) => {
    logger().warn({ component: "database", reason: transientReason(e), attempt: attempt + 1, waitMs }, "transaction retried");
    retry?.onRetry?.(e, attempt, waitMs);
  };
  const wrapped = (arg: unknown, options?: unknown) =>
    typeof arg === "function" ? withRetry(() => original(arg, options), { ...retry, onRetry }) : original(arg, options);
  prisma.$transaction = wrapped as PrismaClient["$transaction"];
}

function database(kind: DatabaseKind, prisma: PrismaClient, closeOnce: () => Promise<void>): Database {
  let closing: Promise<void> | undefined;
  return {
    prisma,
    kind,
    close: () => (closing ??= closeOnce()),
  };
}

// ---------------------------------------------------------------------------------------------
// PGlite and its directory lock

export interface PGliteStore {
  pglite: PGlite;
  /** Closes PGlite (Prisma's $disconnect does not) and releases the lock. Idempotent. */
  close(): Promise<void>;
}

/** Open (creating if needed) a PGlite data directory under a pid lock, or an in-memory database
 *  when `dataDir` is null. */
/**
 * PostgreSQL's default shared_buffers (128 MB) stays resident in PGlite's WebAssembly memory; a
 * partnership's data, thousands of rows, needs a fraction of it, and the files stay in the OS cache.
 */
export const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"];

export async function openPGlite(dataDir: string | null, opts: { loadDataDir?: Blob } = {}): Promise<PGliteStore> {
  const release = dataDir === null ? async () => undefined : await lockDirectory(dataDir);
  let pglite: PGlite | undefined;
  try {
    // A new directory starts from the install's empty cluster rather than running initdb.
    const fresh = dataDir !== null && !fs.existsSync(path.join(dataDir, "PG_VERSION"));
    const loadDataDir = opts.loadDataDir ?? (fresh ? await readTemplate() : undefined);
    pglite = new PGlite({ dataDir: dataDir ?? "memory://", loadDataDir, startParams: PGLITE_START_PARAMS });
    await pglite.waitReady;
  } catch (e) {
    if (pglite && !pglite.closed) await pglite.close().catch(() => undefined);
    await release();
    throw e;
  }
  const db = pglite;
  let closing: Promise<void> | undefined;
  return {
    pglite: db,
    close: () =>
      (closing ??= (async () => {
        try {
          if (!db.closed) await db.close();
        } finally {
          await release();
        }
      })()),
  };
}

const HELD_LOCKS = Symbol.for("partnerpuls.pglite-directory-locks");

/** Lock files this process holds. On globalThis: vitest evaluates this module once per test file
 *  but the locks belong to the process. */
function heldLocks(): Set<string> {
  const g = globalThis as { [HELD_LOCKS]?: Set<string> };
  if (!g[HELD_LOCKS]) {
    const held = new Set<string>();
    g[HELD_LOCKS] = held;
    // A process that exits without close() should not leave a lock that looks alive to a process
    // that later gets the same pid (containers restart with the same pids).
    process.once("exit", () => {
      for (const lockPath of held) {
        try {
          if (fs.readFileSync(lockPath, "utf-8").trim() === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          // already gone
        }
      }
    });
  }
  return g[HELD_LOCKS];
}

function directoryBusy(pid: number, dir: string): Error {
  const self = pid === process.pid ? " (this process already has it open)" : "";
  return new Error(
    `Another Partnerpuls process (pid ${pid}) is using the database directory ${dir}${self}. ` +
      `Two processes on one PGlite directory lose writes: stop the other one, or point DATABASE_URL elsewhere.`,
  );
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readLockPid(lockPath: string): Promise<{ raw: string; pid: number | null } | null> {
  let raw: string;
  try {
    raw = await readFile(lockPath, "utf-8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  const pid = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : null;
  return { raw, pid };
}

/** Take a pid lock file inside `dir`; returns its release function. A lock whose process is dead
 *  is stale and taken over; a live one throws. */
async function lockDirectory(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const lockPath = path.join(dir, LOCK_FILE_NAME);
  const held = heldLocks();

  for (let attempt = 0; attempt < 10; attempt++) {
    if (held.has(lockPath)) throw directoryBusy(process.pid, dir);
    try {
      await writeFile(lockPath, `${process.pid}\n`, { flag: "wx" });
      held.add(lockPath);
      return releaseFor(lockPath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }

    let owner = await readLockPid(lockPath);
    if (owner === null) continue; // released meanwhile
    if (owner.pid === null) {
      // Possibly being written right now: look again before calling it garbage.
      await new Promise((r) => setTimeout(r, 50));
      owner = await readLockPid(lockPath);
      if (owner === null) continue;
    }
    // Our own pid without our own record is a previous process that had the same pid.
    if (owner.pid !== null && owner.pid !== process.pid && processAlive(owner.pid)) throw directoryBusy(owner.pid, dir);
    await removeStaleLock(lockPath, owner.raw);
  }
  throw new Error(`Could not lock the database directory ${dir} (${lockPath} keeps changing)`);
}

/** Remove a stale lock without removing a fresh one another process took meanwhile: move it
 *  aside (only one process can), check it is the stale one, then delete it. */
async function removeStaleLock(lockPath: string, staleContent: string): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await rename(lockPath, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  const moved = await readFile(aside, "utf-8").catch(() => staleContent);
  if (moved !== staleContent) {
    // A live process took the lock between our read and the rename: put it back.
    await link(aside, lockPath).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

function releaseFor(lockPath: string): () => Promise<void> {
  return async () => {
    const held = heldLocks();
    if (!held.delete(lockPath)) return;
    const owner = await readLockPid(lockPath).catch(() => null);
    if (owner?.pid === process.pid) await unlink(lockPath).catch(() => undefined);
  };
}
