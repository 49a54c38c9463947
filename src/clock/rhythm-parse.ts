// Reading a rhythm: a 5-field cron expression, or a friendly English or Danish phrase ("first
// monday of each quarter at 9:00", "hver mandag kl. 9.30"), into a stored `Rhythm`. Never throws;
// a wrong rhythm names the field and value (the texts are rhythm-text.ts's). See recurrence.ts.
import { canEverFire, mondayOfIso, type Rhythm, type RhythmForm, type CronField, type RhythmErrorCode, type RhythmError, type ParseResult } from "./rhythm.ts";

// ───────────────────────────── Parsing ─────────────────────────────

const range = (min: number, max: number): number[] => Array.from({ length: max - min + 1 }, (_, i) => min + i);
const ALL_DAYS = range(1, 31);
const ALL_MONTHS = range(1, 12);
const ALL_WEEKDAYS = range(0, 6);
export const QUARTER_MONTHS = [1, 4, 7, 10];
export const DEFAULT_ANCHOR = "1969-12-29";

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
export const FIELD_SPECS: readonly FieldSpec[] = [
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
export function own<T>(table: Record<string, T>, word: string): T | undefined {
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
