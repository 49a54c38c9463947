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
import { z } from "zod";
import { Cron } from "croner";
import { DAY_MS, instantOfWall, wallFrom, wallOf } from "../time/zone.ts";
import { t, formatClock, weekdayName, monthName, type Key, type Lang } from "../i18n/i18n.ts";

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

// ───────────────────────────── Calendar dates (ISO, no time zone) ─────────────────────────────

/** Days since 1970-01-01 of a real ISO date ("2026-02-30" is not one), or null. */
function isoDays(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(wallFrom(y, mo, d));
  if (date.getUTCMonth() + 1 !== mo || date.getUTCDate() !== d) return null;
  return date.getTime() / DAY_MS;
}

/** 0 = Sunday. */
const weekdayOfDays = (days: number) => new Date(days * DAY_MS).getUTCDay();
const isoOfDays = (days: number) => new Date(days * DAY_MS).toISOString().slice(0, 10);

function mondayOfIso(s: string): string | null {
  const days = isoDays(s);
  return days === null ? null : isoOfDays(days - ((weekdayOfDays(days) + 6) % 7));
}

function isMondayIso(s: string): boolean {
  const days = isoDays(s);
  return days !== null && weekdayOfDays(days) === 1;
}

/** Static check: can the day rule ever match? (Only a restricted day-of-month with `*`-day-of-week can fail.) */
function canEverFire(r: Rhythm): boolean {
  if (r.lastDayOfMonth || r.nth || r.dayOfMonthStar || !r.dayOfWeekStar) return true;
  const maxDays = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return r.months.some((m) => r.daysOfMonth.some((d) => d <= maxDays[m]!));
}

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
