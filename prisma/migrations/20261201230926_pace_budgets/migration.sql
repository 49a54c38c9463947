-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "seq" SERIAL NOT NULL;

-- CreateTable
CREATE TABLE "PaceBudget" (
    "key" TEXT NOT NULL,
    "pausedUntil" BIGINT NOT NULL DEFAULT 0,
    "slots" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "PaceBudget_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "PaceSlot" (
    "id" BIGSERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "at" BIGINT NOT NULL,

    CONSTRAINT "PaceSlot_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PaceSlot_key_at_idx" ON "PaceSlot"("key", "at");

-- CreateIndex
CREATE INDEX "Job_lane_seq_idx" ON "Job"("lane", "seq");

-- Books one send under every limit of every key (src/outbox/pacer.ts), as one statement, so an
-- instance pays one round trip per delivery (PGlite has one connection for everything).
--   p_keys: the pacing keys (a workspace, a conversation)
--   p_limit_key / p_limit_count / p_limit_ms: each limit, as the key's index (1-based), count, window
--   p_max_wait_ms: the furthest ahead a slot may be (NULL: any); beyond it nothing is booked
-- Returns {slot, now at return} (ms since the epoch, by this server's clock), or NULL. Under "count per window", a send fits
-- once the count-th latest booked slot of the key is a window behind it: so the earliest slot is
-- that slot + window, for each limit, and never before a 429's pause. Each key's row is locked (in
-- one order, so two bookings never wait on each other in a cycle) until the statement commits; in
-- READ COMMITTED each statement below then sees every slot the previous holder booked.
CREATE FUNCTION partnerpuls_pace_reserve(p_keys text[], p_limit_key int[], p_limit_count int[], p_limit_ms int[], p_max_wait_ms bigint)
RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
  v_now bigint;
  v_at bigint := 0;
  v_keys text[];
  v_held int[];
  v_gone int[];
  v_paused bigint;
  v_slots int;
  v_nth bigint;
  k int;
BEGIN
  SELECT array_agg(x ORDER BY x) INTO v_keys FROM (SELECT DISTINCT x FROM unnest(p_keys) AS x) d;
  FOR k IN 1 .. array_length(v_keys, 1) LOOP
    INSERT INTO "PaceBudget" ("key") VALUES (v_keys[k])
      ON CONFLICT ("key") DO UPDATE SET "key" = EXCLUDED."key"
      RETURNING "pausedUntil", "slots" INTO v_paused, v_slots;
    v_at := greatest(v_at, v_paused);
    v_held[k] := v_slots;
  END LOOP;
  -- Now is when the locks are held (another booking may have held them a moment).
  v_now := floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint;
  v_at := greatest(v_at, v_now);
  -- Slots behind every window of their key can no longer hold a send back.
  WITH gone AS (
    DELETE FROM "PaceSlot" s
    USING (SELECT p_keys[l.k] AS "key", max(l.ms) AS horizon FROM unnest(p_limit_key, p_limit_ms) AS l(k, ms) GROUP BY 1) h
    WHERE s."key" = h."key" AND s."at" <= v_now - h.horizon
    RETURNING s."key")
  SELECT array_agg(coalesce(g.n, 0) ORDER BY u.o) INTO v_gone
    FROM unnest(v_keys) WITH ORDINALITY AS u("key", o)
    LEFT JOIN (SELECT "key", count(*)::int AS n FROM gone GROUP BY 1) g USING ("key");
  FOR i IN 1 .. coalesce(array_length(p_limit_count, 1), 0) LOOP
    k := array_position(v_keys, p_keys[p_limit_key[i]]);
    -- Fewer slots than the limit's count (the common case for a long window): it holds nothing back,
    -- and looking would read every slot in the window.
    CONTINUE WHEN v_held[k] - v_gone[k] < p_limit_count[i];
    SELECT s."at" INTO v_nth FROM "PaceSlot" s
      WHERE s."key" = v_keys[k] AND s."at" > v_now - p_limit_ms[i]
      ORDER BY s."at" DESC OFFSET p_limit_count[i] - 1 LIMIT 1;
    IF FOUND THEN v_at := greatest(v_at, v_nth + p_limit_ms[i]); END IF;
  END LOOP;
  IF p_max_wait_ms IS NOT NULL AND v_at - v_now > p_max_wait_ms THEN
    UPDATE "PaceBudget" b SET "slots" = b."slots" - g.n FROM unnest(v_keys, v_gone) AS g(key, n) WHERE b."key" = g.key AND g.n > 0;
    RETURN NULL;
  END IF;
  INSERT INTO "PaceSlot" ("key", "at") SELECT x, v_at FROM unnest(v_keys) AS x;
  UPDATE "PaceBudget" b SET "slots" = b."slots" - g.n + 1 FROM unnest(v_keys, v_gone) AS g(key, n) WHERE b."key" = g.key;
  RETURN ARRAY[v_at, floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint];
END
$$;
