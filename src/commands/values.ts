// The values a command takes (sectors, roles, dates, sections, time zones, on/off), read from the
// words people type in English or Danish. Each reader returns the value or null; none throws.

export const SECTORS = ["municipality", "region", "ngo", "research", "private", "other"] as const;
export const ROLES = ["coordinator", "partner", "steering"] as const;
export type Sector = (typeof SECTORS)[number];
export type Role = (typeof ROLES)[number];

/** A word for each value in both languages. Maps: a typed "constructor" finds nothing inherited. */
function words<V extends string>(table: Record<V, { en: string[]; da: string[] }>): ReadonlyMap<string, V> {
  const out = new Map<string, V>();
  for (const [value, w] of Object.entries(table) as [V, { en: string[]; da: string[] }][]) for (const word of [value, ...w.en, ...w.da]) out.set(word, value);
  return out;
}

const SECTOR_WORDS = words<Sector>({
  municipality: { en: ["municipality"], da: ["kommune"] },
  region: { en: ["region"], da: ["region"] },
  ngo: { en: ["ngo"], da: ["forening", "organisation"] },
  research: { en: ["research", "university"], da: ["forskning", "universitet"] },
  private: { en: ["private"], da: ["privat", "virksomhed"] },
  other: { en: ["other"], da: ["andet", "anden"] },
});

const ROLE_WORDS = words<Role>({
  coordinator: { en: ["coordinator"], da: ["koordinator"] },
  partner: { en: ["partner"], da: ["partner"] },
  steering: { en: ["steering-group"], da: ["styregruppe", "styregruppemedlem"] },
});

const ANONYMITY_WORDS = words<"confidential" | "attributed">({
  confidential: { en: ["anonymous"], da: ["fortrolig", "anonym"] },
  attributed: { en: ["named"], da: ["navngivet", "åben", "aaben"] },
});

const ON_OFF = words<"on" | "off">({
  on: { en: ["yes", "true"], da: ["til", "ja"] },
  off: { en: ["no", "false"], da: ["fra", "nej"] },
});

export const sectorOf = (s: string): Sector | null => SECTOR_WORDS.get(s.toLowerCase()) ?? null;
export const roleOf = (s: string): Role | null => ROLE_WORDS.get(s.toLowerCase()) ?? null;
export const anonymityOf = (s: string): "confidential" | "attributed" | null => ANONYMITY_WORDS.get(s.toLowerCase()) ?? null;

export function onOff(s: string | undefined): boolean | null {
  const v = s === undefined ? undefined : ON_OFF.get(s.toLowerCase());
  return v === undefined ? null : v === "on";
}

export function languageOf(s: string): "en" | "da" | null {
  const v = s.toLowerCase();
  return v === "da" || v === "en" ? v : null;
}

export function isTimeZone(tz: string): boolean {
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+\-]+)*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export type DateSpec = { kind: "date"; year: number; month: number; day: number } | { kind: "days"; days: number };

/** 2026-12-01, 1.12.2026, 1/12/2026 (day first, as Danes write) or a number of days: 14d, 14 */
export function parseDateSpec(s: string): DateSpec | null {
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  let y: number, mo: number, d: number;
  if (m) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = /^(\d{1,2})[./](\d{1,2})[./](\d{4})$/.exec(s))) [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = /^(\d{1,3})\s*(d|dage|days?|dg)?$/i.exec(s))) {
    const days = Number(m[1]);
    return days >= 1 && days <= 366 ? { kind: "days", days } : null;
  } else return null;
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  if (y < 2000 || y > 2200) return null;
  return { kind: "date", year: y, month: mo, day: d };
}

/** "2026-12-10 14:00", "2026-12-10T14:00", "10.12.2026 14.00" (local wall-clock time) */
export function parseDateTime(s: string): { year: number; month: number; day: number; hour: number; minute: number } | null {
  const m = /^(.+?)[\sT]+(?:kl\.?\s*)?(\d{1,2})[:.](\d{2})$/i.exec(s.trim());
  if (!m) return null;
  const date = parseDateSpec(m[1]!);
  const hour = Number(m[2]), minute = Number(m[3]);
  if (!date || date.kind !== "date" || hour > 23 || minute > 59) return null;
  return { year: date.year, month: date.month, day: date.day, hour, minute };
}

/** "1-7", "1,3,5", "s2", "all"/"alle" → 1-based section numbers, or "all". */
export function parseSections(s: string): number[] | "all" | null {
  if (/^(all|alle)$/i.test(s)) return "all";
  const out = new Set<number>();
  for (const part of s.split(",")) {
    const p = part.trim().replace(/^s/i, "");
    let m: RegExpExecArray | null;
    if ((m = /^(\d{1,2})-(\d{1,2})$/.exec(p))) {
      const a = Number(m[1]), b = Number(m[2]);
      if (a < 1 || b < a || b > 50) return null;
      for (let i = a; i <= b; i++) out.add(i);
    } else if ((m = /^(\d{1,2})$/.exec(p))) {
      const n = Number(m[1]);
      if (n < 1 || n > 50) return null;
      out.add(n);
    } else return null;
  }
  return out.size ? [...out].sort((a, b) => a - b) : null;
}

/** "#3" or "3": an agreement's or a meeting's number. */
export function numberOf(s: string): number | null {
  const m = /^#?(\d{1,6})$/.exec(s);
  return m ? Number(m[1]) : null;
}

/** "3d", "3 dage", "3": days, at most `max`. */
export function daysOf(s: string, max: number): number | null {
  const m = /^(\d{1,2})\s*(d|dage|days?)?$/i.exec(s);
  return m && Number(m[1]) <= max ? Number(m[1]) : null;
}

/** A length of time: "90", "90m", "2h", "1h30m", "2t" (timer), in minutes. */
export function minutesOf(s: string, max: number): number | null {
  const m = /^(?:(\d{1,3})\s*(?:h|t|timer?|hours?))?\s*(?:(\d{1,4})\s*(?:m|min|minutter|minutes?)?)?$/i.exec(s.trim());
  if (!m || (m[1] === undefined && m[2] === undefined)) return null;
  const total = Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
  return total > 0 && total <= max ? total : null;
}

/** When an agenda goes out: "08:00" (on the meeting's day), or how long before it ("2h", "1d"). */
export function agendaTimeOf(s: string): { kind: "time"; hour: number; minute: number } | { kind: "before"; minutes: number } | null {
  const clock = /^(\d{1,2})[:.](\d{2})$/.exec(s.trim());
  if (clock) return Number(clock[1]) <= 23 && Number(clock[2]) <= 59 ? { kind: "time", hour: Number(clock[1]), minute: Number(clock[2]) } : null;
  const days = /^(\d{1,2})\s*(?:d|dage?|days?)$/i.exec(s.trim());
  if (days) return Number(days[1]) <= 14 ? { kind: "before", minutes: Number(days[1]) * 24 * 60 } : null;
  const before = minutesOf(s, 14 * 24 * 60);
  return before === null ? null : { kind: "before", minutes: before };
}
