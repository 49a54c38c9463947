// Bolt's Logger interface over our pino logger, so Bolt's and its WebClient's lines are JSON lines
// like ours. Bolt hands over anything (request bodies at debug level, error objects): strings and
// errors are kept (the logger scrubs token shapes from both); other objects are never written,
// only which keys they had, since one may hold what a person typed or answered.
import { LogLevel, type Logger as BoltLogger } from "@slack/bolt";
import { logger as processLogger, type Logger } from "../../src/observability/log.ts";

const LEVELS: readonly LogLevel[] = [LogLevel.ERROR, LogLevel.WARN, LogLevel.INFO, LogLevel.DEBUG];

function describe(arg: unknown): string {
  if (typeof arg === "string") return arg;
  if (arg === null || arg === undefined || typeof arg !== "object") return String(arg);
  return `[object with keys ${Object.keys(arg).slice(0, 10).join(", ")}]`;
}

export class BoltPinoLogger implements BoltLogger {
  private log: Logger;

  constructor(parent: Logger = processLogger(), name = "slack") {
    this.log = parent.child({ component: name });
  }

  private write(level: "debug" | "info" | "warn" | "error", args: unknown[]): void {
    if (!this.log.isLevelEnabled(level)) return;
    const err = args.find((a): a is Error => a instanceof Error);
    const text = args.filter((a) => a !== err).map(describe).join(" ");
    if (err) this.log[level]({ err }, text || err.message);
    else this.log[level](text);
  }

  debug(...msg: unknown[]): void {
    this.write("debug", msg);
  }
  info(...msg: unknown[]): void {
    this.write("info", msg);
  }
  warn(...msg: unknown[]): void {
    this.write("warn", msg);
  }
  error(...msg: unknown[]): void {
    this.write("error", msg);
  }

  setLevel(level: LogLevel): void {
    // Bolt's levels are pino's names; a level the process logger hides stays hidden.
    if (LEVELS.includes(level) && this.log.levels.values[level]! >= this.log.levels.values[this.log.level === "silent" ? "fatal" : this.log.level]!) this.log.level = level;
  }

  getLevel(): LogLevel {
    const l = this.log.level;
    return (LEVELS as readonly string[]).includes(l) ? (l as LogLevel) : LogLevel.ERROR;
  }

  setName(name: string): void {
    this.log = this.log.child({ name });
  }
}
