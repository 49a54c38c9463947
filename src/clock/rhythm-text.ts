// A rhythm in words, and what is wrong with one, in the catalogue's English and Danish.
import { t, formatClock, weekdayName, monthName, type Key, type Lang } from "../i18n/i18n.ts";
import { CRON_FIELDS, type Rhythm, type RhythmForm, type CronField, type RhythmErrorCode, type RhythmError } from "./rhythm.ts";
import { QUARTER_MONTHS, DEFAULT_ANCHOR, FIELD_SPECS, own } from "./rhythm-parse.ts";

// ───────────────────────────── Texts (the catalogue, src/i18n/en.ts and da.ts) ─────────────────────────────

type Ordinal = "1" | "2" | "3" | "4" | "-1";
const NTH_KEYS: Record<Ordinal, Key> = { "1": "rhythm.nth.1", "2": "rhythm.nth.2", "3": "rhythm.nth.3", "4": "rhythm.nth.4", "-1": "rhythm.nth.last" };
const FIELD_KEYS: Record<CronField, Key> = {
  minute: "rhythm.field.minute",
  hour: "rhythm.field.hour",
  "day-of-month": "rhythm.field.day-of-month",
  month: "rhythm.field.month",
  "day-of-week": "rhythm.field.day-of-week",
};
const DESCRIBE_KEYS: Record<RhythmForm, Key> = {
  cron: "rhythm.describe.cron",
  daily: "rhythm.describe.daily",
  weekdays: "rhythm.describe.weekdays",
  weekly: "rhythm.describe.weekly",
  "every-n-weeks": "rhythm.describe.every-n-weeks",
  "monthly-day": "rhythm.describe.monthly-day",
  "monthly-last-day": "rhythm.describe.monthly-last-day",
  "nth-weekday-of-month": "rhythm.describe.nth-weekday-of-month",
  "nth-weekday-of-quarter": "rhythm.describe.nth-weekday-of-quarter",
  quarterly: "rhythm.describe.quarterly",
};
const ERROR_KEYS: Record<RhythmErrorCode, Key> = {
  empty: "rhythm.error.empty",
  "unknown-form": "rhythm.error.unknown-form",
  "bad-field": "rhythm.error.bad-field",
  "bad-time": "rhythm.error.bad-time",
  never: "rhythm.error.never",
};

/** "0–59"; a field with names adds them ("1–12 or JAN–DEC"): the names are cron's own, not translated. */
function fieldRange(field: CronField, lang: Lang): string {
  const spec = FIELD_SPECS.find((s) => s.name === field)!;
  const range = `${spec.min}–${spec.max}`;
  if (!spec.names) return range;
  const names = `${spec.names[0]!.toUpperCase()}–${spec.names[spec.names.length - 1]!.toUpperCase()}`;
  return t(lang, "rhythm.range.named", { range, names });
}

/** The rhythm texts of one language, gathered from the catalogue (templates unfilled). */
export interface RhythmTexts {
  /** Index 0 = Sunday. */
  weekdays: readonly string[];
  ordinals: Record<Ordinal, string>;
  fieldNames: Record<CronField, string>;
  fieldRanges: Record<CronField, string>;
  describe: Record<RhythmForm, string>;
  everyNWeeksAnchor: string;
  errors: Record<RhythmErrorCode, string>;
  errorFieldCount: string;
  errorNoValue: string;
}

function textsFor(lang: Lang): RhythmTexts {
  const raw = (key: Key) => t(lang, key); // no params: the template as the catalogue has it
  const map = <K extends string>(keys: Record<K, Key>) => Object.fromEntries(Object.entries<Key>(keys).map(([k, key]) => [k, raw(key)])) as Record<K, string>;
  return {
    weekdays: [0, 1, 2, 3, 4, 5, 6].map((d) => weekdayName(lang, d)),
    ordinals: map(NTH_KEYS),
    fieldNames: map(FIELD_KEYS),
    fieldRanges: Object.fromEntries(CRON_FIELDS.map((f) => [f, fieldRange(f, lang)])) as Record<CronField, string>,
    describe: map(DESCRIBE_KEYS),
    everyNWeeksAnchor: raw("rhythm.describe.anchor"),
    errors: map(ERROR_KEYS),
    errorFieldCount: raw("rhythm.error.field-count"),
    errorNoValue: raw("rhythm.error.no-value"),
  };
}

/** The rhythm texts per language, as one object each (a view of the catalogue; the i18n test checks the keys). */
export const rhythmTexts: { readonly en: RhythmTexts; readonly da: RhythmTexts } = { en: textsFor("en"), da: textsFor("da") };

/** One clear sentence (with a valid example) for a parse error, in English or Danish. */
export function rhythmErrorText(error: RhythmError, lang: Lang): string {
  const value = error.value ?? t(lang, "rhythm.error.no-value");
  if (error.code === "bad-field" && !error.field) return t(lang, "rhythm.error.field-count", { value });
  const field = error.field ?? "minute";
  return t(lang, own(ERROR_KEYS, error.code) ?? "rhythm.error.unknown-form", {
    value,
    field: t(lang, FIELD_KEYS[field]),
    range: fieldRange(field, lang),
  });
}

// ───────────────────────────── Description ─────────────────────────────

/** Human description, e.g. "first Monday of each quarter at 09:00"; raw cron shows the expression. */
export function describeRhythm(rhythm: Rhythm, lang: Lang): string {
  if (rhythm.form === "cron") return t(lang, "rhythm.describe.cron", { expr: rhythm.source });
  const text = t(lang, DESCRIBE_KEYS[rhythm.form], {
    time: formatClock(lang, rhythm.hours[0] ?? 0, rhythm.minutes[0] ?? 0),
    weekday: weekdayName(lang, rhythm.nth?.weekday ?? rhythm.daysOfWeek[0] ?? 1),
    day: rhythm.daysOfMonth[0] ?? 1,
    n: rhythm.everyNWeeks?.n ?? 1,
    nth: rhythm.nth ? t(lang, NTH_KEYS[String(rhythm.nth.n) as Ordinal]) : "",
    months: QUARTER_MONTHS.map((m) => monthName(lang, m)).join(", "),
  });
  const anchor = rhythm.everyNWeeks?.anchor;
  return anchor && anchor !== DEFAULT_ANCHOR ? t(lang, "rhythm.describe.anchor", { rhythm: text, anchor }) : text;
}
