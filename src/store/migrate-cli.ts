// Migrations without Prisma's native schema engine (see src/store/migrate.ts).
//   tsx src/store/migrate-cli.ts create <name>   npm run db:migrate -- <name>   write a new migration
//   tsx src/store/migrate-cli.ts deploy          npm run db:deploy              apply pending migrations
//   tsx src/store/migrate-cli.ts status          npm run db:status              applied / pending / failed
//   tsx src/store/migrate-cli.ts check           npm run db:check               exit 1 if the schema has
//                                                                               changes no migration holds
//   tsx src/store/migrate-cli.ts resolve --rolled-back|--applied <migration>    after a failed migration
// deploy, status and resolve act on DATABASE_URL: postgres://… or a PGlite directory (default ./data).
import path from "node:path";

import { parseDatabaseUrl, redactUrl, withMigrationTarget } from "./database.ts";
import {
  applyMigrations,
  checkSchemaCovered,
  createMigration,
  DEFAULT_MIGRATIONS_DIR,
  DEFAULT_SCHEMA_PATH,
  migrationStatus,
  resolveMigration,
} from "./migrate.ts";

const USAGE = `Usage: tsx src/store/migrate-cli.ts <command>
  create <name>                          write prisma/migrations/<timestamp>_<name>/migration.sql
  deploy                                 apply pending migrations to DATABASE_URL
  status                                 show applied, pending and failed migrations (exit 1 unless up to date)
  check                                  exit 1 when prisma/schema.prisma has changes no migration holds
  resolve --rolled-back|--applied <name> mark a failed migration rolled back (deploy retries it) or applied
DATABASE_URL: postgres://… for a server, otherwise a PGlite directory (default ./data).`;

function show(p: string): string {
  const relative = path.relative(process.cwd(), p);
  return relative && !relative.startsWith("..") ? relative : p;
}

function describeTarget(url: string | undefined): string {
  const location = parseDatabaseUrl(url);
  if (location.kind === "postgres") return `PostgreSQL ${redactUrl(location.url)}`;
  return location.dataDir === null ? "in-memory PGlite" : `PGlite ${show(location.dataDir)}`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const url = process.env.DATABASE_URL;

  switch (command) {
    case "create": {
      const name = args.join("_");
      if (!name) {
        console.error("create needs a migration name, e.g. npm run db:migrate -- add_reminders");
        return 2;
      }
      const result = await createMigration(name);
      if (!result.created) {
        console.log(`No changes: the migrations in ${show(DEFAULT_MIGRATIONS_DIR)} already hold ${show(DEFAULT_SCHEMA_PATH)}. Nothing written.`);
        return 0;
      }
      console.log(`Created ${show(path.join(result.directory, "migration.sql"))}`);
      if (result.lockfileWritten) console.log(`Created ${show(path.join(DEFAULT_MIGRATIONS_DIR, "migration_lock.toml"))}`);
      console.log("Review it, commit it, then apply it with npm run db:deploy (the bot also applies it at start).");
      return 0;
    }

    case "deploy": {
      console.log(`Applying migrations to ${describeTarget(url)}`);
      const { applied } = await withMigrationTarget(url, (target) => applyMigrations(target));
      if (applied.length === 0) console.log("No pending migrations.");
      else for (const name of applied) console.log(`Applied ${name}`);
      return 0;
    }

    case "status": {
      const status = await withMigrationTarget(url, (target) => migrationStatus(target));
      console.log(`${describeTarget(url)}: ${status.migrations.length} migration(s) in ${show(DEFAULT_MIGRATIONS_DIR)}`);
      for (const name of status.migrations) {
        const state = status.failed.includes(name)
          ? "FAILED"
          : status.pending.includes(name)
            ? "pending"
            : status.edited.includes(name)
              ? "applied, EDITED since"
              : "applied";
        console.log(`  ${state.padEnd(22)}${name}`);
      }
      for (const name of status.unknownToDisk) console.log(`  ${"NOT ON DISK".padEnd(22)}${name}`);
      if (status.upToDate) {
        console.log("Database schema is up to date.");
        return 0;
      }
      if (status.failed.length > 0) {
        console.log("A failed migration blocks deploy: fix the database, then `resolve --rolled-back <name>` (to retry) or `resolve --applied <name>`.");
      } else if (status.pending.length > 0) {
        console.log("Run npm run db:deploy to apply the pending migrations.");
      }
      return 1;
    }

    case "check": {
      const diff = await checkSchemaCovered();
      if (diff === "") {
        console.log(`OK: migrations hold the schema (${show(DEFAULT_SCHEMA_PATH)}).`);
        return 0;
      }
      console.log(`${show(DEFAULT_SCHEMA_PATH)} has changes no migration holds. Missing SQL:\n`);
      console.log(diff.trimEnd());
      console.log(`\nCreate a migration for them: npm run db:migrate -- <name>`);
      return 1;
    }

    case "resolve": {
      const as = args.includes("--rolled-back") ? "rolled-back" : args.includes("--applied") ? "applied" : undefined;
      const name = args.find((a) => !a.startsWith("--"));
      if (!as || !name) {
        console.error("resolve needs --rolled-back <migration> or --applied <migration>");
        return 2;
      }
      await withMigrationTarget(url, (target) => resolveMigration(target, name, as));
      console.log(`Marked ${name} as ${as} on ${describeTarget(url)}.`);
      return 0;
    }

    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return command === undefined ? 2 : 0;

    default:
      console.error(`Unknown command ${JSON.stringify(command)}\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
