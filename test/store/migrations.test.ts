import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";

import { LOCK_FILE_NAME, openDatabase, type Database } from "../../src/store/database.ts";
import {
  applyMigrations,
  checkSchemaCovered,
  createMigration,
  DEFAULT_MIGRATIONS_DIR,
  DEFAULT_SCHEMA_PATH,
  migrationLockContent,
  migrationStatus,
  resolveMigration,
  type MigrationTarget,
} from "../../src/store/migrate.ts";
import { createPostgresDatabase, describeEachDatabase, describePostgres } from "../support/databases.ts";

const tempDirs: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `partnerpuls-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function repositoryMigrations(): Promise<string[]> {
  return (await readdir(DEFAULT_MIGRATIONS_DIR, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** The repository's migrations plus extra ones, in a temp directory. */
async function migrationsWith(extra: Record<string, string>): Promise<string> {
  const dir = await tempDir("migrations");
  await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    await mkdir(path.join(dir, name), { recursive: true });
    await writeFile(path.join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

/** A fresh, un-migrated database of each kind as a migration target. */
interface FreshTarget {
  target: MigrationTarget;
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

async function freshPGlite(): Promise<FreshTarget> {
  const pglite = new PGlite("memory://");
  await pglite.waitReady;
  return {
    target: { kind: "pglite", pglite },
    query: async (sql) => (await pglite.query<Record<string, unknown>>(sql)).rows,
    close: () => pglite.close(),
  };
}

async function freshPostgres(): Promise<FreshTarget> {
  const created = await createPostgresDatabase();
  const client = new pg.Client({ connectionString: created.url });
  await client.connect();
  return {
    target: { kind: "postgres", url: created.url },
    query: async (sql) => (await client.query(sql)).rows,
    close: async () => {
      await client.end();
      await created.drop();
    },
  };
}

const BROKEN = "99990101000000_broken";
const BROKEN_SQL = `CREATE TABLE "Broken" ("id" TEXT NOT NULL);\nINSERT INTO "Broken" ("id") VALUES ((1 / 0)::text);\n`;
const TRICKY = "99990101000000_tricky_script";
// Would break if the adapter split the script on ";" (adapter-pg does) or did not await it.
const TRICKY_SQL = `CREATE TABLE "Tricky" ("id" TEXT NOT NULL, "note" TEXT NOT NULL DEFAULT 'a;b');
CREATE FUNCTION tricky_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."note" := NEW."note" || ';touched';
  RETURN NEW;
END;
$$;
CREATE TRIGGER tricky_touch BEFORE INSERT ON "Tricky" FOR EACH ROW EXECUTE FUNCTION tricky_touch();
INSERT INTO "Tricky" ("id") VALUES ('x;y');
`;

const kinds: { name: string; fresh: () => Promise<FreshTarget>; define: (title: string, body: () => void) => void }[] = [
  { name: "pglite", fresh: freshPGlite, define: describe },
  { name: "postgres", fresh: freshPostgres, define: describePostgres },
];

for (const kind of kinds) {
  kind.define(`migrations on ${kind.name}`, () => {
    let db: FreshTarget | undefined;
    afterEach(async () => {
      await db?.close();
      db = undefined;
    });

    it("applies every migration to a fresh database, and a second apply applies nothing", async () => {
      db = await kind.fresh();
      const all = await repositoryMigrations();
      expect(all.length).toBeGreaterThan(0);

      const before = await migrationStatus(db.target);
      expect(before).toMatchObject({ applied: [], pending: all, failed: [], upToDate: false });

      expect((await applyMigrations(db.target)).applied).toEqual(all);
      expect((await applyMigrations(db.target)).applied).toEqual([]);

      const after = await migrationStatus(db.target);
      expect(after).toMatchObject({ applied: all, pending: [], failed: [], edited: [], upToDate: true });
      const rows = await db.query(`SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name`);
      expect(rows.map((r) => r.migration_name)).toEqual(all);
      expect(rows.every((r) => r.finished_at !== null)).toBe(true);
      expect(await db.query(`SELECT count(*)::int AS n FROM "Workspace"`)).toEqual([{ n: 0 }]);
    });

    it("runs a migration script whole: ';' inside literals and $$ bodies survive", async () => {
      db = await kind.fresh();
      const dir = await migrationsWith({ [TRICKY]: TRICKY_SQL });
      const { applied } = await applyMigrations(db.target, { migrationsDir: dir });
      expect(applied.at(-1)).toBe(TRICKY);
      expect(await db.query(`SELECT "id", "note" FROM "Tricky"`)).toEqual([{ id: "x;y", note: "a;b;touched" }]);
    });

    it("does not record a failing migration as applied, and says which one failed", async () => {
      db = await kind.fresh();
      const dir = await migrationsWith({ [BROKEN]: BROKEN_SQL });
      const all = await repositoryMigrations();

      const failure = await applyMigrations(db.target, { migrationsDir: dir }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(failure).toBeInstanceOf(Error);
      expect(failure?.message).toContain(BROKEN);
      expect(failure?.message).toContain("division by zero");

      const status = await migrationStatus(db.target, { migrationsDir: dir });
      expect(status).toMatchObject({ applied: all, failed: [BROKEN], upToDate: false });
      expect(status.applied).not.toContain(BROKEN);
      const [row] = await db.query(`SELECT finished_at, logs FROM _prisma_migrations WHERE migration_name = '${BROKEN}'`);
      expect(row?.finished_at).toBeNull();
      expect(String(row?.logs)).toContain("division by zero");
      // The script ran as one transaction: its first statement did not stay behind.
      expect(await db.query(`SELECT to_regclass('"Broken"')::text AS t`)).toEqual([{ t: null }]);

      // Deploy keeps refusing until the failure is resolved (Prisma's P3009).
      await expect(applyMigrations(db.target, { migrationsDir: dir })).rejects.toThrow(/P3009/);

      // Fix it, mark it rolled back, deploy again.
      await writeFile(path.join(dir, BROKEN, "migration.sql"), `CREATE TABLE "Broken" ("id" TEXT NOT NULL);\n`);
      await resolveMigration(db.target, BROKEN, "rolled-back", { migrationsDir: dir });
      expect((await applyMigrations(db.target, { migrationsDir: dir })).applied).toEqual([BROKEN]);
      expect(await migrationStatus(db.target, { migrationsDir: dir })).toMatchObject({ failed: [], upToDate: true });
    });
  });
}

describe("schema coverage", () => {
  it("the repository's migrations hold prisma/schema.prisma", async () => {
    expect(await checkSchemaCovered()).toBe("");
  });

  it("reports a schema change no migration holds, and createMigration captures it", async () => {
    const migrationsDir = await migrationsWith({});
    const schemaDir = await tempDir("schema");
    const schemaPath = path.join(schemaDir, "schema.prisma");
    const schema = await readFile(DEFAULT_SCHEMA_PATH, "utf-8");
    await writeFile(schemaPath, `${schema}\nmodel ScratchNote {\n  id   String @id\n  text String\n}\n`);
    const opts = { migrationsDir, schemaPath };

    const diff = await checkSchemaCovered(opts);
    expect(diff).toContain(`CREATE TABLE "ScratchNote"`);

    const created = await createMigration("Add scratch notes!", opts);
    expect(created.created).toBe(true);
    if (!created.created) return;
    expect(created.name).toMatch(/^\d{14}_add_scratch_notes$/);
    expect(created.lockfileWritten).toBe(false);
    expect(await readFile(path.join(created.directory, "migration.sql"), "utf-8")).toBe(diff);

    expect(await checkSchemaCovered(opts)).toBe("");
    expect(await createMigration("again", opts)).toEqual({ created: false });
  });

  it("writes migration_lock.toml in Prisma's format when the history has none", async () => {
    const migrationsDir = await tempDir("empty-history");
    const created = await createMigration("init", { migrationsDir });
    expect(created.created).toBe(true);
    expect(await readFile(path.join(migrationsDir, "migration_lock.toml"), "utf-8")).toBe(
      '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
    );
    expect(migrationLockContent("postgresql")).toBe(await readFile(path.join(DEFAULT_MIGRATIONS_DIR, "migration_lock.toml"), "utf-8"));
  });
});

describe("PGlite data directory", () => {
  const opened: Database[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((d) => d.close()));
  });
  async function open(dir: string): Promise<Database> {
    const db = await openDatabase({ url: dir });
    opened.push(db);
    return db;
  }

  it("refuses a second open of a locked directory with a clear message", async () => {
    const dir = await tempDir("locked");
    const first = await open(dir);
    expect(first.kind).toBe("pglite");
    expect(await readFile(path.join(dir, LOCK_FILE_NAME), "utf-8")).toBe(`${process.pid}\n`);
    await expect(openDatabase({ url: dir })).rejects.toThrow(
      new RegExp(`another Partnerpuls process \\(pid ${process.pid}\\) is using the database directory`, "i"),
    );
    // The refused attempt left the holder's lock alone.
    expect(await readFile(path.join(dir, LOCK_FILE_NAME), "utf-8")).toBe(`${process.pid}\n`);
  });

  it("refuses a directory locked by another live process, takes over a dead one's lock", async () => {
    const dir = await tempDir("foreign-lock");
    await mkdir(dir, { recursive: true });
    const lockPath = path.join(dir, LOCK_FILE_NAME);

    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      await writeFile(lockPath, `${other.pid}\n`);
      await expect(openDatabase({ url: `file:${dir}` })).rejects.toThrow(
        `Another Partnerpuls process (pid ${other.pid}) is using the database directory`,
      );
    } finally {
      other.kill();
    }

    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    await writeFile(lockPath, `${dead}\n`);
    const db = await open(dir);
    expect(await readFile(lockPath, "utf-8")).toBe(`${process.pid}\n`);
    await db.close();
    await db.close(); // idempotent
    expect(existsSync(lockPath)).toBe(false);
  });

  it("keeps committed rows across close and reopen", async () => {
    const dir = await tempDir("durable");
    const first = await open(dir);
    await first.prisma.workspace.create({ data: { platform: "local", externalId: "playground", name: "Playground" } });
    await first.prisma.$transaction(async (tx) => {
      await tx.workspace.create({ data: { platform: "slack", externalId: "T123" } });
    });
    await first.close();
    expect(existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false);

    const second = await open(dir);
    const rows = await second.prisma.workspace.findMany({ orderBy: { platform: "asc" } });
    expect(rows.map((w) => [w.platform, w.externalId, w.name])).toEqual([
      ["local", "playground", "Playground"],
      ["slack", "T123", ""],
    ]);
  });
});

describe("the migration engine at start-up", () => {
  // A process of its own: whether the engine's WebAssembly was loaded is a fact about a process.
  const startOnce = (dir: string): { engineLoaded: boolean; workspaces: number } => {
    const code = `
      const { openDatabase } = await import(${JSON.stringify(path.resolve("src/store/database.ts"))});
      const db = await openDatabase({ url: process.argv[1] });
      const workspaces = await db.prisma.workspace.count();
      await db.close();
      console.log(JSON.stringify({ engineLoaded: Symbol.for("partnerpuls.schema-engine-wasm") in globalThis, workspaces }));`;
    const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code, dir], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(run.stderr);
    return JSON.parse(run.stdout.trim().split("\n").at(-1)!) as { engineLoaded: boolean; workspaces: number };
  };

  it("is loaded only when there is something to migrate", async () => {
    const dir = await tempDir("engine");
    expect(startOnce(dir)).toEqual({ engineLoaded: true, workspaces: 0 });
    expect(startOnce(dir)).toEqual({ engineLoaded: false, workspaces: 0 });
    // A migration added since: the engine applies it.
    const migrations = await tempDir("engine-migrations");
    await cp(DEFAULT_MIGRATIONS_DIR, migrations, { recursive: true });
    await mkdir(path.join(migrations, "29990101000000_later"));
    await writeFile(path.join(migrations, "29990101000000_later", "migration.sql"), `CREATE TABLE "Later" (id INT);`);
    const target = await PGlite.create({ dataDir: dir });
    try {
      expect((await applyMigrations({ kind: "pglite", pglite: target }, { migrationsDir: migrations })).applied).toEqual(["29990101000000_later"]);
      expect((await applyMigrations({ kind: "pglite", pglite: target }, { migrationsDir: migrations })).applied).toEqual([]);
    } finally {
      await target.close();
    }
  });
});

describeEachDatabase("test databases", (db) => {
  it("start migrated and empty", async () => {
    expect(await db().prisma.workspace.count()).toBe(0);
    await db().prisma.workspace.create({ data: { platform: "local", externalId: "playground" } });
    expect(await db().prisma.workspace.count()).toBe(1);
  });

  it("use one connection correctly inside $transaction", async () => {
    const made = await db().prisma.$transaction(async (tx) => {
      const w = await tx.workspace.create({ data: { platform: "teams", externalId: "tenant-1" } });
      return tx.partnership.create({ data: { workspaceId: w.id, name: "Sund By", nameKey: "sund by", purposes: ["a", "b"] } });
    });
    expect(made.purposes).toEqual(["a", "b"]);
  });
});

describe("template clones", () => {
  it("are independent of each other", async () => {
    const { testDatabases } = await import("../support/databases.ts");
    const pglite = testDatabases.find((t) => t.name === "pglite");
    if (!pglite) throw new Error("no pglite test database");
    const [a, b] = await Promise.all([pglite.open(), pglite.open()]);
    try {
      await a.prisma.workspace.create({ data: { platform: "local", externalId: "only-in-a" } });
      expect(await b.prisma.workspace.count()).toBe(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
