// Words people type are looked up in tables: command aliases, option names, help topics,
// settings, sectors, roles, i18n keys. A word that names something on Object.prototype
// ("constructor", "__proto__", "toString", …) must be just an unknown word: a clear error that
// names it, nothing changed — never a crash, never "[object Object]" or a function's source.
import { it, expect, beforeAll, describe } from "vitest";
import fc from "fast-check";
import { describeEachDatabase } from "../support/databases.ts";
import { Partnerpuls } from "../../src/core.ts";
import type { Actor } from "../../src/ports.ts";
import { plainOf, shownBlocks, type Message } from "../../src/messages/model.ts";
import { parseCommandUnguarded, parseCommand, Command, TOPICS, SECTORS, ROLES } from "../../src/commands/parse.ts";
import { helpMessage, HELP_TOPICS, usageOf } from "../../src/commands/help.ts";
import { t, hasKey, LANGS, type Key } from "../../src/i18n/i18n.ts";
import type { Database } from "../../src/store/database.ts";
import { parseRhythm } from "../../src/clock/recurrence.ts";

const PROTO = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "prototype", "isPrototypeOf", "__defineGetter__", "toLocaleString"] as const;
/** Words the parser and the help know, so generated lines reach deep into each command. */
const VOCAB = [
  "help", "hjælp", "partnership", "create", "list", "org", "add", "member", "remove", "checkin", "start", "close", "status", "remind", "digest",
  "action", "done", "set", "sæt", "language", "sprog", "timezone", "anonymity", "minimum-n", "channel", "purpose", "quiet", "quiet-weekends", "nudges",
  "export", "csv", "mydata", "erase", "instrument", "schedule", "checkins", "stop", "meeting", "send", "da", "en", "on", "off", "1", "1-7", "14d",
  "@{U1}", "#general", '"Sund By"', "sector", "roles", "org", "p", "partnership", "owner", "due", "at", "sections", "deadline", "window",
] as const;
/** What text must never show: an object or function leaking through a lookup. */
const LEAK = /undefined|\[object |function |native code|=>|NaN/;

// An error shows with the sign every adapter gives it (the core sets only `error`).
const textOf = (m: Message) =>
  shownBlocks(m)
    .map((b) => ("text" in b ? plainOf(b.text) : b.type === "fields" ? b.fields.map((f) => `${f.label}: ${f.value}`).join("\n") : b.type === "buttons" ? b.buttons.map((x) => x.label).join(" ") : ""))
    .join("\n");

/** Every line a person could type with the word `w` where a command expects a word of its own. */
function linesWith(w: string): string[] {
  return [
    `help ${w}`, `hjælp ${w}`, w, `${w} ${w}`, `${w}=1`, `status ${w}=1`, `org add "X" ${w}=1`,
    `set ${w} 1`, `set language ${w}`, `set anonymity ${w}`, `set timezone ${w}`, `set minimum-n ${w}`, `set quiet-weekends ${w}`, `set nudges ${w}`, `set quiet ${w}`, `set channel ${w}`,
    `language ${w}`, `nudges ${w}`,
    `org add "X" sector=${w}`, `org ${w}`,
    `member add @{U1} roles=${w}`, `member add @{U1} roles=partner,${w}`, `member add @{U1} org=${w}`, `member add ${w}`, `member remove ${w}`, `member ${w}`,
    `partnership create "P ${w}" language=${w}`, `partnership create "P ${w}" anonymity=${w}`, `partnership create "P ${w}" timezone=${w}`, `partnership create "P ${w}" channel=${w}`, `partnership ${w}`,
    `status partnership=${w}`, `status p=${w}`,
    `checkin ${w}`, `checkin start sections=${w}`, `checkin start deadline=${w}`, `checkin start instrument=${w}`,
    `action ${w}`, `action done ${w}`, `action add "X" owner=${w}`, `action add "X" due=${w}`,
    `schedule ${w}`, `schedule stop ${w}`, `schedule checkins "${w}"`, `schedule digest "monthly ${w}"`,
    `meeting ${w}`, `meeting send ${w}`, `meeting add "M" at=${w}`, `meeting add "M" at="2030-01-01 10:00" with=${w}`,
    `export ${w}`, `mydata ${w}`, `mydata erase ${w}`, `instrument ${w}`,
  ];
}

describe("looking up words that name Object.prototype's properties", () => {
  it("help explains no such topic, and says so in both languages", () => {
    for (const lang of LANGS)
      for (const w of PROTO) {
        const text = textOf(helpMessage(lang, w));
        expect(text, `${lang} help ${w}`).toContain(`"${w}"`);
        expect(text).not.toMatch(LEAK);
        expect(text).toMatch(lang === "en" ? /I don't know the command/ : /Jeg kender ikke kommandoen/);
      }
  });

  it("i18n has no such key, and t() of one gives back the key itself", () => {
    for (const w of PROTO) {
      expect(hasKey(w)).toBe(false);
      expect(hasKey(`what.${w}`)).toBe(false);
      for (const lang of LANGS) {
        expect(t(lang, w as Key)).toBe(w);
        expect(t(lang, `help.${w}` as Key)).toBe(`help.${w}`);
        // a placeholder is filled from the parameters' own properties only
        expect(t(lang, "parse.unknown-command", Object.create({ word: "inherited" }) as Record<string, string>)).toMatch(/\{word\}/);
      }
    }
  });

  it("the parser reads each as an unknown word, not as an alias, option, sector or role", () => {
    for (const w of PROTO)
      for (const line of linesWith(w)) {
        const r = parseCommandUnguarded(line);
        if (r.ok) {
          // Only where the word is a free-text value (a name, a rhythm) may the line parse.
          expect(JSON.stringify(r.command), line).toContain(w);
          expect(Command.safeParse(r.command).success, line).toBe(true);
        } else {
          expect(JSON.stringify(r), line).not.toMatch(LEAK);
          if ("usage" in r) expect((TOPICS as readonly string[]).includes(r.usage), line).toBe(true);
        }
      }
  });
});

describe("parsing any line made of those words and the command vocabulary (property)", () => {
  const word = fc.oneof(fc.constantFrom(...PROTO), fc.constantFrom(...VOCAB), fc.string({ maxLength: 6 }));
  const token = fc.oneof(
    { weight: 3, arbitrary: word },
    { weight: 2, arbitrary: fc.tuple(word, word).map(([k, v]) => `${k}=${v}`) },
    { weight: 1, arbitrary: word.map((w) => `"${w.replace(/"/g, "")}"`) },
  );
  const line = fc.array(token, { minLength: 0, maxLength: 6 }).map((ts) => ts.join(" "));

  it("the parser never throws, and what it returns is well formed", () => {
    fc.assert(
      fc.property(line, (s) => {
        const r = parseCommandUnguarded(s);
        expect(parseCommand(s)).toEqual(r);
        if (r.ok) {
          expect(Command.safeParse(r.command).success).toBe(true);
          if (r.command.name === "org.add") expect(SECTORS).toContain(r.command.sector);
          if (r.command.name === "member.add") for (const role of r.command.roles) expect(ROLES).toContain(role);
          return;
        }
        for (const [k, v] of Object.entries(r)) if (k !== "ok") expect(typeof v, k).toBe("string");
        if ("usage" in r) expect((TOPICS as readonly string[]).includes(r.usage)).toBe(true);
        if ("what" in r) for (const lang of LANGS) expect(t(lang, (hasKey(`what.${r.what}`) ? `what.${r.what}` : "what.value") as Key)).not.toMatch(LEAK);
      }),
      { numRuns: 2000 },
    );
  });

  it("every help and t() lookup of such a line gives a string", () => {
    fc.assert(
      fc.property(line, fc.constantFrom(...LANGS), (s, lang) => {
        const help = helpMessage(lang, s || undefined);
        for (const b of help.blocks) if ("text" in b) expect(typeof plainOf(b.text)).toBe("string");
        expect(textOf(help)).not.toMatch(/undefined|\[object |function |native code/);
        for (const key of [s, `help.${s}`, `what.${s}`, `sector.${s}`, `role.${s}`, `lang.${s}`, `setting.${s}`]) {
          const out = t(lang, key as Key);
          expect(typeof out).toBe("string");
          if (!hasKey(key)) expect(out).toBe(key);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("every help topic still has its page", () => {
    for (const lang of LANGS)
      for (const topic of HELP_TOPICS) {
        const text = textOf(helpMessage(lang, topic));
        expect(text).toContain(usageOf(lang, topic));
        expect(text).not.toMatch(/I don't know|Jeg kender ikke/);
      }
  });
});

describe("rhythms", () => {
  // The rhythm parser's word tables are looked up by own property only (src/clock/recurrence.ts),
  // so "every constructor" is an unknown word, named as such, not Object's constructor.
  it("refuse a weekday that names a prototype property as an unknown rhythm", () => {
    for (const w of ["constructor", "__proto__"]) {
      expect(parseRhythm(`every ${w}`)).toMatchObject({ ok: false, error: { code: "unknown-form" } });
      expect(parseRhythm(`first ${w} of each month`)).toMatchObject({ ok: false, error: { code: "unknown-form" } });
    }
  });
});

describeEachDatabase("prototype words through the core", (db) => {
  let core: Partnerpuls;
  const ws = { platform: "slack" as const, externalId: "TPROTO" };
  const coord: Actor = { workspace: ws, userId: "UCOORD", displayName: "Coordinator" };
  const dane: Actor = { workspace: ws, userId: "UDANE", locale: "da-DK" };
  const say = async (actor: Actor, line: string) => textOf(await core.command(actor, line));

  /** Everything a command could change, as it is now. */
  const snapshot = async (d: Database) => {
    const p = d.prisma;
    const [workspaces, people, partnerships, memberships, organisations, rounds, invitations, answers, actions, jobs, schedules, meetings, instruments, digests] = await Promise.all([
      p.workspace.findMany({ orderBy: { id: "asc" } }),
      p.person.findMany({ orderBy: { id: "asc" } }),
      p.partnership.findMany({ orderBy: { id: "asc" } }),
      p.membership.findMany({ orderBy: { id: "asc" } }),
      p.organisation.findMany({ orderBy: { id: "asc" } }),
      p.round.count(),
      p.invitation.count(),
      p.answer.count(),
      p.action.count(),
      p.job.count(),
      p.schedule.count(),
      p.meeting.count(),
      p.customInstrument.count(),
      p.digest.count(),
    ]);
    return { workspaces, people, partnerships, memberships, organisations, rounds, invitations, answers, actions, jobs, schedules, meetings, instruments, digests };
  };

  beforeAll(async () => {
    core = new Partnerpuls(db().prisma, { defaultLanguage: "en" });
    expect(await say(coord, 'partnership create "Sund By" language=en')).toMatch(/created/);
    expect(await say(coord, 'org add "Aarhus Kommune" sector=municipality')).toMatch(/Aarhus Kommune/);
    expect(await say(coord, "member add @{U1} org=\"Aarhus Kommune\" roles=partner")).toMatch(/@U1/);
  });

  for (const w of PROTO)
    it(`"${w}" anywhere a command takes a word gives a clear error that names it, and changes nothing`, async () => {
      const before = await snapshot(db());
      for (const line of linesWith(w)) {
        const reply = await say(coord, line);
        expect(reply, line).not.toMatch(LEAK);
        expect(reply, line).not.toMatch(/something went wrong/i);
        expect(reply, line).toMatch(/⚠️|I don't know the command/);
        expect(reply.toLowerCase(), line).toContain(w.toLowerCase());
      }
      // The same in Danish, for someone the bot does not know yet (it stores nobody for this).
      for (const line of [`hjælp ${w}`, w, `sprog ${w}`, `sæt ${w} 1`]) {
        const reply = await say(dane, line);
        expect(reply, line).not.toMatch(LEAK);
        expect(reply, line).toMatch(/⚠️|Jeg kender ikke kommandoen/);
        expect(reply, line).toContain(w);
      }
      // A rhythm naming a weekday that is no weekday is refused (see the known bug below for the wording).
      for (const line of [`schedule checkins "every ${w}"`, `schedule checkins "first ${w} of each month"`]) {
        const reply = await say(coord, line);
        expect(reply, line).not.toMatch(LEAK);
        expect(reply, line).toMatch(/⚠️/);
      }
      // A help button carrying the word as its topic
      expect(textOf(await core.action(coord, "help.topic", JSON.stringify({ topic: w })))).toContain(`"${w}"`);
      expect(await snapshot(db())).toEqual(before);
    });

  it("any line of those words and the command vocabulary gets a reply that leaks nothing (property)", async () => {
    // A workspace of its own: generated lines may legitimately create things there.
    const actor: Actor = { workspace: { platform: "slack", externalId: "TPROPERTY" }, userId: "UPROP" };
    const word = fc.oneof(fc.constantFrom(...PROTO), fc.constantFrom(...VOCAB));
    const line = fc.array(fc.oneof(word, fc.tuple(word, word).map(([k, v]) => `${k}=${v}`)), { minLength: 1, maxLength: 5 }).map((ts) => ts.join(" "));
    await fc.assert(
      fc.asyncProperty(line, async (s) => {
        const reply = textOf(await core.command(actor, s));
        expect(reply.length).toBeGreaterThan(0);
        expect(reply).not.toMatch(/undefined|\[object |function |native code/);
      }),
      { numRuns: 60 },
    );
  });
});
