// The one time-zone module: wall clock ↔ UTC in IANA zones, DST rules, local parts, local days;
// and the old names in src/domain/rounds.ts and src/clock/quiet.ts, which now go through it.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import {
  zonedTimeToUtc,
  localParts,
  localDate,
  localWeekday,
  localHour,
  startOfLocalDay,
  addDays,
  offsetAt,
  wallOf,
  instantOfWall,
  isTimeZone,
} from "../../src/time/zone.ts";
import * as rounds from "../../src/domain/rounds.ts";
import { isQuiet, nextAllowed, type QuietHours } from "../../src/clock/quiet.ts";

const CPH = "Europe/Copenhagen";
const NY = "America/New_York";
const ZONES = [CPH, NY, "UTC", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham", "America/St_Johns", "Asia/Tokyo", "Australia/Lord_Howe"];
const iso = (d: Date) => d.toISOString();

describe("wall clock → UTC", () => {
  it("is the instant of an ordinary local time, in summer and winter", () => {
    expect(iso(zonedTimeToUtc(2026, 6, 15, 9, 0, CPH))).toBe("2026-06-15T07:00:00.000Z");
    expect(iso(zonedTimeToUtc(2026, 12, 15, 9, 0, CPH))).toBe("2026-12-15T08:00:00.000Z");
    expect(iso(zonedTimeToUtc(2026, 6, 15, 9, 0, NY))).toBe("2026-06-15T13:00:00.000Z");
    expect(iso(zonedTimeToUtc(2026, 6, 15, 9, 0, "Asia/Kolkata"))).toBe("2026-06-15T03:30:00.000Z");
  });

  it("spring-forward gap: the first valid instant after the gap, in both hemispheres of UTC", () => {
    // 02:30 does not exist on 29 March 2026 in Copenhagen (02:00 → 03:00) nor on 8 March in New York.
    expect(iso(zonedTimeToUtc(2026, 3, 29, 2, 30, CPH))).toBe("2026-03-29T01:00:00.000Z"); // 03:00 CEST
    expect(iso(zonedTimeToUtc(2026, 3, 8, 2, 30, NY))).toBe("2026-03-08T07:00:00.000Z"); // 03:00 EDT
    expect(localParts(zonedTimeToUtc(2026, 3, 29, 2, 30, CPH), CPH)).toMatchObject({ hour: 3, minute: 0 });
  });

  it("fall-back overlap: the first of the two instants, in both hemispheres of UTC", () => {
    expect(iso(zonedTimeToUtc(2026, 10, 25, 2, 30, CPH))).toBe("2026-10-25T00:30:00.000Z"); // CEST, not 01:30Z
    expect(iso(zonedTimeToUtc(2026, 11, 1, 1, 30, NY))).toBe("2026-11-01T05:30:00.000Z"); // EDT, not 06:30Z
  });

  it("round-trips every instant that is not the second pass of an overlap (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) }), (zone, ms) => {
        const t = Math.floor(ms / 1000) * 1000;
        const back = instantOfWall(wallOf(t, zone), zone);
        // The wall time read back is the same; the instant is t, or an earlier one with the same wall time.
        expect(wallOf(back, zone)).toBe(wallOf(t, zone));
        expect(back).toBeLessThanOrEqual(t);
        if (back < t) expect(offsetAt(back, zone)).toBeGreaterThan(offsetAt(t, zone)); // only in an overlap
      }),
      { numRuns: 2000 },
    );
  });

  it("agrees with the old two-pass algorithm of src/domain/rounds.ts away from DST changes (property)", () => {
    // The old zonedTimeToUtc, kept here as the reference for ordinary times. At the changes it
    // differed by hemisphere (New York's gap went back an hour, Copenhagen's overlap took the second pass).
    const old = (y: number, m: number, d: number, hh: number, mm: number, timeZone: string) => {
      const guess = Date.UTC(y, m - 1, d, hh, mm);
      const off = (t: number) => {
        const parts = new Intl.DateTimeFormat("en-US", {
          timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
        }).formatToParts(new Date(t));
        const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
        return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second")) - t;
      };
      let t = guess - off(guess);
      t = guess - off(t);
      return t;
    };
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: 2000, max: 2035 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        (zone, y, m, d, hh, mm) => {
          const t = zonedTimeToUtc(y, m, d, hh, mm, zone).getTime();
          // Away from a change: the same offset three hours either side.
          fc.pre(offsetAt(t - 3 * 3_600_000, zone) === offsetAt(t + 3 * 3_600_000, zone));
          expect(t).toBe(old(y, m, d, hh, mm, zone));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("skipped calendar day (Samoa, 30 December 2011): its times run when the next day begins", () => {
    expect(iso(zonedTimeToUtc(2011, 12, 30, 12, 0, "Pacific/Apia"))).toBe("2011-12-30T10:00:00.000Z");
    expect(localDate(new Date("2011-12-30T10:00:00Z"), "Pacific/Apia")).toEqual({ year: 2011, month: 12, day: 31 });
  });

  it("throws RangeError for a zone Intl does not know", () => {
    expect(() => zonedTimeToUtc(2026, 1, 1, 9, 0, "Mars/Olympus_Mons")).toThrow(RangeError);
    expect(isTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(isTimeZone(CPH)).toBe(true);
    expect(() => localParts(new Date(Number.NaN), CPH)).toThrow(RangeError);
  });
});

describe("local parts of an instant", () => {
  it("date, weekday and hour as the zone's clock shows them", () => {
    // 23:30Z on Saturday 31 Jan 2026 is already Sunday 1 Feb 00:30 in Copenhagen.
    const at = new Date("2026-01-31T23:30:00Z");
    expect(localParts(at, CPH)).toEqual({ year: 2026, month: 2, day: 1, hour: 0, minute: 30, second: 0, weekday: 0 });
    expect(localParts(at, NY)).toEqual({ year: 2026, month: 1, day: 31, hour: 18, minute: 30, second: 0, weekday: 6 });
    expect(localWeekday(at, "UTC")).toBe(6);
    expect(localHour(at, "Asia/Kolkata")).toBe(5);
  });

  it("agree with Intl's own formatting for random instants (property)", () => {
    const names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: Date.UTC(1980, 0, 1), max: Date.UTC(2050, 0, 1) }), (zone, ms) => {
        const f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", weekday: "short" });
        const get = (type: string) => f.formatToParts(ms).find((p) => p.type === type)!.value;
        const l = localParts(ms, zone);
        expect([l.year, l.month, l.day, l.hour, l.minute]).toEqual(["year", "month", "day", "hour", "minute"].map((k) => Number(get(k))));
        expect(names[l.weekday]).toBe(get("weekday"));
      }),
      { numRuns: 1000 },
    );
  });
});

describe("local days", () => {
  it("start of the local day: midnight, with the offset of that midnight", () => {
    expect(iso(startOfLocalDay(new Date("2026-06-15T21:59:00Z"), CPH))).toBe("2026-06-14T22:00:00.000Z");
    expect(iso(startOfLocalDay(new Date("2026-06-15T22:00:00Z"), CPH))).toBe("2026-06-15T22:00:00.000Z");
    // The day of the change to summer time starts at winter time's midnight.
    expect(iso(startOfLocalDay(new Date("2026-03-29T12:00:00Z"), CPH))).toBe("2026-03-28T23:00:00.000Z");
  });

  it("a day with no midnight starts at the first instant after the gap (Santiago, 6 September 2026)", () => {
    // Chile moves its clocks from 00:00 to 01:00: local midnight does not exist that day.
    const start = startOfLocalDay(new Date("2026-09-06T15:00:00Z"), "America/Santiago");
    expect(localParts(start, "America/Santiago")).toMatchObject({ day: 6, hour: 1, minute: 0 });
    expect(localDate(new Date(start.getTime() - 1000), "America/Santiago")).toEqual({ year: 2026, month: 9, day: 5 });
  });

  it("adds calendar days across months, years and leap days", () => {
    expect(addDays({ year: 2028, month: 2, day: 28 }, 1)).toEqual({ year: 2028, month: 2, day: 29 });
    expect(addDays({ year: 2026, month: 2, day: 28 }, 1)).toEqual({ year: 2026, month: 3, day: 1 });
    expect(addDays({ year: 2026, month: 12, day: 31 }, 1)).toEqual({ year: 2027, month: 1, day: 1 });
    expect(addDays({ year: 2026, month: 3, day: 1 }, -1)).toEqual({ year: 2026, month: 2, day: 28 });
    expect(addDays({ year: 2026, month: 1, day: 1 }, 365)).toEqual({ year: 2027, month: 1, day: 1 });
  });
});

describe("the names in src/domain/rounds.ts", () => {
  const now = new Date("2026-11-23T23:30:00Z"); // already 24 November in Copenhagen

  it("a deadline is 23:59 of the named local day", () => {
    expect(iso(rounds.deadlineFrom({ kind: "days", days: 14 }, now, CPH))).toBe("2026-12-08T22:59:00.000Z");
    expect(iso(rounds.deadlineFrom({ kind: "date", year: 2026, month: 7, day: 1 }, now, CPH))).toBe("2026-07-01T21:59:00.000Z");
    expect(iso(rounds.deadlineFrom({ kind: "days", days: 0 }, now, NY))).toBe("2026-11-24T04:59:00.000Z");
  });

  it("due dates and today are calendar dates at UTC midnight, taken in the partnership's zone", () => {
    expect(iso(rounds.dueDateFrom({ kind: "days", days: 7 }, now, CPH))).toBe("2026-12-01T00:00:00.000Z");
    expect(iso(rounds.dueDateFrom({ kind: "date", year: 2026, month: 12, day: 31 }, now, CPH))).toBe("2026-12-31T00:00:00.000Z");
    expect(iso(rounds.todayIn(CPH, now))).toBe("2026-11-24T00:00:00.000Z");
    expect(iso(rounds.todayIn(NY, now))).toBe("2026-11-23T00:00:00.000Z");
    expect(rounds.isOverdue(new Date("2026-11-23T00:00:00Z"), now, CPH)).toBe(true);
    expect(rounds.isOverdue(new Date("2026-11-23T00:00:00Z"), now, NY)).toBe(false);
    expect(rounds.isOverdue(null, now, CPH)).toBe(false);
  });

  it("zonedTimeToUtc and localDate are the zone module's", () => {
    expect(rounds.zonedTimeToUtc).toBe(zonedTimeToUtc);
    expect(rounds.localDate).toBe(localDate);
  });
});

describe("quiet hours", () => {
  const q: QuietHours = { timeZone: CPH, quietFrom: 18, quietTo: 8, quietWeekends: true };

  it("are quiet in the evening, at night and at weekends, local time", () => {
    expect(isQuiet(new Date("2026-06-10T15:59:00Z"), q)).toBe(false); // Wed 17:59
    expect(isQuiet(new Date("2026-06-10T16:00:00Z"), q)).toBe(true); // Wed 18:00
    expect(isQuiet(new Date("2026-06-11T05:59:00Z"), q)).toBe(true); // Thu 07:59
    expect(isQuiet(new Date("2026-06-13T10:00:00Z"), q)).toBe(true); // Saturday
    expect(isQuiet(new Date("2026-06-13T10:00:00Z"), { ...q, quietWeekends: false })).toBe(false);
    expect(isQuiet(new Date("2026-06-10T11:00:00Z"), { ...q, quietFrom: 12, quietTo: 14 })).toBe(true); // 13:00, not wrapping
    expect(isQuiet(new Date("2026-06-10T12:00:00Z"), { ...q, quietFrom: 12, quietTo: 14 })).toBe(false); // 14:00
  });

  it("move a quiet time to the first instant after them", () => {
    expect(iso(nextAllowed(new Date("2026-06-10T20:00:00Z"), q))).toBe("2026-06-11T06:00:00.000Z"); // Thu 08:00 CEST
    expect(iso(nextAllowed(new Date("2026-06-12T17:00:00Z"), q))).toBe("2026-06-15T06:00:00.000Z"); // Fri evening → Mon 08:00
    expect(iso(nextAllowed(new Date("2026-12-11T19:00:00Z"), q))).toBe("2026-12-14T07:00:00.000Z"); // winter: +01:00
    const fine = new Date("2026-06-10T10:00:00Z");
    expect(nextAllowed(fine, q)).toBe(fine);
    // Weekends only: Saturday → Monday 00:00 local.
    expect(iso(nextAllowed(new Date("2026-06-13T10:00:00Z"), { ...q, quietFrom: 0, quietTo: 0 }))).toBe("2026-06-14T22:00:00.000Z");
  });
});
