// A meeting as a calendar entry (RFC 5545), for Outlook and Google Calendar: its time in the
// partnership's time zone (with the zone's rules, so it holds across a change to summer time) and a
// reminder. The UID stays the meeting's own; each move counts SEQUENCE up, so a calendar that has
// the entry replaces it instead of adding a second one.
import ical, { ICalAlarmType, ICalCalendarMethod } from "ical-generator";
import { getVtimezoneComponent } from "@touch4it/ical-timezones";
import { wallOf } from "../time/zone.ts";

/** The reminder before the meeting, in seconds. */
export const CALENDAR_REMINDER_S = 3600;

export interface CalendarMeeting {
  id: string;
  title: string;
  startsAt: Date;
  endsAt: Date;
  sequence: number;
  timeZone: string;
  /** what the entry says beside the title (the partnership, where the agenda comes) */
  description: string;
  /** when this revision was made */
  stamp: Date;
}

/** The wall-clock time at `at` in `timeZone`, as iCalendar's local form wants it (no offset). */
function wallClock(at: Date, timeZone: string): string {
  return new Date(wallOf(at, timeZone)).toISOString().slice(0, 19);
}

/** The file's name for a meeting: meeting-3.ics. */
export const calendarFileName = (number: number) => `meeting-${number}.ics`;

export function calendarEntry(m: CalendarMeeting): string {
  const cal = ical({ prodId: { company: "Partnerpuls", product: "Partnerpuls", language: "EN" } });
  cal.method(ICalCalendarMethod.PUBLISH);
  cal.timezone({ name: m.timeZone, generator: getVtimezoneComponent });
  const event = cal.createEvent({
    id: `meeting-${m.id}@partnerpuls`,
    sequence: m.sequence,
    stamp: m.stamp,
    start: wallClock(m.startsAt, m.timeZone),
    end: wallClock(m.endsAt, m.timeZone),
    timezone: m.timeZone,
    summary: m.title,
    description: m.description,
  });
  event.createAlarm({ type: ICalAlarmType.display, trigger: CALENDAR_REMINDER_S, description: m.title });
  return cal.toString();
}
