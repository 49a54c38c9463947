// Sliding-window pacing shared by every instance: before each send the courier books a slot under
// every window that applies (the conversation's, the workspace's or tenant's) and waits until the
// slot comes. The budget lives in the database (PaceBudget, PaceSlot), so two instances together
// send no more than one would; a 429 pauses its key there (the conversation's or the workspace's,
// see limited()), so every instance waits it out. One booking is one statement
// (partnerpuls_pace_reserve, in the pace_budgets migration), timed by the database's clock, so the
// instances' own clocks need not agree: each instance sleeps until its slot by its own clock,
// corrected by how far ahead of the database's it has been seen to be.
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { RateLimit } from "../ports.ts";

export interface PaceKey {
  key: string;
  limits: RateLimit[];
}

type Db = Pick<PrismaClient, "$queryRaw" | "$executeRaw">;

/**
 * Two 429s from different conversations of a workspace this close together are the workspace's
 * limit (Pacer.limited). Past a workspace-wide limit every call is refused, so with several
 * deliveries in flight the second comes within milliseconds; a platform's stray 429s (Slack's, at
 * a round's pace of up to 100 calls a second) come a second or more apart.
 */
export const WORKSPACE_LIMIT_MS = 500;

export class Pacer {
  /** recent (this clock − the database's) samples; their least is the skew plus the least latency */
  private readonly offsets: number[] = [];
  private nextOffset = 0;

  constructor(private readonly db: Db) {}

  /**
   * Books the earliest instant at which a send fits every window of every key, and returns how
   * long to wait for it; or null, booking nothing, if that is more than `maxWaitMs` away.
   */
  async reserve(keys: PaceKey[], maxWaitMs = Infinity): Promise<number | null> {
    const limitKey: number[] = [];
    const limitCount: number[] = [];
    const limitMs: number[] = [];
    keys.forEach((k, i) => {
      for (const l of k.limits) {
        limitKey.push(i + 1);
        limitCount.push(l.count);
        limitMs.push(l.perMs);
      }
    });
    const maxWait = Number.isFinite(maxWaitMs) ? Math.max(0, Math.floor(maxWaitMs)) : null;
    const rows = await this.db.$queryRaw<{ slot: (bigint | number)[] | null }[]>`
      SELECT partnerpuls_pace_reserve(${keys.map((k) => k.key)}::text[], ${limitKey}::int[], ${limitCount}::int[], ${limitMs}::int[], ${maxWait}::bigint) AS slot`;
    const slot = rows[0]?.slot ?? null;
    if (!slot) return null;
    const [at, dbNow] = slot.map(Number) as [number, number];
    // The slot is an instant, not a delay: the answer may come back late (a busy connection, a
    // busy event loop), and a send that goes late by that much crowds the next window. Sleeping
    // until the instant by this clock keeps sends on their slots.
    this.offsets[this.nextOffset] = Date.now() - dbNow;
    this.nextOffset = (this.nextOffset + 1) % 64;
    return Math.max(0, at + Math.min(...this.offsets) - Date.now());
  }

  /**
   * The platform said 429 without saying whose limit it was. A lone 429 is read as the
   * conversation's: only that conversation waits `ms`, and the rest of the workspace goes on. One
   * from another conversation of the same workspace within WORKSPACE_LIMIT_MS means the
   * workspace's limit was hit (past it, every call is refused at once): then all of it waits. A
   * workspace-wide limit so costs a 429 or two more than pausing everything at the first; a
   * conversation's limit, or a platform's stray 429, no longer stops a round to everyone else.
   * One statement; returns what was paused.
   */
  async limited(lane: string, workspace: string, ms: number): Promise<"conversation" | "workspace"> {
    const rows = await this.db.$queryRaw<{ workspace: boolean }[]>`
      WITH now AS (SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS t),
      other AS (
        SELECT 1 FROM "PaceBudget", now
        WHERE starts_with("key", ${`${workspace}:`}) AND "key" <> ${lane} AND "limitedAt" > now.t - ${WORKSPACE_LIMIT_MS}::bigint
        LIMIT 1
      ),
      paused AS (
        INSERT INTO "PaceBudget" ("key", "pausedUntil", "limitedAt")
        SELECT k, now.t + ${Math.ceil(ms)}::bigint, now.t
        FROM now, unnest(CASE WHEN EXISTS (SELECT 1 FROM other) THEN ARRAY[${lane}, ${workspace}] ELSE ARRAY[${lane}] END) AS k
        ON CONFLICT ("key") DO UPDATE SET "pausedUntil" = greatest("PaceBudget"."pausedUntil", EXCLUDED."pausedUntil"), "limitedAt" = EXCLUDED."limitedAt"
        RETURNING "key"
      )
      SELECT EXISTS (SELECT 1 FROM paused WHERE "key" = ${workspace}) AS workspace`;
    return rows[0]?.workspace ? "workspace" : "conversation";
  }

  /** The platform said 429: nothing under this key goes out, from any instance, for `ms`. */
  async pause(key: string, ms: number): Promise<void> {
    await this.db.$executeRaw`
      INSERT INTO "PaceBudget" ("key", "pausedUntil")
      VALUES (${key}, floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint + ${Math.ceil(ms)}::bigint)
      ON CONFLICT ("key") DO UPDATE SET "pausedUntil" = greatest("PaceBudget"."pausedUntil", EXCLUDED."pausedUntil")`;
  }

  /**
   * Deletes up to `limit` slots older than `horizonMs` (the longest window of any limit) and the
   * budgets of keys left with no slot and no pause: what bookings under keys no longer used (a
   * conversation's) leave behind. Bookings delete their own key's expired slots as they go.
   */
  async prune(horizonMs: number, limit = 5_000): Promise<number> {
    const slots = await this.db.$executeRaw`
      DELETE FROM "PaceSlot" WHERE id IN (
        SELECT id FROM "PaceSlot" WHERE "at" < floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint - ${Math.ceil(horizonMs)}::bigint LIMIT ${limit})`;
    // A budget deleted while another instance books under it is only made again (the pause is
    // checked on the row as it then stands, so a fresh 429's pause is never lost).
    const budgets = await this.db.$executeRaw`
      DELETE FROM "PaceBudget" b WHERE b."key" IN (
        SELECT p."key" FROM "PaceBudget" p
        WHERE p."pausedUntil" < floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint
          AND NOT EXISTS (SELECT 1 FROM "PaceSlot" s WHERE s."key" = p."key")
        LIMIT ${limit})
        AND b."pausedUntil" < floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;
    return slots + budgets;
  }
}
