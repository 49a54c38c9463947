import { describe, expect, it } from "vitest";
import {
  builtInInstruments,
  CHECKLIST_KEY,
  findBuiltIn,
  GENERATED_CHOICE_SET,
  parseInstrument,
} from "../src/instruments/catalogue.ts";
import { Instrument, type Localised } from "../src/instruments/schema.ts";

const all = builtInInstruments();

function checklist(): Instrument {
  const inst = findBuiltIn(CHECKLIST_KEY);
  if (!inst) throw new Error("checklist missing");
  return inst;
}

/** Every piece of text an instrument shows, with where it is. */
function texts(inst: Instrument): [string, Localised][] {
  const out: [string, Localised][] = [
    ["title", inst.title],
    ["description", inst.description],
    ["credit", inst.credit],
  ];
  for (const s of inst.sections) {
    out.push([`${s.id}.title`, s.title]);
    if (s.intro) out.push([`${s.id}.intro`, s.intro]);
    for (const it of s.items) out.push([it.id, it.text]);
  }
  for (const [name, choices] of Object.entries(inst.choiceSets))
    for (const c of choices) {
      out.push([`${name}.${c.value}`, c.label]);
      if (c.description) out.push([`${name}.${c.value}.description`, c.description]);
    }
  for (const b of inst.bands) out.push([`band ${b.id}.label`, b.label], [`band ${b.id}.advice`, b.advice]);
  return out;
}

const ITEMS_PER_SECTION = 5;
const CHECKLIST_SECTIONS = [
  "Determining the need for the partnership",
  "Choosing partners",
  "Making sure partnerships work",
  "Planning collaborative action",
  "Implementing collaborative action",
  "Minimising the barriers to partnership",
  "Reflecting on and continuing the partnership",
];

/** A small valid custom instrument, as an organisation might add it. */
function custom(): Record<string, unknown> {
  return {
    key: "kommune-tjek",
    version: 1,
    title: { en: "Municipal check", da: "Kommunalt tjek" },
    description: { en: "Our own short check.", da: "Vores eget korte tjek." },
    credit: { en: "Our own", da: "Vores eget" },
    scale: { min: 1, max: 3, labels: { en: ["No", "Partly", "Yes"], da: ["Nej", "Delvist", "Ja"] } },
    sections: [
      {
        id: "a",
        title: { en: "Working together", da: "Samarbejde" },
        items: [
          { id: "a.1", kind: "rating", text: { en: "We meet often enough.", da: "Vi mødes ofte nok." } },
          { id: "a.2", kind: "rating", text: { en: "The minutes are useful.", da: "Referatet er brugbart." } },
        ],
      },
    ],
    bands: [
      { id: "low", min: 2, max: 3, label: { en: "Low", da: "Lav" }, advice: { en: "Talk.", da: "Tal sammen." } },
      { id: "high", min: 4, max: 6, label: { en: "High", da: "Høj" }, advice: { en: "Go on.", da: "Fortsæt." } },
    ],
  };
}

describe("built-in instruments", () => {
  it("load the four instruments, each valid against the schema", () => {
    expect(all.map((i) => `${i.key}.v${i.version}`).sort()).toEqual([
      "indig-domains.v1",
      "vichealth-checklist.v1",
      "vichealth-map.v1",
      "vichealth-purpose.v1",
    ]);
    for (const inst of all) expect(Instrument.safeParse(inst).success, inst.key).toBe(true);
    for (const inst of all) expect(parseInstrument(structuredClone(inst)), inst.key).toMatchObject({ ok: true });
  });

  it("are loaded once and frozen", () => {
    expect(builtInInstruments()[0]).toBe(all[0]);
    const inst = checklist();
    expect(() => {
      (inst.sections[0]!.items as unknown[]).push({});
    }).toThrow();
  });

  it("findBuiltIn picks the latest version unless one is asked for", () => {
    expect(findBuiltIn(CHECKLIST_KEY)?.version).toBe(1);
    expect(findBuiltIn(CHECKLIST_KEY, 1)?.key).toBe(CHECKLIST_KEY);
    expect(findBuiltIn(CHECKLIST_KEY, 2)).toBeUndefined();
    expect(findBuiltIn("no-such-instrument")).toBeUndefined();
  });

  it("every text has non-empty, different English and Danish", () => {
    for (const inst of all)
      for (const [where, t] of texts(inst)) {
        expect(t.en.trim(), `${inst.key} ${where}`).not.toBe("");
        expect(t.da.trim(), `${inst.key} ${where}`).not.toBe("");
        if (where.endsWith("credit")) continue; // the source's title stays in English
        expect(t.da, `${inst.key} ${where}`).not.toBe(t.en);
      }
  });

  it("no statement is used twice, in either language", () => {
    for (const lang of ["en", "da"] as const) {
      const seen = new Map<string, string>();
      for (const inst of all)
        for (const s of inst.sections)
          for (const it of s.items) {
            const key = it.text[lang].trim().toLowerCase();
            expect(seen.get(key), `${lang} "${it.text[lang]}" (${inst.key} ${it.id})`).toBeUndefined();
            seen.set(key, `${inst.key} ${it.id}`);
          }
    }
  });

  it("agreement scales run 1–5 with anchors strongly disagree … strongly agree", () => {
    for (const inst of all) {
      if (!inst.scale) continue;
      expect(inst.scale.max, inst.key).toBe(5);
      expect(inst.scale.labels.en[0]).toBe("Strongly disagree");
      expect(inst.scale.labels.en[4]).toBe("Strongly agree");
      expect(inst.scale.labels.da[0]).toBe("Helt uenig");
      expect(inst.scale.labels.da[4]).toBe("Helt enig");
    }
  });
});

describe("VicHealth checklist", () => {
  it("has 7 sections of 5 rating statements, in the documented order", () => {
    const inst = checklist();
    expect(inst.sections.map((s) => s.title.en)).toEqual(CHECKLIST_SECTIONS);
    expect(inst.sections.map((s) => s.id)).toEqual(["s1", "s2", "s3", "s4", "s5", "s6", "s7"]);
    inst.sections.forEach((s, i) => {
      expect(s.generate).toBeUndefined();
      expect(s.items.map((it) => it.id)).toEqual([1, 2, 3, 4, 5].map((n) => `s${i + 1}.${n}`));
      expect(s.items.every((it) => it.kind === "rating")).toBe(true);
    });
    expect(inst.sections.flatMap((s) => s.items)).toHaveLength(35);
  });

  it("totals range 35–175 and the bands tile that range without gap or overlap", () => {
    const inst = checklist();
    const n = inst.sections.flatMap((s) => s.items).length;
    const lowest = n * inst.scale!.min;
    const highest = n * inst.scale!.max;
    expect([lowest, highest]).toEqual([35, 175]);
    for (const s of inst.sections)
      expect([s.items.length * inst.scale!.min, s.items.length * inst.scale!.max]).toEqual([5, 25]);

    const bands = [...inst.bands].sort((a, b) => a.min - b.min);
    expect(bands.map((b) => [b.min, b.max])).toEqual([
      [35, 84],
      [85, 126],
      [127, 175],
    ]);
    expect(bands[0]!.min).toBe(lowest);
    expect(bands[bands.length - 1]!.max).toBe(highest);
    for (let i = 1; i < bands.length; i++) expect(bands[i]!.min).toBe(bands[i - 1]!.max + 1);
    for (let total = lowest; total <= highest; total++)
      expect(bands.filter((b) => b.min <= total && total <= b.max), `total ${total}`).toHaveLength(1);
  });

  it("credits VicHealth", () => {
    expect(checklist().credit).toEqual({
      en: "Adapted from VicHealth, The Partnerships Analysis Tool, 2011",
      da: "Tilpasset efter VicHealth, The Partnerships Analysis Tool, 2011",
    });
  });
});

describe("generated instruments (activities 1 and 2)", () => {
  const levels = ["networking", "coordinating", "cooperating", "collaborating"];

  it("purpose: a generated purposes section on the continuum, and fixed fit statements", () => {
    const inst = findBuiltIn("vichealth-purpose")!;
    expect(inst.choiceSets.continuum!.map((c) => c.value)).toEqual(levels);
    expect(inst.choiceSets.continuum!.every((c) => c.description)).toBe(true);
    const [purposes, fit] = inst.sections;
    expect(purposes).toMatchObject({ id: "purposes", generate: "purposes", items: [] });
    expect(GENERATED_CHOICE_SET.purposes).toBe("continuum");
    expect(fit!.id).toBe("fit");
    expect(fit!.items.length).toBeGreaterThanOrEqual(2);
    expect(fit!.items.every((it) => it.kind === "rating")).toBe(true);
    expect(inst.bands).toEqual([]);
  });

  it("map: a generated organisation-pairs section with the link levels", () => {
    const inst = findBuiltIn("vichealth-map")!;
    expect(inst.choiceSets.link!.map((c) => c.value)).toEqual(["none", ...levels]);
    expect(inst.sections).toHaveLength(1);
    expect(inst.sections[0]).toMatchObject({ id: "map", generate: "organisation-pairs", items: [] });
    expect(GENERATED_CHOICE_SET["organisation-pairs"]).toBe("link");
    expect(inst.description.en).toMatch(/own addition/);
  });
});

describe("Indig et al. domains", () => {
  it("has five domains of five rating statements and no bands", () => {
    const inst = findBuiltIn("indig-domains")!;
    expect(inst.sections.map((s) => s.title.en)).toEqual([
      "Leadership",
      "Governance",
      "Resources",
      "Collaboration",
      "Engagement and motivation",
    ]);
    for (const s of inst.sections) {
      expect(s.items).toHaveLength(ITEMS_PER_SECTION);
      expect(s.items.every((it) => it.kind === "rating")).toBe(true);
    }
    expect(inst.bands).toEqual([]);
    expect(inst.credit.en).toBe("Adapted from Indig et al., Health Promotion Journal of Australia 2019;30(1):18–27");
  });
});

describe("parseInstrument (custom instruments)", () => {
  it("accepts a valid custom instrument and fills defaults", () => {
    const result = parseInstrument(custom());
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.instrument.key).toBe("kommune-tjek");
      expect(result.instrument.choiceSets).toEqual({});
    }
    expect(parseInstrument(JSON.stringify(custom())).ok).toBe(true);
  });

  it("rejects a broken instrument with one readable line per problem, naming the path", () => {
    const broken = custom();
    const section = (broken.sections as { items: Record<string, unknown>[] }[])[0]!;
    section.items[1] = { id: "a.2", kind: "rating", text: { en: "Only English" } };
    section.items.push({ id: "Bad Id!", kind: "slider", text: { en: "x", da: "y" } });
    broken.version = 0;
    const result = parseInstrument(broken);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.some((e) => e.startsWith("sections.0.items.1.text.da: "))).toBe(true);
    expect(result.errors.some((e) => e.startsWith("sections.0.items.2.kind: "))).toBe(true);
    expect(result.errors.some((e) => e.startsWith("version: "))).toBe(true);
    for (const e of result.errors) expect(e).toMatch(/^[\w.]+: \S/);
  });

  it("reports the schema's cross-checks (scale labels, duplicate ids, unknown choice sets)", () => {
    const broken = custom();
    (broken.scale as { labels: { da: string[] } }).labels.da = ["Nej", "Ja"];
    const items = (broken.sections as { items: Record<string, unknown>[] }[])[0]!.items;
    items[1]!.id = "a.1";
    items.push({ id: "a.3", kind: "choice", text: { en: "Level?", da: "Niveau?" }, choices: "missing" });
    const result = parseInstrument(broken);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(
      expect.arrayContaining([
        expect.stringContaining("scale needs 3 labels in each language"),
        expect.stringContaining("duplicate item id a.1"),
        expect.stringContaining("item a.3 uses unknown choices missing"),
      ]),
    );
  });

  it("takes comments on up to ten sections, the most one card has room for", () => {
    const withSections = (n: number) => {
      const inst = custom();
      const first = (inst.sections as Record<string, unknown>[])[0]!;
      inst.sections = Array.from({ length: n }, (_, i) => ({ ...first, id: `c${i}`, comments: true, items: (first.items as { id: string }[]).map((it) => ({ ...it, id: `c${i}.${it.id}` })) }));
      inst.bands = [];
      return parseInstrument(inst);
    };
    expect(withSections(10).ok).toBe(true);
    expect(withSections(11)).toEqual({ ok: false, errors: ["sections: 11 sections ask for comments; one card has room for 10"] });
  });

  it("rejects bands that leave a gap, overlap, or run past the possible totals", () => {
    const gap = custom();
    (gap.bands as { min: number }[])[1]!.min = 5;
    expect(parseInstrument(gap)).toEqual({ ok: false, errors: ["bands.1.min: totals 4–4 are in no band"] });

    const overlap = custom();
    (overlap.bands as { min: number }[])[1]!.min = 3;
    const o = parseInstrument(overlap);
    expect(o.ok === false && o.errors[0]).toMatch(/^bands\.1\.min: band high overlaps/);

    const past = custom();
    (past.bands as { max: number }[])[1]!.max = 9;
    const p = parseInstrument(past);
    expect(p.ok === false && p.errors).toEqual(["bands.1.max: the highest possible total is 6 (2 items × 3)"]);
  });

  it("requires the choice set a generated section uses, and no fixed items in it", () => {
    const inst = custom();
    (inst.sections as unknown[]).push({
      id: "purposes",
      title: { en: "Purposes", da: "Formål" },
      generate: "purposes",
      items: [],
    });
    const result = parseInstrument(inst);
    expect(result).toEqual({
      ok: false,
      errors: ['sections.1.generate: "purposes" needs a choice set "continuum" in choiceSets'],
    });
  });

  it("reports invalid JSON text", () => {
    const result = parseInstrument("{ not json");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatch(/^not valid JSON: /);
  });
});
