// The table of commands: for each way of writing a command, its words, the options it takes, who
// may run it, the help topic that explains it, and how its arguments become a command. The parser
// (parse.ts), help, the Slack modal and the Teams command menu all read this one table; the core's
// registry (src/core/commands.ts) adds the room that runs each command.
import type { CommandName } from "./command.ts";
import type { CommandWord, OptionWord } from "./vocabulary.ts";
import { settingWord, commandWord } from "./vocabulary.ts";
import { parseUserRef, parseChannelRef } from "./mentions.ts";
import { JOIN_CODE_DEFAULTS, JOIN_CODE_LIMITS } from "../domain/join-codes.ts";
import { agendaTimeOf, anonymityOf, daysOf, minutesOf, isTimeZone, languageOf, numberOf, onOff, parseDateSpec, parseDateTime, parseSections, roleOf, sectorOf, type Role } from "./values.ts";

/** Who may run a command: anyone (it is about themselves), a partnership's members, or its coordinators. */
export type Who = "anyone" | "member" | "coordinator";

/** A help topic: one entry of `help`, with its usage line and explanation in the catalogue. */
export const TOPICS = [
  "help", "overview", "partnership.create", "partnership.list", "language", "nudges", "mydata", "instrument", "status", "action.list", "action.done",
  "purpose.add", "org.add", "member.add", "member.remove", "member.erase", "checkin.start", "checkin.close", "remind", "digest",
  "action.add", "schedule", "meeting", "set", "export.csv", "report", "invite", "join",
] as const;
export type Topic = (typeof TOPICS)[number];

export type ParseError =
  | { error: "empty" }
  | { error: "unclosed-quote" }
  | { error: "unknown-command"; word: string; suggestion?: string }
  | { error: "missing"; what: string; usage: Topic }
  | { error: "invalid"; what: string; value: string; usage: Topic; suggestion?: string }
  | { error: "unknown-option"; option: string; usage: Topic }
  | { error: "too-many"; value: string; usage: Topic };

/** What a form's reader gets: the words after the command's own, and the options (canonical names). */
export interface Args {
  args: readonly string[];
  options: ReadonlyMap<string, string>;
  missing(what: string): ParseError;
  invalid(what: string, value: string): ParseError;
}
export type Candidate = Record<string, unknown>;

export interface CommandForm {
  name: CommandName;
  /** the canonical words that start it: one, or a command and its subcommand */
  words: readonly [CommandWord] | readonly [CommandWord, CommandWord];
  topic: Topic;
  who: Who;
  /** options it takes, besides partnership= */
  options?: readonly OptionWord[];
  /** how many words may follow its own (default none) */
  args?: number;
  /** it takes the rest of the line as it was typed, unsplit (JSON) */
  raw?: boolean;
  read?(a: Args): Candidate | ParseError;
}

export const isParseError = (x: object): x is ParseError => typeof (x as { error?: unknown }).error === "string";

/** "3" or "#3": the meeting a command is about. */
function meetingNumber(a: Args): { number: number } | ParseError {
  if (!a.args[0]) return a.missing("number");
  const n = numberOf(a.args[0]);
  return n === null ? a.invalid("number", a.args[0]) : { number: n };
}

function person(a: Args, i: number): string | ParseError {
  const w = a.args[i];
  if (!w) return a.missing("person");
  return parseUserRef(w) ?? a.invalid("person", w);
}

function confirmation(a: Args, i: number): boolean | ParseError {
  const w = a.args[i];
  if (w === undefined) return false;
  return commandWord(w) === "confirm" ? true : a.invalid("confirmation", w);
}

/** Reads the options that hold values; the first bad one is the error. */
function withOptions(a: Args, base: Candidate, readers: Partial<Record<OptionWord, (v: string) => unknown | null>>): Candidate | ParseError {
  const out = { ...base };
  for (const [name, read] of Object.entries(readers) as [OptionWord, (v: string) => unknown | null][]) {
    const raw = a.options.get(name);
    if (raw === undefined) continue;
    const v = read(raw);
    if (v === undefined) continue;
    if (v === null) return a.invalid(WHAT[name] ?? name, raw);
    out[KEY[name] ?? name] = v;
  }
  return out;
}
/** The name an option's error uses, where it differs from the option's. */
const WHAT: Partial<Record<OptionWord, string>> = { owner: "person", due: "date", with: "person", pulse: "days", statement: "statement", length: "length", agenda: "agenda-time" };
/** The command's field an option fills, where it differs from the option's. */
const KEY: Partial<Record<OptionWord, string>> = { owner: "ownerId", window: "windowDays", pulse: "pulseDays", statement: "statementId", length: "minutes", valid: "days" };

const text = (v: string) => v;
/** A statement's id as the digest shows it (s3.2). */
const statementId = (v: string) => (/^[a-z0-9][a-z0-9._-]{0,62}$/i.test(v) ? v.toLowerCase() : null);
const people = (v: string): string[] | null => {
  const ids = v.split(/[\s,]+/).filter(Boolean).map(parseUserRef);
  return ids.length > 0 && ids.every((x) => x !== null) ? (ids as string[]) : null;
};

function roles(a: Args): Role[] | ParseError {
  const raw = a.options.get("roles") ?? "partner";
  const out: Role[] = [];
  for (const r of raw.split(",").map((x) => x.trim().toLowerCase()).filter(Boolean)) {
    const role = roleOf(r);
    if (!role) return a.invalid("role", r);
    if (!out.includes(role)) out.push(role);
  }
  return out.length ? out : a.invalid("role", raw);
}

/** `set <setting> <value>` */
function setting(a: Args): Candidate | ParseError {
  const [typed, value] = a.args;
  if (!typed) return a.missing("setting");
  if (value === undefined) return a.missing("value");
  const key = settingWord(typed);
  const bad = (what: string) => a.invalid(what, value);
  const of = (s: Candidate | null, what: string) => (s ? { setting: s } : bad(what));
  switch (key) {
    case "language": {
      const v = languageOf(value);
      return of(v && { key, value: v }, "language");
    }
    case "timezone":
      return of(isTimeZone(value) ? { key, value } : null, "timezone");
    case "anonymity": {
      const v = anonymityOf(value);
      return of(v && { key, value: v }, "anonymity");
    }
    case "minimum-n":
      return of(/^\d{1,2}$/.test(value) && Number(value) >= 1 ? { key, value: Number(value) } : null, "minimum-n");
    case "channel": {
      const c = parseChannelRef(value);
      return of(c ? { key, value: c } : null, "channel");
    }
    case "purpose":
      return { setting: { key, value } };
    case "quiet": {
      const m = /^(\d{1,2})(?::00)?\s*[-–]\s*(\d{1,2})(?::00)?$/.exec(value);
      return of(m && Number(m[1]) <= 23 && Number(m[2]) <= 23 ? { key, from: Number(m[1]), to: Number(m[2]) } : null, "quiet");
    }
    case "quiet-weekends":
    case "by-sector": {
      const v = onOff(value);
      return of(v === null ? null : { key, value: v }, "value");
    }
    case "nudges": {
      if (onOff(value) === false) return { setting: { key, value: [] } };
      const ps = value.split(",").map((x) => x.trim().replace(/%$/, ""));
      if (ps.length > 5 || ps.some((x) => !/^\d{1,2}$/.test(x) || Number(x) < 1)) return bad("nudges");
      return { setting: { key, value: [...new Set(ps.map(Number))].sort((x, y) => x - y) } };
    }
    default:
      return a.invalid("setting", typed);
  }
}

function schedule(kind: "round" | "digest") {
  return (a: Args): Candidate | ParseError => {
    if (!a.args[0]) return a.missing("rhythm");
    return withOptions(a, { kind, rhythm: a.args[0] }, {
      sections: parseSections,
      window: (v) => {
        const d = parseDateSpec(v);
        return d && d.kind === "days" && d.days <= 90 ? d.days : null;
      },
      instrument: text,
    });
  };
}

/** Every way of writing every command. Order matters twice: a command's first form names the
 * topic its errors point to, and help lists topics in this order. */
export const COMMAND_TABLE: readonly CommandForm[] = [
  { name: "help", words: ["help"], topic: "help", who: "anyone", args: Infinity, read: (a) => (a.args.length ? { topic: a.args.join(" ") } : {}) },
  { name: "overview", words: ["overview"], topic: "overview", who: "anyone" },
  {
    name: "partnership.create", words: ["partnership", "create"], topic: "partnership.create", who: "anyone",
    options: ["purpose", "language", "timezone", "anonymity", "channel"], args: 1,
    read: (a) => (a.args[0] ? withOptions(a, { title: a.args[0] }, { language: languageOf, timezone: (v) => (isTimeZone(v) ? v : null), anonymity: anonymityOf, channel: parseChannelRef, purpose: text }) : a.missing("name")),
  },
  { name: "partnership.list", words: ["partnership", "list"], topic: "partnership.list", who: "anyone" },
  {
    name: "language", words: ["language"], topic: "language", who: "anyone", args: 1,
    read: (a) => (a.args[0] ? ((v) => (v ? { value: v } : a.invalid("language", a.args[0]!)))(languageOf(a.args[0])) : a.missing("language")),
  },
  {
    name: "nudges", words: ["nudges"], topic: "nudges", who: "anyone", args: 1,
    read: (a) => ((v) => (v !== null ? { on: v } : a.args[0] ? a.invalid("value", a.args[0]) : a.missing("value")))(onOff(a.args[0])),
  },
  { name: "mydata.export", words: ["mydata", "export"], topic: "mydata", who: "anyone" },
  { name: "mydata.erase", words: ["mydata", "erase"], topic: "mydata", who: "anyone", args: 1, read: (a) => ((c) => (typeof c === "boolean" ? { confirmed: c } : c))(confirmation(a, 0)) },
  { name: "instrument.list", words: ["instrument", "list"], topic: "instrument", who: "anyone" },
  { name: "instrument.add", words: ["instrument", "add"], topic: "instrument", who: "anyone", raw: true, args: 1, read: (a) => (a.args[0] ? { json: a.args[0] } : a.missing("json")) },
  { name: "status", words: ["status"], topic: "status", who: "member" },
  { name: "action.add", words: ["action", "add"], topic: "action.add", who: "coordinator", options: ["owner", "due", "meeting", "statement"], args: 1,
    read: (a) => (a.args[0] ? withOptions(a, { text: a.args[0] }, { owner: parseUserRef, due: parseDateSpec, meeting: text, statement: statementId }) : a.missing("text")) },
  { name: "action.list", words: ["action", "list"], topic: "action.list", who: "member" },
  { name: "action.done", words: ["action", "done"], topic: "action.done", who: "member", args: 1,
    read: (a) => (a.args[0] ? ((n) => (n === null ? a.invalid("number", a.args[0]!) : { number: n }))(numberOf(a.args[0])) : a.missing("number")) },
  { name: "purpose.add", words: ["purpose", "add"], topic: "purpose.add", who: "coordinator", args: 1, read: (a) => (a.args[0] ? { text: a.args[0] } : a.missing("text")) },
  { name: "purpose.list", words: ["purpose", "list"], topic: "purpose.add", who: "member" },
  { name: "org.add", words: ["org", "add"], topic: "org.add", who: "coordinator", options: ["sector"], args: 1,
    read: (a) => {
      if (!a.args[0]) return a.missing("name");
      const raw = a.options.get("sector");
      if (raw === undefined) return a.missing("sector");
      const sector = sectorOf(raw);
      return sector ? { title: a.args[0], sector } : a.invalid("sector", raw);
    } },
  { name: "org.list", words: ["org", "list"], topic: "org.add", who: "member" },
  // `member add "Inge Lund" org=… web`: someone with no chat account, who answers on a page of their own.
  { name: "member.add", words: ["member", "add"], topic: "member.add", who: "coordinator", options: ["org", "roles"], args: 2,
    read: (a) => {
      const r = roles(a);
      if (!Array.isArray(r)) return r;
      const org = a.options.has("org") ? { org: a.options.get("org") } : {};
      if (commandWord(a.args[1]) === "web") return a.args[0] ? { webName: a.args[0], roles: r, ...org } : a.missing("name");
      if (a.args[1] !== undefined) return { error: "too-many", value: a.args[1], usage: "member.add" };
      const userId = person(a, 0);
      if (typeof userId !== "string") return userId;
      return { userId, roles: r, ...org };
    } },
  { name: "member.list", words: ["member", "list"], topic: "member.add", who: "member" },
  // People of other organisations, in their own workspaces: a code to pass on, and `join <code>` there.
  { name: "partnership.invite", words: ["partnership", "invite"], topic: "invite", who: "coordinator", options: ["org", "roles", "valid", "uses"],
    read: (a) => {
      const r = roles(a);
      if (!Array.isArray(r)) return r;
      return withOptions(a, { roles: r, days: JOIN_CODE_DEFAULTS.days, uses: JOIN_CODE_DEFAULTS.uses, ...(a.options.has("org") ? { org: a.options.get("org") } : {}) }, {
        valid: (v) => daysOf(v, JOIN_CODE_LIMITS.days),
        uses: (v) => ((n) => (n !== null && n <= JOIN_CODE_LIMITS.uses ? n : null))(numberOf(v)),
      });
    } },
  { name: "invite.list", words: ["invite", "list"], topic: "invite", who: "coordinator" },
  { name: "invite.revoke", words: ["invite", "revoke"], topic: "invite", who: "coordinator", args: 1,
    read: (a) => (a.args[0] ? ((n) => (n === null ? a.invalid("number", a.args[0]!) : { number: n }))(numberOf(a.args[0])) : a.missing("number")) },
  // The code as typed, in one word or in its four groups.
  { name: "join", words: ["join"], topic: "join", who: "anyone", args: 4, read: (a) => (a.args.length ? { code: a.args.join("") } : a.missing("code")) },
  { name: "member.remove", words: ["member", "remove"], topic: "member.remove", who: "coordinator", args: 1,
    read: (a) => ((id) => (typeof id === "string" ? { userId: id } : id))(person(a, 0)) },
  // A coordinator erases a member who asked by mail; without `confirm` it only says what would happen.
  { name: "member.erase", words: ["member", "erase"], topic: "member.erase", who: "coordinator", args: 2,
    read: (a) => {
      const userId = person(a, 0);
      if (typeof userId !== "string") return userId;
      const c = confirmation(a, 1);
      return typeof c === "boolean" ? { userId, confirmed: c } : c;
    } },
  { name: "checkin.start", words: ["checkin", "start"], topic: "checkin.start", who: "coordinator", options: ["instrument", "sections", "deadline"],
    read: (a) => withOptions(a, { sections: "all", deadline: { kind: "days", days: 14 } }, { sections: parseSections, deadline: parseDateSpec, instrument: (v) => v || undefined }) },
  { name: "checkin.close", words: ["checkin", "close"], topic: "checkin.close", who: "coordinator" },
  { name: "remind", words: ["remind"], topic: "remind", who: "coordinator" },
  { name: "digest", words: ["digest"], topic: "digest", who: "coordinator" },
  { name: "schedule.set", words: ["schedule", "checkin"], topic: "schedule", who: "coordinator", options: ["sections", "window", "instrument"], args: 1, read: schedule("round") },
  { name: "schedule.set", words: ["schedule", "digest"], topic: "schedule", who: "coordinator", args: 1, read: schedule("digest") },
  { name: "schedule.list", words: ["schedule", "list"], topic: "schedule", who: "member" },
  { name: "schedule.stop", words: ["schedule", "stop"], topic: "schedule", who: "coordinator", args: 1,
    read: (a) => {
      const w = commandWord(a.args[0]);
      const kind = w === "checkin" ? "round" : w === "digest" ? "digest" : null;
      return kind ? { kind } : a.args[0] ? a.invalid("schedule", a.args[0]) : a.missing("schedule");
    } },
  { name: "meeting.add", words: ["meeting", "add"], topic: "meeting", who: "coordinator", options: ["at", "with", "sections", "pulse", "length", "agenda"], args: 1,
    read: (a) => {
      if (!a.args[0]) return a.missing("text");
      const atRaw = a.options.get("at");
      if (atRaw === undefined) return a.missing("when");
      const at = parseDateTime(atRaw);
      if (!at) return a.invalid("when", atRaw);
      const withRaw = a.options.get("with");
      if (withRaw !== undefined && !people(withRaw)) {
        const words = withRaw.split(/[\s,]+/);
        return a.invalid("person", words.find((w) => w && !parseUserRef(w)) ?? withRaw);
      }
      return withOptions(a, { title: a.args[0], at }, {
        with: people,
        sections: (v) => ((s) => (s && s !== "all" ? s : null))(parseSections(v)),
        pulse: (v) => daysOf(v, 30),
        length: (v) => minutesOf(v, 24 * 60),
        agenda: agendaTimeOf,
      });
    } },
  { name: "meeting.list", words: ["meeting", "list"], topic: "meeting", who: "member" },
  { name: "meeting.send", words: ["meeting", "send"], topic: "meeting", who: "coordinator", args: 1, read: (a) => meetingNumber(a) },
  { name: "meeting.agenda", words: ["meeting", "agenda"], topic: "meeting", who: "coordinator", args: 1, read: (a) => meetingNumber(a) },
  { name: "meeting.point", words: ["meeting", "point"], topic: "meeting", who: "coordinator", args: 2,
    read: (a) => ((n) => (isParseError(n) ? n : a.args[1] ? { ...n, text: a.args[1] } : a.missing("text")))(meetingNumber(a)) },
  { name: "meeting.move", words: ["meeting", "move"], topic: "meeting", who: "coordinator", options: ["at"], args: 1,
    read: (a) => {
      const n = meetingNumber(a);
      if (isParseError(n)) return n;
      const atRaw = a.options.get("at");
      if (atRaw === undefined) return a.missing("when");
      const at = parseDateTime(atRaw);
      return at ? { ...n, at } : a.invalid("when", atRaw);
    } },
  { name: "meeting.close", words: ["meeting", "close"], topic: "meeting", who: "coordinator", args: 1, read: (a) => meetingNumber(a) },
  { name: "meeting.link", words: ["meeting", "link"], topic: "meeting", who: "coordinator", args: 1, read: (a) => meetingNumber(a) },
  { name: "set", words: ["set"], topic: "set", who: "coordinator", args: 2, read: setting },
  { name: "export.csv", words: ["export", "csv"], topic: "export.csv", who: "coordinator" },
  // Members, of whom the room lets coordinators and the steering group have a link.
  { name: "report.link", words: ["report"], topic: "report", who: "member" },
  { name: "report.revoke", words: ["report", "revoke"], topic: "report", who: "coordinator" },
];

/** What a missing or unknown subcommand is called, where it is not "subcommand". */
export const SUBCOMMAND_WHAT: Partial<Record<CommandWord, string>> = { export: "format" };

const FORM_OF: ReadonlyMap<CommandName, CommandForm> = new Map(COMMAND_TABLE.map((f) => [f.name, f]));

/** Who may run a command: its form's runners. */
export function whoMayRun(name: CommandName): Who {
  return FORM_OF.get(name)!.who;
}

/** Who a help topic is for: its first form's runners. */
export function topicWho(topic: Topic): Who {
  return COMMAND_TABLE.find((f) => f.topic === topic)!.who;
}
