// An empty PGlite database cluster, made once at install time (npm's postinstall runs this file):
// a new data directory starts from a copy of it instead of running initdb. PGlite's initdb runs a
// second PostgreSQL beside the first and holds about 900 MB while it does; loading the copy peaks
// near 370 MB. Without the file (an install that skipped scripts), a first start runs initdb.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PGlite } from "@electric-sql/pglite";

const require = createRequire(import.meta.url);

/** node_modules/.cache/partnerpuls/pglite-<version>.tar.gz: a cluster fits the PGlite that made it. */
export function templatePath(): string {
  // The package exports no package.json: find it above its entry point.
  let dir = path.dirname(require.resolve("@electric-sql/pglite"));
  while (!existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  const { version } = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string };
  return path.resolve(dir, "../../.cache/partnerpuls", `pglite-${version}.tar.gz`);
}

/** The template, when the install made one. */
export async function readTemplate(): Promise<Blob | undefined> {
  const file = templatePath();
  return existsSync(file) ? new Blob([await readFile(file)]) : undefined;
}

export async function writeTemplate(): Promise<string> {
  const file = templatePath();
  if (existsSync(file)) return file;
  const pg = new PGlite();
  try {
    await pg.waitReady;
    const dump = await pg.dumpDataDir("gzip");
    await mkdir(path.dirname(file), { recursive: true });
    // Whole or not at all: a start never reads half a file.
    const partial = `${file}.${process.pid}.partial`;
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, file);
    return file;
  } finally {
    await pg.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  writeTemplate().then(
    (file) => console.log(`partnerpuls: an empty database to start from is at ${path.relative(process.cwd(), file)}`),
    // Never fails the install: a first start runs initdb instead.
    (e: unknown) => console.log(`partnerpuls: no empty database to start from (${e instanceof Error ? e.message : String(e)}); a first start will make one`),
  );
}
