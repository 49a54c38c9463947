// Prisma's WASM schema engine: loading its .wasm under Node 20, one engine per call (withEngine),
// and turning what it and the driver adapters throw into readable errors. Apart from migrate.ts so
// the public migration API reads without the WASM plumbing.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

import {
  bindMigrationAwareSqlAdapterFactory,
  DriverAdapterError,
  type ErrorRegistry,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import * as engineBindings from "@prisma/schema-engine-wasm/schema_engine_bg";
import type { SchemaContainer, SchemaEngine } from "@prisma/schema-engine-wasm/schema_engine_bg";

const WASM_CACHE = Symbol.for("partnerpuls.schema-engine-wasm");

/** Instantiate the engine's .wasm once per process. The package's main entry imports the .wasm as
 *  an ES module, which Node 20 cannot; its `schema_engine_bg` entry takes an instance instead.
 *  The cache lives on globalThis because the bindings module (and its `wasm` variable) is shared
 *  by everything in the process that loads it natively, e.g. all test files of a vitest worker. */
function loadEngineWasm(): Promise<void> {
  const g = globalThis as { [WASM_CACHE]?: WeakMap<object, Promise<void>> };
  const cache = (g[WASM_CACHE] ??= new WeakMap());
  let loaded = cache.get(engineBindings);
  if (!loaded) {
    loaded = instantiateEngineWasm();
    cache.set(engineBindings, loaded);
    loaded.catch(() => cache.delete(engineBindings));
  }
  return loaded;
}

async function instantiateEngineWasm(): Promise<void> {
  const require = createRequire(import.meta.url);
  const bindingsPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
  const bytes = await readFile(path.join(path.dirname(bindingsPath), "schema_engine_bg.wasm"));
  const imports: WebAssembly.ModuleImports = { ...(engineBindings as unknown as WebAssembly.ModuleImports) };
  for (const key of Object.keys(imports)) {
    // The engine arms ~10 s timers (timeouts around connections and the advisory lock) and never
    // clears them; unref them so they cannot keep a CLI or a test worker alive.
    if (key.startsWith("__wbg_setTimeout_")) {
      imports[key] = (callback: () => void, ms: number) => {
        const timer = setTimeout(callback, ms >>> 0);
        timer.unref();
        return timer;
      };
    }
  }
  const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": imports });
  engineBindings.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
}

function engineLog(line: string): void {
  if (process.env.PARTNERPULS_DEBUG_MIGRATE) process.stderr.write(`[schema-engine] ${line}\n`);
}

export async function withEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  schema: { files: SchemaContainer[] } | undefined,
  fn: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  await loadEngineWasm();
  const bound = bindMigrationAwareSqlAdapterFactory(factory);
  const datamodels = schema?.files.map((f) => [f.path, f.content] as [string, string]);
  let engine: SchemaEngine;
  try {
    engine = await engineBindings.SchemaEngine.new({ datamodels }, engineLog, bound);
  } catch (e) {
    throw engineError(e, bound.errorRegistry);
  }
  try {
    return await fn(engine);
  } catch (e) {
    throw engineError(e, bound.errorRegistry);
  } finally {
    engine.free();
  }
}

/** Turn what the engine throws into an Error with a readable message, recovering the original
 *  JavaScript error when an adapter call failed with a non-database error. */
function engineError(e: unknown, registry: ErrorRegistry): Error {
  if (!(e instanceof Error)) return new Error(`Schema engine error: ${String(e)}`);
  const id = findGenericJsErrorId(e);
  if (id !== undefined) {
    const original = registry.consumeError(id)?.error;
    if (original instanceof Error) return original;
  }
  const rawCode = (e as Error & { code?: unknown }).code;
  const code = typeof rawCode === "string" ? rawCode : undefined;
  // The message carries a Rust span trace ("   0: schema_commands::…") after the text.
  const [head = e.message, trace = ""] = e.message.split(/\n\s+0: /, 2);
  let message = head.replace(/^external connector error\n/, "").trim();
  const failedMigration = /apply_script[\s\S]*?with migration_name="([^"]+)"/.exec(trace)?.[1];
  if (failedMigration) {
    message =
      `Migration ${failedMigration} failed and was not applied: ${message}\n` +
      `It is recorded as failed in _prisma_migrations; no further migration will be applied until it ` +
      `is fixed and resolved (see https://pris.ly/d/migrate-resolve).`;
  }
  if (code && !message.startsWith(code)) message = `${code}: ${message}`;
  const error = new Error(message, { cause: e }) as Error & { code?: string; migrationName?: string };
  if (code) error.code = code;
  if (failedMigration) error.migrationName = failedMigration;
  return error;
}

function findGenericJsErrorId(e: Error): number | undefined {
  const cause = (e as { cause?: unknown }).cause;
  if (cause && typeof cause === "object" && (cause as { kind?: unknown }).kind === "GenericJs") {
    const id = (cause as { id?: unknown }).id;
    if (typeof id === "number") return id;
  }
  return undefined;
}

/** A PostgreSQL error thrown by a driver (pg, PGlite) as the DriverAdapterError the engine reads. */
export function toDriverAdapterError(e: unknown): unknown {
  if (e && typeof e === "object") {
    const err = e as { code?: unknown; severity?: unknown; message?: unknown; detail?: unknown; column?: unknown; hint?: unknown };
    if (typeof err.code === "string" && typeof err.severity === "string" && typeof err.message === "string") {
      return new DriverAdapterError({
        kind: "postgres",
        code: err.code,
        severity: err.severity,
        message: err.message,
        detail: typeof err.detail === "string" ? err.detail : undefined,
        column: typeof err.column === "string" ? err.column : undefined,
        hint: typeof err.hint === "string" ? err.hint : undefined,
      });
    }
  }
  return e;
}
