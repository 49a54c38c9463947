// Recurrence rhythms: parsing (cron, English, Danish), DST-correct next occurrences, descriptions, errors.
import { describe, it, expect } from "vitest";
import { Cron } from "croner";
import {
  parseRhythm,
  nextOccurrence,
  occurrencesBetween,
  describeRhythm,
  rhythmErrorText,
  rhythmTexts,
  RhythmSchema,
  RHYTHM_ERROR_CODES,
  cronPatternOf,
  type Rhythm,
  type RhythmError,
} from "../../src/clock/recurrence.ts";

const CPH = "Europe/Copenhagen";
const NY = "America/New_York";

function rhythm(text: string): Rhythm {
  const result = parseRhythm(text);
  if (!result.ok) throw new Error(`${text}: ${JSON.stringify(result.error)}`);
  return result.rhythm;
}

/** The next `count` occurrences strictly after `after`, as ISO strings. */
function next(r: Rhythm, after: string, zone: string, count: number): string[] {
  const out: string[] = [];
  let cursor = new Date(after);
  for (let i = 0; i < count; i++) {
    const d = nextOccurrence(r, cursor, zone);
    if (!d) break;
    out.push(d.toISOString());
    cursor = d;
  }
  return out;
}

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const z = (s: string) => `${s}:00.000Z`; // "2026-06-11T07:00" → full ISO

describe("friendly forms, English and Danish", () => {
  // From Wednesday 2026-06-10 12:00Z; Copenhagen is on summer time (+02:00) until 25 October.
  const AFTER = "2026-06-10T12:00:00Z";
  const cases: Array<[string, string, string[]]> = [
    ["daily 09:00", "dagligt 09:00", ["2026-06-11T07:00", "2026-06-12T07:00", "2026-06-13T07:00"]],
    ["every day at 9", "hver dag kl. 9", ["2026-06-11T07:00", "2026-06-12T07:00", "2026-06-13T07:00"]],
    ["weekly monday 09:00", "ugentligt mandag 9:00", ["2026-06-15T07:00", "2026-06-22T07:00", "2026-06-29T07:00"]],
    ["every monday at 9:30", "hver mandag kl. 9.30", ["2026-06-15T07:30", "2026-06-22T07:30", "2026-06-29T07:30"]],
    ["every 2 weeks monday 09:00", "hver 2. uge mandag", ["2026-06-15T07:00", "2026-06-29T07:00", "2026-07-13T07:00"]],
    ["monthly 1 09:00", "månedligt den 1. kl. 9", ["2026-07-01T07:00", "2026-08-01T07:00", "2026-09-01T07:00"]],
    ["monthly on day 15 at 10", "månedligt den 15. kl. 10", ["2026-06-15T08:00", "2026-07-15T08:00", "2026-08-15T08:00"]],
    ["monthly last day", "sidste dag i måneden", ["2026-06-30T07:00", "2026-07-31T07:00", "2026-08-31T07:00"]],
    ["first monday of each month at 9", "første mandag i måneden kl. 9", ["2026-07-06T07:00", "2026-08-03T07:00", "2026-09-07T07:00"]],
    ["second monday of each month at 9", "anden mandag i måneden kl. 9", ["2026-07-13T07:00", "2026-08-10T07:00", "2026-09-14T07:00"]],
    ["third monday of each month", "tredje mandag i måneden", ["2026-06-15T07:00", "2026-07-20T07:00", "2026-08-17T07:00"]],
    ["fourth monday of each month", "fjerde mandag i måneden", ["2026-06-22T07:00", "2026-07-27T07:00", "2026-08-24T07:00"]],
    ["last monday of each month", "sidste mandag i måneden", ["2026-06-29T07:00", "2026-07-27T07:00", "2026-08-31T07:00"]],
    [
      "first monday of each quarter at 09:00",
      "første mandag i kvartalet kl. 9",
      // Summer (+02:00) in July and October; winter (+01:00) in January.
      ["2026-07-06T07:00", "2026-10-05T07:00", "2027-01-04T08:00"],
    ],
    ["quarterly", "kvartalsvis", ["2026-07-01T07:00", "2026-10-01T07:00", "2027-01-01T08:00"]],
  ];

  for (const [english, danish, expected] of cases) {
    it(`“${english}” and “${danish}” fire at the same instants`, () => {
      const want = expected.map(z);
      expect(next(rhythm(english), AFTER, CPH, 3)).toEqual(want);
      expect(next(rhythm(danish), AFTER, CPH, 3)).toEqual(want);
    });
  }

  it("first Monday of 2027 Q1 at 09:00 Copenhagen is 2027-01-04T08:00Z; in summer the offset is +02:00", () => {
    expect(nextOccurrence(rhythm("first monday of each quarter at 09:00"), new Date("2026-12-01T00:00:00Z"), CPH)?.toISOString()).toBe(
      "2027-01-04T08:00:00.000Z",
    );
    expect(nextOccurrence(rhythm("første mandag i kvartalet kl. 9"), new Date("2027-01-05T00:00:00Z"), CPH)?.toISOString()).toBe(
      "2027-04-05T07:00:00.000Z",
    );
  });

  it("accepts the time written in several ways, and defaults to 09:00", () => {
    for (const text of ["daily 9:00", "daily 09:00", "daily 9.00", "dagligt kl. 9", "daily at 9", "every day at 9am", "DAILY"]) {
      const r = rhythm(text);
      expect([r.hours, r.minutes], text).toEqual([[9], [0]]);
    }
    expect(rhythm("hver mandag kl. 14.45").hours).toEqual([14]);
    expect(rhythm("hver mandag kl. 14.45").minutes).toEqual([45]);
    expect(rhythm("at 9pm every friday").hours).toEqual([21]);
    expect(rhythm("kl. 7 hver fredag").daysOfWeek).toEqual([5]);
  });

  it("is case-insensitive and understands plural and definite weekday forms", () => {
    expect(rhythm("EVERY MONDAY AT 9:30").daysOfWeek).toEqual([1]);
    expect(rhythm("Første Mandag I Kvartalet Kl. 9").nth).toEqual({ n: 1, weekday: 1 });
    expect(rhythm("every fridays").daysOfWeek).toEqual([5]);
    expect(rhythm("hver 2. uge om mandagen").everyNWeeks?.n).toBe(2);
    expect(rhythm("hver anden onsdag").daysOfWeek).toEqual([3]);
  });

  it("last day of the month follows the calendar, leap years included", () => {
    expect(next(rhythm("monthly last day"), "2028-02-01T00:00:00Z", CPH, 2)).toEqual([
      "2028-02-29T08:00:00.000Z",
      "2028-03-31T07:00:00.000Z",
    ]);
  });

  it("every 2 weeks: weeks are counted continuously from ISO week 1 of 1970 (odd ISO weeks in 2026, even in 2027)", () => {
    const r = rhythm("every 2 weeks monday 09:00");
    // 2025-12-29 is the Monday of ISO week 1 of 2026; 2026 has 53 ISO weeks, so the cadence continues
    // with week 53 (2026-12-28) and then ISO week 2 of 2027 (2027-01-11): always exactly 14 days apart.
    expect(next(r, "2025-12-28T00:00:00Z", CPH, 2)).toEqual(["2025-12-29T08:00:00.000Z", "2026-01-12T08:00:00.000Z"]);
    expect(next(r, "2026-12-20T00:00:00Z", CPH, 2)).toEqual(["2026-12-28T08:00:00.000Z", "2027-01-11T08:00:00.000Z"]);
  });

  it("every 2 weeks can be anchored on a chosen week", () => {
    const r = rhythm("every 2 weeks monday starting 2026-03-04"); // any date in the week; stored as its Monday
    expect(r.everyNWeeks).toEqual({ n: 2, anchor: "2026-03-02" });
    expect(next(r, "2026-06-10T12:00:00Z", CPH, 2)).toEqual(["2026-06-22T07:00:00.000Z", "2026-07-06T07:00:00.000Z"]);
    expect(rhythm("hver 2. uge mandag fra 2026-03-02").everyNWeeks).toEqual({ n: 2, anchor: "2026-03-02" });
  });

  it("keeps the coordinator's text as the source", () => {
    expect(rhythm("  hver   mandag kl. 9.30 ").source).toBe("hver mandag kl. 9.30");
  });
});

describe("cron expressions", () => {
  const UTC = "UTC";
  const from = "2026-01-01T00:00:00Z"; // a Thursday

  it("steps, lists and ranges", () => {
    expect(next(rhythm("*/15 9 * * *"), from, UTC, 5)).toEqual(
      ["2026-01-01T09:00", "2026-01-01T09:15", "2026-01-01T09:30", "2026-01-01T09:45", "2026-01-02T09:00"].map(z),
    );
    expect(next(rhythm("0 9 1,15 * *"), from, UTC, 3)).toEqual(["2026-01-01T09:00", "2026-01-15T09:00", "2026-02-01T09:00"].map(z));
    expect(next(rhythm("0 9-17/4 * * *"), from, UTC, 4)).toEqual(
      ["2026-01-01T09:00", "2026-01-01T13:00", "2026-01-01T17:00", "2026-01-02T09:00"].map(z),
    );
    expect(rhythm("1-10/2 * * * *").minutes).toEqual([1, 3, 5, 7, 9]);
    expect(rhythm("5/20 * * * *").minutes).toEqual([5, 25, 45]);
  });

  it("month and day names, case-insensitive", () => {
    expect(rhythm("0 9 * JAN,jul MON").months).toEqual([1, 7]);
    expect(next(rhythm("0 9 * JAN,jul MON"), "2026-01-25T00:00:00Z", UTC, 2)).toEqual(["2026-01-26T09:00", "2026-07-06T09:00"].map(z));
    expect(rhythm("30 8 * * Mon-Fri").daysOfWeek).toEqual([1, 2, 3, 4, 5]);
  });

  it("day-of-week 0 and 7 are both Sunday", () => {
    const sunday = ["2026-01-04T09:00", "2026-01-11T09:00"].map(z);
    for (const text of ["0 9 * * 0", "0 9 * * 7", "0 9 * * sun"]) {
      expect(rhythm(text).daysOfWeek, text).toEqual([0]);
      expect(next(rhythm(text), from, UTC, 2), text).toEqual(sunday);
    }
    expect(rhythm("0 9 * * 5-7").daysOfWeek).toEqual([0, 5, 6]);
  });

  it("restricted day-of-month and day-of-week: either matches (Vixie cron)", () => {
    // Fridays, plus the 13th (a Tuesday in January 2026).
    expect(next(rhythm("0 9 13 * 5"), from, UTC, 4)).toEqual(
      ["2026-01-02T09:00", "2026-01-09T09:00", "2026-01-13T09:00", "2026-01-16T09:00"].map(z),
    );
  });

  it("a field starting with * counts as unrestricted, so */10 with a weekday means both (Vixie cron)", () => {
    // Days 1, 11, 21, 31 that are also Fridays: the first in 2026 is 1 May.
    expect(nextOccurrence(rhythm("0 9 */10 * 5"), new Date(from), UTC)?.toISOString()).toBe("2026-05-01T09:00:00.000Z");
  });

  it("macros", () => {
    expect(next(rhythm("@weekly"), from, UTC, 1)).toEqual([z("2026-01-04T00:00")]);
    expect(next(rhythm("@hourly"), from, UTC, 2)).toEqual(["2026-01-01T01:00", "2026-01-01T02:00"].map(z));
  });

  it("is strictly after: an occurrence exactly at `after` is skipped", () => {
    expect(nextOccurrence(rhythm("0 9 * * *"), new Date("2026-01-01T09:00:00Z"), UTC)?.toISOString()).toBe("2026-01-02T09:00:00.000Z");
    expect(nextOccurrence(rhythm("0 9 * * *"), new Date("2026-01-01T08:59:59.999Z"), UTC)?.toISOString()).toBe("2026-01-01T09:00:00.000Z");
  });
});

describe("errors", () => {
  const cases: Array<[string, RhythmError]> = [
    ["", { code: "empty" }],
    ["   ", { code: "empty" }],
    ["61 * * * *", { code: "bad-field", field: "minute", value: "61" }],
    ["* * * *", { code: "bad-field", value: "* * * *" }],
    ["0 9 * * * *", { code: "bad-field", value: "0 9 * * * *" }],
    ["0 25 * * *", { code: "bad-field", field: "hour", value: "25" }],
    ["0 9 0 * *", { code: "bad-field", field: "day-of-month", value: "0" }],
    ["0 9 * 13 *", { code: "bad-field", field: "month", value: "13" }],
    ["0 9 * foo *", { code: "bad-field", field: "month", value: "foo" }],
    ["0 9 * * 8", { code: "bad-field", field: "day-of-week", value: "8" }],
    ["0 9 * * fri-mon", { code: "bad-field", field: "day-of-week", value: "fri-mon" }],
    ["*/0 * * * *", { code: "bad-field", field: "minute", value: "*/0" }],
    ["1,,2 * * * *", { code: "bad-field", field: "minute", value: "1,,2" }],
    ["0 9 31 2 *", { code: "never", value: "0 9 31 2 *" }],
    ["0 9 31 4,6,9,11 *", { code: "never", value: "0 9 31 4,6,9,11 *" }],
    ["fortnightly-ish", { code: "unknown-form", value: "fortnightly-ish" }],
    ["every blursday", { code: "unknown-form", value: "every blursday" }],
    ["@reboot", { code: "unknown-form", value: "@reboot" }],
    ["daily 25:00", { code: "bad-time", value: "25:00" }],
    ["hver dag kl. 9.75", { code: "bad-time", value: "9.75" }],
    ["every day at noon", { code: "bad-time", value: "noon" }],
    ["monthly 32", { code: "bad-field", field: "day-of-month", value: "32" }],
  ];
  for (const [text, error] of cases) {
    it(`“${text}” → ${error.code}${error.field ? ` (${error.field})` : ""}`, () => {
      expect(parseRhythm(text)).toEqual({ ok: false, error });
    });
  }

  it("31 February never fires, but with a weekday it does (either matches)", () => {
    expect(parseRhythm("0 9 31 2 1").ok).toBe(true);
    expect(parseRhythm("0 9 29 2 *").ok).toBe(true); // leap years
  });

  it("has an English and a Danish sentence for every code, each with an example", () => {
    const samples: RhythmError[] = [
      ...RHYTHM_ERROR_CODES.map((code) => ({ code, value: "x" })),
      { code: "bad-field", field: "hour", value: "25" },
      { code: "bad-field", value: "* * * *" },
      { code: "unknown-form" },
    ];
    for (const error of samples) {
      const en = rhythmErrorText(error, "en");
      const da = rhythmErrorText(error, "da");
      for (const text of [en, da]) {
        expect(text, JSON.stringify(error)).toMatch(/\.$/);
        expect(text).not.toMatch(/\{\w+\}/); // every placeholder filled
        expect(text).toMatch(/[“»][^”«]*\d[^”«]*[”«]/); // quotes an example with a time or a cron expression
      }
      expect(da).not.toBe(en);
    }
    expect(rhythmErrorText({ code: "bad-field", field: "hour", value: "25" }, "en")).toContain("25");
    expect(rhythmErrorText({ code: "bad-field", field: "hour", value: "25" }, "da")).toContain("time");
  });

  it("keeps English and Danish texts in two objects with the same keys", () => {
    const shape = (o: unknown): unknown =>
      Array.isArray(o) ? o.length : typeof o === "object" && o ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, shape(v)])) : typeof o;
    expect(shape(rhythmTexts.da)).toEqual(shape(rhythmTexts.en));
    expect(Object.keys(rhythmTexts.en.errors).sort()).toEqual([...RHYTHM_ERROR_CODES].sort());
  });
});

describe("daylight saving time", () => {
  it("Copenhagen spring forward: a daily 02:30 runs once on 2026-03-29, at 03:00 local (01:00Z)", () => {
    expect(next(rhythm("daily 02:30"), "2026-03-27T12:00:00Z", CPH, 3)).toEqual([
      "2026-03-28T01:30:00.000Z", // +01:00
      "2026-03-29T01:00:00.000Z", // 02:30 does not exist; first valid instant after the gap
      "2026-03-30T00:30:00.000Z", // +02:00
    ]);
  });

  it("Copenhagen fall back: a daily 02:30 runs once on 2026-10-25, at its first occurrence (00:30Z)", () => {
    const r = rhythm("daily 02:30");
    expect(next(r, "2026-10-23T12:00:00Z", CPH, 3)).toEqual([
      "2026-10-24T00:30:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
    ]);
    // Not again during the repeated hour: from 00:30Z (and from inside the second 02:xx) the next run is tomorrow.
    expect(nextOccurrence(r, new Date("2026-10-25T00:30:00Z"), CPH)?.toISOString()).toBe("2026-10-26T01:30:00.000Z");
    expect(nextOccurrence(r, new Date("2026-10-25T01:15:00Z"), CPH)?.toISOString()).toBe("2026-10-26T01:30:00.000Z");
    expect(occurrencesBetween(r, new Date("2026-10-24T22:00:00Z"), new Date("2026-10-25T22:00:00Z"), CPH)).toHaveLength(1);
  });

  it("*/30 over the repeated hour: every local slot once", () => {
    const r = rhythm("*/30 * * * *");
    // Local 02:00 and 02:30 (summer time), then 03:00 winter time; the second 02:00/02:30 do not run.
    expect(iso(occurrencesBetween(r, new Date("2026-10-25T00:00:00Z"), new Date("2026-10-25T02:00:00Z"), CPH))).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T02:00:00.000Z",
    ]);
    expect(iso(occurrencesBetween(r, new Date("2026-10-24T23:59:00Z"), new Date("2026-10-25T02:00:00Z"), CPH))).toEqual([
      "2026-10-25T00:00:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T02:00:00.000Z",
    ]);
  });

  it("*/30 over the spring-forward gap: the missing slots run once, at the end of the gap", () => {
    expect(iso(occurrencesBetween(rhythm("*/30 * * * *"), new Date("2026-03-28T23:59:00Z"), new Date("2026-03-29T02:00:00Z"), CPH))).toEqual(
      ["2026-03-29T00:00", "2026-03-29T00:30", "2026-03-29T01:00", "2026-03-29T01:30", "2026-03-29T02:00"].map(z),
    );
  });

  it("America/New_York: spring forward 2026-03-08 and fall back 2026-11-01", () => {
    expect(next(rhythm("daily 02:30"), "2026-03-06T12:00:00Z", NY, 3)).toEqual(
      ["2026-03-07T07:30", "2026-03-08T07:00", "2026-03-09T06:30"].map(z),
    );
    expect(next(rhythm("daily 01:30"), "2026-10-30T12:00:00Z", NY, 3)).toEqual(
      ["2026-10-31T05:30", "2026-11-01T05:30", "2026-11-02T06:30"].map(z),
    );
    expect(iso(occurrencesBetween(rhythm("*/30 * * * *"), new Date("2026-11-01T04:00:00Z"), new Date("2026-11-01T07:00:00Z"), NY))).toEqual(
      ["2026-11-01T04:30", "2026-11-01T05:00", "2026-11-01T05:30", "2026-11-01T07:00"].map(z),
    );
  });

  it("a skipped calendar day (Samoa, 30 December 2011) runs once, when the day after begins", () => {
    expect(iso(occurrencesBetween(rhythm("0 12 * * *"), new Date("2011-12-29T00:00:00Z"), new Date("2012-01-01T00:00:00Z"), "Pacific/Apia"))).toEqual(
      ["2011-12-29T22:00", "2011-12-30T10:00", "2011-12-30T22:00", "2011-12-31T22:00"].map(z),
    );
  });
});

describe("nextOccurrence limits", () => {
  it("throws RangeError for an invalid time zone", () => {
    expect(() => nextOccurrence(rhythm("daily"), new Date(), "Mars/Olympus_Mons")).toThrow(RangeError);
  });

  it("returns null when nothing fires within about five years", () => {
    // 29 February after 2096: 2100 is not a leap year, so the next one (2104) is too far away.
    expect(nextOccurrence(rhythm("0 9 29 2 *"), new Date("2096-03-01T00:00:00Z"), "UTC")).toBeNull();
    expect(nextOccurrence(rhythm("0 9 29 2 *"), new Date("2026-03-01T00:00:00Z"), "UTC")?.toISOString()).toBe("2028-02-29T09:00:00.000Z");
    // A stored rhythm that can never fire.
    const impossible: Rhythm = { ...rhythm("0 9 28 2 *"), daysOfMonth: [30] };
    expect(nextOccurrence(impossible, new Date("2026-01-01T00:00:00Z"), "UTC")).toBeNull();
  });

  // Speed is for the benchmarks, not for tests on a shared machine: this checks the walk is right.
  it("walks 1,000 successive daily occurrences to the right instant", () => {
    const r = rhythm("daily 09:00");
    nextOccurrence(r, new Date("2020-01-01T00:00:00Z"), "Australia/Sydney"); // load the zone
    let cursor = new Date("2030-01-01T00:00:00Z");
    for (let i = 0; i < 1000; i++) cursor = nextOccurrence(r, cursor, "Australia/Sydney")!;
    expect(cursor.toISOString()).toBe("2032-09-26T23:00:00.000Z"); // 09:00 on 27 September 2032, AEST (+10:00)
  });
});

describe("occurrencesBetween", () => {
  it("lists a 3-day window, from exclusive and to inclusive", () => {
    const r = rhythm("daily 09:00");
    expect(iso(occurrencesBetween(r, new Date("2026-06-10T00:00:00Z"), new Date("2026-06-13T00:00:00Z"), CPH))).toEqual(
      ["2026-06-10T07:00", "2026-06-11T07:00", "2026-06-12T07:00"].map(z),
    );
    expect(iso(occurrencesBetween(r, new Date("2026-06-10T07:00:00Z"), new Date("2026-06-12T07:00:00Z"), CPH))).toEqual(
      ["2026-06-11T07:00", "2026-06-12T07:00"].map(z),
    );
    expect(occurrencesBetween(r, new Date("2026-06-13T00:00:00Z"), new Date("2026-06-10T00:00:00Z"), CPH)).toEqual([]);
  });

  it("stops at the limit", () => {
    expect(occurrencesBetween(rhythm("* * * * *"), new Date("2026-01-01T00:00:00Z"), new Date("2026-02-01T00:00:00Z"), "UTC", 5)).toHaveLength(5);
  });
});

describe("describeRhythm", () => {
  // Danish times as da-DK writes them ("kl. 9.00"), English as en-GB ("at 09:00"): Intl, via formatClock.
  const cases: Array<[string, string, string]> = [
    ["first monday of each quarter at 09:00", "first Monday of each quarter at 09:00", "første mandag i hvert kvartal kl. 9.00"],
    ["første mandag i måneden kl. 9", "first Monday of each month at 09:00", "første mandag i hver måned kl. 9.00"],
    ["sidste fredag i måneden kl. 15.30", "last Friday of each month at 15:30", "sidste fredag i hver måned kl. 15.30"],
    ["every day at 9", "every day at 09:00", "hver dag kl. 9.00"],
    ["hver mandag kl. 9.30", "every Monday at 09:30", "hver mandag kl. 9.30"],
    ["every 2 weeks monday", "every 2 weeks on Monday at 09:00", "hver 2. uge om mandagen kl. 9.00"],
    ["monthly on day 15 at 10", "on day 15 of each month at 10:00", "den 15. i hver måned kl. 10.00"],
    ["monthly last day", "on the last day of each month at 09:00", "den sidste dag i hver måned kl. 9.00"],
    ["quarterly", "on day 1 of each quarter (January, April, July, October) at 09:00", "den 1. i hvert kvartal (januar, april, juli, oktober) kl. 9.00"],
    ["0  9 * * 1", "cron 0 9 * * 1", "cron 0 9 * * 1"],
  ];
  for (const [text, en, da] of cases) {
    it(`describes “${text}”`, () => {
      expect(describeRhythm(rhythm(text), "en")).toBe(en);
      expect(describeRhythm(rhythm(text), "da")).toBe(da);
    });
  }
});

describe("storage", () => {
  const texts = [
    "daily 09:00",
    "hver mandag kl. 9.30",
    "every 2 weeks monday starting 2026-03-04",
    "monthly last day",
    "første mandag i kvartalet kl. 9",
    "quarterly",
    "0 9 13 * 5",
    "*/15 9-17 * jan-mar mon-fri",
  ];

  it("a Rhythm round-trips through JSON and RhythmSchema and still gives the same occurrences", () => {
    for (const text of texts) {
      const r = rhythm(text);
      const stored: unknown = JSON.parse(JSON.stringify(r));
      const back = RhythmSchema.parse(stored);
      expect(back, text).toEqual(r);
      expect(next(back, "2026-06-10T12:00:00Z", CPH, 3)).toEqual(next(r, "2026-06-10T12:00:00Z", CPH, 3));
    }
  });

  it("RhythmSchema rejects a broken stored rhythm", () => {
    const r = rhythm("first monday of each month");
    expect(RhythmSchema.safeParse({ ...r, hours: [24] }).success).toBe(false);
    expect(RhythmSchema.safeParse({ ...r, minutes: [30, 0] }).success).toBe(false);
    expect(RhythmSchema.safeParse({ ...r, minutes: [] }).success).toBe(false);
    expect(RhythmSchema.safeParse({ ...r, nth: { n: 1, weekday: 3 } }).success).toBe(false);
    expect(RhythmSchema.safeParse({ ...r, everyNWeeks: { n: 2, anchor: "2026-03-04" } }).success).toBe(false); // not a Monday
    expect(RhythmSchema.safeParse({ ...r, version: 2 }).success).toBe(false);
    expect(RhythmSchema.safeParse({ ...r, source: "" }).success).toBe(false);
  });
});

describe("croner underneath", () => {
  it("every rhythm but every-n-weeks is one cron pattern", () => {
    expect(cronPatternOf(rhythm("first monday of each quarter at 09:00"))).toEqual({ pattern: "0 9 * 1,4,7,10 1#1", domAndDow: true });
    expect(cronPatternOf(rhythm("sidste fredag i måneden kl. 15.30"))).toEqual({ pattern: "30 15 * * 5#L", domAndDow: true });
    expect(cronPatternOf(rhythm("monthly last day"))).toEqual({ pattern: "0 9 L * *", domAndDow: true });
    expect(cronPatternOf(rhythm("0 9 13 * 5"))).toEqual({ pattern: "0 9 13 * 5", domAndDow: false }); // Vixie OR
    expect(cronPatternOf(rhythm("0 9 */10 * 5"))).toEqual({ pattern: "0 9 1,11,21,31 * 5", domAndDow: true }); // `*…` means AND
    expect(cronPatternOf(rhythm("0 9 1-31 * 1")).domAndDow).toBe(false); // restricted though full: every day, as in Vixie
    expect(next(rhythm("0 9 1-31 * 1"), "2026-01-01T00:00:00Z", "UTC", 2)).toEqual(["2026-01-01T09:00", "2026-01-02T09:00"].map(z));
  });

  it("why the zone is applied by src/time/zone.ts: croner given the zone runs a repeated interval slot twice", () => {
    // If this starts failing after a croner upgrade, its DST rule has changed: re-check the header of recurrence.ts.
    const own = new Cron("*/30 * * * *", { timezone: CPH, mode: "5-part" });
    expect(own.nextRuns(5, new Date("2026-10-24T23:59:00Z")).map((d) => d.toISOString())).toEqual(
      ["2026-10-25T00:00", "2026-10-25T00:30", "2026-10-25T01:00", "2026-10-25T01:30", "2026-10-25T02:00"].map(z),
    );
    // Ours: the repeated 02:00 and 02:30 (01:00Z, 01:30Z) do not run again.
    expect(next(rhythm("*/30 * * * *"), "2026-10-24T23:59:00Z", CPH, 3)).toEqual(["2026-10-25T00:00", "2026-10-25T00:30", "2026-10-25T02:00"].map(z));
  });

  it("every 3 weeks jumps whole weeks and keeps the cadence across years and DST", () => {
    const r = rhythm("every 3 weeks friday at 16:00 starting 2026-01-02");
    expect(r.everyNWeeks).toEqual({ n: 3, anchor: "2025-12-29" });
    const runs = occurrencesBetween(r, new Date("2026-01-01T00:00:00Z"), new Date("2027-12-31T00:00:00Z"), CPH);
    expect(runs[0]!.toISOString()).toBe("2026-01-02T15:00:00.000Z");
    for (const d of runs) expect(new Intl.DateTimeFormat("en-GB", { timeZone: CPH, weekday: "short", hour: "2-digit", minute: "2-digit" }).format(d)).toBe("Fri 16:00");
    const days = runs.slice(1).map((d, i) => Math.round((d.getTime() - runs[i]!.getTime()) / 86_400_000));
    expect(new Set(days)).toEqual(new Set([21])); // 21 days apart, whether or not the clocks changed between
    expect(runs).toHaveLength(35);
  });
});
