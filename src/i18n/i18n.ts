// Every user-facing string exists in English and Danish. A string is plain text with {named}
// placeholders, or a set of plural forms chosen by Intl.PluralRules for the count {n}.
import { en } from "./en.ts";
import { da } from "./da.ts";
import type { Inline } from "../messages/model.ts";

export type Lang = "en" | "da";
export const LANGS: readonly Lang[] = ["en", "da"];

export type PluralForms = { one: string; other: string };
export type Entry = string | PluralForms;
export type Catalogue = Record<keyof typeof en, Entry>;
export type Key = keyof typeof en;

const catalogues: Record<Lang, Catalogue> = { en, da };
const pluralRules: Record<Lang, Intl.PluralRules> = {
  en: new Intl.PluralRules("en"),
  da: new Intl.PluralRules("da"),
};

export type Params = Record<string, string | number>;

export function isLang(x: unknown): x is Lang {
  return x === "en" || x === "da";
}

/** Picks a supported language from a platform locale such as "da-DK" or "en_US". */
export function langFromLocale(locale: string | null | undefined): Lang | null {
  const l = locale?.slice(0, 2).toLowerCase();
  return isLang(l) ? l : null;
}

export function t(asked: Lang, key: Key, params: Params = {}): string {
  // Keys are built from words at run time (`help.${topic}`): only the catalogue's own entries
  // count, never Object.prototype's; a key it lacks is shown as itself rather than thrown on.
  const lang: Lang = isLang(asked) ? asked : "en";
  const catalogue = catalogues[lang];
  const entry: Entry | undefined = Object.hasOwn(catalogue, key) ? catalogue[key] : Object.hasOwn(catalogues.en, key) ? catalogues.en[key] : undefined;
  if (entry === undefined) return String(key);
  return format(lang, entry, params);
}

/**
 * One entry of any catalogue (this one, or an adapter's own words) as text: the plural form
 * the count {n} asks for, then each {placeholder} filled; one left unfilled stays as {name}.
 */
export function format(asked: Lang, entry: Entry, params: Params = {}): string {
  const lang: Lang = isLang(asked) ? asked : "en";
  let template: string;
  if (typeof entry === "string") template = entry;
  else {
    const n = Number(params.n ?? 0);
    template = pluralRules[lang].select(n) === "one" ? entry.one : entry.other;
  }
  return template.replace(/\{(\w+)\}/g, (m, name: string) =>
    Object.hasOwn(params, name) ? formatParam(lang, params[name]!) : m,
  );
}

/** Parameters of tn(): a placeholder may also be filled with inline nodes (a person, a channel). */
export type NodeParams = Record<string, string | number | Inline | Inline[]>;

/**
 * t() for texts that name people or channels: the catalogue keeps its plain {person}, and the
 * placeholder is filled with nodes, so no markup is ever written into the text.
 */
export function tn(asked: Lang, key: Key, params: NodeParams = {}): Inline[] {
  const lang: Lang = isLang(asked) ? asked : "en";
  const plain: Params = {};
  for (const [k, v] of Object.entries(params)) if (typeof v === "string" || typeof v === "number") plain[k] = v;
  // Node placeholders survive t() as {name}; plain ones are filled as usual.
  const text = t(lang, key, plain);
  const out: Inline[] = [];
  let last = 0;
  for (const m of text.matchAll(/\{(\w+)\}/g)) {
    const v = Object.hasOwn(params, m[1]!) ? params[m[1]!] : undefined;
    if (v === undefined || typeof v === "string" || typeof v === "number") continue;
    if (m.index > last) out.push({ t: "text", text: text.slice(last, m.index) });
    out.push(...(Array.isArray(v) ? v : [v]));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ t: "text", text: text.slice(last) });
  return out;
}

function formatParam(lang: Lang, v: string | number): string {
  if (typeof v === "string") return v;
  return Number.isInteger(v) ? String(v) : formatDecimal(lang, v);
}

/** One decimal, with the language's decimal mark (Danish writes 3,5). */
/**
 * An adapter's own words (what only that platform says), formatted by the same rules as the core's
 * catalogue: both languages, the same keys in each, and a lookup that falls back to English.
 */
export function catalogue<K extends string>(en: Record<K, Entry>, da: Record<K, Entry>) {
  const words: Record<Lang, Record<K, Entry>> = { en, da };
  const text = (lang: Lang, key: K, params: Params = {}): string => format(lang, words[isLang(lang) ? lang : "en"][key], params);
  return { words, text };
}

// Building an Intl formatter costs far more than using one (a poll card formats its closing date
// on every press): each is built once per language and options.
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const numberFormats = new Map<string, Intl.NumberFormat>();
function dateFormat(lang: Lang, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${lang} ${JSON.stringify(options)}`;
  let f = dateFormats.get(key);
  if (!f) {
    if (dateFormats.size > 1000) dateFormats.clear();
    dateFormats.set(key, (f = new Intl.DateTimeFormat(localeOf(lang), options)));
  }
  return f;
}
function numberFormat(lang: Lang, digits: number): Intl.NumberFormat {
  const key = `${lang} ${digits}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(localeOf(lang), { minimumFractionDigits: digits, maximumFractionDigits: digits })));
  return f;
}

export function formatDecimal(lang: Lang, x: number, digits = 1): string {
  return numberFormat(lang, digits).format(x);
}

export function formatSigned(lang: Lang, x: number): string {
  const s = formatDecimal(lang, Math.abs(x));
  return x > 0.05 ? `+${s}` : x < -0.05 ? `−${s}` : `±${s}`;
}

export function formatPercent(lang: Lang, ratio: number): string {
  return `${Math.round(ratio * 100)} %`;
}

/** "Mon 7 Dec 2026, 09:00" in the zone given. */
export function formatDateTime(lang: Lang, date: Date, timeZone: string): string {
  // The hour as formatClock writes it, so one sentence never has both "9.00" and "09.00".
  return dateFormat(lang, { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: lang === "da" ? "numeric" : "2-digit", minute: "2-digit", hourCycle: "h23", timeZone }).format(date);
}

/** A date as people in the partnership's time zone read it, e.g. "1 Dec 2026" / "1. dec. 2026". */
export function formatDate(lang: Lang, date: Date, timeZone: string): string {
  return dateFormat(lang, { day: "numeric", month: "short", year: "numeric", timeZone }).format(date);
}

function localeOf(lang: Lang): string {
  return lang === "da" ? "da-DK" : "en-GB";
}

/** A time of day as each language writes it: "09:00" in English, "9.00" in Danish (da-DK's own form). */
export function formatClock(lang: Lang, hour: number, minute: number): string {
  return dateFormat(lang, { hour: lang === "da" ? "numeric" : "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "UTC" }).format(Date.UTC(2024, 0, 1, hour, minute));
}

/** "Monday" / "mandag" (0 = Sunday), from Intl rather than a word list of our own. */
export function weekdayName(lang: Lang, weekday: number): string {
  // 7 January 2024 was a Sunday.
  return dateFormat(lang, { weekday: "long", timeZone: "UTC" }).format(Date.UTC(2024, 0, 7 + weekday));
}

/** "January" / "januar" (1 = January). */
export function monthName(lang: Lang, month: number): string {
  return dateFormat(lang, { month: "long", timeZone: "UTC" }).format(Date.UTC(2024, month - 1, 1));
}

export function hasKey(key: string): key is Key {
  return Object.hasOwn(en, key);
}

/** "a, b and c" / "a, b og c" */
export function listOf(lang: Lang, items: string[]): string {
  return new Intl.ListFormat(lang === "da" ? "da-DK" : "en-GB", { type: "conjunction" }).format(items);
}

export function catalogueFor(lang: Lang): Catalogue {
  return catalogues[lang];
}
