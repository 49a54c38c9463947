// Every message of the catalogue, filled with sample values, in English and in Danish, against
// approved snapshots (test/core/catalogue.en.txt, catalogue.da.txt). A change to a text shows up
// here as a diff to read: that is where Danish is checked as Danish (agreement, dates, times).
import { it, expect } from "vitest";
import { en } from "../../src/i18n/en.ts";
import { t, formatDate, formatDateTime, formatClock, LANGS, type Key, type Lang } from "../../src/i18n/i18n.ts";

/** A sample for each placeholder: numbers for counts, real dates and times, words for the rest. */
function sample(lang: Lang, name: string, n: number): string | number {
  const day = new Date(Date.UTC(2026, 11, 10, 13, 0));
  if (["n", "done", "overdue", "number", "i", "shown", "invited", "size", "day", "week", "count", "total", "people", "minimum"].includes(name)) return n;
  if (["date", "due", "deadline"].includes(name)) return formatDate(lang, day, "Europe/Copenhagen");
  if (["when", "next", "at"].includes(name)) return formatDateTime(lang, day, "Europe/Copenhagen");
  if (name === "time") return formatClock(lang, 9, 0);
  if (["partnership", "name", "title"].includes(name)) return "Sund By";
  if (["person", "owner"].includes(name)) return "@Mette Holm";
  return `‹${name}›`;
}

function render(lang: Lang): string {
  const lines: string[] = [];
  for (const key of Object.keys(en).sort() as Key[]) {
    const entry = en[key];
    const names = [...JSON.stringify(entry).matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const params = (n: number) => Object.fromEntries(names.map((name) => [name, sample(lang, name, n)]));
    if (typeof entry === "string") lines.push(`${key}: ${t(lang, key, params(3))}`);
    else for (const n of [1, 3]) lines.push(`${key} [n=${n}]: ${t(lang, key, params(n))}`);
  }
  return `${lines.join("\n")}\n`;
}

for (const lang of LANGS)
  it(`renders every message in ${lang === "en" ? "English" : "Danish"} as approved`, async () => {
    const out = render(lang);
    expect(out).not.toMatch(/\{\w+\}/); // every placeholder filled
    await expect(out).toMatchFileSnapshot(`./catalogue.${lang}.txt`);
  });
