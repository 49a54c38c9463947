// Says once, at the top of a test run, which optional parts will be skipped and why (the
// default reporter shows skipped tests only as a count).
import { existsSync } from "node:fs";
import pg from "pg";

export default async function announce(): Promise<void> {
  const url = process.env.PARTNERPULS_TEST_POSTGRES_URL || "postgres://postgres@127.0.0.1:5432/postgres";
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (e) {
    const why = (e as Error & { code?: string }).code ?? String(e);
    const mode = process.env.PARTNERPULS_REQUIRE_POSTGRES === "1" ? "FAIL (PARTNERPULS_REQUIRE_POSTGRES=1)" : "be skipped";
    console.log(`\n  PostgreSQL tests will ${mode}: server not reachable at ${url.replace(/:[^:@/]*@/, ":***@")} (${why})\n`);
  } finally {
    await client.end().catch(() => undefined);
  }
  const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(chromium)) console.log(`  The browser test will ${process.env.CI ? "FAIL (CI)" : "be skipped"}: no Chromium at ${chromium} (apt-get install chromium)\n`);
}
