// A rhythm as stored: its JSON shape (validated on every read), and the plain calendar-date
// arithmetic it needs. Reading one is rhythm-parse.ts, saying one rhythm-text.ts, running one recurrence.ts.
import { z } from "zod";
import { DAY_MS, wallFrom } from "../time/zone.ts";

// ───────────────────────────── Types and schema ─────────────────────────────

export const RHYTHM_FORMS = [
  "cron",
  "daily",
  "weekdays",
  "weekly",
  "every-n-weeks",
  "monthly-day",
  "monthly-last-day",
  "nth-weekday-of-month",
  "nth-weekday-of-quarter",
  "quarterly",
] as const;
export type RhythmForm = (typeof RHYTHM_FORMS)[number];

export const CRON_FIELDS = ["minute", "hour", "day-of-month", "month", "day-of-week"] as const;
export type CronField = (typeof CRON_FIELDS)[number];

export const RHYTHM_ERROR_CODES = ["empty", "unknown-form", "bad-field", "bad-time", "never"] as const;
export type RhythmErrorCode = (typeof RHYTHM_ERROR_CODES)[number];

export type RhythmError = { code: RhythmErrorCode; field?: CronField; value?: string };

export type ParseResult = { ok: true; rhythm: Rhythm } | { ok: false; error: RhythmError };

const sortedUnique = (values: readonly number[]) => values.every((v, i) => i === 0 || v > values[i - 1]!);
const intList = (min: number, max: number) =>
  z
    .array(z.number().int().min(min).max(max))
    .min(1)
    .refine(sortedUnique, { message: "must be sorted ascending without duplicates" });

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Validates a stored Rhythm (e.g. read back from a Json column). */
export const RhythmSchema = z
  .object({
    version: z.literal(1),
    form: z.enum(RHYTHM_FORMS),
    /** Cron: the expression (whitespace normalised). Friendly forms: the text as the coordinator wrote it. */
    source: z.string().min(1),
    minutes: intList(0, 59),
    hours: intList(0, 23),
    daysOfMonth: intList(1, 31),
    months: intList(1, 12),
    /** 0 = Sunday … 6 = Saturday (cron's 7 is stored as 0). */
    daysOfWeek: intList(0, 6),
    /** Vixie cron: the field started with `*` (unrestricted for the day-of-month/day-of-week OR rule). */
    dayOfMonthStar: z.boolean(),
    dayOfWeekStar: z.boolean(),
    /** Only the last day of each (allowed) month. */
    lastDayOfMonth: z.literal(true).optional(),
    /** Only the n-th (or, with -1, the last) given weekday of each (allowed) month. */
    nth: z
      .object({
        n: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(-1)]),
        weekday: z.number().int().min(0).max(6),
      })
      .optional(),
    /** Only every n-th ISO week, counted from the Monday `anchor` (see the header comment). */
    everyNWeeks: z
      .object({
        n: z.number().int().min(2).max(52),
        anchor: z
          .string()
          .regex(ISO_DATE)
          .refine((s) => isMondayIso(s), { message: "anchor must be a Monday (YYYY-MM-DD)" }),
      })
      .optional(),
  })
  .superRefine((r, ctx) => {
    if (r.nth && (r.dayOfWeekStar || r.daysOfWeek.length !== 1 || r.daysOfWeek[0] !== r.nth.weekday))
      ctx.addIssue({ code: "custom", message: "nth needs daysOfWeek = [nth.weekday]", path: ["nth"] });
    if (r.lastDayOfMonth && r.nth)
      ctx.addIssue({ code: "custom", message: "lastDayOfMonth and nth exclude each other", path: ["nth"] });
  });

export type Rhythm = z.infer<typeof RhythmSchema>;


// ───────────────────────────── Calendar dates (ISO, no time zone) ─────────────────────────────

/** Days since 1970-01-01 of a real ISO date ("2026-02-30" is not one), or null. */
export function isoDays(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(wallFrom(y, mo, d));
  if (date.getUTCMonth() + 1 !== mo || date.getUTCDate() !== d) return null;
  return date.getTime() / DAY_MS;
}

/** 0 = Sunday. */
export const weekdayOfDays = (days: number) => new Date(days * DAY_MS).getUTCDay();
export const isoOfDays = (days: number) => new Date(days * DAY_MS).toISOString().slice(0, 10);

export function mondayOfIso(s: string): string | null {
  const days = isoDays(s);
  return days === null ? null : isoOfDays(days - ((weekdayOfDays(days) + 6) % 7));
}

export function isMondayIso(s: string): boolean {
  const days = isoDays(s);
  return days !== null && weekdayOfDays(days) === 1;
}

/** Static check: can the day rule ever match? (Only a restricted day-of-month with `*`-day-of-week can fail.) */
export function canEverFire(r: Rhythm): boolean {
  if (r.lastDayOfMonth || r.nth || r.dayOfMonthStar || !r.dayOfWeekStar) return true;
  const maxDays = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return r.months.some((m) => r.daysOfMonth.some((d) => d <= maxDays[m]!));
}
