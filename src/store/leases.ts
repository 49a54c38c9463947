// One holder at a time for a name, across every instance on the database: a lease row taken with
// one statement (it is free, or its holder's time ran out) and given back when the work is done.
// Nothing is held open meanwhile (no transaction, no connection), so waiting costs a query every
// few milliseconds and never the pool. A lease never blocks for good: after `waitMs` the work
// goes ahead anyway, as it would with no lease at all.
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client.ts";

export interface LeaseOptions {
  /** how long a holder keeps it if it never gives it back (it crashed) */
  ttlMs?: number;
  /** how long to wait for it before going ahead without it */
  waitMs?: number;
  /** how often to ask again while someone else holds it */
  pollMs?: number;
}

export async function withLease<T>(db: Pick<PrismaClient, "$executeRaw">, key: string, work: () => Promise<T>, options: LeaseOptions = {}): Promise<T> {
  const { ttlMs = 15_000, waitMs = 15_000, pollMs = 15 } = options;
  const holder = randomUUID();
  const deadline = Date.now() + waitMs;
  let held = false;
  while (!held) {
    held = (await db.$executeRaw`
      INSERT INTO "Lease" (key, holder, until) VALUES (${key}, ${holder}, now() + ${ttlMs} * interval '1 millisecond')
      ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until WHERE "Lease".until < now()`) === 1;
    if (held || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  try {
    return await work();
  } finally {
    if (held) await db.$executeRaw`DELETE FROM "Lease" WHERE key = ${key} AND holder = ${holder}`.catch(() => undefined);
  }
}
