// Recurrence rhythms for check-in rounds and digests.
//
// A coordinator writes a rhythm as a 5-field cron expression or in plain English or Danish
// ("first Monday of each quarter at 09:00", "hver mandag kl. 9.30"). `parseRhythm` turns it into
// a JSON-serialisable `Rhythm` (stored in the database; validated by `RhythmSchema`), and
// `nextOccurrence` finds the next instant at which the rhythm fires in a partnership's IANA zone.
//
// Pure module: no date libraries; time-zone offsets come from `Intl.DateTimeFormat` only.
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
import { z } from "zod";

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

// ───────────────────────────── Texts (English and Danish) ─────────────────────────────

type Ordinal = "1" | "2" | "3" | "4" | "-1";
interface RhythmTexts {
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

const en: RhythmTexts = {
  weekdays: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
  ordinals: { "1": "first", "2": "second", "3": "third", "4": "fourth", "-1": "last" },
  fieldNames: {
    minute: "minute",
    hour: "hour",
    "day-of-month": "day-of-month",
    month: "month",
    "day-of-week": "day-of-week",
  },
  fieldRanges: {
    minute: "0–59",
    hour: "0–23",
    "day-of-month": "1–31",
    month: "1–12 or JAN–DEC",
    "day-of-week": "0–7 or SUN–SAT",
  },
  describe: {
    cron: "cron {expr}",
    daily: "every day at {time}",
    weekdays: "every weekday (Monday to Friday) at {time}",
    weekly: "every {weekday} at {time}",
    "every-n-weeks": "every {n} weeks on {weekday} at {time}",
    "monthly-day": "on day {day} of each month at {time}",
    "monthly-last-day": "on the last day of each month at {time}",
    "nth-weekday-of-month": "{nth} {weekday} of each month at {time}",
    "nth-weekday-of-quarter": "{nth} {weekday} of each quarter at {time}",
    quarterly: "on day 1 of each quarter (January, April, July, October) at {time}",
  },
  everyNWeeksAnchor: " (counting from the week of {anchor})",
  errors: {
    empty: "The rhythm is empty; write for example “first Monday of each quarter at 09:00” or a cron expression such as “0 9 * * 1”.",
    "unknown-form":
      "I don't understand “{value}” as a rhythm; try for example “every Monday at 9:30”, “monthly on day 15 at 10” or a cron expression such as “0 9 * * 1”.",
    "bad-field":
      "“{value}” is not a valid {field} (allowed: {range}); a valid example is the cron expression “30 9 * * 1-5” or “monthly on day 15 at 10”.",
    "bad-time": "“{value}” is not a valid time of day; use a 24-hour time such as “09:00” or “at 9:30”.",
    never: "The rhythm “{value}” can never happen (for example, 31 February does not exist); a valid example is “0 9 28 2 *”.",
  },
  errorFieldCount:
    "A cron expression needs exactly five fields (minute hour day-of-month month day-of-week), so “{value}” is not valid; a valid example is “0 9 * * 1”.",
  errorNoValue: "this",
};

const da: RhythmTexts = {
  weekdays: ["søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"],
  ordinals: { "1": "første", "2": "anden", "3": "tredje", "4": "fjerde", "-1": "sidste" },
  fieldNames: {
    minute: "minut",
    hour: "time",
    "day-of-month": "dag i måneden",
    month: "måned",
    "day-of-week": "ugedag",
  },
  fieldRanges: {
    minute: "0–59",
    hour: "0–23",
    "day-of-month": "1–31",
    month: "1–12 eller JAN–DEC",
    "day-of-week": "0–7 eller SUN–SAT",
  },
  describe: {
    cron: "cron {expr}",
    daily: "hver dag kl. {time}",
    weekdays: "alle hverdage (mandag til fredag) kl. {time}",
    weekly: "hver {weekday} kl. {time}",
    "every-n-weeks": "hver {n}. uge om {weekday}en kl. {time}",
    "monthly-day": "den {day}. i hver måned kl. {time}",
    "monthly-last-day": "den sidste dag i hver måned kl. {time}",
    "nth-weekday-of-month": "{nth} {weekday} i hver måned kl. {time}",
    "nth-weekday-of-quarter": "{nth} {weekday} i hvert kvartal kl. {time}",
    quarterly: "den 1. i hvert kvartal (januar, april, juli, oktober) kl. {time}",
  },
  everyNWeeksAnchor: " (talt fra ugen med {anchor})",
  errors: {
    empty: "Rytmen er tom; skriv for eksempel »første mandag i kvartalet kl. 9« eller et cron-udtryk som »0 9 * * 1«.",
    "unknown-form":
      "Jeg forstår ikke »{value}« som en rytme; prøv for eksempel »hver mandag kl. 9.30«, »månedligt den 15. kl. 10« eller et cron-udtryk som »0 9 * * 1«.",
    "bad-field":
      "»{value}« er ugyldig som {field} (tilladt: {range}); et gyldigt eksempel er cron-udtrykket »30 9 * * 1-5« eller »månedligt den 15. kl. 10«.",
    "bad-time": "»{value}« er ikke et gyldigt klokkeslæt; brug 24-timers tid som »09:00« eller »kl. 9.30«.",
    never: "Rytmen »{value}« kan aldrig indtræffe (for eksempel findes 31. februar ikke); et gyldigt eksempel er »0 9 28 2 *«.",
  },
  errorFieldCount:
    "Et cron-udtryk skal have præcis fem felter (minut time dag-i-måneden måned ugedag), så »{value}« er ugyldigt; et gyldigt eksempel er »0 9 * * 1«.",
  errorNoValue: "dette",
};

/** Exported for tests: both catalogues must have the same keys. */
export const rhythmTexts: { readonly en: RhythmTexts; readonly da: RhythmTexts } = { en, da };

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}

/** One clear sentence (with a valid example) for a parse error, in English or Danish. */
export function rhythmErrorText(error: RhythmError, lang: "en" | "da"): string {
  const t = lang === "da" ? da : en;
  const value = error.value ?? t.errorNoValue;
  if (error.code === "bad-field" && !error.field) return fill(t.errorFieldCount, { value });
  const field = error.field ?? "minute";
  return fill(t.errors[error.code] ?? t.errors["unknown-form"], {
    value,
    field: t.fieldNames[field],
    range: t.fieldRanges[field],
  });
}

// ───────────────────────────── Parsing ─────────────────────────────

const range = (min: number, max: number): number[] => Array.from({ length: max - min + 1 }, (_, i) => min + i);
const ALL_DAYS = range(1, 31);
const ALL_MONTHS = range(1, 12);
const ALL_WEEKDAYS = range(0, 6);
const QUARTER_MONTHS = [1, 4, 7, 10];
const DEFAULT_ANCHOR = "1969-12-29";

const fail = (code: RhythmErrorCode, extra: Omit<RhythmError, "code"> = {}): ParseResult => ({
  ok: false,
  error: { code, ...extra },
});

/** Parse a cron expression or an English/Danish friendly rhythm. Never throws. */
export function parseRhythm(text: string): ParseResult {
  if (typeof text !== "string") return fail("empty");
  const source = text.normalize("NFC").trim().replace(/\s+/g, " ");
  if (source === "") return fail("empty");
  const tokens = source.split(" ");
  const result = source.startsWith("@") ? parseMacro(source) : looksLikeCron(tokens) ? parseCron(tokens) : parseFriendly(source);
  if (result.ok && !canEverFire(result.rhythm)) return fail("never", { value: result.rhythm.source });
  return result;
}

// ── cron ──

const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface FieldSpec {
  name: CronField;
  min: number;
  max: number;
  names?: readonly string[];
  /** Value of names[0]. */
  namesBase?: number;
}
const FIELD_SPECS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTH_NAMES, namesBase: 1 },
  { name: "day-of-week", min: 0, max: 7, names: DAY_NAMES, namesBase: 0 },
];

function looksLikeCron(tokens: readonly string[]): boolean {
  // Friendly forms never contain `*`; otherwise a cron expression starts with numeric minute and hour fields.
  if (!tokens.every((t) => /^[0-9a-z*?/,-]+$/i.test(t))) return false;
  return tokens.some((t) => t.includes("*")) || tokens.slice(0, 2).every((t) => /^[0-9/,-]+$/.test(t));
}

const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

function parseMacro(source: string): ParseResult {
  const expansion = own(MACROS, source.toLowerCase());
  if (!expansion) return fail("unknown-form", { value: source });
  const parsed = parseCron(expansion.split(" "));
  return parsed.ok ? { ok: true, rhythm: { ...parsed.rhythm, source: source.toLowerCase() } } : parsed;
}

function parseCron(tokens: readonly string[]): ParseResult {
  if (tokens.length !== 5) return fail("bad-field", { value: tokens.join(" ") });
  const fields: number[][] = [];
  const stars: boolean[] = [];
  for (const [i, spec] of FIELD_SPECS.entries()) {
    const text = tokens[i]!;
    const values = parseCronField(text.toLowerCase(), spec);
    if (!values) return fail("bad-field", { field: spec.name, value: text });
    fields.push(values);
    stars.push(text.startsWith("*") || text === "?");
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = fields as [number[], number[], number[], number[], number[]];
  return {
    ok: true,
    rhythm: {
      version: 1,
      form: "cron",
      source: tokens.join(" "),
      minutes,
      hours,
      daysOfMonth,
      months,
      daysOfWeek,
      dayOfMonthStar: stars[2]!,
      dayOfWeekStar: stars[4]!,
    },
  };
}

function parseCronField(text: string, spec: FieldSpec): number[] | null {
  const values = new Set<number>();
  const allowQuestion = spec.name === "day-of-month" || spec.name === "day-of-week";
  for (const part of text.split(",")) {
    const m = /^(\*|\?|[0-9a-z]+(?:-[0-9a-z]+)?)(?:\/(\d+))?$/.exec(part);
    if (!m) return null;
    const body = m[1]!;
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (!Number.isInteger(step) || step < 1 || step > spec.max) return null;
    let lo: number;
    let hi: number;
    if (body === "*" || body === "?") {
      if (body === "?" && (!allowQuestion || m[2] !== undefined)) return null;
      lo = spec.min;
      hi = spec.name === "day-of-week" ? 6 : spec.max;
    } else {
      const [a, b] = body.split("-");
      const from = cronValue(a!, spec);
      if (from === null) return null;
      lo = from;
      if (b !== undefined) {
        const to = cronValue(b, spec);
        if (to === null || to < from) return null;
        hi = to;
      } else hi = m[2] === undefined ? from : spec.max; // "5/15" = "5-max/15"
    }
    for (let v = lo; v <= hi; v += step) values.add(spec.name === "day-of-week" && v === 7 ? 0 : v);
  }
  return values.size ? [...values].sort((x, y) => x - y) : null;
}

function cronValue(token: string, spec: FieldSpec): number | null {
  let v: number;
  if (/^\d+$/.test(token)) v = Number(token);
  else {
    const index = spec.names?.indexOf(token) ?? -1;
    if (index < 0) return null;
    v = index + (spec.namesBase ?? 0);
  }
  return v >= spec.min && v <= spec.max ? v : null;
}

// ── friendly forms ──

const WEEKDAY_WORDS: Record<string, number> = {
  sunday: 0, sun: 0, monday: 1, mon: 1, tuesday: 2, tue: 2, tues: 2, wednesday: 3, wed: 3,
  thursday: 4, thu: 4, thur: 4, thurs: 4, friday: 5, fri: 5, saturday: 6, sat: 6,
  søndag: 0, mandag: 1, tirsdag: 2, onsdag: 3, torsdag: 4, fredag: 5, lørdag: 6,
};

/** An own entry of a word table: a typed word never reaches Object.prototype ("every constructor"). */
function own<T>(table: Record<string, T>, word: string): T | undefined {
  return Object.hasOwn(table, word) ? table[word] : undefined;
}

function weekdayWord(word: string | undefined): number | undefined {
  if (word === undefined) return undefined;
  const direct = own(WEEKDAY_WORDS, word);
  if (direct !== undefined) return direct;
  // Plurals and definite forms: "mondays", "mandage", "mandagen", "mandagene".
  for (const suffix of ["s", "ene", "en", "e"]) {
    if (word.endsWith(suffix)) {
      const hit = own(WEEKDAY_WORDS, word.slice(0, -suffix.length));
      if (hit !== undefined && word.length - suffix.length >= 3) return hit;
    }
  }
  return undefined;
}

const ORDINAL_WORDS: Record<string, 1 | 2 | 3 | 4 | -1> = {
  first: 1, "1st": 1, second: 2, "2nd": 2, third: 3, "3rd": 3, fourth: 4, "4th": 4, last: -1,
  første: 1, "1.": 1, anden: 2, andet: 2, "2.": 2, tredje: 3, "3.": 3, fjerde: 4, "4.": 4, sidste: -1,
};
const ORD = "(first|second|third|fourth|last|1st|2nd|3rd|4th|første|anden|andet|tredje|fjerde|sidste|[1-4]\\.)";
const ANCHOR = "(?: (?:starting|from|fra|fra og med|startende) (\\d{4}-\\d{2}-\\d{2}))?";

type Time = { hour: number; minute: number };
type Built = { form: RhythmForm } & Partial<Omit<Rhythm, "version" | "form" | "source" | "minutes" | "hours">>;
type Builder = (m: RegExpExecArray) => Built | RhythmError | null;

const isError = (x: Built | RhythmError): x is RhythmError => "code" in x;

function weeklyOn(dayWord: string | undefined): Built | null {
  const weekday = dayWord === undefined ? 1 : weekdayWord(dayWord); // no day given: Monday
  return weekday === undefined ? null : { form: "weekly", daysOfWeek: [weekday], dayOfWeekStar: false };
}

function everyWeeks(nText: string, dayWord: string | undefined, anchorText: string | undefined): Built | RhythmError | null {
  const n = Number(nText);
  if (!Number.isInteger(n) || n < 1 || n > 52) return null;
  if (n === 1 && anchorText === undefined) return weeklyOn(dayWord);
  const weekly = weeklyOn(dayWord);
  if (!weekly) return null;
  let anchor = DEFAULT_ANCHOR;
  if (anchorText !== undefined) {
    const monday = mondayOfIso(anchorText);
    if (monday === null) return { code: "unknown-form", value: anchorText };
    anchor = monday;
  }
  if (n === 1) return weekly;
  return { ...weekly, form: "every-n-weeks", everyNWeeks: { n, anchor } };
}

function monthlyOn(dayText: string | undefined): Built | RhythmError {
  const day = dayText === undefined ? 1 : Number(dayText);
  if (!Number.isInteger(day) || day < 1 || day > 31) return { code: "bad-field", field: "day-of-month", value: String(dayText) };
  return { form: "monthly-day", daysOfMonth: [day], dayOfMonthStar: false };
}

function nthOf(ordText: string, dayWord: string, quarter: boolean): Built | null {
  const n = own(ORDINAL_WORDS, ordText);
  if (n === undefined) return null;
  const months = quarter ? QUARTER_MONTHS : ALL_MONTHS;
  if (dayWord === "day" || dayWord === "dag" || dayWord === "dagen") {
    // "first day of each month/quarter", "last day of the month".
    if (n === 1) return quarter ? { form: "quarterly", daysOfMonth: [1], dayOfMonthStar: false, months } : monthlyOn("1") as Built;
    if (n === -1 && !quarter) return { form: "monthly-last-day", lastDayOfMonth: true };
    return null;
  }
  const weekday = weekdayWord(dayWord);
  if (weekday === undefined) return null;
  return {
    form: quarter ? "nth-weekday-of-quarter" : "nth-weekday-of-month",
    months,
    daysOfWeek: [weekday],
    dayOfWeekStar: false,
    nth: { n, weekday },
  };
}

const MONTH_EN = "(?:each|every|the|a) month";
const MONTH_DA = "(?:hver måned|måneden)";
const QUARTER_EN = "(?:each|every|the|a) quarter";
const QUARTER_DA = "(?:hvert kvartal|kvartalet)";

const FRIENDLY: ReadonlyArray<[RegExp, Builder]> = [
  // daily
  [/^(?:daily|every ?day|each day|dagligt?|hver dag|alle dage)$/, () => ({ form: "daily" })],
  // weekdays
  [
    /^(?:(?:every|each) (?:weekday|working day|workday|business day)s?|weekdays|on weekdays|(?:hver|alle) hverdage?|hverdage)$/,
    () => ({ form: "weekdays", daysOfWeek: [1, 2, 3, 4, 5], dayOfWeekStar: false }),
  ],
  // weekly
  [/^(?:weekly|every week|each week|once a week)(?: on)?(?: (\S+))?$/, (m) => weeklyOn(m[1])],
  [/^(?:ugentligt?|hver uge|en gang om ugen)(?: (?:om|på))?(?: (\S+))?$/, (m) => weeklyOn(m[1])],
  [/^(?:every|each|on) (\S+)$/, (m) => weeklyOn(m[1] ?? "")],
  [/^(?:hver|alle|om) (\S+)$/, (m) => weeklyOn(m[1] ?? "")],
  [/^(\S+) (?:weekly|every week|each week|ugentligt?|hver uge)$/, (m) => weeklyOn(m[1] ?? "")],
  // every n weeks
  [
    new RegExp(`^(?:every|each) (\\d+)(?:st|nd|rd|th)? weeks?(?: on)?(?: (\\S+))?${ANCHOR}$`),
    (m) => everyWeeks(m[1]!, m[2], m[3]),
  ],
  [
    new RegExp(`^(?:biweekly|bi-weekly|fortnightly|every other week|every second week)(?: on)?(?: (\\S+))?${ANCHOR}$`),
    (m) => everyWeeks("2", m[1], m[2]),
  ],
  [
    new RegExp(`^(?:every|each) (?:other|second) (\\S+)${ANCHOR}$`),
    (m) => (weekdayWord(m[1]) === undefined ? null : everyWeeks("2", m[1], m[2])),
  ],
  [new RegExp(`^hver (\\d+)\\.? uge(?: (?:om|på))?(?: (\\S+))?${ANCHOR}$`), (m) => everyWeeks(m[1]!, m[2], m[3])],
  [new RegExp(`^hver anden uge(?: (?:om|på))?(?: (\\S+))?${ANCHOR}$`), (m) => everyWeeks("2", m[1], m[2])],
  [
    new RegExp(`^hver anden (\\S+)${ANCHOR}$`),
    (m) => (weekdayWord(m[1]) === undefined ? null : everyWeeks("2", m[1], m[2])),
  ],
  // monthly, last day
  [/^(?:monthly|every month|each month)(?: on)?(?: the)? last day(?: of the month)?$/, () => ({ form: "monthly-last-day", lastDayOfMonth: true })],
  [new RegExp(`^(?:on )?(?:the )?last day (?:of|in) ${MONTH_EN}$`), () => ({ form: "monthly-last-day", lastDayOfMonth: true })],
  [/^(?:månedligt?|hver måned)(?: den)? sidste dag(?: i måneden)?$/, () => ({ form: "monthly-last-day", lastDayOfMonth: true })],
  [new RegExp(`^(?:den )?sidste dag i ${MONTH_DA}$`), () => ({ form: "monthly-last-day", lastDayOfMonth: true })],
  // monthly on a day
  [
    /^(?:monthly|every month|each month)(?: on)?(?: the)?(?: day)?(?: (\d{1,2})(?:st|nd|rd|th)?)?(?: day)?$/,
    (m) => monthlyOn(m[1]),
  ],
  [
    new RegExp(`^(?:on )?(?:the )?(?:day )?(\\d{1,2})(?:st|nd|rd|th)?(?: day)? (?:of|in) ${MONTH_EN}$`),
    (m) => monthlyOn(m[1]),
  ],
  [/^(?:månedligt?|hver måned)(?: den)?(?: (\d{1,2})\.?)?$/, (m) => monthlyOn(m[1])],
  [new RegExp(`^(?:den )?(\\d{1,2})\\.? i ${MONTH_DA}$`), (m) => monthlyOn(m[1])],
  // n-th weekday of each month / quarter
  [
    new RegExp(`^(?:every |each |on )?(?:the )?${ORD} (\\S+) (?:of|in) (?:${MONTH_EN}|(${QUARTER_EN}))$`),
    (m) => nthOf(m[1]!, m[2]!, m[3] !== undefined),
  ],
  [
    new RegExp(`^(?:(monthly|every month|each month)|quarterly|every quarter|each quarter)(?: on)?(?: the)? ${ORD} (\\S+)$`),
    (m) => nthOf(m[2]!, m[3]!, m[1] === undefined),
  ],
  [
    new RegExp(`^(?:hver |den )?${ORD} (\\S+) i (?:${MONTH_DA}|(${QUARTER_DA}))$`),
    (m) => nthOf(m[1]!, m[2]!, m[3] !== undefined),
  ],
  [
    new RegExp(`^(?:(månedligt?|hver måned)|kvartalsvis|kvartalsvist|hvert kvartal)(?: den)? ${ORD} (\\S+)$`),
    (m) => nthOf(m[2]!, m[3]!, m[1] === undefined),
  ],
  // quarterly = day 1 of January, April, July and October
  [
    /^(?:quarterly|every quarter|each quarter|kvartalsvis|kvartalsvist|hvert kvartal)$/,
    () => ({ form: "quarterly", daysOfMonth: [1], dayOfMonthStar: false, months: QUARTER_MONTHS }),
  ],
];

/** Pull the time of day out of the text: "9:00", "09:00", "9.00", "kl. 9", "at 9", "9am". Default 09:00. */
function extractTime(s: string): { time: Time; rest: string } | RhythmError {
  const marker = /(?:^|\s)(?:at\s+|kl\.\s*|kl\s+|klokken\s+)(\S+)(?:\s+(am|pm)(?=\s|$))?/.exec(s);
  const bare = /(?:^|\s)(\d{1,2}[:.]\d{2}|\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm))(?=\s|$|[,.])/.exec(s);
  const hit = marker ?? bare;
  if (!hit) return { time: { hour: 9, minute: 0 }, rest: s };
  const token = (marker ? `${hit[1]}${hit[2] ?? ""}` : hit[1]!).replace(/[.,]$/, "");
  const m = /^(\d{1,2})(?:[:.](\d{2}))?\s?(am|pm)?$/.exec(token);
  if (!m) return { code: "bad-time", value: token };
  let hour = Number(m[1]);
  const minute = m[2] === undefined ? 0 : Number(m[2]);
  if (m[3]) {
    if (hour < 1 || hour > 12) return { code: "bad-time", value: token };
    hour = (hour % 12) + (m[3] === "pm" ? 12 : 0);
  }
  if (hour > 23 || minute > 59) return { code: "bad-time", value: token };
  return { time: { hour, minute }, rest: `${s.slice(0, hit.index)} ${s.slice(hit.index + hit[0].length)}` };
}

function parseFriendly(source: string): ParseResult {
  const extracted = extractTime(source.toLowerCase());
  if ("code" in extracted) return { ok: false, error: extracted };
  const rest = extracted.rest.replace(/,/g, " ").replace(/\s+/g, " ").trim().replace(/\s*\.$/, "");
  for (const [pattern, build] of FRIENDLY) {
    const m = pattern.exec(rest);
    if (!m) continue;
    const built = build(m);
    if (built === null) continue;
    if (isError(built)) return { ok: false, error: built };
    const { form, ...fields } = built;
    return {
      ok: true,
      rhythm: {
        version: 1,
        form,
        source,
        minutes: [extracted.time.minute],
        hours: [extracted.time.hour],
        daysOfMonth: ALL_DAYS,
        months: ALL_MONTHS,
        daysOfWeek: ALL_WEEKDAYS,
        dayOfMonthStar: true,
        dayOfWeekStar: true,
        ...fields,
      },
    };
  }
  return fail("unknown-form", { value: source });
}

// ───────────────────────────── Calendar arithmetic ─────────────────────────────

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = y - (m <= 2 ? 1 : 0);
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): { y: number; m: number; d: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

/** 0 = Sunday. 1970-01-01 was a Thursday. */
const weekdayOfDays = (days: number) => (((days + 4) % 7) + 7) % 7;

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}

function parseIsoDate(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  return daysFromCivil(y, mo, d);
}

const isoOfDays = (days: number) => {
  const { y, m, d } = civilFromDays(days);
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
};

function mondayOfIso(s: string): string | null {
  const days = parseIsoDate(s);
  if (days === null) return null;
  return isoOfDays(days - ((weekdayOfDays(days) + 6) % 7));
}

function isMondayIso(s: string): boolean {
  const days = parseIsoDate(s);
  return days !== null && weekdayOfDays(days) === 1;
}

// ───────────────────────────── Matching ─────────────────────────────

interface Compiled {
  slots: number[]; // minutes of the day, ascending
  months: boolean[];
  dom: boolean[];
  dow: boolean[];
  anchorDays: number;
}
const compiledCache = new WeakMap<Rhythm, Compiled>();

function compile(r: Rhythm): Compiled {
  let c = compiledCache.get(r);
  if (!c) {
    const flags = (values: readonly number[], size: number) => {
      const out = new Array<boolean>(size).fill(false);
      for (const v of values) out[v] = true;
      return out;
    };
    c = {
      slots: r.hours.flatMap((h) => r.minutes.map((m) => h * 60 + m)),
      months: flags(r.months, 13),
      dom: flags(r.daysOfMonth, 32),
      dow: flags(r.daysOfWeek, 7),
      anchorDays: r.everyNWeeks ? (parseIsoDate(r.everyNWeeks.anchor) ?? -3) : -3,
    };
    compiledCache.set(r, c);
  }
  return c;
}

function dayMatches(r: Rhythm, c: Compiled, days: number, y: number, m: number, d: number): boolean {
  if (!c.months[m]) return false;
  const wd = weekdayOfDays(days);
  const domOk = c.dom[d] === true;
  const dowOk = c.dow[wd] === true;
  // Vixie cron: both restricted → either may match; otherwise both must.
  if (!r.dayOfMonthStar && !r.dayOfWeekStar ? !(domOk || dowOk) : !(domOk && dowOk)) return false;
  if (r.lastDayOfMonth && d !== daysInMonth(y, m)) return false;
  if (r.nth) {
    if (wd !== r.nth.weekday) return false;
    if (r.nth.n === -1 ? d + 7 <= daysInMonth(y, m) : Math.ceil(d / 7) !== r.nth.n) return false;
  }
  if (r.everyNWeeks) {
    const week = Math.floor((days - c.anchorDays) / 7);
    if (((week % r.everyNWeeks.n) + r.everyNWeeks.n) % r.everyNWeeks.n !== 0) return false;
  }
  return true;
}

/** Static check: can the day rule ever match? (Only a restricted day-of-month with `*`-day-of-week can fail.) */
function canEverFire(r: Rhythm): boolean {
  if (r.lastDayOfMonth || r.nth || r.dayOfMonthStar || !r.dayOfWeekStar) return true;
  const maxDays = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return r.months.some((m) => r.daysOfMonth.some((d) => d <= maxDays[m]!));
}

// ───────────────────────────── Time zones ─────────────────────────────

interface Zone {
  format: Intl.DateTimeFormat;
  offsets: Map<number, number>;
}
const zones = new Map<string, Zone>();

/** Throws RangeError for an invalid IANA zone. */
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

/** Local wall-clock time of an instant, as milliseconds on a UTC-based scale (whole seconds). */
function wallOf(zone: Zone, t: number): number {
  const text = zone.format.format(t);
  const m = /^(\d+)\/(\d+)\/(\d+), (\d+):(\d+):(\d+)$/.exec(text);
  let y: number, mo: number, d: number, h: number, mi: number, s: number;
  if (m) [mo, d, y, h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
  else {
    const parts: Record<string, number> = {};
    for (const p of zone.format.formatToParts(t)) if (p.type !== "literal") parts[p.type] = Number(p.value);
    [y, mo, d, h, mi, s] = [parts.year ?? 0, parts.month ?? 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0];
  }
  return daysFromCivil(y, mo, d) * DAY_MS + ((h % 24) * 3600 + mi * 60 + s) * 1000;
}

/** UTC offset (ms) in effect at instant t. */
function offsetAt(zone: Zone, t: number): number {
  const second = Math.floor(t / 1000) * 1000;
  let o = zone.offsets.get(second);
  if (o === undefined) {
    o = wallOf(zone, second) - second;
    if (zone.offsets.size > 20_000) zone.offsets.clear();
    zone.offsets.set(second, o);
  }
  return o;
}

/**
 * The one instant that a local wall-clock time stands for:
 * - normal: the instant;
 * - overlap (fall back, the wall time happens twice): the FIRST (earlier) instant;
 * - gap (spring forward, the wall time does not exist): the first valid instant after the gap,
 *   i.e. the transition itself (02:30 in a 02:00→03:00 gap runs at 03:00 local).
 */
function instantOfWall(zone: Zone, wall: number): number {
  const before = offsetAt(zone, wall - DAY_MS);
  const after = offsetAt(zone, wall + DAY_MS);
  const offsets = new Set([before, after]);
  for (const o of [before, after]) offsets.add(offsetAt(zone, wall - o));
  let best = Infinity;
  for (const o of offsets) {
    const t = wall - o;
    if (t < best && offsetAt(zone, t) === o) best = t;
  }
  if (best !== Infinity) return best;
  // Gap: find the first instant whose local time is past `wall`.
  const sorted = [...offsets].sort((a, b) => a - b);
  let lo = wall - sorted[sorted.length - 1]!; // local time here is before `wall`
  let hi = wall - sorted[0]!; // local time here is after `wall`
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (mid + offsetAt(zone, mid) > wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

// ───────────────────────────── Occurrences ─────────────────────────────

const HORIZON_DAYS = 5 * 366 + 2;

/**
 * The first instant strictly after `after` whose local wall-clock time in `timeZone` matches the
 * rhythm, or null if there is none within about five years. Throws RangeError for an invalid zone.
 */
export function nextOccurrence(rhythm: Rhythm, after: Date, timeZone: string): Date | null {
  const zone = zoneOf(timeZone);
  const afterMs = after.getTime();
  if (!Number.isFinite(afterMs)) throw new RangeError("Invalid date");
  const c = compile(rhythm);
  if (c.slots.length === 0) return null;
  // Local slots map monotonically (non-decreasing) onto real instants under the gap/overlap rules
  // above, so we scan local days in order from the local date of `after` (no slot of an earlier
  // local date can map past `after`) and binary-search the slots of the first day that fits.
  const startDay = Math.floor((afterMs + offsetAt(zone, afterMs)) / DAY_MS);
  for (let days = startDay; days <= startDay + HORIZON_DAYS; days++) {
    const { y, m, d } = civilFromDays(days);
    if (!dayMatches(rhythm, c, days, y, m, d)) continue;
    const at = (i: number) => instantOfWall(zone, days * DAY_MS + c.slots[i]! * 60_000);
    let hi = c.slots.length - 1;
    if (at(hi) <= afterMs) continue;
    let lo = -1; // invariant: at(lo) <= afterMs < at(hi)
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (at(mid) > afterMs) hi = mid;
      else lo = mid;
    }
    return new Date(at(hi));
  }
  return null;
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

// ───────────────────────────── Description ─────────────────────────────

const pad2 = (n: number) => String(n).padStart(2, "0");

/** Human description, e.g. "first Monday of each quarter at 09:00"; raw cron shows the expression. */
export function describeRhythm(rhythm: Rhythm, lang: "en" | "da"): string {
  const t = lang === "da" ? da : en;
  if (rhythm.form === "cron") return fill(t.describe.cron, { expr: rhythm.source });
  const weekdayIndex = rhythm.nth?.weekday ?? rhythm.daysOfWeek[0] ?? 1;
  const text = fill(t.describe[rhythm.form], {
    time: `${pad2(rhythm.hours[0] ?? 0)}:${pad2(rhythm.minutes[0] ?? 0)}`,
    weekday: t.weekdays[weekdayIndex] ?? "",
    day: rhythm.daysOfMonth[0] ?? 1,
    n: rhythm.everyNWeeks?.n ?? 1,
    nth: rhythm.nth ? t.ordinals[String(rhythm.nth.n) as Ordinal] : "",
  });
  const anchor = rhythm.everyNWeeks?.anchor;
  return anchor && anchor !== DEFAULT_ANCHOR ? text + fill(t.everyNWeeksAnchor, { anchor }) : text;
}
