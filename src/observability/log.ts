// The process's one logger: pino, JSON lines on stdout, for operators (English only). Nothing a
// person wrote or answered and no credential may reach it: headers, tokens and bodies are
// redacted by path, and token-shaped strings are scrubbed from messages and errors as well
// (a library's error message may quote what it was sent).
import { pino, stdSerializers, type DestinationStream, type Logger, type LevelWithSilent } from "pino";
import { currentRequest } from "./context.ts";

export type { Logger } from "pino";
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const satisfies readonly LevelWithSilent[];
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Headers that carry a credential or sign a request, whichever platform sent them (x-…-signature, x-…-token). */
const SECRET_HEADER = /authorization|cookie|signature|token|secret|password|api-key/i;
const SECRET_KEYS = ["token", "botToken", "appToken", "userToken", "accessToken", "refreshToken", "access_token", "bot_token", "secret", "clientSecret", "signingSecret", "stateSecret", "password", "appPassword"];
/** Whatever may hold what people typed or answered. */
const CONTENT_KEYS = ["body", "rawBody", "payload", "text", "value", "values", "answer", "answers", "actions", "blocks"];

export const REDACT_PATHS: string[] = [...SECRET_KEYS, ...CONTENT_KEYS].flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

/** Headers with every secret one's value replaced: redaction by path cannot match a header by its name's shape. */
function censorHeaders(headers: unknown): unknown {
  if (!headers || typeof headers !== "object") return headers;
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, SECRET_HEADER.test(k) ? "[redacted]" : v]));
}
const withCensoredHeaders = (x: unknown) => (x && typeof x === "object" && "headers" in x ? { ...x, headers: censorHeaders(x.headers) } : x);

const TOKEN_SHAPES = [
  /\bBearer\s+[\w.~+/=-]+/gi,
  /\bxox[a-z]-[\w-]+/gi, // Slack bot, user and refresh tokens
  /\bxapp-[\w-]+/gi, // Slack app-level tokens
  /\beyJ[\w-]*\.[\w-]+\.[\w-]*/g, // JWTs (Bot Framework)
  /(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@/\s]*@/gi, // a database URL's password
];

export function scrub(text: string): string {
  let out = text;
  for (const shape of TOKEN_SHAPES) out = out.replace(shape, (m, keep?: string) => (typeof keep === "string" && m.startsWith(keep) ? `${keep}[redacted]@` : "[redacted]"));
  return out;
}

const errSerializer = (e: unknown) => {
  const s = stdSerializers.err(e as Error) as unknown as Record<string, unknown>;
  if (!s || typeof s !== "object") return s;
  for (const k of ["message", "stack"]) if (typeof s[k] === "string") s[k] = scrub(s[k] as string);
  return s;
};

export interface LoggerOptions {
  level?: LogLevel;
  /** where lines go (tests capture them); stdout by default */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: "partnerpuls" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      serializers: { err: errSerializer, error: errSerializer, req: withCensoredHeaders, res: withCensoredHeaders, headers: censorHeaders },
      // Every line logged while a request is handled says which request, and whose.
      mixin: () => {
        const ctx = currentRequest();
        return ctx ? { requestId: ctx.requestId, ...(ctx.workspace ? { workspace: ctx.workspace } : {}) } : {};
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === "string" ? scrub(a) : a)) as typeof args;
          method.apply(this, scrubbed);
        },
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/**
 * LOG_LEVEL as far as it can be trusted before the configuration is read (src/config.ts checks
 * it). Inside vitest, unset means warn: a line per request would bury the test report.
 */
function levelFromEnv(): LogLevel {
  const l = process.env.LOG_LEVEL;
  if ((LOG_LEVELS as readonly string[]).includes(l ?? "")) return l as LogLevel;
  return process.env.VITEST ? "warn" : "info";
}

let current: Logger | null = null;

/** The process's logger (made on first use from LOG_LEVEL). */
export function logger(): Logger {
  return (current ??= createLogger({ level: levelFromEnv() }));
}

/** Replaces the process's logger (the composition root, once the configuration is read). */
export function setLogger(l: Logger): void {
  current = l;
}

/**
 * A `(line) => void` for the options that take one (courier, clock, adapters), writing to the
 * logger of the moment with the component's name. Those lines are plain sentences: by default
 * one that reports a failure is a warning, any other is info.
 */
export function lineLogger(component: string, level: "auto" | "info" | "warn" | "error" = "auto", of: () => Logger = logger): (line: string) => void {
  return (line) => of()[level === "auto" ? (/\b(fail|failed|could not|cannot|refused|rejected|duplicate)\b/i.test(line) ? "warn" : "info") : level]({ component }, line);
}
