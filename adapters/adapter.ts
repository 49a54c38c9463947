// What every chat-platform adapter hands the composition root (adapters/main.ts): HTTP mounts on
// the shared server, a ChatPort the courier delivers through, and a lifecycle.
import type { PrismaClient } from "../src/generated/prisma/client.ts";
import type { Partnerpuls } from "../src/core.ts";
import type { ChatPort, Platform } from "../src/ports.ts";
import type { Mount } from "../src/server.ts";

export interface AdapterDeps {
  core: Partnerpuls;
  /** for platform plumbing only (installations, conversation references); never partnership data */
  prisma: PrismaClient;
  /** whether other instances may share this database (PostgreSQL); embedded PGlite is one process's */
  shared?: boolean;
}

export interface PlatformAdapter {
  readonly platform: Platform;
  readonly mounts: Mount[];
  /** the paths its mounts serve (for metrics' route names) */
  readonly routes: readonly string[];
  readonly port: ChatPort;
  /** connects what needs connecting (Socket Mode); called after the HTTP server listens */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** a few facts for GET /healthz */
  health(): Record<string, unknown>;
  /** resolves when every inbound request taken so far is fully handled (tests, shutdown) */
  settle?(): Promise<void>;
}
