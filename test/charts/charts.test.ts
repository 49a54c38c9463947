// The five charts: what the SVG says (titles, labels, values at their positions) in both
// languages, and what the PNG looks like against a golden image, within a tolerance: the same
// fonts ship with the project, so the pixels differ only where rendering itself changes.
// UPDATE_GOLDEN=1 writes the golden images anew (look at them before committing).
import { describe, it, expect } from "vitest";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PNG } from "pngjs";
import pixelmatch from "pixelmatch";
import { sectionsChart, totalsChart, mapChart, purposesChart, spreadChart, ORDERED, type Chart } from "../../src/charts/charts.ts";
import { pngOf, svgOf } from "../../src/charts/render.ts";
import type { Lang } from "../../src/i18n/i18n.ts";

const golden = path.join(path.dirname(fileURLToPath(import.meta.url)), "golden");
/** Share of pixels that may differ (anti-aliasing, a renderer's rounding) before a chart counts as changed. */
const TOLERANCE = 0.005;

const levels = { en: ["No link", "Networking", "Coordinating", "Cooperating", "Collaborating"], da: ["Ingen forbindelse", "Netværk", "Koordinering", "Samarbejde", "Fuldt samarbejde"] };
const orgs = ["Aarhus Kommune", "Region Midtjylland", "Kræftens Bekæmpelse", "Aarhus Universitet", "Ældre Sagen"];

const make: Record<Chart["kind"], (lang: Lang) => Promise<Chart>> = {
  sections: (lang) =>
    sectionsChart(lang, {
      roundNumber: 3, previousRoundNumber: 2, min: 5, max: 25,
      sections: [
        { label: lang === "da" ? "Behovet for partnerskabet" : "Need for the partnership", now: 18.4, before: 16 },
        { label: lang === "da" ? "Tillid og åbenhed" : "Trust and openness", now: 12, before: 14.5 },
        { label: lang === "da" ? "Gennemførelse" : "Implementation", now: 21, before: null },
      ],
    }),
  totals: (lang) =>
    totalsChart(lang, {
      rounds: [{ roundNumber: 1, total: 88 }, { roundNumber: 2, total: 104.5 }, { roundNumber: 3, total: 131 }],
      bands: lang === "da" ? [{ label: "Grundlæggende", min: 35, max: 84 }, { label: "Godt på vej", min: 85, max: 126 }, { label: "Stærkt", min: 127, max: 175 }] : [{ label: "Basic", min: 35, max: 84 }, { label: "On the way", min: 85, max: 126 }, { label: "Strong", min: 127, max: 175 }],
      min: 35, max: 175,
    }),
  map: (lang) =>
    mapChart(lang, {
      organisations: orgs, levels: levels[lang],
      pairs: [{ a: orgs[0]!, b: orgs[1]!, now: 3, want: 4 }, { a: orgs[0]!, b: orgs[2]!, now: 1, want: 1 }, { a: orgs[1]!, b: orgs[3]!, now: 2, want: 2 }, { a: orgs[4]!, b: orgs[3]!, now: 0, want: 2 }, { a: orgs[2]!, b: orgs[4]!, now: 0, want: 0 }],
    }),
  purposes: (lang) =>
    purposesChart(lang, {
      levels: levels[lang].slice(1),
      purposes: [{ label: lang === "da" ? "Dele viden" : "Share knowledge", counts: { [levels[lang][1]!]: 4, [levels[lang][2]!]: 2 } }, { label: lang === "da" ? "Fælles indsats for ældre" : "Joint work for older people", counts: { [levels[lang][3]!]: 3, [levels[lang][4]!]: 3 } }],
    }),
  spread: (lang) =>
    spreadChart(lang, { points: [1, 2, 3, 4, 5], items: [{ id: "s3.2", text: lang === "da" ? "Målene er fælles" : "The aims are shared", distribution: [2, 0, 1, 0, 3] }, { id: "s5.1", text: lang === "da" ? "Ansvar er fordelt" : "Roles are clear", distribution: [0, 3, 0, 0, 3] }] }),
};

/** The texts the SVG draws, decoded. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&#39;/g, "'").replace(/&quot;/g, '"'));
}

/** Each mark's accessible label and its path, as vega writes them. */
function marks(svg: string): { label: string; d: string }[] {
  return [...svg.matchAll(/<path aria-label="([^"]*)"[^>]* d="([^"]*)"/g)].map((m) => ({ label: m[1]!, d: m[2]! }));
}

describe("charts", () => {
  for (const kind of Object.keys(make) as Chart["kind"][])
    it(`${kind}: looks like its golden image`, async () => {
      const chart = await make[kind]("da");
      const png = PNG.sync.read(pngOf(chart.svg));
      const file = path.join(golden, `${kind}.da.png`);
      if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, PNG.sync.write(png));
      expect(existsSync(file), `${file} is missing: run with UPDATE_GOLDEN=1 and look at it`).toBe(true);
      const want = PNG.sync.read(readFileSync(file));
      expect([png.width, png.height]).toEqual([want.width, want.height]);
      const differ = pixelmatch(png.data, want.data, undefined, png.width, png.height, { threshold: 0.1 });
      expect(differ / (png.width * png.height)).toBeLessThanOrEqual(TOLERANCE);
    });

  it("draws nothing like another chart: a changed value changes the picture beyond the tolerance", async () => {
    const a = PNG.sync.read(pngOf((await make.sections("da")).svg));
    const changed = await sectionsChart("da", { roundNumber: 3, previousRoundNumber: 2, min: 5, max: 25, sections: [{ label: "Behovet for partnerskabet", now: 8, before: 16 }, { label: "Tillid og åbenhed", now: 12, before: 14.5 }, { label: "Gennemførelse", now: 21, before: null }] });
    const b = PNG.sync.read(pngOf(changed.svg));
    expect([b.width, b.height]).toEqual([a.width, a.height]);
    expect(pixelmatch(a.data, b.data, undefined, a.width, a.height, { threshold: 0.1 }) / (a.width * a.height)).toBeGreaterThan(TOLERANCE);
  });

  it("section scores: bars start at the scale's minimum, in both rounds, with titles in each language", async () => {
    for (const lang of ["en", "da"] as const) {
      const c = await make.sections(lang);
      expect(c.title).toBe(lang === "da" ? "Score pr. afsnit: runde 3 ved siden af runde 2" : "Section scores: round 3 beside round 2");
      const words = texts(c.svg);
      expect(words).toContain(c.title);
      expect(words).toContain(lang === "da" ? "Tillid og åbenhed" : "Trust and openness");
      expect(words).toContain(lang === "da" ? "18,4" : "18.4");
      expect(words).toContain(lang === "da" ? "Runde 2" : "Round 2");
      // The plot is 260 wide for 5–25: 18.4 is 13.4/20 of it, 16 is 11/20.
      const bars = marks(c.svg).filter((m) => m.d.startsWith("M0,"));
      const width = (value: string) => Number(/h([\d.]+)v/.exec(bars.find((b) => b.label.includes(`: ${value};`))!.d)![1]);
      expect(width("18.4")).toBeCloseTo((13.4 / 20) * 260, 1);
      expect(width("16")).toBeCloseTo((11 / 20) * 260, 1);
      // The section with no earlier score has one bar only.
      expect(bars.filter((b) => b.label.includes(lang === "da" ? "Gennemførelse" : "Implementation"))).toHaveLength(1);
      expect(c.alt).toContain(lang === "da" ? "før 16,0" : "was 16.0");
    }
  });

  it("totals: one point per round, higher totals drawn higher, and the bands named", async () => {
    for (const lang of ["en", "da"] as const) {
      const c = await make.totals(lang);
      const words = texts(c.svg);
      expect(words).toEqual(expect.arrayContaining(lang === "da" ? ["Samlet score, runde for runde", "Grundlæggende", "Godt på vej", "Stærkt", "131,0", "Runde 1"] : ["Total score, round by round", "Basic", "On the way", "Strong", "131.0", "Round 1"]));
      const points = [...c.svg.matchAll(/aria-roledescription="point" transform="translate\(([\d.]+),([\d.]+)\)"/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));
      expect(points).toHaveLength(3);
      expect(points[0]!.x).toBeLessThan(points[1]!.x);
      // y grows downwards: 88 < 104.5 < 131 means each point is above the last, on a 35–175 axis 240 high.
      expect(points[0]!.y).toBeCloseTo(240 * (1 - (88 - 35) / 140), 0);
      expect(points[2]!.y).toBeLessThan(points[1]!.y);
      expect(c.alt).toContain(lang === "da" ? "Runde 2: 104,5" : "Round 2: 104.5");
    }
  });

  it("map: every organisation named, links with a level drawn, dashed where another level is wanted", async () => {
    for (const lang of ["en", "da"] as const) {
      const c = await make.map(lang);
      const words = texts(c.svg);
      for (const o of orgs) expect(words).toContain(o);
      expect(words).toContain(lang === "da" ? "Ønskes anderledes (stiplet)" : "Wanted otherwise (dashed)");
      const links = [...c.svg.matchAll(/<line aria-label="([^"]*)"[^>]*>/g)].map((m) => ({ say: m[1]!, dashed: m[0].includes('stroke-dasharray="6,4"') }));
      // Four pairs have a link today or wanted; the fifth (none, none wanted) is not drawn.
      expect(links).toHaveLength(4);
      expect(links.filter((l) => l.dashed).map((l) => l.say)).toEqual([
        `Aarhus Kommune–Region Midtjylland: ${levels[lang][3]}, ${lang === "da" ? "ønsket" : "wanted"}: ${levels[lang][4]}`,
        `Ældre Sagen–Aarhus Universitet: ${levels[lang][0]}, ${lang === "da" ? "ønsket" : "wanted"}: ${levels[lang][2]}`,
      ]);
      expect(c.alt).toContain(`Aarhus Kommune–Region Midtjylland: ${levels[lang][3]}`);
    }
  });

  it("purposes: a cell per purpose and level, with its count", async () => {
    for (const lang of ["en", "da"] as const) {
      const c = await make.purposes(lang);
      const words = texts(c.svg);
      expect(words).toEqual(expect.arrayContaining([lang === "da" ? "Formål på kontinuummet" : "Purposes on the continuum", lang === "da" ? "Fælles indsats for ældre" : "Joint work for older people", "4", "3"]));
      expect(marks(c.svg).filter((m) => m.label.includes("purpose"))).toHaveLength(8);
      expect(c.alt).toContain(`${levels[lang][1]} 4`);
    }
  });

  it("spread: a dot per rating given, none where nobody gave it", async () => {
    for (const lang of ["en", "da"] as const) {
      const c = await make.spread(lang);
      expect(texts(c.svg)).toContain(lang === "da" ? "Hvor partnerne er mest uenige" : "Where partners differ most");
      const dots = [...c.svg.matchAll(/aria-roledescription="circle"/g)];
      expect(dots).toHaveLength(5);
      expect(c.alt).toContain("s3.2: 1×2, 2×0, 3×1, 4×0, 5×3");
    }
  });

  it("ordered levels run from light to dark, and the two rounds differ in lightness, so greyscale keeps them apart", () => {
    const lightness = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    for (let i = 1; i < ORDERED.length; i++) expect(lightness(ORDERED[i]!)).toBeLessThan(lightness(ORDERED[i - 1]!) - 0.05);
  });

  it("fetches nothing: a spec that names a URL fails", async () => {
    await expect(svgOf({ data: { url: "https://example.org/data.json" }, mark: "bar" } as never)).rejects.toThrow(/load nothing/);
  });
});
