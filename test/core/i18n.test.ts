import { describe, it, expect } from "vitest";
import { en } from "../../src/i18n/en.ts";
import { da } from "../../src/i18n/da.ts";
import { t, format, formatDecimal, formatClock, weekdayName, monthName, langFromLocale, type Entry, type Lang } from "../../src/i18n/i18n.ts";
import { helpMessage } from "../../src/commands/help.ts";
import { slackWords, slackText } from "../../adapters/slack/words.ts";
import { teamsWords, teamsText } from "../../adapters/teams/words.ts";

const placeholders = (e: Entry) => [...new Set([...(typeof e === "string" ? e : `${e.one} ${e.other}`).matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();

describe("the catalogues", () => {
  it("have the same keys in English and Danish", () => {
    expect(Object.keys(da).sort()).toEqual(Object.keys(en).sort());
  });

  it("use the same placeholders in both languages, and plurals count with {n}", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(da[key]), key).toEqual(placeholders(en[key]));
      for (const e of [en[key], da[key]] as Entry[]) if (typeof e !== "string") expect(`${e.one}${e.other}`, key).toMatch(/\{n\}/);
    }
  });

  it("has no empty string, and Danish differs from English where words are involved", () => {
    // The entries that are rightly the same in both languages, by name: any other is an untranslated copy.
    const SAME = ["role.partner", "sector.region", "ok.setting", "home.title", "rhythm.describe.cron", "page.tabs.label", "page.command.send", "usage.status", "example.status", "digest.actions-value", "digest.lowest-line", "digest.followed-line", "digest.map-line", "report.col.score", "report.series", "agenda.when", "web.title"];
    const same: string[] = [];
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      const d = da[key];
      expect(typeof d === "string" ? d : d.one + d.other, key).not.toBe("");
      if (JSON.stringify(d) === JSON.stringify(en[key])) same.push(key);
    }
    expect(same.sort()).toEqual([...SAME].sort());
  });

  it("writes times, weekdays and months as each language does (Intl)", () => {
    expect(formatClock("en", 9, 0)).toBe("09:00");
    expect(formatClock("da", 9, 0)).toBe("9.00");
    expect(formatClock("da", 15, 30)).toBe("15.30");
    expect([0, 1, 6].map((d) => weekdayName("en", d))).toEqual(["Sunday", "Monday", "Saturday"]);
    expect([0, 1, 6].map((d) => weekdayName("da", d))).toEqual(["søndag", "mandag", "lørdag"]);
    expect([1, 10].map((m) => monthName("da", m))).toEqual(["januar", "oktober"]);
    expect(monthName("en", 4)).toBe("April");
  });

  it("holds the rhythm texts and the playground page's words in both languages", () => {
    const keys = Object.keys(en);
    for (const prefix of ["rhythm.error.", "rhythm.describe.", "rhythm.nth.", "rhythm.field.", "page."]) expect(keys.some((k) => k.startsWith(prefix)), prefix).toBe(true);
    expect(t("da", "rhythm.describe.weekly", { weekday: weekdayName("da", 1), time: formatClock("da", 9, 30) })).toBe("hver mandag kl. 9.30");
  });

  it("chooses plural forms", () => {
    expect(t("en", "ok.reminded", { n: 1 })).toBe("Reminded 1 person who has not finished.");
    expect(t("en", "ok.reminded", { n: 2 })).toBe("Reminded 2 people who have not finished.");
    expect(t("da", "ok.reminded", { n: 1 })).toBe("Påmindelse sendt til 1 person, der ikke er færdig.");
    expect(t("da", "ok.reminded", { n: 0 })).toBe("Påmindelse sendt til 0 personer, der ikke er færdige.");
    // Each count agrees with its own adjective ("1 forsinkede" was wrong).
    const actions = (open: number, overdue: number) => t("da", "digest.actions-value", { open: t("da", "digest.actions-open", { n: open }), overdue: t("da", "digest.actions-overdue", { n: overdue }) });
    expect(actions(1, 0)).toBe("1 åben, 0 forsinkede");
    expect(actions(3, 1)).toBe("3 åbne, 1 forsinket");
    expect(actions(3, 2)).toBe("3 åbne, 2 forsinkede");
  });

  it("writes decimals the Danish way in Danish", () => {
    expect(formatDecimal("da", 18.25)).toBe("18,3");
    expect(formatDecimal("en", 18.25)).toBe("18.3");
  });

  it("picks a language from a platform locale", () => {
    expect(langFromLocale("da-DK")).toBe("da");
    expect(langFromLocale("en_US")).toBe("en");
    expect(langFromLocale("sv-SE")).toBeNull();
  });

  it("has help for every command in both languages", () => {
    for (const lang of ["en", "da"] as const) {
      const m = helpMessage(lang);
      expect(m.blocks.length).toBeGreaterThan(3);
      expect(JSON.stringify(m)).toContain(lang === "en" ? "checkin start" : "runde start");
    }
    expect(JSON.stringify(helpMessage("da", "runde"))).toContain("Send tjeklisten");
  });
});

// Each adapter's own words (adapters/*/words.ts) are held to the core catalogue's checks.
const ADAPTER_WORDS: [string, Record<Lang, Record<string, Entry>>][] = [
  ["Slack", slackWords],
  ["Teams", teamsWords],
];

describe.each(ADAPTER_WORDS)("%s's own words", (_, words) => {
  const keys = Object.keys(words.en);

  it("have the same keys in English and Danish", () => {
    expect(keys.length).toBeGreaterThan(0);
    expect(Object.keys(words.da).sort()).toEqual([...keys].sort());
  });

  it("use the same placeholders in both languages, and plurals count with {n}", () => {
    for (const key of keys) {
      expect(placeholders(words.da[key]!), key).toEqual(placeholders(words.en[key]!));
      for (const e of [words.en[key]!, words.da[key]!]) if (typeof e !== "string") expect(`${e.one}${e.other}`, key).toMatch(/\{n\}/);
    }
  });

  it("have no empty string, and Danish differs from English", () => {
    for (const key of keys) {
      const d = words.da[key]!;
      expect(typeof d === "string" ? d : d.one + d.other, key).not.toBe("");
      expect(JSON.stringify(d), key).not.toBe(JSON.stringify(words.en[key]));
    }
  });
});

describe("an adapter's lookup", () => {
  it("formats by the core's rules: plural forms, placeholders, decimals", () => {
    expect(slackText("en", "truncated", { n: 1 })).toBe("… and 1 more part that does not fit in one Slack message.");
    expect(slackText("da", "truncated", { n: 3 })).toBe("… og 3 dele mere, der ikke kan være i én Slack-besked.");
    expect(teamsText("da", "file-link-note", { n: 1 })).toMatch(/^Linket virker i 1 time\./);
    expect(teamsText("en", "file-download", { filename: "results.csv" })).toBe("Download results.csv");
    expect(format("da", "{x} point", { x: 3.5 })).toBe("3,5 point");
    expect(format("en", { one: "{n} thing", other: "{n} things" }, { n: 2 })).toBe("2 things");
  });
});
