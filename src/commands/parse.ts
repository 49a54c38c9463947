// The one command parser every adapter uses. Text in, a validated command or a parse error out;
// it never throws and never touches the database. Commands are English words; Danish words are
// accepted as aliases so people can type in the language they think in.
import { z } from "zod";
import { tokenize } from "./tokenize.ts";
import type { Inline } from "../messages/model.ts";

export const SECTORS = ["municipality", "region", "ngo", "research", "private", "other"] as const;
export const ROLES = ["coordinator", "partner", "steering"] as const;
export type Sector = (typeof SECTORS)[number];
export type Role = (typeof ROLES)[number];

const WORD_ALIASES: ReadonlyMap<string, string> = new Map(Object.entries<string>({
  hjælp: "help", hjaelp: "help", "?": "help",
  partnerskab: "partnership", opret: "create", ny: "create", new: "create",
  formål: "purpose", formaal: "purpose",
  organisation: "org", organization: "org", organisationer: "org",
  medlem: "member", medlemmer: "member", members: "member",
  tilføj: "add", tilfoej: "add", fjern: "remove", liste: "list", vis: "list", ls: "list",
  runde: "checkin", "check-in": "checkin", tjek: "checkin", round: "checkin",
  luk: "close", påmind: "remind", paamind: "remind", reminder: "remind",
  opsummering: "digest", sammenfatning: "digest",
  aftale: "action", aftaler: "action", actions: "action", opfølgning: "action",
  færdig: "done", faerdig: "done", complete: "done",
  sæt: "set", saet: "set", indstil: "set", sprog: "language", lang: "language",
  eksport: "export", eksporter: "export", "mine-data": "mydata", "my-data": "mydata", minedata: "mydata",
  slet: "erase", delete: "erase", instrumenter: "instrument", instruments: "instrument",
  planlæg: "schedule", planlaeg: "schedule", plan: "schedule", rytme: "schedule", stop: "stop", stands: "stop",
  checkins: "checkin", runder: "checkin", opsummeringer: "digest", digests: "digest",
  møde: "meeting", moede: "meeting", møder: "meeting", meetings: "meeting", send: "send",
  påmindelser: "nudges", paamindelser: "nudges", nudge: "nudges",
}));

const OPTION_ALIASES: ReadonlyMap<string, string> = new Map(Object.entries<string>({
  p: "partnership", partnerskab: "partnership",
  formål: "purpose", sprog: "language", lang: "language", tidszone: "timezone", tz: "timezone",
  anonymitet: "anonymity", kanal: "channel",
  sektor: "sector", organisation: "org", organization: "org",
  roller: "roles", rolle: "roles", role: "roles",
  instrument: "instrument", afsnit: "sections", sektioner: "sections", section: "sections",
  frist: "deadline", deadline: "deadline",
  ansvarlig: "owner", ejer: "owner", dato: "due", forfald: "due", møde: "meeting", moede: "meeting",
  vindue: "window", svarfrist: "window", tid: "at", kl: "at", når: "at", med: "with", deltagere: "with", participants: "with",
}));

const SECTOR_ALIASES: ReadonlyMap<string, Sector> = new Map(Object.entries<Sector>({
  municipality: "municipality", kommune: "municipality",
  region: "region",
  ngo: "ngo", forening: "ngo", organisation: "ngo",
  research: "research", forskning: "research", university: "research", universitet: "research",
  private: "private", privat: "private", virksomhed: "private",
  other: "other", andet: "other", anden: "other",
}));

const ROLE_ALIASES: ReadonlyMap<string, Role> = new Map(Object.entries<Role>({
  coordinator: "coordinator", koordinator: "coordinator",
  partner: "partner",
  steering: "steering", styregruppe: "steering", "steering-group": "steering", styregruppemedlem: "steering",
}));

// The tables above are Maps: a word someone typed ("constructor", "__proto__") is looked up as a
// key and nothing else, never reaching Object.prototype.

// ---- values -------------------------------------------------------------------------------

/** `<@U123>`, `<@U123|name>` (Slack's form, which every adapter normalises to) or `@U123`. */
export function parseUserRef(s: string): string | null {
  const m = /^<@([^>|\s]+)(?:\|[^>]*)?>$/.exec(s) ?? /^@([\w.\-]+)$/.exec(s);
  return m ? m[1]! : null;
}

/**
 * Text people typed (an agreement, a meeting title) as inline nodes: the mentions adapters
 * normalised it to become person and channel nodes, so no renderer has to parse them again.
 */
export function userText(s: string): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  for (const m of s.matchAll(/<([@#])([^>|\s]+)(?:\|([^>]*))?>/g)) {
    if (m.index > last) out.push({ t: "text", text: s.slice(last, m.index) });
    const name = m[3] ? { name: m[3] } : {};
    out.push(m[1] === "@" ? { t: "person", id: m[2]!, ...name } : { t: "channel", id: m[2]!, ...name });
    last = m.index + m[0].length;
  }
  if (last < s.length || out.length === 0) out.push({ t: "text", text: s.slice(last) });
  return out;
}

/** The form a typed mention is stored in (what adapters normalise input to); input, never output. */
export function mentionToken(userId: string): string {
  return `<@${userId}>`;
}

/** `<#C123>`, `<#C123|name>` or `#name`. */
export function parseChannelRef(s: string): string | null {
  const m = /^<#([^>|\s]+)(?:\|[^>]*)?>$/.exec(s) ?? /^#([\w.\-æøå]+)$/.exec(s);
  return m ? m[1]! : null;
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

// ---- commands ------------------------------------------------------------------------------

const Name = z.string().trim().min(1).max(100);
const PartnershipOpt = z.object({ partnership: Name.optional() });

export const Command = z.discriminatedUnion("name", [
  z.object({ name: z.literal("help"), topic: z.string().optional() }),
  PartnershipOpt.extend({
    name: z.literal("partnership.create"),
    title: Name,
    purpose: z.string().max(1000).optional(),
    language: z.enum(["en", "da"]).optional(),
    timezone: z.string().optional(),
    anonymity: z.enum(["confidential", "attributed"]).optional(),
    channel: z.string().optional(),
  }),
  z.object({ name: z.literal("partnership.list") }),
  PartnershipOpt.extend({ name: z.literal("purpose.add"), text: z.string().trim().min(1).max(300) }),
  PartnershipOpt.extend({ name: z.literal("purpose.list") }),
  PartnershipOpt.extend({ name: z.literal("org.add"), title: Name, sector: z.enum(SECTORS) }),
  PartnershipOpt.extend({ name: z.literal("org.list") }),
  PartnershipOpt.extend({
    name: z.literal("member.add"),
    userId: z.string().min(1),
    org: Name.optional(),
    roles: z.array(z.enum(ROLES)).min(1),
  }),
  PartnershipOpt.extend({ name: z.literal("member.remove"), userId: z.string().min(1) }),
  PartnershipOpt.extend({ name: z.literal("member.erase"), userId: z.string().min(1), confirmed: z.boolean() }),
  PartnershipOpt.extend({ name: z.literal("member.list") }),
  PartnershipOpt.extend({
    name: z.literal("checkin.start"),
    instrument: z.string().optional(),
    sections: z.union([z.literal("all"), z.array(z.number().int().min(1))]),
    deadline: z.custom<DateSpec>(),
  }),
  PartnershipOpt.extend({ name: z.literal("checkin.close") }),
  PartnershipOpt.extend({ name: z.literal("status") }),
  PartnershipOpt.extend({ name: z.literal("remind") }),
  PartnershipOpt.extend({ name: z.literal("digest") }),
  PartnershipOpt.extend({
    name: z.literal("action.add"),
    text: z.string().trim().min(1).max(500),
    ownerId: z.string().optional(),
    due: z.custom<DateSpec>().optional(),
    meeting: z.string().max(200).optional(),
  }),
  PartnershipOpt.extend({ name: z.literal("action.list") }),
  PartnershipOpt.extend({ name: z.literal("action.done"), number: z.number().int().positive() }),
  PartnershipOpt.extend({
    name: z.literal("set"),
    setting: z.discriminatedUnion("key", [
      z.object({ key: z.literal("language"), value: z.enum(["en", "da"]) }),
      z.object({ key: z.literal("timezone"), value: z.string() }),
      z.object({ key: z.literal("anonymity"), value: z.enum(["confidential", "attributed"]) }),
      z.object({ key: z.literal("minimum-n"), value: z.number().int().min(1).max(50) }),
      z.object({ key: z.literal("channel"), value: z.string().min(1) }),
      z.object({ key: z.literal("purpose"), value: z.string().max(1000) }),
      z.object({ key: z.literal("quiet"), from: z.number().int().min(0).max(23), to: z.number().int().min(0).max(23) }),
      z.object({ key: z.literal("quiet-weekends"), value: z.boolean() }),
      z.object({ key: z.literal("nudges"), value: z.array(z.number().int().min(1).max(99)).max(5) }),
    ]),
  }),
  z.object({ name: z.literal("language"), value: z.enum(["en", "da"]) }),
  PartnershipOpt.extend({ name: z.literal("export.csv") }),
  z.object({ name: z.literal("mydata.export") }),
  z.object({ name: z.literal("mydata.erase"), confirmed: z.boolean() }),
  z.object({ name: z.literal("instrument.list") }),
  z.object({ name: z.literal("instrument.add"), json: z.string() }),
  PartnershipOpt.extend({
    name: z.literal("schedule.set"),
    kind: z.enum(["round", "digest"]),
    rhythm: z.string().min(1).max(200),
    instrument: z.string().optional(),
    sections: z.union([z.literal("all"), z.array(z.number().int().min(1))]).optional(),
    windowDays: z.number().int().min(1).max(90).optional(),
  }),
  PartnershipOpt.extend({ name: z.literal("schedule.list") }),
  PartnershipOpt.extend({ name: z.literal("schedule.stop"), kind: z.enum(["round", "digest"]) }),
  PartnershipOpt.extend({
    name: z.literal("meeting.add"),
    title: z.string().trim().min(1).max(200),
    at: z.object({ year: z.number(), month: z.number(), day: z.number(), hour: z.number(), minute: z.number() }),
    with: z.array(z.string().min(1)).optional(),
    sections: z.array(z.number().int().min(1)).optional(),
    pulseDays: z.number().int().min(0).max(30).optional(),
  }),
  PartnershipOpt.extend({ name: z.literal("meeting.list") }),
  PartnershipOpt.extend({ name: z.literal("meeting.send"), number: z.number().int().positive() }),
  z.object({ name: z.literal("nudges"), on: z.boolean() }),
]);
export type Command = z.infer<typeof Command>;
export type CommandName = Command["name"];

export type UsageKey =
  | "help" | "partnership.create" | "partnership.list" | "purpose.add" | "org.add" | "member.add" | "member.remove" | "member.erase"
  | "checkin.start" | "checkin.close" | "status" | "remind" | "digest" | "action.add" | "action.list" | "action.done"
  | "set" | "language" | "export.csv" | "mydata" | "instrument" | "schedule" | "meeting" | "nudges";

/** How each command is written: shown in help and in every error about that command. */
export const USAGE: Record<UsageKey, string> = {
  help: "help [command]",
  "partnership.create": 'partnership create "Name" [language=da|en] [timezone=Europe/Copenhagen] [anonymity=confidential|attributed] [channel=#channel] [purpose="…"]',
  "partnership.list": "partnership list",
  "purpose.add": 'purpose add "Why we partner"   ·   purpose list',
  "org.add": 'org add "Name" sector=municipality|region|ngo|research|private|other   ·   org list',
  "member.add": 'member add @person org="Organisation" [roles=partner,steering,coordinator]   ·   member list',
  "member.remove": "member remove @person",
  "member.erase": "member erase @person confirm",
  "checkin.start": "checkin start [instrument=vichealth-checklist] [sections=1-7] [deadline=2026-12-31|14d]",
  "checkin.close": "checkin close",
  status: "status",
  remind: "remind",
  digest: "digest",
  "action.add": 'action add "What was agreed" owner=@person due=2026-12-31 [meeting="Steering group 20 Nov"]',
  "action.list": "action list",
  "action.done": "action done <number>",
  set: "set language da|en · set timezone Europe/Copenhagen · set anonymity confidential|attributed · set minimum-n 3 · set channel #channel · set purpose \"…\" · set quiet 18-08 · set quiet-weekends on|off · set nudges 50,85|off",
  schedule: 'schedule checkins "first monday of each quarter at 9:00" [sections=1-7] [window=14d]   ·   schedule digest "monthly 1 9:00"   ·   schedule list   ·   schedule stop checkins|digest',
  meeting: 'meeting add "Steering group" at="2026-12-10 14:00" [with=@a,@b] [sections=3] [pulse=3d]   ·   meeting list   ·   meeting send <number>',
  nudges: "nudges off|on",
  language: "language da|en",
  "export.csv": "export csv",
  mydata: "mydata export   ·   mydata erase confirm",
  instrument: "instrument list   ·   instrument add {json}",
};

export type ParseError =
  | { error: "empty" }
  | { error: "unclosed-quote" }
  | { error: "unknown-command"; word: string }
  | { error: "missing"; what: string; usage: UsageKey }
  | { error: "invalid"; what: string; value: string; usage: UsageKey }
  | { error: "unknown-option"; option: string; usage: UsageKey }
  | { error: "too-many"; value: string; usage: UsageKey };

export type ParseResult = { ok: true; command: Command } | ({ ok: false } & ParseError);

const MAX_COMMAND_LENGTH = 20_000;

export function parseCommand(text: string): ParseResult {
  try {
    return parseUnsafe(text);
  } catch {
    // The parser is written not to throw; this keeps that promise if it ever does.
    return { ok: false, error: "unknown-command", word: text.slice(0, 40) };
  }
}

/** The parser without its safety net: tests use it to show the net is never needed. */
export function parseCommandUnguarded(text: string): ParseResult {
  return parseUnsafe(text);
}

function alias(word: string | undefined): string | undefined {
  if (word === undefined) return undefined;
  const w = word.toLowerCase();
  return WORD_ALIASES.get(w) ?? w;
}

function parseUnsafe(raw: string): ParseResult {
  if (raw.length > MAX_COMMAND_LENGTH) return { ok: false, error: "too-many", value: raw.slice(0, 40), usage: "help" };
  // instrument add takes raw JSON, which the tokenizer must not split
  const instr = /^\s*(instrument|instrumenter|instruments)\s+(add|tilføj)\s+([\s\S]+)$/i.exec(raw);
  if (instr) return finish({ name: "instrument.add", json: instr[3]! }, "instrument");

  const tk = tokenize(raw);
  if (!tk.ok) return { ok: false, error: "unclosed-quote" };
  const { words, options: rawOptions } = tk.tokens;
  const options = new Map<string, string>();
  for (const [k, v] of rawOptions) options.set(OPTION_ALIASES.get(k) ?? k, v);
  if (words.length === 0) return rawOptions.size ? { ok: false, error: "unknown-command", word: [...rawOptions.keys()][0]! } : { ok: false, error: "empty" };

  const head = alias(words[0])!;
  const sub = alias(words[1]);
  const partnership = options.get("partnership");
  const allowed = (usage: UsageKey, keys: string[]): ParseError | null => {
    for (const k of options.keys()) if (k !== "partnership" && !keys.includes(k)) return { error: "unknown-option", option: k, usage };
    return null;
  };
  const noExtra = (usage: UsageKey, from: number): ParseError | null =>
    words.length > from ? { error: "too-many", value: words[from]!, usage } : null;
  const fail = (e: ParseError): ParseResult => ({ ok: false, ...e });
  const withP = <T extends object>(o: T) => (partnership !== undefined ? { ...o, partnership } : o);

  switch (head) {
    case "help": {
      return finish({ name: "help", ...(words[1] ? { topic: words.slice(1).join(" ") } : {}) }, "help");
    }
    case "partnership": {
      if (sub === "list") return guard(allowed("partnership.list", []) ?? noExtra("partnership.list", 2)) ?? finish({ name: "partnership.list" }, "partnership.list");
      if (sub !== "create") return fail(sub ? { error: "invalid", what: "subcommand", value: words[1]!, usage: "partnership.create" } : { error: "missing", what: "subcommand", usage: "partnership.create" });
      const e = allowed("partnership.create", ["purpose", "language", "timezone", "anonymity", "channel"]) ?? noExtra("partnership.create", 3);
      if (e) return fail(e);
      const title = words[2];
      if (!title) return fail({ error: "missing", what: "name", usage: "partnership.create" });
      const cmd: Record<string, unknown> = { name: "partnership.create", title };
      const lang = options.get("language");
      if (lang !== undefined) {
        const l = lang.toLowerCase();
        if (l !== "da" && l !== "en") return fail({ error: "invalid", what: "language", value: lang, usage: "partnership.create" });
        cmd.language = l;
      }
      const tz = options.get("timezone");
      if (tz !== undefined) {
        if (!isTimeZone(tz)) return fail({ error: "invalid", what: "timezone", value: tz, usage: "partnership.create" });
        cmd.timezone = tz;
      }
      const an = options.get("anonymity");
      if (an !== undefined) {
        const a = anonymityValue(an);
        if (!a) return fail({ error: "invalid", what: "anonymity", value: an, usage: "partnership.create" });
        cmd.anonymity = a;
      }
      const ch = options.get("channel");
      if (ch !== undefined) {
        const c = parseChannelRef(ch);
        if (!c) return fail({ error: "invalid", what: "channel", value: ch, usage: "partnership.create" });
        cmd.channel = c;
      }
      if (options.has("purpose")) cmd.purpose = options.get("purpose");
      return finish(cmd, "partnership.create");
    }
    case "purpose": {
      if (sub === "list") return guard(allowed("purpose.add", []) ?? noExtra("purpose.add", 2)) ?? finish(withP({ name: "purpose.list" }), "purpose.add");
      if (sub !== "add") return fail(sub ? { error: "invalid", what: "subcommand", value: words[1]!, usage: "purpose.add" } : { error: "missing", what: "subcommand", usage: "purpose.add" });
      const e = allowed("purpose.add", []) ?? noExtra("purpose.add", 3);
      if (e) return fail(e);
      if (!words[2]) return fail({ error: "missing", what: "text", usage: "purpose.add" });
      return finish(withP({ name: "purpose.add", text: words[2] }), "purpose.add");
    }
    case "org": {
      if (sub === "list") return guard(allowed("org.add", []) ?? noExtra("org.add", 2)) ?? finish(withP({ name: "org.list" }), "org.add");
      if (sub !== "add") return fail(sub ? { error: "invalid", what: "subcommand", value: words[1]!, usage: "org.add" } : { error: "missing", what: "subcommand", usage: "org.add" });
      const e = allowed("org.add", ["sector"]) ?? noExtra("org.add", 3);
      if (e) return fail(e);
      if (!words[2]) return fail({ error: "missing", what: "name", usage: "org.add" });
      const sectorRaw = options.get("sector");
      if (sectorRaw === undefined) return fail({ error: "missing", what: "sector", usage: "org.add" });
      const sector = SECTOR_ALIASES.get(sectorRaw.toLowerCase());
      if (!sector) return fail({ error: "invalid", what: "sector", value: sectorRaw, usage: "org.add" });
      return finish(withP({ name: "org.add", title: words[2], sector }), "org.add");
    }
    case "member": {
      if (sub === "list") return guard(allowed("member.add", []) ?? noExtra("member.add", 2)) ?? finish(withP({ name: "member.list" }), "member.add");
      if (sub === "remove") {
        const e = allowed("member.remove", []) ?? noExtra("member.remove", 3);
        if (e) return fail(e);
        if (!words[2]) return fail({ error: "missing", what: "person", usage: "member.remove" });
        const userId = parseUserRef(words[2]);
        if (!userId) return fail({ error: "invalid", what: "person", value: words[2], usage: "member.remove" });
        return finish(withP({ name: "member.remove", userId }), "member.remove");
      }
      if (sub === "erase" || sub === "slet") {
        // A coordinator erases a member who asked by mail; without `confirm` it only says what would happen.
        const e = allowed("member.erase", []) ?? noExtra("member.erase", 4);
        if (e) return fail(e);
        if (!words[2]) return fail({ error: "missing", what: "person", usage: "member.erase" });
        const userId = parseUserRef(words[2]);
        if (!userId) return fail({ error: "invalid", what: "person", value: words[2], usage: "member.erase" });
        const c = words[3]?.toLowerCase();
        if (c !== undefined && c !== "confirm" && c !== "bekræft" && c !== "bekraeft") return fail({ error: "invalid", what: "confirmation", value: words[3]!, usage: "member.erase" });
        return finish(withP({ name: "member.erase", userId, confirmed: c !== undefined }), "member.erase");
      }
      if (sub !== "add") return fail(sub ? { error: "invalid", what: "subcommand", value: words[1]!, usage: "member.add" } : { error: "missing", what: "subcommand", usage: "member.add" });
      const e = allowed("member.add", ["org", "roles"]) ?? noExtra("member.add", 3);
      if (e) return fail(e);
      if (!words[2]) return fail({ error: "missing", what: "person", usage: "member.add" });
      const userId = parseUserRef(words[2]);
      if (!userId) return fail({ error: "invalid", what: "person", value: words[2], usage: "member.add" });
      const rolesRaw = options.get("roles") ?? "partner";
      const roles: Role[] = [];
      for (const r of rolesRaw.split(",").map((x) => x.trim().toLowerCase()).filter(Boolean)) {
        const role = ROLE_ALIASES.get(r);
        if (!role) return fail({ error: "invalid", what: "role", value: r, usage: "member.add" });
        if (!roles.includes(role)) roles.push(role);
      }
      if (roles.length === 0) return fail({ error: "invalid", what: "role", value: rolesRaw, usage: "member.add" });
      return finish(withP({ name: "member.add", userId, roles, ...(options.has("org") ? { org: options.get("org") } : {}) }), "member.add");
    }
    case "checkin": {
      if (sub === "close") return guard(allowed("checkin.close", []) ?? noExtra("checkin.close", 2)) ?? finish(withP({ name: "checkin.close" }), "checkin.close");
      if (sub !== "start") return fail(sub ? { error: "invalid", what: "subcommand", value: words[1]!, usage: "checkin.start" } : { error: "missing", what: "subcommand", usage: "checkin.start" });
      const e = allowed("checkin.start", ["instrument", "sections", "deadline"]) ?? noExtra("checkin.start", 2);
      if (e) return fail(e);
      const sectionsRaw = options.get("sections");
      const sections = sectionsRaw === undefined ? "all" : parseSections(sectionsRaw);
      if (sections === null) return fail({ error: "invalid", what: "sections", value: sectionsRaw!, usage: "checkin.start" });
      const deadlineRaw = options.get("deadline");
      const deadline = deadlineRaw === undefined ? { kind: "days", days: 14 } : parseDateSpec(deadlineRaw);
      if (deadline === null) return fail({ error: "invalid", what: "deadline", value: deadlineRaw!, usage: "checkin.start" });
      const instrument = options.get("instrument");
      return finish(withP({ name: "checkin.start", sections, deadline, ...(instrument ? { instrument } : {}) }), "checkin.start");
    }
    case "status":
    case "remind":
    case "digest": {
      const e = allowed(head, []) ?? noExtra(head, 1);
      return guard(e) ?? finish(withP({ name: head }), head);
    }
    case "action": {
      if (sub === "list") return guard(allowed("action.list", []) ?? noExtra("action.list", 2)) ?? finish(withP({ name: "action.list" }), "action.list");
      if (sub === "done") {
        const e = allowed("action.done", []) ?? noExtra("action.done", 3);
        if (e) return fail(e);
        if (!words[2]) return fail({ error: "missing", what: "number", usage: "action.done" });
        const n = /^#?(\d{1,6})$/.exec(words[2]);
        if (!n) return fail({ error: "invalid", what: "number", value: words[2], usage: "action.done" });
        return finish(withP({ name: "action.done", number: Number(n[1]) }), "action.done");
      }
      if (sub !== "add") return fail(sub ? { error: "invalid", what: "subcommand", value: words[1]!, usage: "action.add" } : { error: "missing", what: "subcommand", usage: "action.add" });
      const e = allowed("action.add", ["owner", "due", "meeting"]) ?? noExtra("action.add", 3);
      if (e) return fail(e);
      if (!words[2]) return fail({ error: "missing", what: "text", usage: "action.add" });
      const cmd: Record<string, unknown> = { name: "action.add", text: words[2] };
      const owner = options.get("owner");
      if (owner !== undefined) {
        const id = parseUserRef(owner);
        if (!id) return fail({ error: "invalid", what: "person", value: owner, usage: "action.add" });
        cmd.ownerId = id;
      }
      const due = options.get("due");
      if (due !== undefined) {
        const d = parseDateSpec(due);
        if (!d) return fail({ error: "invalid", what: "date", value: due, usage: "action.add" });
        cmd.due = d;
      }
      if (options.has("meeting")) cmd.meeting = options.get("meeting");
      return finish(withP(cmd), "action.add");
    }
    case "schedule": {
      if (sub === "list") return guard(allowed("schedule", []) ?? noExtra("schedule", 2)) ?? finish(withP({ name: "schedule.list" }), "schedule");
      const kindOf = (w: string | undefined) => (w === "checkin" ? "round" : w === "digest" ? "digest" : null);
      if (sub === "stop") {
        const e = allowed("schedule", []) ?? noExtra("schedule", 3);
        if (e) return fail(e);
        const kind = kindOf(alias(words[2]));
        if (!kind) return fail(words[2] ? { error: "invalid", what: "schedule", value: words[2], usage: "schedule" } : { error: "missing", what: "schedule", usage: "schedule" });
        return finish(withP({ name: "schedule.stop", kind }), "schedule");
      }
      const kind = kindOf(sub);
      if (!kind) return fail(sub ? { error: "invalid", what: "subcommand", value: words[1]!, usage: "schedule" } : { error: "missing", what: "subcommand", usage: "schedule" });
      const e = allowed("schedule", kind === "round" ? ["sections", "window", "instrument"] : []) ?? noExtra("schedule", 3);
      if (e) return fail(e);
      if (!words[2]) return fail({ error: "missing", what: "rhythm", usage: "schedule" });
      const cmd: Record<string, unknown> = { name: "schedule.set", kind, rhythm: words[2] };
      const sections = options.get("sections");
      if (sections !== undefined) {
        const secs = parseSections(sections);
        if (!secs) return fail({ error: "invalid", what: "sections", value: sections, usage: "schedule" });
        cmd.sections = secs;
      }
      const window = options.get("window");
      if (window !== undefined) {
        const d = parseDateSpec(window);
        if (!d || d.kind !== "days" || d.days > 90) return fail({ error: "invalid", what: "window", value: window, usage: "schedule" });
        cmd.windowDays = d.days;
      }
      if (options.has("instrument")) cmd.instrument = options.get("instrument");
      return finish(withP(cmd), "schedule");
    }
    case "meeting": {
      if (sub === "list") return guard(allowed("meeting", []) ?? noExtra("meeting", 2)) ?? finish(withP({ name: "meeting.list" }), "meeting");
      if (sub === "send") {
        const e = allowed("meeting", []) ?? noExtra("meeting", 3);
        if (e) return fail(e);
        const n = words[2] ? /^#?(\d{1,6})$/.exec(words[2]) : null;
        if (!words[2]) return fail({ error: "missing", what: "number", usage: "meeting" });
        if (!n) return fail({ error: "invalid", what: "number", value: words[2], usage: "meeting" });
        return finish(withP({ name: "meeting.send", number: Number(n[1]) }), "meeting");
      }
      if (sub !== "add") return fail(sub ? { error: "invalid", what: "subcommand", value: words[1]!, usage: "meeting" } : { error: "missing", what: "subcommand", usage: "meeting" });
      const e = allowed("meeting", ["at", "with", "sections", "pulse"]) ?? noExtra("meeting", 3);
      if (e) return fail(e);
      if (!words[2]) return fail({ error: "missing", what: "text", usage: "meeting" });
      const atRaw = options.get("at");
      if (atRaw === undefined) return fail({ error: "missing", what: "when", usage: "meeting" });
      const at = parseDateTime(atRaw);
      if (!at) return fail({ error: "invalid", what: "when", value: atRaw, usage: "meeting" });
      const cmd: Record<string, unknown> = { name: "meeting.add", title: words[2], at };
      const withRaw = options.get("with");
      if (withRaw !== undefined) {
        const ids = withRaw.split(/[\s,]+/).filter(Boolean).map(parseUserRef);
        const bad = ids.findIndex((x) => x === null);
        if (bad >= 0 || ids.length === 0) return fail({ error: "invalid", what: "person", value: withRaw.split(/[\s,]+/)[Math.max(0, bad)] ?? withRaw, usage: "meeting" });
        cmd.with = ids;
      }
      const sections = options.get("sections");
      if (sections !== undefined) {
        const secs = parseSections(sections);
        if (!secs || secs === "all") return fail({ error: "invalid", what: "sections", value: sections, usage: "meeting" });
        cmd.sections = secs;
      }
      const pulse = options.get("pulse");
      if (pulse !== undefined) {
        const d = /^(\d{1,2})\s*(d|dage|days?)?$/i.exec(pulse);
        if (!d || Number(d[1]) > 30) return fail({ error: "invalid", what: "days", value: pulse, usage: "meeting" });
        cmd.pulseDays = Number(d[1]);
      }
      return finish(withP(cmd), "meeting");
    }
    case "nudges": {
      const e = allowed("nudges", []) ?? noExtra("nudges", 2);
      if (e) return fail(e);
      const v = onOff(words[1]);
      if (v === null) return fail(words[1] ? { error: "invalid", what: "value", value: words[1], usage: "nudges" } : { error: "missing", what: "value", usage: "nudges" });
      return finish({ name: "nudges", on: v }, "nudges");
    }
    case "set": {
      const e = allowed("set", []) ?? noExtra("set", 3);
      if (e) return fail(e);
      const key = alias(words[1]);
      const value = words[2];
      if (!key) return fail({ error: "missing", what: "setting", usage: "set" });
      if (value === undefined) return fail({ error: "missing", what: "value", usage: "set" });
      const bad = (what: string) => fail({ error: "invalid", what, value, usage: "set" });
      let setting: unknown;
      switch (key) {
        case "language": {
          const v = value.toLowerCase();
          if (v !== "da" && v !== "en") return bad("language");
          setting = { key, value: v };
          break;
        }
        case "timezone":
        case "tidszone":
          if (!isTimeZone(value)) return bad("timezone");
          setting = { key: "timezone", value };
          break;
        case "anonymity":
        case "anonymitet": {
          const a = anonymityValue(value);
          if (!a) return bad("anonymity");
          setting = { key: "anonymity", value: a };
          break;
        }
        case "minimum-n":
        case "minimum":
        case "min-n": {
          if (!/^\d{1,2}$/.test(value) || Number(value) < 1) return bad("minimum-n");
          setting = { key: "minimum-n", value: Number(value) };
          break;
        }
        case "channel":
        case "kanal": {
          const c = parseChannelRef(value);
          if (!c) return bad("channel");
          setting = { key: "channel", value: c };
          break;
        }
        case "purpose":
        case "formål":
          setting = { key: "purpose", value };
          break;
        case "quiet":
        case "stille":
        case "ro": {
          const m = /^(\d{1,2})(?::00)?\s*[-–]\s*(\d{1,2})(?::00)?$/.exec(value);
          if (!m || Number(m[1]) > 23 || Number(m[2]) > 23) return bad("quiet");
          setting = { key: "quiet", from: Number(m[1]), to: Number(m[2]) };
          break;
        }
        case "quiet-weekends":
        case "stille-weekender": {
          const v = onOff(value);
          if (v === null) return bad("value");
          setting = { key: "quiet-weekends", value: v };
          break;
        }
        case "nudges": {
          if (onOff(value) === false) {
            setting = { key: "nudges", value: [] };
            break;
          }
          const ps = value.split(",").map((x) => x.trim().replace(/%$/, ""));
          if (ps.length > 5 || ps.some((x) => !/^\d{1,2}$/.test(x) || Number(x) < 1)) return bad("nudges");
          setting = { key: "nudges", value: [...new Set(ps.map(Number))].sort((a, b) => a - b) };
          break;
        }
        default:
          return fail({ error: "invalid", what: "setting", value: words[1]!, usage: "set" });
      }
      return finish(withP({ name: "set", setting }), "set");
    }
    case "language": {
      const e = allowed("language", []) ?? noExtra("language", 2);
      if (e) return fail(e);
      if (!words[1]) return fail({ error: "missing", what: "language", usage: "language" });
      const v = words[1].toLowerCase();
      if (v !== "da" && v !== "en") return fail({ error: "invalid", what: "language", value: words[1], usage: "language" });
      return finish({ name: "language", value: v }, "language");
    }
    case "export": {
      const e = allowed("export.csv", []) ?? noExtra("export.csv", 2);
      if (e) return fail(e);
      if (sub !== "csv") return fail(sub ? { error: "invalid", what: "format", value: words[1]!, usage: "export.csv" } : { error: "missing", what: "format", usage: "export.csv" });
      return finish(withP({ name: "export.csv" }), "export.csv");
    }
    case "mydata": {
      const e = allowed("mydata", []) ?? noExtra("mydata", 3);
      if (e) return fail(e);
      if (sub === "export") return guard(noExtra("mydata", 2)) ?? finish({ name: "mydata.export" }, "mydata");
      if (sub === "erase") {
        const c = words[2]?.toLowerCase();
        if (c !== undefined && c !== "confirm" && c !== "bekræft" && c !== "bekraeft") return fail({ error: "invalid", what: "confirmation", value: words[2]!, usage: "mydata" });
        return finish({ name: "mydata.erase", confirmed: c !== undefined }, "mydata");
      }
      return fail(sub ? { error: "invalid", what: "subcommand", value: words[1]!, usage: "mydata" } : { error: "missing", what: "subcommand", usage: "mydata" });
    }
    case "instrument": {
      if (sub === "list") return guard(allowed("instrument", []) ?? noExtra("instrument", 2)) ?? finish({ name: "instrument.list" }, "instrument");
      if (sub === "add") return fail({ error: "missing", what: "json", usage: "instrument" });
      return fail(sub ? { error: "invalid", what: "subcommand", value: words[1]!, usage: "instrument" } : { error: "missing", what: "subcommand", usage: "instrument" });
    }
    default:
      return fail({ error: "unknown-command", word: words[0]!.slice(0, 40) });
  }

  function guard(e: ParseError | null): ParseResult | null {
    return e ? { ok: false, ...e } : null;
  }
}

function onOff(s: string | undefined): boolean | null {
  const v = s?.toLowerCase();
  if (v === undefined) return null;
  if (["on", "til", "ja", "yes", "true"].includes(v)) return true;
  if (["off", "fra", "nej", "no", "false"].includes(v)) return false;
  return null;
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

function anonymityValue(s: string): "confidential" | "attributed" | null {
  const v = s.toLowerCase();
  if (["confidential", "fortrolig", "anonymous", "anonym"].includes(v)) return "confidential";
  if (["attributed", "navngivet", "named", "åben", "aaben"].includes(v)) return "attributed";
  return null;
}

function finish(candidate: Record<string, unknown>, usage: UsageKey): ParseResult {
  const r = Command.safeParse(candidate);
  if (r.success) return { ok: true, command: r.data };
  const issue = r.error.issues[0];
  const what = String(issue?.path[0] ?? "value");
  const value = String((candidate as Record<string, unknown>)[what] ?? "");
  return { ok: false, error: "invalid", what, value: value.slice(0, 60), usage };
}
