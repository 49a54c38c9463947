// Retrying what is safe to retry. A transaction the database refused because of other
// transactions — a serialization failure, a deadlock, a write conflict — or one that could not
// start, or ran out of time, while others held the database, was rolled back whole: running the
// whole transaction function again is the documented remedy. Nothing else is retried: a
// constraint violation, a bad query or a lost connection mid-commit would fail the same way or
// might have committed already.
//
// openDatabase (database.ts) applies this to every interactive `$transaction(fn)` of the client it
// returns, so callers get it without asking; withRetry is for work that is not one `$transaction`.

/** PostgreSQL SQLSTATEs that mean "this transaction lost to another one; run it again". */
const RETRYABLE_SQLSTATES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
]);

/**
 * Prisma's P2028 ("Transaction API error") also covers programming errors (an invalid option, a
 * transaction used after it ended): only these two mean the database was busy, and nothing of the
 * transaction was kept (a transaction that times out is rolled back).
 */
const P2028_START_TIMEOUT = /Unable to start a transaction in the given time/i;
const P2028_EXPIRED = /cannot be executed on an expired transaction/i;

export type TransientReason = "serialization-failure" | "deadlock" | "write-conflict" | "transaction-start-timeout" | "transaction-timeout";

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  meta?: { driverAdapterError?: unknown } & Record<string, unknown>;
  cause?: unknown;
}

/** Why `e` is a transient transaction failure (retry the whole transaction), or null if it is not. */
export function transientReason(e: unknown): TransientReason | null {
  // Prisma wraps the driver's error (meta.driverAdapterError → cause), which may wrap pg's: look
  // a few levels down, never in circles. The SQLSTATE, where there is one, says the most.
  let reason: TransientReason | null = null;
  const seen = new Set<unknown>();
  const queue: unknown[] = [e];
  while (queue.length > 0 && seen.size < 8) {
    const x = queue.shift();
    if (!x || typeof x !== "object" || seen.has(x)) continue;
    seen.add(x);
    const err = x as ErrorLike & { originalCode?: unknown; kind?: unknown };
    for (const code of [err.code, err.originalCode]) {
      if (typeof code === "string" && RETRYABLE_SQLSTATES.has(code)) return code === "40P01" ? "deadlock" : "serialization-failure";
    }
    const message = typeof err.message === "string" ? err.message : "";
    if (err.code === "P2034" || err.kind === "TransactionWriteConflict") reason ??= "write-conflict";
    else if (err.code === "P2028" && P2028_START_TIMEOUT.test(message)) reason ??= "transaction-start-timeout";
    else if (err.code === "P2028" && P2028_EXPIRED.test(message)) reason ??= "transaction-timeout";
    queue.push(err.meta?.driverAdapterError, err.cause);
  }
  return reason;
}

export function isTransientDatabaseError(e: unknown): boolean {
  return transientReason(e) !== null;
}

/**
 * Whether `e` says the database was too busy to do the work at all: a transient transaction
 * failure (after its retries), or a query that got no pool connection in time (pg-pool's own
 * error, not retried: the query is not a transaction, and it is the caller's to run again). For
 * telling a person "nothing was changed, try again", not for deciding to retry.
 */
export function isDatabaseBusy(e: unknown): boolean {
  if (isTransientDatabaseError(e)) return true;
  for (let x: unknown = e, depth = 0; x && typeof x === "object" && depth < 5; x = (x as ErrorLike).cause, depth++) {
    if (/timeout exceeded when trying to connect/i.test(String((x as ErrorLike).message ?? ""))) return true;
  }
  return false;
}

export interface RetryOptions {
  /** attempts in all, the first included (default 4) */
  tries?: number;
  /** the first backoff's ceiling in ms; doubles per attempt (default 50) */
  baseMs?: number;
  /** no backoff longer than this (default 2,000 ms) */
  maxMs?: number;
  /** which errors to retry (default: transientReason) */
  retryable?: (e: unknown) => boolean;
  /** told before each new attempt (logging, tests) */
  onRetry?: (e: unknown, attempt: number, waitMs: number) => void;
  /** for tests; default Math.random */
  random?: () => number;
}

/**
 * Runs `fn`, and again after a jittered backoff while it fails transiently, at most `tries` times.
 * `fn` must be a whole transaction (or anything else that is all-or-nothing): it is run from the
 * start each time. Any other error is thrown at once; after the last try, its error, unchanged
 * (so isTransientDatabaseError still tells a caller that nothing was kept).
 *
 * Defaults: 4 tries with "full jitter" backoff (a random wait up to 50, 100, 200 ms): conflicts
 * clear in milliseconds once the transactions that collided are spread apart, and a transaction
 * that timed out waiting has already waited its maxWait. Four attempts take a burst's losers
 * through; a fifth would only say the database is overloaded later.
 */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const tries = Math.max(1, opts.tries ?? 4);
  const baseMs = opts.baseMs ?? 50;
  const maxMs = opts.maxMs ?? 2_000;
  const retryable = opts.retryable ?? isTransientDatabaseError;
  const random = opts.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!retryable(e)) throw e;
      if (attempt >= tries) throw e;
      const waitMs = Math.round(random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1)));
      opts.onRetry?.(e, attempt, waitMs);
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}
