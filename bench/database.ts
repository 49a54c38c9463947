// A database of its own for one benchmark process: a fresh PGlite directory, or a fresh database on
// the PostgreSQL server (PARTNERPULS_TEST_POSTGRES_URL, or the local one), dropped afterwards.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { openDatabase, type Database } from "../src/store/database.ts";

export async function openBenchDatabase(kind: "pglite" | "postgres", label: string): Promise<{ db: Database; cleanup(): Promise<void> }> {
  if (kind === "pglite") {
    const dir = mkdtempSync(path.join(tmpdir(), `partnerpuls-bench-${label}-`));
    const db = await openDatabase({ url: dir });
    return { db, cleanup: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const base = process.env.PARTNERPULS_TEST_POSTGRES_URL || "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `partnerpuls_bench_${label}_${process.pid}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    try { await c.query(sql); } finally { await c.end(); }
  };
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString() });
  return { db, cleanup: async () => { await db.close(); await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`); } };
}
