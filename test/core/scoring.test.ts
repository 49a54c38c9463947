// Scoring against rounds computed by hand.
import fc from "fast-check";
import { describe, it, expect } from "vitest";
import { scoreRound, trendBetween, mostDivergent, divergenceThreshold, type RoundScoringInput } from "../../src/scoring/score.ts";
import { findBuiltIn, CHECKLIST_KEY } from "../../src/instruments/catalogue.ts";
import { sectionItems } from "../../src/domain/rounds.ts";

const checklist = findBuiltIn(CHECKLIST_KEY)!;
const sections = sectionItems(checklist);
const allItems = sections.flatMap((s) => s.ratingItemIds);

function round(answers: Record<string, (itemId: string, index: number) => number | null>, over: Partial<RoundScoringInput> = {}): RoundScoringInput {
  const rows: RoundScoringInput["answers"] = [];
  const asked = over.sections ?? sections;
  for (const [respondent, rate] of Object.entries(answers))
    asked.flatMap((s) => s.ratingItemIds).forEach((itemId, i) => {
      const rating = rate(itemId, i);
      if (rating !== null) rows.push({ respondent, itemId, rating, choice: null });
    });
  return {
    sections,
    instrumentSectionIds: sections.map((s) => s.id),
    scale: { min: 1, max: 5 },
    bands: checklist.bands,
    answers: rows,
    invited: 4,
    minimumN: 3,
    ...over,
  };
}

describe("scoring a complete checklist round", () => {
  // A rates everything 4 (total 140), B 3 (105), C 5 (175): mean total 140 → top band.
  const score = scoreRound(round({ a: () => 4, b: () => 3, c: () => 5 }));

  it("sums and averages each section over respondents", () => {
    expect(score.sections).toHaveLength(7);
    for (const s of score.sections) {
      expect(s.respondents).toBe(3);
      expect(s.meanSum).toBe(20); // (20 + 15 + 25) / 3
      expect(s.meanRating).toBe(4);
      expect([s.minSum, s.maxSum]).toEqual([5, 25]);
    }
  });

  it("gives the total of complete checklists and its band", () => {
    expect(score.total).toEqual({ mean: 140, min: 35, max: 175, bandId: "genuine" });
    expect(score.noBandReason).toBeNull();
  });

  it("counts the response rate over the people invited", () => {
    expect(score.completeRespondents).toBe(3);
    expect(score.responseRate).toBe(0.75);
  });

  it("scores each statement: mean, spread, standard deviation, distribution", () => {
    const item = score.items.find((i) => i.itemId === allItems[0])!;
    expect(item.n).toBe(3);
    expect(item.mean).toBe(4);
    expect(item.spread).toBe(2);
    expect(item.sd).toBeCloseTo(Math.sqrt(2 / 3), 10);
    expect(item.distribution).toEqual([0, 0, 1, 1, 1]);
    expect(item.divergent).toBe(false);
  });

  it("puts totals on band edges where the instrument says", () => {
    const edge = (v: number) => scoreRound(round({ a: (_id, i) => (i < v - 35 ? 2 : 1), b: (_id, i) => (i < v - 35 ? 2 : 1), c: (_id, i) => (i < v - 35 ? 2 : 1) })).total!;
    expect(edge(35).bandId).toBe("question");
    expect(edge(70).mean).toBe(70);
    const all = (r: number) => scoreRound(round({ a: () => r, b: () => r, c: () => r })).total!;
    expect(all(3).mean).toBe(105);
    expect(all(3).bandId).toBe("developing");
    expect(all(2).bandId).toBe("question"); // 70
    expect(all(4).bandId).toBe("genuine"); // 140
  });
});

describe("a partial round", () => {
  const asked = sections.filter((s) => s.id === "s1" || s.id === "s3");
  const score = scoreRound(round({ a: () => 4, b: () => 2, c: () => 3 }, { sections: asked }));

  it("shows section means and no band, saying why", () => {
    expect(score.sections.map((s) => [s.id, s.meanSum])).toEqual([
      ["s1", 15],
      ["s3", 15],
    ]);
    expect(score.total).toBeNull();
    expect(score.noBandReason).toBe("partial-round");
    expect(score.completeRespondents).toBe(3);
  });

  it("does not band a full round in which nobody finished", () => {
    const s = scoreRound(round({ a: (_id, i) => (i < 10 ? 4 : null), b: (_id, i) => (i < 30 ? 4 : null), c: () => null }));
    expect(s.total).toBeNull();
    expect(s.noBandReason).toBe("no-complete-responses");
    expect(s.sections[0]!.meanSum).toBeNull(); // only 2 of minimum 3 answered s1
    expect(s.sections[0]!.withheld).toBe(true);
  });
});

describe("minimum-n", () => {
  const two = { a: () => 4, b: () => 2 };

  it("withholds every aggregate below minimum-n in confidential mode", () => {
    const s = scoreRound(round(two));
    expect(s.withheld).toBe(true);
    expect(s.sections.every((x) => x.withheld && x.meanSum === null)).toBe(true);
    expect(s.items.every((x) => x.withheld && x.mean === null && x.distribution.every((d) => d === 0))).toBe(true);
    expect(s.total).toBeNull();
    expect(s.noBandReason).toBe("below-minimum-n");
  });

  it("withholds them whatever the anonymity mode: scoring knows only minimum-n", () => {
    const s = scoreRound(round(two));
    expect(s.withheld).toBe(true);
    expect(s.total).toBeNull();
  });

  it("shows them once minimum-n is reached", () => {
    const s = scoreRound(round(two, { minimumN: 2 }));
    expect(s.withheld).toBe(false);
    expect(s.total!.mean).toBe(105);
  });
});

describe("divergence", () => {
  // Statement 1: 1, 5, 3 (spread 4). Statement 2: 2, 4, 4 (spread 2). Statement 3: 2, 5, 5 (spread 3).
  const ratings: Record<string, number[]> = { [allItems[0]!]: [1, 5, 3], [allItems[1]!]: [2, 4, 4], [allItems[2]!]: [2, 5, 5] };
  const who = ["a", "b", "c"];
  const score = scoreRound(round(Object.fromEntries(who.map((w, k) => [w, (id: string) => ratings[id]?.[k] ?? 3]))));

  it("flags statements rated on both sides of the midpoint (spread ≥ 3 on 1–5)", () => {
    expect(divergenceThreshold({ min: 1, max: 5 })).toBe(3);
    const flagged = score.items.filter((i) => i.divergent).map((i) => i.itemId);
    expect(flagged).toEqual([allItems[0], allItems[2]]);
  });

  it("ranks them by standard deviation", () => {
    const top = mostDivergent(score, 3);
    expect(top.map((i) => i.itemId)).toEqual([allItems[0], allItems[2]]);
    expect(top[0]!.sd).toBeCloseTo(Math.sqrt(8 / 3), 10); // 1.633
    expect(top[1]!.sd).toBeCloseTo(Math.sqrt(2), 10); // values 2,5,5: mean 4, squares 4+1+1 → sqrt(6/3)
  });

  it("does not call a single answer divergent", () => {
    const s = scoreRound(round({ a: () => 1 }, { minimumN: 1 }));
    expect(s.items.some((i) => i.divergent)).toBe(false);
  });

  it("treats a choice question as divergent when no answer has a majority", () => {
    const s = scoreRound({
      sections: [{ id: "purposes", ratingItemIds: [], choiceItemIds: ["p1", "p2"] }],
      instrumentSectionIds: ["purposes"],
      scale: { min: 1, max: 5 },
      bands: [],
      answers: [
        { respondent: "a", itemId: "p1", rating: null, choice: "networking" },
        { respondent: "b", itemId: "p1", rating: null, choice: "collaborating" },
        { respondent: "c", itemId: "p1", rating: null, choice: "cooperating" },
        { respondent: "a", itemId: "p2", rating: null, choice: "networking" },
        { respondent: "b", itemId: "p2", rating: null, choice: "networking" },
        { respondent: "c", itemId: "p2", rating: null, choice: "cooperating" },
      ],
      invited: 3,
      minimumN: 3,
    });
    expect(s.items.map((i) => [i.itemId, i.divergent, i.choices])).toEqual([
      ["p1", true, { networking: 1, collaborating: 1, cooperating: 1 }],
      ["p2", false, { networking: 2, cooperating: 1 }],
    ]);
    expect(s.noBandReason).toBe("no-bands");
  });
});

describe("levels in order (the continuum): partners differ by the checklist's rule, on the levels' positions", () => {
  const LEVELS = ["networking", "coordinating", "cooperating", "collaborating"];
  const scored = (choices: string[]) =>
    scoreRound({
      sections: [{ id: "purposes", ratingItemIds: [], choiceItemIds: ["p1"] }],
      instrumentSectionIds: ["purposes"],
      scale: { min: 1, max: 5 },
      bands: [],
      answers: choices.map((choice, i) => ({ respondent: `r${i}`, itemId: "p1", rating: null, choice })),
      invited: choices.length,
      minimumN: 3,
      ordered: { p1: LEVELS },
    }).items[0]!;

  it("by hand: three levels apart differ, even with a majority; one level apart do not, even with none", () => {
    // A 4-level scale: the threshold is ⌈(4 − 1) · 3/4⌉ = 3 positions, as 3 of 4 on the checklist's 1–5.
    expect(scored(["networking", "networking", "networking", "collaborating"]).divergent).toBe(true);
    expect(scored(["networking", "coordinating", "networking", "coordinating"]).divergent).toBe(false);
    expect(scored(["networking", "cooperating", "cooperating"]).divergent).toBe(false);
  });

  it("for any answers: differ exactly when the lowest and highest level chosen are 3 or more apart", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...LEVELS), { minLength: 3, maxLength: 20 }), (choices) => {
        const positions = choices.map((c) => LEVELS.indexOf(c));
        expect(scored(choices).divergent).toBe(Math.max(...positions) - Math.min(...positions) >= 3);
      }),
    );
  });

  it("withholds a purpose answered by fewer than minimum-n, and never calls it divergent", () => {
    const s = scored(["networking", "collaborating"]);
    expect([s.withheld, s.divergent, s.choices]).toEqual([true, false, {}]);
  });
});

describe("\"don't know\"", () => {
  const input = (answers: { respondent: string; itemId: string; rating: number | null }[]): RoundScoringInput => ({
    sections: [{ id: "one", ratingItemIds: ["a", "b"], choiceItemIds: [] }],
    instrumentSectionIds: ["one"],
    scale: { min: 1, max: 5 },
    bands: [{ id: "low", min: 2, max: 6 }, { id: "high", min: 7, max: 10 }],
    answers: answers.map((a) => ({ ...a, choice: null })),
    invited: 5,
    minimumN: 3,
  });

  it("by hand: is an answer, counted apart, and in no mean, section sum or total", () => {
    const s = scoreRound(input([
      { respondent: "r1", itemId: "a", rating: 4 }, { respondent: "r1", itemId: "b", rating: 4 },
      { respondent: "r2", itemId: "a", rating: 5 }, { respondent: "r2", itemId: "b", rating: 3 },
      { respondent: "r3", itemId: "a", rating: 3 }, { respondent: "r3", itemId: "b", rating: 5 },
      { respondent: "r4", itemId: "a", rating: null }, { respondent: "r4", itemId: "b", rating: 1 },
    ]));
    const a = s.items.find((i) => i.itemId === "a")!;
    expect([a.n, a.mean, a.dontKnow]).toEqual([3, 4, 1]);
    expect(s.items.find((i) => i.itemId === "b")!.mean).toBe(13 / 4);
    expect(s.completeRespondents).toBe(4);
    // r4 rated only one of two: out of the section's sums and the total (8, 8, 8).
    expect([s.sections[0]!.respondents, s.sections[0]!.meanSum, s.total?.mean]).toEqual([3, 8, 8]);
  });

  it("for any answers: adding \"don't know\" never changes a statement's mean", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 3, maxLength: 12 }), fc.integer({ min: 1, max: 6 }), (ratings, unsure) => {
        const rated = ratings.map((rating, i) => ({ respondent: `r${i}`, itemId: "a", rating }));
        const without = scoreRound(input(rated)).items[0]!;
        const withUnsure = scoreRound(input([...rated, ...Array.from({ length: unsure }, (_, i) => ({ respondent: `u${i}`, itemId: "a", rating: null }))])).items[0]!;
        expect([withUnsure.mean, withUnsure.n, withUnsure.dontKnow]).toEqual([without.mean, without.n, unsure]);
      }),
    );
  });

  it("withholds a statement two people rated, however many said \"don't know\"", () => {
    const s = scoreRound(input([{ respondent: "r1", itemId: "a", rating: 1 }, { respondent: "r2", itemId: "a", rating: 5 }, { respondent: "r3", itemId: "a", rating: null }, { respondent: "r4", itemId: "a", rating: null }]));
    expect([s.items[0]!.withheld, s.items[0]!.mean, s.items[0]!.dontKnow]).toEqual([true, null, 0]);
  });
});

describe("trend over three rounds", () => {
  // Round 1: everyone 3 (105). Round 2: section 1 rated 5, the rest 3 (115). Round 3: all 4 (140).
  const r1 = scoreRound(round({ a: () => 3, b: () => 3, c: () => 3 }));
  const r2 = scoreRound(round({ a: (id) => (id.startsWith("s1.") ? 5 : 3), b: (id) => (id.startsWith("s1.") ? 5 : 3), c: (id) => (id.startsWith("s1.") ? 5 : 3) }));
  const r3 = scoreRound(round({ a: () => 4, b: () => 4, c: () => 4 }));

  it("compares each round with the one before", () => {
    const t2 = trendBetween(r2, r1, 1);
    expect(t2.total).toBe(10);
    expect(t2.sections.s1).toBe(10);
    expect(t2.sections.s2).toBe(0);
    const t3 = trendBetween(r3, r2, 2);
    expect(t3.previousRoundNumber).toBe(2);
    expect(t3.total).toBe(25);
    expect(t3.sections.s1).toBe(-5);
    expect(t3.sections.s7).toBe(5);
  });

  it("leaves out what either round withheld", () => {
    const small = scoreRound(round({ a: () => 1 }));
    const t = trendBetween(r3, small, 1);
    expect(t.total).toBeNull();
    expect(t.sections).toEqual({});
  });
});
