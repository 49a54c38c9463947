// The command table is the one table of commands: each command has its usage and its help in both
// languages, help lists it where its runners will look for it, the core's registry has a room for
// it, and each usage line is written in words the parser reads in that language.
import { describe, it, expect } from "vitest";
import { REGISTRY } from "../../src/core/commands.ts";
import { whoMayRun } from "../../src/commands/table.ts";
import { COMMAND_TABLE, TOPICS, topicWho, parseCommand } from "../../src/commands/parse.ts";
import { HELP_TOPICS, HELP_GROUPS, helpMessage, usageOf, exampleOf, wordsOf } from "../../src/commands/help.ts";
import { commandWord } from "../../src/commands/vocabulary.ts";
import { t, hasKey, LANGS, type Key } from "../../src/i18n/i18n.ts";
import { plainOf } from "../../src/messages/model.ts";

describe("the command registry", () => {
  const entries = Object.entries(REGISTRY);

  it("covers every command the parser knows", () => {
    expect(entries.length).toBeGreaterThanOrEqual(30);
    const named = new Set(COMMAND_TABLE.map((f) => f.name));
    expect([...named].sort()).toEqual(Object.keys(REGISTRY).sort());
    for (const [name] of entries) {
      expect(["anyone", "member", "coordinator"]).toContain(whoMayRun(name as keyof typeof REGISTRY));
      const forms = COMMAND_TABLE.filter((f) => f.name === name);
      // Two ways of writing one command (schedule checkins / schedule digest) agree on who and topic.
      expect(new Set(forms.map((f) => f.who)).size, name).toBe(1);
      expect(new Set(forms.map((f) => f.topic)).size, name).toBe(1);
      for (const lang of LANGS) expect(usageOf(lang, forms[0]!.topic), `${name} has no usage in ${lang}`).toMatch(/\S/);
    }
  });

  it("explains every command in English and Danish, and help shows it", () => {
    for (const form of COMMAND_TABLE) {
      const topic = form.topic;
      expect(hasKey(`help.${topic}`), `help.${topic} for ${form.name}`).toBe(true);
      expect(hasKey(`usage.${topic}`), `usage.${topic} for ${form.name}`).toBe(true);
      const en = t("en", `help.${topic}` as Key);
      const da = t("da", `help.${topic}` as Key);
      expect(en).not.toBe(da);
      expect(HELP_TOPICS).toContain(topic);
      const page = helpMessage("da", topic);
      expect(page.blocks.some((b) => "text" in b && plainOf(b.text).includes(da))).toBe(true);
      expect(page.blocks.some((b) => "text" in b && plainOf(b.text).includes(usageOf("da", topic)))).toBe(true);
    }
  });

  it("lists each topic in help's overview, in that language's words, for the people who may run it", () => {
    for (const lang of LANGS) {
      const blocks = helpMessage(lang).blocks.map((b) => ("text" in b ? plainOf(b.text) : ""));
      for (const topic of TOPICS) {
        const groups = HELP_GROUPS.filter((g) => g.topics.includes(topic)).map((g) => g.role);
        expect(groups.length, `${topic} is in no group`).toBeGreaterThan(0);
        if (topicWho(topic) === "coordinator") expect(groups, topic).toEqual(["coordinators"]);
        for (const role of groups) expect(blocks.find((b) => b.startsWith(t(lang, `help.${role}`))), `${topic} in ${lang}`).toContain(`\`${wordsOf(lang, topic)}\``);
      }
      // Short enough for one screen: a line per command, no usage lines.
      expect(blocks.join("\n").split("\n").length).toBeLessThan(45);
    }
    expect(wordsOf("da", "checkin.start")).toBe("runde start");
  });

  it("gives an example of every topic, in each language's words, that runs as that topic's command", () => {
    for (const lang of LANGS)
      for (const topic of TOPICS) {
        const example = exampleOf(lang, topic);
        const parsed = parseCommand(example);
        expect(parsed.ok, `${lang} ${topic}: ${example} → ${JSON.stringify(parsed)}`).toBe(true);
        const forms = COMMAND_TABLE.filter((f) => f.topic === topic).map((f) => f.name);
        expect(forms, `${lang} ${topic}: ${example}`).toContain((parsed as { command: { name: string } }).command.name);
        expect(plainOf(helpMessage(lang, example.split(" ")[0]).blocks.map((b) => ("text" in b ? plainOf(b.text) : "")).join(" "))).toContain(example);
      }
  });

  it("suggests the nearest command for a mistyped one, in the person's language", () => {
    expect(parseCommand("checkin strat")).toMatchObject({ ok: false, error: "invalid", suggestion: "checkin start" });
    expect(parseCommand("runde strat")).toMatchObject({ ok: false, suggestion: "checkin start" });
    expect(parseCommand("chekin start")).toMatchObject({ ok: false, error: "unknown-command", suggestion: "checkin start" });
    expect(parseCommand("opsumering")).toMatchObject({ ok: false, suggestion: "digest" });
    expect(parseCommand("xyz")).not.toHaveProperty("suggestion");
  });

  it("writes every usage line in words the parser reads as that topic's commands, in both languages", () => {
    for (const lang of LANGS)
      for (const topic of TOPICS)
        for (const segment of usageOf(lang, topic).split("·")) {
          // The command's own words: those before the first argument or option.
          const words = segment.trim().split(/\s+/).filter((w, i, all) => all.slice(0, i + 1).every((x) => /^[\p{L}?-]+$/u.test(x)));
          const canonical = words.map((w) => commandWord(w));
          const form = COMMAND_TABLE.find((f) => f.words.every((w, i) => canonical[i] === w) && (f.words.length === 1 || canonical.length >= 2));
          expect(form, `"${segment.trim()}" (${lang})`).toBeDefined();
          expect(form!.topic, `"${segment.trim()}" (${lang})`).toBe(topic);
        }
  });

  it("reads the Danish examples help gives as the same commands as the English ones", () => {
    const pairs: [string, string][] = [
      ['partnerskab opret "Sund By" sprog=da tidszone=Europe/Copenhagen anonymitet=fortrolig kanal=#styregruppe', 'partnership create "Sund By" language=da timezone=Europe/Copenhagen anonymity=confidential channel=#styregruppe'],
      ['organisation tilføj "Aarhus Kommune" sektor=kommune', 'org add "Aarhus Kommune" sector=municipality'],
      ["medlem tilføj @mette organisation=Aarhus roller=partner,styregruppe", "member add @mette org=Aarhus roles=partner,steering"],
      ["medlem slet @mette bekræft", "member erase @mette confirm"],
      ["runde start afsnit=1-7 frist=31.12.2026", "checkin start sections=1-7 deadline=2026-12-31"],
      ["runde luk", "checkin close"],
      ['aftale tilføj "Send planen" ansvarlig=@mette dato=31.12.2026 møde="Styregruppen"', 'action add "Send planen" owner=@mette due=2026-12-31 meeting="Styregruppen"'],
      ["aftale færdig 3", "action done 3"],
      ['planlæg runder "første mandag i hvert kvartal kl. 9:00" afsnit=1-7 vindue=14d', 'schedule checkins "første mandag i hvert kvartal kl. 9:00" sections=1-7 window=14d'],
      ["planlæg stands opsummering", "schedule stop digest"],
      ['møde tilføj "Styregruppen" tid="10.12.2026 14:00" med=@a,@b afsnit=3 puls=3d', 'meeting add "Styregruppen" at="10.12.2026 14:00" with=@a,@b sections=3 pulse=3d'],
      ["sæt stille-weekender til", "set quiet-weekends on"],
      ["sæt påmindelser 50,85", "set nudges 50,85"],
      ["påmindelser fra", "nudges off"],
      ["mine-data slet bekræft", "mydata erase confirm"],
      ["eksport csv", "export csv"],
    ];
    for (const [da, en] of pairs) {
      const a = parseCommand(da);
      expect(a.ok, `${da} → ${JSON.stringify(a)}`).toBe(true);
      expect(a).toEqual(parseCommand(en));
    }
  });
});
