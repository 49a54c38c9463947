// Configuration from the environment, validated at start: a wrong value stops the bot with a
// message naming the variable, instead of failing later in the middle of a check-in.
import { z } from "zod";
import { isTimeZone } from "./commands/parse.ts";
import cron from "node-cron";
import { LOG_LEVELS } from "./observability/log.ts";

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATABASE_URL: z
    .string()
    .min(1)
    .default("./data")
    .describe("postgres://… for a PostgreSQL server; a directory for the embedded database"),
  PARTNERPULS_LANGUAGE: z.enum(["da", "en"]).default("en"),
  PARTNERPULS_TIMEZONE: z.string().refine(isTimeZone, "must be an IANA time zone such as Europe/Copenhagen").default("Europe/Copenhagen"),
  PARTNERPULS_PLAYGROUND: z.enum(["on", "off"]).default("on"),
  /** how often each instance looks for due jobs: node-cron with seconds */
  PARTNERPULS_CLOCK_TICK: z.string().refine((e) => cron.validate(e), "must be a cron expression with seconds, e.g. */30 * * * * *").default("*/30 * * * * *"),
  /** how long a claimed job stays with an instance before another may take it over (a crash) */
  PARTNERPULS_CLOCK_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(120),
  /** this instance's name in job leases and run records (default: pid and a random suffix) */
  PARTNERPULS_INSTANCE: z.string().regex(/^[\w.\-]{1,60}$/, "letters, digits, . _ - (at most 60)").optional(),
  /** finished jobs and their runs are pruned this many days after they were due and done (see JobQueue.prune) */
  PARTNERPULS_JOB_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** pino's level for the JSON log lines on stdout */
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  /** /metrics for a peer that is not this machine: `Authorization: Bearer <token>` (unset: loopback only) */
  PARTNERPULS_METRICS_TOKEN: z.string().min(16, "at least 16 characters").optional(),
  /**
   * The bot's address as people's browsers reach it (behind a proxy: its public https address).
   * Report links and Teams' files and charts are made under it; unset: this server's own address.
   * Checked more strictly for Teams (adapters/teams/config.ts).
   */
  PARTNERPULS_PUBLIC_URL: z.string().regex(/^https?:\/\/[^\s?#]+$/, "must be an http(s) address with no query or fragment, such as https://partnerpuls.example.org").optional(),
  /** how many days a report link works (`report`); `report revoke` stops them sooner */
  PARTNERPULS_REPORT_DAYS: z.coerce.number().int().min(1).max(90).default(14),
  /** SIGTERM/SIGINT: how long a shutdown may take before the process gives up and exits 1 */
  PARTNERPULS_SHUTDOWN_SECONDS: z.coerce.number().int().min(1).max(600).default(20),
});
export type Config = z.infer<typeof Env>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const r = Env.safeParse(env);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${String(i.path[0])}: ${i.message}`);
  throw new ConfigError(`Partnerpuls cannot start: the configuration is not valid.\n${lines.join("\n")}\nSee README.md, "Configuration".`);
}
