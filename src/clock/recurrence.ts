// Recurrence rhythms for check-in rounds and digests.
//
// A coordinator writes a rhythm as a 5-field cron expression or in plain English or Danish
// ("first Monday of each quarter at 09:00", "hver mandag kl. 9.30"). `parseRhythm` turns it into
// a JSON-serialisable `Rhythm` (stored in the database; validated by `RhythmSchema`), and
// `nextOccurrence` finds the next instant at which the rhythm fires in a partnership's IANA zone.
//
// Who does what:
// - Parsing (cron fields and the friendly phrases) is ours: it stores the fields as lists and names
//   the exact field and value that is wrong, in the catalogue's words (src/i18n, keys rhythm.*).
// - Matching wall-clock times is croner's: every rhythm becomes one cron pattern (`cronPatternOf`),
//   including last day (`L`), n-th/last weekday (`#n`, `#L`) and quarters (months 1,4,7,10).
//   The one form cron cannot say, every N weeks from an anchor week, is a filter over croner's runs.
// - Time zones are src/time/zone.ts's: croner runs on a UTC scale of local wall-clock time, and
//   each local slot it finds is turned into an instant by `instantOfWall`.
//
// Why croner is not given the zone itself: its DST rule depends on the pattern. Checked with
// croner 11.0.1 in Europe/Copenhagen: a fixed time (`30 2 * * *`) runs once at 03:00 in the
// spring-forward gap and once at the first 02:30 of the fall-back overlap, as below; but an
// interval pattern (`*/30 * * * *`) runs the repeated 02:00 and 02:30 twice on 2026-10-25. We
// want one rule for every rhythm, so the zone is applied here:
//
// Wall-clock rules (a rhythm describes LOCAL wall-clock times; every local slot runs once):
// - Spring-forward gap: a wall time that does not exist (02:30 on 2026-03-29 in Europe/Copenhagen)
//   runs once, at the first valid instant after the gap (03:00 local = 01:00Z). Several slots in the
//   same gap (02:00 and 02:30 of `*/30 * * * *`) therefore collapse into that one instant and run once.
// - Fall-back overlap: a wall time that happens twice (02:30 on 2026-10-25 in Copenhagen) runs once
//   only, at its FIRST occurrence (00:30Z, summer time), never again at 01:30Z. So `*/30 * * * *`
//   fires at 02:00 and 02:30 summer time and then not until 03:00 winter time: the repeated local
//   hour does not run twice (the real-time gap between those runs is 90 minutes).
// - Every-N-weeks anchor: weeks are counted continuously in ISO weeks (Monday to Sunday) from an
//   anchor week, by default the ISO week containing 1970-01-01 (Monday 1969-12-29 is week 0). The
//   rule fires in weeks whose count since the anchor is a multiple of N. Unlike ISO week-number
//   parity this keeps a strict N-week cadence across 53-week years. A different anchor can be given
//   with "starting 2026-03-02" / "fra 2026-03-02" (any date in the anchor week).
// - Cron day rule (Vixie cron): when both day-of-month and day-of-week are restricted, a day matches
//   if EITHER matches; as in Vixie cron a field counts as unrestricted when it starts with `*`
//   (so `*/2` in day-of-month still combines with day-of-week by AND).

import { Cron } from "croner";
import { DAY_MS, instantOfWall, wallOf } from "../time/zone.ts";
import { isoDays, type Rhythm } from "./rhythm.ts";
export * from "./rhythm.ts";
export { parseRhythm } from "./rhythm-parse.ts";
export { describeRhythm, rhythmErrorText, rhythmTexts, type RhythmTexts } from "./rhythm-text.ts";

// ───────────────────────────── Occurrences (croner + src/time/zone.ts) ─────────────────────────────

interface Compiled {
  /** Matches the rhythm's local wall-clock times, on the UTC scale of src/time/zone.ts. */
  cron: Cron;
  /** Days since 1970-01-01 of the every-n-weeks anchor Monday. */
  anchorDays: number;
}
const compiledCache = new WeakMap<Rhythm, Compiled>();

/** One field as croner reads it: the values listed, or `*` for all of them. */
const cronList = (values: readonly number[], min: number, max: number) =>
  values.length === max - min + 1 ? "*" : values.join(",");

/**
 * The rhythm as one 5-field pattern for croner. Friendly forms are cron too: "last day" is `L`,
 * "n-th/last weekday" is `1#2` / `5#L`, a quarter is the months 1,4,7,10. Day-of-month and
 * day-of-week are written out as lists unless Vixie cron would count them unrestricted (a field
 * starting with `*`); then croner is told to AND them (`domAndDow`), as Vixie does.
 */
export function cronPatternOf(r: Rhythm): { pattern: string; domAndDow: boolean } {
  const dom = r.lastDayOfMonth ? "L" : r.dayOfMonthStar ? cronList(r.daysOfMonth, 1, 31) : r.daysOfMonth.join(",");
  const dow = r.nth
    ? `${r.nth.weekday}#${r.nth.n === -1 ? "L" : r.nth.n}`
    : r.dayOfWeekStar
      ? cronList(r.daysOfWeek, 0, 6)
      : r.daysOfWeek.join(",");
  const pattern = [cronList(r.minutes, 0, 59), cronList(r.hours, 0, 23), dom, cronList(r.months, 1, 12), dow].join(" ");
  return { pattern, domAndDow: r.dayOfMonthStar || r.dayOfWeekStar };
}

function compile(r: Rhythm): Compiled {
  let c = compiledCache.get(r);
  if (!c) {
    const { pattern, domAndDow } = cronPatternOf(r);
    // utcOffset 0: croner walks wall-clock fields on a scale where every local time exists once;
    // the zone (and its DST) is applied afterwards, by instantOfWall (see the header).
    c = {
      cron: new Cron(pattern, { utcOffset: 0, mode: "5-part", domAndDow }),
      anchorDays: r.everyNWeeks ? (isoDays(r.everyNWeeks.anchor) ?? DEFAULT_ANCHOR_DAYS) : DEFAULT_ANCHOR_DAYS,
    };
    compiledCache.set(r, c);
  }
  return c;
}

const DEFAULT_ANCHOR_DAYS = -3; // 1969-12-29
const HORIZON_DAYS = 5 * 366 + 2;
const mod = (a: number, n: number) => ((a % n) + n) % n;

/**
 * The first instant strictly after `after` whose local wall-clock time in `timeZone` matches the
 * rhythm, or null if there is none within about five years. Throws RangeError for an invalid zone.
 */
export function nextOccurrence(rhythm: Rhythm, after: Date, timeZone: string): Date | null {
  const afterMs = after.getTime();
  if (!Number.isFinite(afterMs)) throw new RangeError("Invalid date");
  // Local slots map onto instants in order (never backwards) under the gap/overlap rules, so no
  // slot at or before the wall time of `after` can come after it: croner starts from there.
  const start = wallOf(afterMs, timeZone);
  const horizon = start + HORIZON_DAYS * DAY_MS;
  const c = compile(rhythm);
  let cursor = start;
  for (;;) {
    const next = c.cron.nextRun(new Date(cursor));
    if (!next || next.getTime() > horizon) return null;
    const wall = next.getTime();
    if (rhythm.everyNWeeks) {
      // The layer over croner: cron has no field for "every n-th week from an anchor".
      const n = rhythm.everyNWeeks.n;
      const week = Math.floor((Math.floor(wall / DAY_MS) - c.anchorDays) / 7);
      if (mod(week, n) !== 0) {
        // On to the Monday that starts the next week of the cadence (one second before, as
        // croner's nextRun is strictly after the time it is given).
        cursor = (c.anchorDays + (week + n - mod(week, n)) * 7) * DAY_MS - 1000;
        continue;
      }
    }
    const instant = instantOfWall(wall, timeZone);
    if (instant > afterMs) return new Date(instant);
    // A slot of a repeated (fall-back) hour whose first occurrence is already past: the next one.
    cursor = wall;
  }
}

/**
 * All occurrences in the window (from, to] — `from` exclusive, `to` inclusive, so consecutive windows
 * never count an occurrence twice (catch-up after downtime). At most `limit` results (default 10,000).
 */
export function occurrencesBetween(rhythm: Rhythm, from: Date, to: Date, timeZone: string, limit = 10_000): Date[] {
  const out: Date[] = [];
  const end = to.getTime();
  let cursor: Date | null = from;
  while (out.length < limit) {
    cursor = nextOccurrence(rhythm, cursor, timeZone);
    if (!cursor || cursor.getTime() > end) break;
    out.push(cursor);
  }
  return out;
}
