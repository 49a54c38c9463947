// GET /readyz: whether this instance should get traffic. Ready once it has started (the
// adapters, the courier and the clock run), the database answers and holds every migration of
// this build; not ready while starting and from the moment a shutdown begins.
import { readdir } from "node:fs/promises";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { DEFAULT_MIGRATIONS_DIR } from "../store/migrate.ts";

export type Phase = "starting" | "ready" | "stopping";

/** The migration directories this build ships (read once: they do not change while it runs). */
let shipped: Promise<string[]> | null = null;
function shippedMigrations(dir: string): Promise<string[]> {
  if (dir !== DEFAULT_MIGRATIONS_DIR) return readdir(dir, { withFileTypes: true }).then((es) => es.filter((e) => e.isDirectory()).map((e) => e.name));
  return (shipped ??= readdir(dir, { withFileTypes: true }).then((es) => es.filter((e) => e.isDirectory()).map((e) => e.name)));
}

export function readiness(
  prisma: PrismaClient,
  phase: () => Phase,
  running: () => Record<string, boolean | string>,
  migrationsDir: string = DEFAULT_MIGRATIONS_DIR,
): () => Promise<{ ready: boolean } & Record<string, unknown>> {
  return async () => {
    const state = phase();
    const parts = running();
    if (state !== "ready") return { ready: false, state, ...parts };
    if (Object.values(parts).some((v) => v === false)) return { ready: false, state: "starting", ...parts };
    // One small query answers both: the database is there, and it is migrated.
    const rows = await prisma.$queryRaw<{ migration_name: string }[]>`
      SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
    const applied = new Set(rows.map((r) => r.migration_name));
    const missing = (await shippedMigrations(migrationsDir)).filter((m) => !applied.has(m));
    if (missing.length > 0) return { ready: false, state, ...parts, pendingMigrations: missing };
    return { ready: true, state, ...parts, migrations: applied.size };
  };
}
