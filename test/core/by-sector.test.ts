// Results per organisation type (`set by-sector on`): shown only when every type has at least
// minimum-n respondents, since one small group is the whole less the others. Worked out by hand on
// a real database, and the rule as a property.
import { it, expect, describe, beforeAll, afterAll } from "vitest";
import fc from "fast-check";
import { describeEachDatabase } from "../support/databases.ts";
import { setup, text } from "../support/core-harness.ts";
import { findBuiltIn, CHECKLIST_KEY } from "../../src/instruments/catalogue.ts";
import { snapshotFor } from "../../src/domain/rounds.ts";
import { computeRelease } from "../../src/results/release.ts";

describeEachDatabase("results by organisation type", (db) => {
  let h: ReturnType<typeof setup>;
  beforeAll(async () => {
    h = setup(db);
    await h.cmd("coord", 'partnership create "Sektorer" channel=#{C3} language=en');
    // Three municipalities and three NGOs, one person each.
    for (const [who, sector] of [["m1", "municipality"], ["m2", "municipality"], ["m3", "municipality"], ["n1", "ngo"], ["n2", "ngo"], ["n3", "ngo"]]) {
      await h.cmd("coord", `org add "Org ${who}" sector=${sector}`);
      await h.cmd("coord", `member add @${who} org="Org ${who}" roles=partner`);
    }
  });
  afterAll(() => h?.stop());

  it("shows each type's total beside the whole when every type has minimum-n respondents", async () => {
    expect(await h.cmd("coord", "set by-sector on")).toMatch(/Results by organisation type in the digest: on/);
    await h.cmd("coord", "checkin start");
    // Municipalities rate 4 throughout (total 140), NGOs 2 (total 70): the whole is 105.
    for (const who of ["m1", "m2", "m3"]) await h.answerAll(who, () => 4);
    for (const who of ["n1", "n2", "n3"]) await h.answerAll(who, () => 2);
    await h.cmd("coord", "checkin close");
    const digest = h.port.posts.at(-1)!.message;
    expect(text(digest)).toMatch(/Total: 105\.0/);
    const bars = digest.blocks.find((b) => b.type === "bars" && b.title?.startsWith("By organisation type"));
    expect(bars?.type === "bars" && bars.bars.map((b) => [b.label, b.value, b.display])).toEqual([
      ["municipality (3 people)", 140, "140.0 / 175"],
      ["NGO (3 people)", 70, "70.0 / 175"],
    ]);
  });

  it("shows none of them when one type has fewer, and says why, in Danish too", async () => {
    // A seventh partner, a region: a group of one, whose answers the others would give away.
    await h.cmd("coord", 'org add "Org r1" sector=region');
    await h.cmd("coord", 'member add @r1 org="Org r1" roles=partner');
    await h.cmd("coord", "checkin start");
    for (const who of ["m1", "m2", "m3", "n1", "n2", "n3", "r1"]) await h.answerAll(who, () => 3);
    await h.cmd("coord", "set language da");
    await h.cmd("coord", "checkin close");
    const digest = h.port.posts.at(-1)!.message;
    expect(digest.blocks.some((b) => b.type === "bars" && b.title?.startsWith("Pr. organisationstype"))).toBe(false);
    expect(text(digest)).toMatch(/Resultater pr\. organisationstype vises ikke for denne runde: hver type skal have mindst 3 personer/);
    // Off again: the digest says nothing of types.
    await h.cmd("coord", "set pr-sektor fra");
    await h.cmd("coord", "digest");
    expect(text(h.port.posts.at(-1)!.message)).not.toMatch(/organisationstype/);
  });
});

describe("the rule for organisation types", () => {
  const checklist = findBuiltIn(CHECKLIST_KEY)!;
  const built = snapshotFor(checklist, ["s1"], { purposes: [], organisations: [] });
  if (!built.ok) throw new Error("no snapshot");
  const items = built.snapshot.sections[0]!.items.map((i) => i.id);
  const sector = fc.constantFrom("municipality", "region", "ngo", null);

  it("gives results per type only when every type has at least minimum-n, and then for all of them", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(sector, fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 12 }), fc.integer({ min: 3, max: 4 }), (people, minimumN) => {
        const answers = people.flatMap(([, rating], i) => items.map((itemId) => ({ respondent: `p${i}`, itemId, rating, choice: null })));
        const sectorOf = new Map(people.map(([s], i) => [`p${i}`, s]));
        const release = computeRelease({ snapshot: built.snapshot, sectionIds: ["s1"], minimumN, anonymity: "confidential", answers, sectorOf, invited: people.length, at: new Date("2026-12-01T12:00:00Z") });
        const sizes = new Map<string, number>();
        for (const [s] of people) sizes.set(s ?? "none", (sizes.get(s ?? "none") ?? 0) + 1);
        const shown = [...sizes.values()].every((n) => n >= minimumN);
        if (!shown) {
          expect(release.bySector).toBeNull();
          return;
        }
        expect(new Map(release.bySector!.map((g) => [g.sector, g.respondents]))).toEqual(sizes);
        for (const g of release.bySector!) {
          const own = people.filter(([s]) => (s ?? "none") === g.sector).map(([, r]) => r * items.length);
          expect(g.sections.s1).toBeCloseTo(own.reduce((a, b) => a + b, 0) / own.length, 6);
        }
      }),
    );
  });
});
