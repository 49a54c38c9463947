// Released results as files people download and open in a spreadsheet: aggregates per statement
// per round, never who answered what. Pure: the rows come from whoever read the database.
//
// A statement's text can come from a partnership's own instrument (`instrument add {json}`), so
// it is untrusted input inside a spreadsheet: a cell that starts with = + - @ tab or carriage
// return (or their full-width forms) is a formula to Excel, LibreOffice and Numbers
// (https://owasp.org/www-community/attacks/CSV_Injection). csv-stringify's `escape_formulas`
// prefixes every such string cell with ' (a text marker to the spreadsheet); it leaves a
// leading - alone only when the value was a number, so numbers are handed to it as numbers.
import { stringify } from "csv-stringify/sync";
import type { PairResult } from "../domain/partner-map.ts";

export interface ExportRow {
  round: number;
  instrument: string;
  version: number;
  section: string;
  item: string;
  statement: string;
  n: number | null;
  mean: number | null;
  sd: number | null;
  min: number | null;
  max: number | null;
  divergent: boolean;
  withheld: boolean;
  /** a choice statement (Activity 1's purposes, the map): how many chose each value, in the choice set's order */
  choices: [value: string, count: number][] | null;
  /** the value(s) chosen most often, "/" between a tie */
  mostCommon: string | null;
  /** answers of "don't know" (excluded from n and the figures), where the statement allows it */
  dontKnow: number | null;
}

export type ExportLang = "en" | "da";

/** A round's partner map for the JSON export: the released result of each pair of organisations. */
export interface ExportMap {
  round: number;
  instrument: string;
  version: number;
  /** the organisations in the order they were added */
  organisations: string[];
  /** each pair's released result (src/domain/partner-map.ts), `between` the two organisations' names */
  pairs: (Omit<PairResult, "between" | "names"> & { between: [string, string] })[];
}

/** Column names. English is the format other tools read (kept exactly); Danish is for people. */
export const CSV_HEADERS: Record<ExportLang, readonly string[]> = {
  en: ["round", "instrument", "version", "section", "item", "statement", "n", "mean", "sd", "min", "max", "divergent", "withheld", "choices", "most_common", "dont_know"],
  da: ["runde", "instrument", "version", "afsnit", "udsagn-id", "udsagn", "n", "gennemsnit", "standardafvigelse", "min", "maks", "uenighed", "tilbageholdt", "valg", "hyppigst", "ved-ikke"],
};

/** A round's released comments on one section (src/domain/comments.ts), in the release's order. */
export interface ExportComments {
  round: number;
  instrument: string;
  version: number;
  section: string;
  comments: string[];
}

export const COMMENT_CSV_HEADERS: Record<ExportLang, readonly string[]> = {
  en: ["round", "instrument", "version", "section", "comment"],
  da: ["runde", "instrument", "version", "afsnit", "kommentar"],
};

/**
 * A round's partner map as a matrix a spreadsheet opens: the organisations down and across, each
 * cell the pair's link today → wanted (in the reader's words), empty where the pair is withheld
 * and on the diagonal. The same pair reads the same from either side.
 */
export function mapMatrixCsv(map: ExportMap, levelLabel: (value: string) => string, lang: ExportLang): string {
  const cell = new Map<string, string>();
  for (const p of map.pairs) {
    const text = p.withheld || p.now === null || p.want === null ? null : `${levelLabel(p.now)} → ${levelLabel(p.want)}`;
    if (text) for (const key of [`${p.between[0]}\u0000${p.between[1]}`, `${p.between[1]}\u0000${p.between[0]}`]) cell.set(key, text);
  }
  const records = map.organisations.map((row) => [row, ...map.organisations.map((col) => cell.get(`${row}\u0000${col}`) ?? null)]);
  return csv(records, ["", ...map.organisations], lang);
}

/** Two decimals, as every export shows them; null for no value (withheld, no answers). */
function rounded(x: number | null): number | null {
  if (x === null || !Number.isFinite(x)) return null;
  const r = Math.round(x * 100) / 100;
  return Object.is(r, -0) ? 0 : r;
}

/**
 * The rows as CSV. English: comma separated, decimal point, no BOM (tools read it). Danish: a
 * UTF-8 BOM (without it Excel reads UTF-8 as Windows-1252: "Ã¦" for "æ"), semicolons and
 * decimal commas, which is what Danish Excel expects when a file is opened by double-click. No
 * "sep=;" line: with it Excel ignores the BOM. Empty cells for no value; 1/0 for yes/no.
 */
export function resultsCsv(rows: ExportRow[], lang: ExportLang): string {
  const records = rows.map((r) => [r.round, r.instrument, r.version, r.section, r.item, r.statement, rounded(r.n), rounded(r.mean), rounded(r.sd), rounded(r.min), rounded(r.max), r.divergent ? 1 : 0, r.withheld ? 1 : 0, r.choices ? r.choices.map(([v, n]) => `${v}=${n}`).join(" ") : null, r.mostCommon, r.dontKnow]);
  return csv(records, CSV_HEADERS[lang], lang);
}

/** The released comments as CSV, one per line, in the same dialect as the results. */
export function commentsCsv(sections: ExportComments[], lang: ExportLang): string {
  return csv(sections.flatMap((s) => s.comments.map((c) => [s.round, s.instrument, s.version, s.section, c])), COMMENT_CSV_HEADERS[lang], lang);
}

function csv(records: (string | number | null)[][], columns: readonly string[], lang: ExportLang): string {
  const da = lang === "da";
  return stringify(records, {
    header: true,
    columns: [...columns],
    delimiter: da ? ";" : ",",
    bom: da,
    escape_formulas: true,
    // Records end in "\n" (the default). Said explicitly: a cell with a lone "\r" or "\n" must be
    // quoted, and csv-stringify stops quoting them as soon as record_delimiter is set.
    quote_record_delimiter: true,
    // A number stays a number for escape_formulas (so a negative one keeps its minus); only its
    // decimal mark changes. No thousands separators: they would be read as decimal marks.
    cast: { number: (x) => (da ? String(x).replace(".", ",") : String(x)) },
  });
}

/**
 * The same aggregates as JSON, for tools; numbers are numbers (rounded to 2 decimals, as in the
 * CSV), null where there is no value, yes/no as booleans:
 *
 *   {
 *     "partnership": "Sund By", "exportedAt": "2026-12-01T09:00:00.000Z", "language": "en",
 *     "rounds": [
 *       { "round": 1, "instrument": "vichealth-checklist", "version": 1,
 *         "statements": [
 *           { "section": "s1", "item": "s1.1", "statement": "…", "n": 3, "mean": 4, "sd": 0.82,
 *             "min": 3, "max": 5, "divergent": false, "withheld": false },
 *           { "section": "purposes", "item": "purposes.p1", "statement": "…", "n": 6, …,
 *             "choices": { "networking": 1, "coordinating": 4, … }, "mostCommon": "coordinating" } ] } ]
 *   }
 *
 * A choice statement has `choices` (count per value, in order) and `mostCommon`; a rating one has neither.
 * A statement that allows "don't know" has `dontKnow`, the number who answered so.
 * A round with a partner map also has `map`: the organisations, and per pair (by name) the
 * combined level today and wanted (a choice value, null when withheld), the gap in levels, whether
 * the link is missing or partners differ on it, and the counts behind them:
 *
 *   "map": { "organisations": ["Region Syd", "Kolding Kommune", …],
 *            "pairs": [ { "between": ["Region Syd", "Kolding Kommune"], "n": 4, "withheld": false,
 *                         "now": "networking", "want": "cooperating", "gap": 2, "missing": false,
 *                         "divergent": false, "counts": { "now": { "none": 1, … }, "want": { … } } } ] }
 *
 * A round with released comments has `comments`, by section id: "comments": { "s3": ["…", "…"] }.
 *
 * `language` is the language of the statement texts. Rounds keep the order of the rows.
 */
export function resultsJson(rows: ExportRow[], lang: ExportLang, meta: { partnership: string; exportedAt: string }, maps: ExportMap[] = [], comments: ExportComments[] = []): string {
  const rounds: { round: number; instrument: string; version: number; statements: object[]; map?: object; comments?: Record<string, string[]> }[] = [];
  for (const r of rows) {
    let round = rounds.at(-1);
    if (!round || round.round !== r.round || round.instrument !== r.instrument || round.version !== r.version) {
      round = { round: r.round, instrument: r.instrument, version: r.version, statements: [] };
      rounds.push(round);
    }
    round.statements.push({ section: r.section, item: r.item, statement: r.statement, n: rounded(r.n), mean: rounded(r.mean), sd: rounded(r.sd), min: rounded(r.min), max: rounded(r.max), divergent: r.divergent, withheld: r.withheld, ...(r.choices ? { choices: Object.fromEntries(r.choices), mostCommon: r.mostCommon } : {}), ...(r.dontKnow !== null ? { dontKnow: r.dontKnow } : {}) });
  }
  for (const m of maps) {
    const round = rounds.find((r) => r.round === m.round && r.instrument === m.instrument && r.version === m.version);
    if (round) round.map = { organisations: m.organisations, pairs: m.pairs };
  }
  for (const c of comments) {
    const round = rounds.find((r) => r.round === c.round && r.instrument === c.instrument && r.version === c.version);
    if (round) round.comments = { ...round.comments, [c.section]: c.comments };
  }
  return JSON.stringify({ partnership: meta.partnership, exportedAt: meta.exportedAt, language: lang, rounds }, null, 2) + "\n";
}
