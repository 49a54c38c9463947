// The built-in instruments (data files beside this module) and the validation of custom ones.
// Every instrument passes the zod schema in ./schema.ts plus the consistency rules below, which
// the schema does not express (bands that tile the score range, generated sections' choice sets).
import { readdirSync, readFileSync } from "node:fs";
import type { z } from "zod";
import { Instrument } from "./schema.ts";
import { COMMENT_SECTIONS_MAX } from "../domain/comments.ts";

/** The VicHealth checklist (activity 3): the instrument with bands on its total. */
export const CHECKLIST_KEY = "vichealth-checklist";

/**
 * The choice set the items of a generated section use: one continuum item per purpose
 * (activity 1), a current and a desired link item per pair of organisations (activity 2).
 * An instrument with such a section must define that choice set.
 */
export const GENERATED_CHOICE_SET = {
  purposes: "continuum",
  "organisation-pairs": "link",
} as const satisfies Record<NonNullable<Instrument["sections"][number]["generate"]>, string>;

const DATA_DIR = new URL("./data/", import.meta.url);
/** Data files are named `<key>.v<version>.json`. */
const DATA_FILE = /^(.+)\.v(\d+)\.json$/;

export type ParseResult = { ok: true; instrument: Instrument } | { ok: false; errors: string[] };

/**
 * Validates a custom instrument (parsed JSON, or JSON text) an organisation adds. Errors are
 * one readable line each, e.g. `sections.0.items.2.text.da: Invalid input: expected string, received undefined`.
 */
export function parseInstrument(json: unknown): ParseResult {
  let input = json;
  if (typeof json === "string") {
    try {
      input = JSON.parse(json);
    } catch (e) {
      return { ok: false, errors: [`not valid JSON: ${(e as Error).message}`] };
    }
  }
  const parsed = Instrument.safeParse(input);
  if (!parsed.success) return { ok: false, errors: formatIssues(parsed.error) };
  const errors = consistencyErrors(parsed.data);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, instrument: parsed.data };
}

let cache: readonly Instrument[] | undefined;

/**
 * All built-in instruments, sorted by key then version. Loaded and validated once; throws with
 * the file name and every problem if a data file is invalid. The instruments are frozen: copy
 * (structuredClone) before changing one.
 */
export function builtInInstruments(): Instrument[] {
  cache ??= loadBuiltIns();
  return [...cache];
}

/** A built-in instrument by key: the given version, or the latest when none is given. */
export function findBuiltIn(key: string, version?: number): Instrument | undefined {
  let found: Instrument | undefined;
  for (const inst of builtInInstruments()) {
    if (inst.key !== key) continue;
    if (version !== undefined) {
      if (inst.version === version) return inst;
    } else if (!found || inst.version > found.version) {
      found = inst;
    }
  }
  return found;
}

function loadBuiltIns(): Instrument[] {
  const files = readdirSync(DATA_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort();
  const seen = new Map<string, string>();
  const instruments: Instrument[] = [];
  for (const file of files) {
    const fail = (lines: string[]): never => {
      throw new Error(`invalid built-in instrument ${file}:\n  ${lines.join("\n  ")}`);
    };
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(new URL(file, DATA_DIR), "utf8"));
    } catch (e) {
      return fail([`not valid JSON: ${(e as Error).message}`]);
    }
    const result = parseInstrument(json);
    if (!result.ok) return fail(result.errors);
    const inst = result.instrument;
    const name = DATA_FILE.exec(file);
    if (!name || name[1] !== inst.key || Number(name[2]) !== inst.version)
      fail([`file name must be ${inst.key}.v${inst.version}.json (its key and version)`]);
    const id = `${inst.key}@${inst.version}`;
    const other = seen.get(id);
    if (other) fail([`${id} is also defined in ${other}`]);
    seen.set(id, file);
    instruments.push(deepFreeze(inst));
  }
  return instruments.sort((a, b) => a.key.localeCompare(b.key) || a.version - b.version);
}

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}

/** Rules beyond the schema; each error line starts with the path it is about. */
function consistencyErrors(inst: Instrument): string[] {
  const errors: string[] = [];

  const commented = inst.sections.filter((s) => s.comments).length;
  if (commented > COMMENT_SECTIONS_MAX) errors.push(`sections: ${commented} sections ask for comments; one card has room for ${COMMENT_SECTIONS_MAX}`);
  inst.sections.forEach((section, i) => {
    section.items.forEach((item, j) => {
      if (item.kind === "choice" && item.link) errors.push(`sections.${i}.items.${j}.link: links are made by the round from the partnership's organisations`);
    });
    if (!section.generate) return;
    if (section.items.length > 0)
      errors.push(`sections.${i}.items: section ${section.id} is generated when a round opens and has no fixed items`);
    const set = GENERATED_CHOICE_SET[section.generate];
    if (!inst.choiceSets[set])
      errors.push(`sections.${i}.generate: "${section.generate}" needs a choice set "${set}" in choiceSets`);
  });

  for (const [name, choices] of Object.entries(inst.choiceSets)) {
    const values = new Set<string>();
    for (const [j, choice] of choices.entries()) {
      if (values.has(choice.value)) errors.push(`choiceSets.${name}.${j}.value: duplicate value ${choice.value}`);
      values.add(choice.value);
    }
  }

  if (inst.bands.length > 0) {
    const ratings = inst.sections.flatMap((s) => s.items).filter((it) => it.kind === "rating").length;
    if (!inst.scale || ratings === 0) {
      errors.push("bands: bands are on the total of the rating items, and this instrument has none");
    } else {
      const scale = inst.scale;
      const lowest = ratings * scale.min;
      const highest = ratings * inst.scale.max;
      const ids = new Set<string>();
      inst.bands.forEach((band, i) => {
        if (ids.has(band.id)) errors.push(`bands.${i}.id: duplicate band id ${band.id}`);
        ids.add(band.id);
        if (band.min > band.max) errors.push(`bands.${i}: min ${band.min} is above max ${band.max}`);
      });
      const sorted = inst.bands.map((band, i) => ({ band, i })).sort((a, b) => a.band.min - b.band.min);
      let expected = lowest; // the lowest total not yet in a band
      sorted.forEach(({ band, i }, k) => {
        if (k === 0 && band.min < lowest)
          errors.push(`bands.${i}.min: the lowest possible total is ${lowest} (${ratings} items × ${scale.min})`);
        else if (band.min > expected) errors.push(`bands.${i}.min: totals ${expected}–${band.min - 1} are in no band`);
        else if (band.min < expected)
          errors.push(`bands.${i}.min: band ${band.id} overlaps the band below it (starts at ${band.min}, expected ${expected})`);
        expected = Math.max(expected, band.max + 1);
      });
      const top = sorted.reduce((a, b) => (b.band.max > a.band.max ? b : a));
      if (expected - 1 > highest)
        errors.push(`bands.${top.i}.max: the highest possible total is ${highest} (${ratings} items × ${inst.scale.max})`);
      if (expected - 1 < highest) errors.push(`bands: totals ${expected}–${highest} are in no band`);
    }
  }
  return errors;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
