// Run repository tests against both stores: PGlite (always) and a PostgreSQL server.
//
//   describeEachDatabase("rounds", (db) => {
//     it("…", async () => { await db().prisma.round.findMany(); });
//   });
//
// Each describe gets a fresh, migrated, empty database in beforeAll and closes/drops it in afterAll.
// PGlite: memory://, cloned from a template migrated once per worker (dumpDataDir/loadDataDir):
// a clone opens in ~0.5 s instead of ~2 s for initdb + migrations.
// PostgreSQL: a uniquely named database on PARTNERPULS_TEST_POSTGRES_URL (default
// postgres://postgres@127.0.0.1:5432/postgres), migrated, dropped WITH (FORCE) afterwards.
// Server unreachable: the postgres describe is skipped with the reason in its title, or fails
// when PARTNERPULS_REQUIRE_POSTGRES=1 (set it in CI).
import pg from "pg";
import { afterAll, beforeAll, describe } from "vitest";

import { PGlite } from "@electric-sql/pglite";

import { openDatabase, redactUrl, type Database } from "../../src/store/database.ts";
import { applyMigrations } from "../../src/store/migrate.ts";

export interface TestDatabase {
  name: "pglite" | "postgres";
  /** A fresh, migrated, empty database; its close() also drops it. */
  open(): Promise<Database>;
}

export const DEFAULT_TEST_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";

export function postgresBaseUrl(): string {
  return process.env.PARTNERPULS_TEST_POSTGRES_URL || DEFAULT_TEST_POSTGRES_URL;
}

export function postgresRequired(): boolean {
  return process.env.PARTNERPULS_REQUIRE_POSTGRES === "1";
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

let availability: Promise<{ ok: true } | { ok: false; reason: string }> | undefined;

/** Whether the test server answers (checked once per test file). */
export function postgresAvailability(): Promise<{ ok: true } | { ok: false; reason: string }> {
  return (availability ??= (async () => {
    const url = postgresBaseUrl();
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.query("SELECT 1");
      return { ok: true as const };
    } catch (e) {
      const err = e as Error & { code?: string };
      const cause = err.code ?? err.message ?? String(e);
      return { ok: false as const, reason: `server not reachable at ${redactUrl(url)}: ${cause}` };
    } finally {
      await client.end().catch(() => undefined);
    }
  })());
}

let databaseCounter = 0;

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresBaseUrl(), connectionTimeoutMillis: 5000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A new, empty, un-migrated database on the test server; drop() removes it WITH (FORCE). */
export async function createPostgresDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const available = await postgresAvailability();
  if (!available.ok) throw new Error(`PostgreSQL tests need a server: ${available.reason}`);
  const name = `partnerpuls_test_${process.pid}_${Date.now().toString(36)}_${++databaseCounter}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(postgresBaseUrl());
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

async function openPostgres(): Promise<Database> {
  const created = await createPostgresDatabase();
  let db: Database;
  try {
    db = await openDatabase({ url: created.url, migrate: true });
  } catch (e) {
    await created.drop().catch(() => undefined);
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    prisma: db.prisma,
    kind: db.kind,
    close: () =>
      (closing ??= (async () => {
        try {
          await db.close();
        } finally {
          await created.drop();
        }
      })()),
  };
}

// ---------------------------------------------------------------------------------------------
// PGlite

const TEMPLATE = Symbol.for("partnerpuls.test.pglite-template");

/** A migrated, empty PGlite data directory as a tarball, built once per worker process (cached on
 *  globalThis because vitest re-evaluates this module for every test file). */
export function pgliteTemplate(): Promise<Blob> {
  const g = globalThis as { [TEMPLATE]?: Promise<Blob> };
  if (!g[TEMPLATE]) {
    const building = (async () => {
      const pglite = new PGlite("memory://");
      try {
        await pglite.waitReady;
        await applyMigrations({ kind: "pglite", pglite });
        return await pglite.dumpDataDir("none");
      } finally {
        await pglite.close();
      }
    })();
    g[TEMPLATE] = building;
    building.catch(() => {
      if (g[TEMPLATE] === building) delete g[TEMPLATE];
    });
  }
  return g[TEMPLATE];
}

async function openPGliteClone(): Promise<Database> {
  return openDatabase({ url: "memory://", migrate: false, loadDataDir: await pgliteTemplate() });
}

// ---------------------------------------------------------------------------------------------

export const testDatabases: TestDatabase[] = [
  { name: "pglite", open: openPGliteClone },
  { name: "postgres", open: openPostgres },
];

// Known before any describe is defined, so a skipped describe can carry the reason in its title.
const postgresAtLoad = await postgresAvailability();

/** `describe(title, body)` for tests that need the PostgreSQL server: skipped with the reason in
 *  its title when the server is unreachable, or failing when PARTNERPULS_REQUIRE_POSTGRES=1. */
export function describePostgres(title: string, body: () => void): void {
  if (!postgresAtLoad.ok && postgresRequired()) {
    const reason = postgresAtLoad.reason;
    describe(title, () => {
      beforeAll(() => {
        throw new Error(`PARTNERPULS_REQUIRE_POSTGRES=1 but the PostgreSQL ${reason}`);
      });
      body();
    });
    return;
  }
  const unreachable = postgresAtLoad.ok ? null : postgresAtLoad.reason;
  describe.skipIf(unreachable !== null)(unreachable ? `${title} (skipped: ${unreachable})` : title, body);
}

/** One `describe` per database (nested under `title`), each with a fresh migrated database. */
export function describeEachDatabase(title: string, body: (db: () => Database, kind: "pglite" | "postgres") => void): void {
  describe(title, () => {
    for (const testDatabase of testDatabases) {
      let current: Database | undefined;
      const db = (): Database => {
        if (!current) throw new Error(`The ${testDatabase.name} test database is not open (did beforeAll fail?)`);
        return current;
      };
      const define = () => {
        beforeAll(async () => {
          current = await testDatabase.open();
        });
        afterAll(async () => {
          const open = current;
          current = undefined;
          await open?.close();
        });
        body(db, testDatabase.name);
      };
      if (testDatabase.name === "postgres") describePostgres("postgres", define);
      else describe(testDatabase.name, define);
    }
  });
}
