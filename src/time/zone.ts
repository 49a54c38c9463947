// Time zones: the one place that turns an instant into wall-clock time in an IANA zone and back.
// Rounds (deadlines, due dates), quiet hours and recurrence rhythms all use it, so a wall time
// means the same instant everywhere in the bot. Offsets come from `Intl.DateTimeFormat` only.
//
// A "wall" value is a local wall-clock time written on the UTC scale: milliseconds such that
// `new Date(wall)` read with getUTC*() shows the local year, month, day, hour, minute, second.
//
// Wall time → instant, DST rules (one rule for every caller; every local time stands for one instant):
// - normal: the instant;
// - overlap (fall back: the wall time happens twice): the FIRST (earlier) instant;
// - gap (spring forward: the wall time does not exist): the first valid instant after the gap,
//   i.e. the transition itself (02:30 in a 02:00→03:00 gap is 03:00 local).

export const DAY_MS = 86_400_000;

export interface CivilDate {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
}

export interface LocalParts extends CivilDate {
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

interface Zone {
  format: Intl.DateTimeFormat;
  /** UTC offset (ms) by whole-second instant: the walk over a rhythm asks for the same ones often. */
  offsets: Map<number, number>;
}
const zones = new Map<string, Zone>();

/** Throws RangeError for a name that is not an IANA zone (Intl's own check). */
function zoneOf(timeZone: string): Zone {
  let zone = zones.get(timeZone);
  if (!zone) {
    const format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    zone = { format, offsets: new Map() };
    zones.set(timeZone, zone);
  }
  return zone;
}

/** True for a time-zone name Intl knows (e.g. "Europe/Copenhagen", "UTC"). */
export function isTimeZone(timeZone: string): boolean {
  try {
    zoneOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall time (whole seconds) of a whole-second instant, read from Intl. */
function readWall(zone: Zone, second: number): number {
  const parts: Record<string, number> = {};
  for (const p of zone.format.formatToParts(second)) if (p.type !== "literal") parts[p.type] = Number(p.value);
  return wallFrom(parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1, (parts.hour ?? 0) % 24, parts.minute ?? 0, parts.second ?? 0);
}

function offsetOf(zone: Zone, t: number): number {
  const second = Math.floor(t / 1000) * 1000;
  let o = zone.offsets.get(second);
  if (o === undefined) {
    o = readWall(zone, second) - second;
    if (zone.offsets.size > 20_000) zone.offsets.clear();
    zone.offsets.set(second, o);
  }
  return o;
}

const msOf = (at: Date | number): number => {
  const t = typeof at === "number" ? at : at.getTime();
  if (!Number.isFinite(t)) throw new RangeError("Invalid date");
  return t;
};

/** UTC offset (ms, local minus UTC) in effect at an instant. */
export function offsetAt(at: Date | number, timeZone: string): number {
  return offsetOf(zoneOf(timeZone), msOf(at));
}

/** The wall time of an instant (see the header), keeping its milliseconds. */
export function wallOf(at: Date | number, timeZone: string): number {
  const t = msOf(at);
  return t + offsetOf(zoneOf(timeZone), t);
}

/** The one instant (ms) a wall time stands for, under the gap and overlap rules in the header. */
export function instantOfWall(wall: number, timeZone: string): number {
  const zone = zoneOf(timeZone);
  // Candidate offsets: those a day either side, and those at the instants they would give.
  const before = offsetOf(zone, wall - DAY_MS);
  const after = offsetOf(zone, wall + DAY_MS);
  const offsets = new Set([before, after]);
  for (const o of [before, after]) offsets.add(offsetOf(zone, wall - o));
  let best = Infinity;
  for (const o of offsets) {
    const t = wall - o;
    if (t < best && offsetOf(zone, t) === o) best = t; // the smallest that reads back: an overlap's first
  }
  if (best !== Infinity) return best;
  // Gap: the first whole second whose local time is past `wall`.
  const sorted = [...offsets].sort((a, b) => a - b);
  let lo = wall - sorted[sorted.length - 1]!; // local time here is before `wall`
  let hi = wall - sorted[0]!; // local time here is after `wall`
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (mid + offsetOf(zone, mid) > wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** A wall time from its fields (month 1–12), on the UTC scale; out-of-range fields roll over like Date.UTC. */
export function wallFrom(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  if (year >= 0 && year < 100) {
    // Date.UTC reads years 0–99 as 1900–1999; the Gregorian calendar repeats every 400 years.
    const d = new Date(Date.UTC(year + 400, month - 1, day, hour, minute, second));
    d.setUTCFullYear(d.getUTCFullYear() - 400);
    return d.getTime();
  }
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** The UTC instant a wall-clock time in an IANA zone stands for (DST rules in the header). */
export function zonedTimeToUtc(y: number, m: number, d: number, hh: number, mm: number, timeZone: string): Date {
  return new Date(instantOfWall(wallFrom(y, m, d, hh, mm), timeZone));
}

/** Local date, time and weekday of an instant in a zone. */
export function localParts(at: Date | number, timeZone: string): LocalParts {
  const w = new Date(wallOf(at, timeZone));
  return {
    year: w.getUTCFullYear(),
    month: w.getUTCMonth() + 1,
    day: w.getUTCDate(),
    hour: w.getUTCHours(),
    minute: w.getUTCMinutes(),
    second: w.getUTCSeconds(),
    weekday: w.getUTCDay(),
  };
}

/** Wall-clock date (y, m, d) of an instant in a time zone. */
export function localDate(at: Date | number, timeZone: string): CivilDate {
  const { year, month, day } = localParts(at, timeZone);
  return { year, month, day };
}

/** 0 = Sunday … 6 = Saturday, in the zone. */
export function localWeekday(at: Date | number, timeZone: string): number {
  return localParts(at, timeZone).weekday;
}

/** 0–23, in the zone. */
export function localHour(at: Date | number, timeZone: string): number {
  return localParts(at, timeZone).hour;
}

/** The first instant of the local day an instant falls on (midnight, or the first valid time after it). */
export function startOfLocalDay(at: Date | number, timeZone: string): Date {
  const { year, month, day } = localDate(at, timeZone);
  return zonedTimeToUtc(year, month, day, 0, 0, timeZone);
}

/** A calendar date some days later (or earlier), with no time zone involved. */
export function addDays(date: CivilDate, days: number): CivilDate {
  const d = new Date(wallFrom(date.year, date.month, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
