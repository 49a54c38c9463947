import { describe, it, expect } from "vitest";
import { parseCommand, parseDateSpec, parseSections, parseUserRef, parseChannelRef } from "../../src/commands/parse.ts";
import { tokenize } from "../../src/commands/tokenize.ts";
import { agendaTimeOf, minutesOf } from "../../src/commands/values.ts";
import fc from "fast-check";

const ok = (text: string) => {
  const r = parseCommand(text);
  if (!r.ok) throw new Error(`${text} → ${JSON.stringify(r)}`);
  return r.command;
};

describe("the command parser", () => {
  it("reads a partnership with quoted name and options", () => {
    expect(ok('partnership create "Sund By" language=da timezone=Europe/Copenhagen anonymity=attributed channel=#{C123}')).toEqual({
      name: "partnership.create",
      title: "Sund By",
      language: "da",
      timezone: "Europe/Copenhagen",
      anonymity: "attributed",
      channel: "C123",
    });
  });

  it("accepts typographic quotes, as chat clients type them", () => {
    expect(ok("org add “Region Midtjylland” sector=region")).toMatchObject({ title: "Region Midtjylland", sector: "region" });
    expect(ok("org add „Aarhus Kommune“ sector=kommune")).toMatchObject({ title: "Aarhus Kommune", sector: "municipality" });
  });

  it("accepts Danish words", () => {
    expect(ok("hjælp")).toEqual({ name: "help" });
    expect(ok('medlem tilføj @{U1} organisation="Aarhus Kommune" roller=partner,styregruppe')).toEqual({
      name: "member.add",
      userId: "U1",
      org: "Aarhus Kommune",
      roles: ["partner", "steering"],
    });
    expect(ok("påmind")).toEqual({ name: "remind" });
    expect(ok("runde start afsnit=1,3 frist=14d")).toMatchObject({ name: "checkin.start", sections: [1, 3], deadline: { kind: "days", days: 14 } });
    expect(ok("aftale færdig 3")).toEqual({ name: "action.done", number: 3 });
    expect(ok("sæt sprog en")).toEqual({ name: "set", setting: { key: "language", value: "en" } });
  });

  it("reads a check-in with defaults", () => {
    expect(ok("checkin start")).toEqual({ name: "checkin.start", sections: "all", deadline: { kind: "days", days: 14 } });
    expect(ok("checkin start sections=1-7 deadline=2026-12-31 instrument=indig-domains")).toEqual({
      name: "checkin.start",
      instrument: "indig-domains",
      sections: [1, 2, 3, 4, 5, 6, 7],
      deadline: { kind: "date", year: 2026, month: 12, day: 31 },
    });
  });

  it("reads a meeting's commands, in either language", () => {
    expect(ok('meeting add "Styregruppe" at="2027-01-20 14:00" length=1h30m agenda=07:30')).toMatchObject({ name: "meeting.add", title: "Styregruppe", minutes: 90, agenda: { kind: "time", hour: 7, minute: 30 } });
    expect(ok('møde tilføj "Netværksmøde" tid="20.01.2027 10.00" varighed=90 dagsorden=1d')).toMatchObject({ name: "meeting.add", minutes: 90, agenda: { kind: "before", minutes: 1440 } });
    expect(ok("meeting add \"Net\" at=\"2027-01-20 10:00\" agenda=2h")).toMatchObject({ agenda: { kind: "before", minutes: 120 } });
    expect(ok("meeting agenda 2")).toEqual({ name: "meeting.agenda", number: 2 });
    expect(ok("møde dagsorden #2")).toEqual({ name: "meeting.agenda", number: 2 });
    expect(ok('møde punkt 2 "Budget for 2027"')).toEqual({ name: "meeting.point", number: 2, text: "Budget for 2027" });
    expect(ok('meeting move 2 at="2027-02-03 09:00"')).toEqual({ name: "meeting.move", number: 2, at: { year: 2027, month: 2, day: 3, hour: 9, minute: 0 } });
    expect(ok("møde luk 2")).toEqual({ name: "meeting.close", number: 2 });
    expect(ok("møde tilknyt 2")).toEqual({ name: "meeting.link", number: 2 });
    // What is wrong is named, and nothing runs.
    expect(parseCommand('meeting add "X" at="2027-01-20 10:00" length=forever')).toMatchObject({ ok: false, error: "invalid", what: "length" });
    expect(parseCommand('meeting add "X" at="2027-01-20 10:00" agenda=25:00')).toMatchObject({ ok: false, error: "invalid", what: "agenda-time" });
    expect(parseCommand("meeting point 2")).toMatchObject({ ok: false, error: "missing", what: "text" });
    expect(parseCommand("meeting move 2")).toMatchObject({ ok: false, error: "missing", what: "when" });
  });

  it("reads every length and agenda time it writes, and nothing out of range", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 * 60 }), (n) => {
        const h = Math.floor(n / 60);
        const m = n % 60;
        expect(minutesOf(`${h ? `${h}h` : ""}${m ? `${m}m` : ""}`, 24 * 60)).toBe(n);
        expect(minutesOf(String(n), 24 * 60)).toBe(n);
        expect(minutesOf(String(n + 24 * 60), 24 * 60)).toBeNull();
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), (h, m) => {
        expect(agendaTimeOf(`${h}:${String(m).padStart(2, "0")}`)).toEqual({ kind: "time", hour: h, minute: m });
        expect(agendaTimeOf(`${h + 24}:${String(m).padStart(2, "0")}`)).toBeNull();
      }),
    );
  });

  it("reads follow-up actions", () => {
    expect(ok('action add "Send the plan to the board" owner=@anders due=15.1.2027 meeting="Styregruppe 20/11"')).toEqual({
      name: "action.add",
      text: "Send the plan to the board",
      ownerId: "anders",
      due: { kind: "date", year: 2027, month: 1, day: 15 },
      meeting: "Styregruppe 20/11",
    });
  });

  it("names the partnership when asked to", () => {
    expect(ok('status partnership="Sund By"')).toEqual({ name: "status", partnership: "Sund By" });
    expect(ok('digest p="Sund By"')).toEqual({ name: "digest", partnership: "Sund By" });
  });

  it("says what is wrong, and how to write it", () => {
    expect(parseCommand("")).toEqual({ ok: false, error: "empty" });
    expect(parseCommand("fly away")).toEqual({ ok: false, error: "unknown-command", word: "fly" });
    expect(parseCommand('partnership create "Sund By')).toEqual({ ok: false, error: "unclosed-quote" });
    expect(parseCommand("org add Foo")).toEqual({ ok: false, error: "missing", what: "sector", usage: "org.add" });
    expect(parseCommand("org add Foo sector=spaceship")).toEqual({ ok: false, error: "invalid", what: "sector", value: "spaceship", usage: "org.add" });
    expect(parseCommand("org add Aarhus Kommune sector=municipality")).toEqual({ ok: false, error: "too-many", value: "Kommune", usage: "org.add" });
    expect(parseCommand("checkin start deadline=31.02.2027")).toMatchObject({ ok: false, what: "deadline" });
    expect(parseCommand("checkin start colour=blue")).toEqual({ ok: false, error: "unknown-option", option: "colour", usage: "checkin.start" });
    expect(parseCommand("set timezone Mars/Olympus")).toMatchObject({ ok: false, what: "timezone" });
    expect(parseCommand("member add anders")).toMatchObject({ ok: false, what: "person" });
    expect(parseCommand("set minimum-n 0")).toMatchObject({ ok: false, what: "minimum-n" });
  });

  it("asks for confirmation before erasing", () => {
    expect(ok("mydata erase")).toEqual({ name: "mydata.erase", confirmed: false });
    expect(ok("mine-data slet bekræft")).toEqual({ name: "mydata.erase", confirmed: true });
  });

  it("keeps instrument JSON whole", () => {
    expect(ok('instrument add {"key": "x y", "a": [1, 2]}')).toEqual({ name: "instrument.add", json: '{"key": "x y", "a": [1, 2]}' });
  });
});

describe("values", () => {
  it("reads dates the ways people write them", () => {
    expect(parseDateSpec("2026-12-01")).toEqual({ kind: "date", year: 2026, month: 12, day: 1 });
    expect(parseDateSpec("1.12.2026")).toEqual({ kind: "date", year: 2026, month: 12, day: 1 });
    expect(parseDateSpec("7")).toEqual({ kind: "days", days: 7 });
    expect(parseDateSpec("10dage")).toEqual({ kind: "days", days: 10 });
    expect(parseDateSpec("2026-02-30")).toBeNull();
    expect(parseDateSpec("0d")).toBeNull();
    expect(parseDateSpec("tomorrow")).toBeNull();
  });
  it("reads sections", () => {
    expect(parseSections("all")).toBe("all");
    expect(parseSections("s2,4-5")).toEqual([2, 4, 5]);
    expect(parseSections("5-2")).toBeNull();
    expect(parseSections("x")).toBeNull();
  });
  it("reads mentions in the adapters' neutral form and plain @names", () => {
    expect(parseUserRef("@{U123}")).toBe("U123");
    expect(parseUserRef("@mette")).toBe("mette");
    expect(parseUserRef("mette")).toBeNull();
    expect(parseChannelRef("#{C9}")).toBe("C9");
    expect(parseChannelRef("#styregruppe")).toBe("styregruppe");
  });
  it("tokenizes key=value with quotes", () => {
    const r = tokenize('a "b c" k="v w" x=y');
    expect(r.ok && [r.tokens.words, [...r.tokens.options]]).toEqual([["a", "b c"], [["k", "v w"], ["x", "y"]]]);
  });
});

describe("1,000 random command strings", () => {
  // A seeded generator: the same strings every run, so a failure can be reproduced.
  function rng(seed: number) {
    return () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
  }
  const words = ["partnership", "create", "org", "add", "member", "remove", "checkin", "start", "close", "status", "remind", "digest", "action", "done", "list", "set", "language", "timezone", "export", "csv", "mydata", "erase", "help", "hjælp", "runde", "påmind", "sæt", "instrument", '"', "“", "=", "sector=", "roles=", "deadline=", "due=", "@{U1}", "@x", "#{C1}", "#", "2026-13-40", "1-7", "da", "en", "ü", "\u0000", "💥", "{", "}", "\n", "p=", "\"Sund By\"", "999999999999"];
  const next = rng(20261123);
  const strings: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const n = Math.floor(next() * 8);
    const parts: string[] = [];
    for (let k = 0; k < n; k++) parts.push(next() < 0.8 ? words[Math.floor(next() * words.length)]! : String.fromCharCode(Math.floor(next() * 0x2fff)));
    strings.push(parts.join(next() < 0.8 ? " " : ""));
  }

  it("each produces a command or a named error, never an exception", () => {
    for (const s of strings) {
      const r = parseCommand(s);
      if (!r.ok) expect(["empty", "unclosed-quote", "unknown-command", "missing", "invalid", "unknown-option", "too-many"]).toContain(r.error);
      else expect(typeof r.command.name).toBe("string");
    }
  });
});
