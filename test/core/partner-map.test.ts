// The partner map asks each person their own organisation's links, and reports each pair from
// the people of both organisations: expected results worked out by hand, and the disclosure rule
// as a property.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { findBuiltIn } from "../../src/instruments/catalogue.ts";
import { snapshotFor } from "../../src/domain/rounds.ts";
import { askedItemIds, askedOf, pairResults } from "../../src/domain/partner-map.ts";
import { computeRelease } from "../../src/results/release.ts";

const LEVELS = ["none", "networking", "coordinating", "cooperating", "collaborating"];
const orgs = ["A", "B", "C", "D", "E"].map((n) => ({ id: `org-${n}`, name: `Org ${n}` }));
const map = findBuiltIn("vichealth-map")!;
const built = snapshotFor(map, ["map"], { purposes: [], organisations: orgs });
if (!built.ok) throw new Error("the map did not build");
const snapshot = built.snapshot;

// Two people answer for A, one for each other organisation.
const people = new Map([["a1", "org-A"], ["a2", "org-A"], ["b1", "org-B"], ["c1", "org-C"], ["d1", "org-D"], ["e1", "org-E"]]);
/** Hand-chosen answers (today, wanted) for two pairs; every other link is networking → networking. */
const chosen: Record<string, Record<string, [string, string]>> = {
  a1: { "org-B": ["networking", "cooperating"], "org-C": ["none", "none"] },
  a2: { "org-B": ["coordinating", "cooperating"], "org-C": ["none", "networking"] },
  b1: { "org-A": ["coordinating", "collaborating"] },
  c1: { "org-A": ["none", "none"] },
};

function answersOf() {
  const out: { respondent: string; itemId: string; rating: null; choice: string }[] = [];
  for (const [who, org] of people)
    for (const section of askedOf(snapshot, org).sections)
      for (const item of section.items) {
        if (item.kind !== "choice" || !item.link) continue;
        const other = item.link.between.find((id) => id !== org)!;
        const [now, want] = chosen[who]?.[other] ?? ["networking", "networking"];
        out.push({ respondent: who, itemId: item.id, rating: null, choice: item.link.aspect === "now" ? now : want });
      }
  return out;
}

describe("the partner map", () => {
  it("asks each person only their own organisation's n−1 links, today and wanted, from their side", () => {
    const view = askedOf(snapshot, "org-A");
    const items = view.sections[0]!.items;
    expect(items).toHaveLength(8); // 4 other organisations × today and wanted
    expect(items.map((i) => i.text.en)).toContain("Org B: our link today");
    expect(items.map((i) => i.text.da)).toContain("Org E: den forbindelse, vi ønsker");
    expect(items.some((i) => i.text.en.includes("Org A"))).toBe(false);
    expect(askedItemIds(askedOf(snapshot, null), ["map"])).toEqual([]);
    // The whole map has 10 pairs; a person sees 4 of them.
    expect(snapshot.sections[0]!.items).toHaveLength(20);
  });

  it("combines both sides of a pair and withholds pairs answered by fewer than minimum-n people", () => {
    const release = computeRelease({ snapshot, sectionIds: ["map"], minimumN: 3, anonymity: "confidential", answers: answersOf(), organisationOf: people, invited: 6, at: new Date("2026-12-01T12:00:00Z") });
    // Everyone answered every link they were asked: all six are in the frozen set.
    expect(release.score.completeRespondents).toBe(6);
    const pairs = pairResults(snapshot, ["map"], release.score.items, LEVELS);
    expect(pairs).toHaveLength(10);
    const pair = (a: string, b: string) => pairs.find((p) => p.between[0] === `org-${a}` && p.between[1] === `org-${b}`)!;
    // A–B: today networking, coordinating, coordinating → the middle is coordinating; wanted
    // cooperating, cooperating, collaborating → cooperating; one step closer wanted.
    expect(pair("A", "B")).toMatchObject({ n: 3, withheld: false, now: "coordinating", want: "cooperating", gap: 1, missing: false });
    expect(pair("A", "B").counts.now).toEqual({ networking: 1, coordinating: 2 });
    // A–C: nobody reports contact today; wanted none, networking, none → none.
    expect(pair("A", "C")).toMatchObject({ n: 3, now: "none", want: "none", gap: 0, missing: true });
    // A–D, A–E: three people, all networking.
    expect(pair("A", "D")).toMatchObject({ n: 3, now: "networking", want: "networking", gap: 0, missing: false });
    // Pairs of two single-person organisations: two answers, withheld, and nothing of them shown.
    for (const [a, b] of [["B", "C"], ["B", "D"], ["B", "E"], ["C", "D"], ["C", "E"], ["D", "E"]]) {
      expect(pair(a!, b!)).toMatchObject({ withheld: true, now: null, want: null, gap: null, missing: false });
      expect(pair(a!, b!).counts).toEqual({ now: {}, want: {} });
    }
  });

  it("never shows a pair that fewer than minimum-n people answered, for any answers", () => {
    const level = fc.constantFrom(...LEVELS);
    const person = fc.record({ org: fc.constantFrom(...orgs.map((o) => o.id)), answers: fc.array(fc.tuple(level, level), { minLength: 4, maxLength: 4 }) });
    fc.assert(
      fc.property(fc.array(person, { minLength: 1, maxLength: 10 }), fc.integer({ min: 3, max: 5 }), (group, minimumN) => {
        const organisationOf = new Map(group.map((p, i) => [`p${i}`, p.org]));
        const answers = group.flatMap((p, i) =>
          askedOf(snapshot, p.org).sections[0]!.items.map((item, k) => ({ respondent: `p${i}`, itemId: item.id, rating: null, choice: p.answers[Math.floor(k / 2)]![k % 2]! })),
        );
        const release = computeRelease({ snapshot, sectionIds: ["map"], minimumN, anonymity: "confidential", answers, organisationOf, invited: group.length, at: new Date(0) });
        for (const p of pairResults(snapshot, ["map"], release.score.items, LEVELS)) {
          const contributors = group.filter((x) => p.between.includes(x.org)).length;
          expect(p.withheld).toBe(contributors < minimumN);
          if (p.withheld) expect([p.now, p.want, p.gap, Object.keys(p.counts.now).length]).toEqual([null, null, null, 0]);
        }
      }),
    );
  });
});
