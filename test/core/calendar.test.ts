// The meeting's calendar entry, read back by a second, independent iCalendar parser (Mozilla's
// ical.js): the same instant in every time zone, on either side of a change to summer time, the
// reminder, and a move that keeps the UID and counts SEQUENCE up.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import ICAL from "ical.js";
import { offsetAt } from "../../src/time/zone.ts";
import { calendarEntry, CALENDAR_REMINDER_S, type CalendarMeeting } from "../../src/domain/calendar.ts";

/** The entry's event as ical.js reads it, its times resolved with the file's own VTIMEZONE. */
function read(ics: string) {
  const cal = new ICAL.Component(ICAL.parse(ics));
  for (const tz of cal.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(new ICAL.Timezone(tz));
  const vevent = cal.getFirstSubcomponent("vevent")!;
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    sequence: event.sequence,
    summary: event.summary,
    tzid: vevent.getFirstProperty("dtstart")!.getParameter("tzid"),
    start: event.startDate.toJSDate(),
    end: event.endDate.toJSDate(),
    alarm: vevent.getFirstSubcomponent("valarm")?.getFirstPropertyValue("trigger")?.toString(),
  };
}

const meeting = (over: Partial<CalendarMeeting> = {}): CalendarMeeting => ({
  id: "7d0f7a4e-2c1b-4f7e-9a55-0c7b8d1e2f30", title: "Styregruppe: årsmøde", startsAt: new Date("2027-03-29T12:00:00Z"), endsAt: new Date("2027-03-29T13:30:00Z"),
  sequence: 0, timeZone: "Europe/Copenhagen", description: "Et møde i Sund By.", stamp: new Date("2026-12-03T10:00:00Z"), ...over,
});

describe("a meeting's calendar entry", () => {
  it("holds the local time on either side of the change to summer time", () => {
    // Saturday before the change (UTC+1) and Monday after it (UTC+2): both 14:00 in Copenhagen.
    const before = calendarEntry(meeting({ startsAt: new Date("2027-03-27T13:00:00Z"), endsAt: new Date("2027-03-27T14:00:00Z") }));
    const after = calendarEntry(meeting());
    expect(before).toContain("DTSTART;TZID=Europe/Copenhagen:20270327T140000");
    expect(after).toContain("DTSTART;TZID=Europe/Copenhagen:20270329T140000");
    expect(read(before).start.toISOString()).toBe("2027-03-27T13:00:00.000Z");
    expect(read(after).start.toISOString()).toBe("2027-03-29T12:00:00.000Z");
    const r = read(after);
    expect(r).toMatchObject({ tzid: "Europe/Copenhagen", summary: "Styregruppe: årsmøde", sequence: 0, uid: "meeting-7d0f7a4e-2c1b-4f7e-9a55-0c7b8d1e2f30@partnerpuls" });
    expect(r.end.toISOString()).toBe("2027-03-29T13:30:00.000Z");
    expect(r.alarm).toBe(`-PT${CALENDAR_REMINDER_S / 3600}H`);
  });

  it("a moved meeting keeps its UID with a higher SEQUENCE", () => {
    const first = read(calendarEntry(meeting()));
    const moved = read(calendarEntry(meeting({ startsAt: new Date("2027-10-31T09:00:00Z"), endsAt: new Date("2027-10-31T10:00:00Z"), sequence: 1 })));
    expect(moved.uid).toBe(first.uid);
    expect(moved.sequence).toBe(1);
    expect(moved.start.toISOString()).toBe("2027-10-31T09:00:00.000Z");
  });

  it("round-trips any instant in any of the partnerships' zones", () => {
    const zones = ["Europe/Copenhagen", "Europe/London", "America/New_York", "Australia/Melbourne", "UTC"];
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2026, 0, 1) / 60_000, max: Date.UTC(2032, 0, 1) / 60_000 }), fc.constantFrom(...zones), fc.integer({ min: 5, max: 600 }), (minute, timeZone, length) => {
        const startsAt = new Date(minute * 60_000);
        const endsAt = new Date(startsAt.getTime() + length * 60_000);
        const r = read(calendarEntry(meeting({ startsAt, endsAt, timeZone })));
        // A wall time the change back from summer time repeats is ambiguous in any calendar; every other holds exactly.
        const repeated = offsetAt(startsAt.getTime() - 3_600_000, timeZone) !== offsetAt(startsAt.getTime() + 3_600_000, timeZone);
        if (repeated) expect(Math.abs(r.start.getTime() - startsAt.getTime()) % 3_600_000).toBe(0);
        else expect(r.start.toISOString()).toBe(startsAt.toISOString());
      }),
      { numRuns: 150 },
    );
  });
});
