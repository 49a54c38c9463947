// Prisma 7's CLI insists on a native schema engine before `prisma generate`, and cannot download
// one offline. Generation never runs the engine, so any existing file satisfies the check.
// Migrations run through the WASM schema engine instead (src/store/migrate.ts).
import { defineConfig } from "prisma/config";

process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
