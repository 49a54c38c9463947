// Pure scoring of one round: per statement, per section, total and band, response rate,
// divergence and the minimum-n rule. No database, no clock: the digest and the tests use this.

export interface ScoredSection {
  id: string;
  /** rating items in this section; choice items are counted, not summed */
  ratingItemIds: string[];
  choiceItemIds: string[];
}

export interface ScoringBand {
  id: string;
  min: number;
  max: number;
}

export interface RoundScoringInput {
  /** the sections this round asked, in order */
  sections: ScoredSection[];
  /** every section id of the instrument: a round that asked fewer is partial */
  instrumentSectionIds: string[];
  scale: { min: number; max: number };
  bands: ScoringBand[];
  /** one row per respondent per item; `respondent` is an opaque key, never shown */
  answers: { respondent: string; itemId: string; rating: number | null; choice: string | null }[];
  /** how many people the round was sent to */
  invited: number;
  /** aggregates of fewer respondents are withheld, in every anonymity mode */
  minimumN: number;
  /**
   * Choice items whose answers are levels in order (the continuum, a link's strength): their
   * values from lowest to highest. Partners disagree on them by the checklist's rule, on the
   * levels' positions; on any other choice, when no answer is given by most of them.
   */
  ordered?: Record<string, readonly string[]>;
  /** the items one respondent was asked, where not everyone is asked everything (the partner map); default: all */
  askedOf?: (respondent: string) => readonly string[];
}

export interface ItemScore {
  itemId: string;
  n: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  /** max − min */
  spread: number | null;
  /** population standard deviation of the ratings */
  sd: number | null;
  /** count of each scale point, index 0 = scale.min */
  distribution: number[];
  /** for choice items: count per chosen value */
  choices: Record<string, number>;
  /** answers of "don't know" (excluded from everything above); absent in releases made before it existed */
  dontKnow?: number;
  divergent: boolean;
  withheld: boolean;
}

export interface SectionScore {
  id: string;
  /** respondents who rated every statement of the section */
  respondents: number;
  /** mean of those respondents' section sums (5–25 for five statements) */
  meanSum: number | null;
  /** mean rating across the section's statements (1–5) */
  meanRating: number | null;
  minSum: number;
  maxSum: number;
  withheld: boolean;
}

export type NoBandReason = "partial-round" | "no-complete-responses" | "no-bands" | "below-minimum-n";

export interface RoundScore {
  items: ItemScore[];
  sections: SectionScore[];
  /** people who gave at least one answer */
  respondents: number;
  /** people who answered every item of the round */
  completeRespondents: number;
  invited: number;
  /** completeRespondents / invited, 0–1; null when nobody was invited */
  responseRate: number | null;
  total: { mean: number; min: number; max: number; bandId: string | null } | null;
  noBandReason: NoBandReason | null;
  /** true when every aggregate is hidden (fewer respondents than minimum-n) */
  withheld: boolean;
}

/**
 * Ratings on opposite sides of the scale's midpoint (e.g. 2 and 5, or 1 and 4 on 1–5) mean two
 * partners read the statement in opposite ways: that is a spread of at least 3 points on a
 * five-point scale, scaled for other scales.
 */
export function divergenceThreshold(scale: { min: number; max: number }): number {
  return Math.ceil(((scale.max - scale.min) * 3) / 4);
}

export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function mean(xs: number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function populationSd(xs: number[]): number | null {
  const m = mean(xs);
  if (m === null) return null;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length);
}

export function bandFor(total: number, bands: ScoringBand[]): string | null {
  return bands.find((b) => total >= b.min && total <= b.max)?.id ?? null;
}

export function scoreRound(input: RoundScoringInput): RoundScore {
  const { scale, minimumN } = input;
  // Attributed mode shows who answered, never numbers below minimum-n: the rule is the same.
  const hideBelow = (n: number) => n < minimumN;
  const threshold = divergenceThreshold(scale);

  // respondent → itemId → answer
  const byRespondent = new Map<string, Map<string, { rating: number | null; choice: string | null }>>();
  for (const a of input.answers) {
    let m = byRespondent.get(a.respondent);
    if (!m) byRespondent.set(a.respondent, (m = new Map()));
    m.set(a.itemId, { rating: a.rating, choice: a.choice });
  }

  const items: ItemScore[] = [];
  for (const section of input.sections) {
    for (const itemId of section.ratingItemIds) {
      const ratings: number[] = [];
      let dontKnow = 0;
      for (const m of byRespondent.values()) {
        const a = m.get(itemId);
        if (typeof a?.rating === "number") ratings.push(a.rating);
        else if (a && a.choice === null) dontKnow++;
      }
      const distribution = new Array(scale.max - scale.min + 1).fill(0) as number[];
      for (const r of ratings) distribution[r - scale.min] = (distribution[r - scale.min] ?? 0) + 1;
      const min = ratings.length ? Math.min(...ratings) : null;
      const max = ratings.length ? Math.max(...ratings) : null;
      const spread = min === null || max === null ? null : max - min;
      // Withheld below minimum-n of everyone who answered it, "don't know" included: a count of
      // "don't know" beside the ratings of two people would still show those two.
      const withheld = hideBelow(ratings.length + dontKnow) || (ratings.length > 0 && hideBelow(ratings.length));
      items.push({
        itemId,
        n: ratings.length,
        mean: withheld ? null : mean(ratings),
        min: withheld ? null : min,
        max: withheld ? null : max,
        spread: withheld ? null : spread,
        sd: withheld ? null : populationSd(ratings),
        distribution: withheld ? distribution.map(() => 0) : distribution,
        choices: {},
        dontKnow: withheld ? 0 : dontKnow,
        divergent: !withheld && ratings.length >= 2 && spread !== null && spread >= threshold,
        withheld,
      });
    }
    for (const itemId of section.choiceItemIds) {
      // No prototype: a custom instrument's choice value may be any word, "constructor" included.
      const choices: Record<string, number> = Object.create(null) as Record<string, number>;
      let n = 0;
      let dontKnow = 0;
      for (const m of byRespondent.values()) {
        const a = m.get(itemId);
        if (typeof a?.choice === "string") {
          choices[a.choice] = (choices[a.choice] ?? 0) + 1;
          n++;
        } else if (a && a.rating === null) dontKnow++;
      }
      const withheld = hideBelow(n + dontKnow) || (n > 0 && hideBelow(n));
      const top = Math.max(0, ...Object.values(choices));
      const levels = input.ordered?.[itemId];
      const positions = levels ? Object.keys(choices).map((c) => levels.indexOf(c)).filter((i) => i >= 0) : [];
      const divergent = levels
        ? positions.length > 0 && Math.max(...positions) - Math.min(...positions) >= divergenceThreshold({ min: 1, max: levels.length })
        : top * 2 <= n;
      items.push({
        itemId,
        n,
        mean: null,
        min: null,
        max: null,
        spread: null,
        sd: null,
        distribution: [],
        choices: withheld ? {} : choices,
        dontKnow: withheld ? 0 : dontKnow,
        divergent: !withheld && n >= 2 && divergent,
        withheld,
      });
    }
  }

  const sections: SectionScore[] = input.sections.map((section) => {
    const k = section.ratingItemIds.length;
    const sums: number[] = [];
    for (const m of byRespondent.values()) {
      let sum = 0;
      let all = k > 0;
      for (const itemId of section.ratingItemIds) {
        const r = m.get(itemId)?.rating;
        if (typeof r !== "number") {
          all = false;
          break;
        }
        sum += r;
      }
      if (all) sums.push(sum);
    }
    const withheld = hideBelow(sums.length);
    const meanSum = withheld ? null : mean(sums);
    return {
      id: section.id,
      respondents: sums.length,
      meanSum,
      meanRating: meanSum === null || k === 0 ? null : meanSum / k,
      minSum: k * scale.min,
      maxSum: k * scale.max,
      withheld,
    };
  });

  const allItemIds = input.sections.flatMap((s) => [...s.ratingItemIds, ...s.choiceItemIds]);
  const ratingItemIds = input.sections.flatMap((s) => s.ratingItemIds);
  const totals: number[] = [];
  let completeRespondents = 0;
  for (const [respondent, m] of byRespondent) {
    // A "don't know" is an answer: the respondent is complete…
    if (!(input.askedOf?.(respondent) ?? allItemIds).every((id) => m.has(id))) continue;
    completeRespondents++;
    // …but a total needs every statement rated, so it leaves them out of the total.
    const ratings = ratingItemIds.map((id) => m.get(id)?.rating);
    if (ratings.every((r): r is number => typeof r === "number")) totals.push(ratings.reduce((sum, r) => sum + r, 0));
  }

  const asked = new Set(input.sections.map((s) => s.id));
  const partial = input.instrumentSectionIds.some((id) => !asked.has(id));
  let total: RoundScore["total"] = null;
  let noBandReason: NoBandReason | null = null;
  if (input.bands.length === 0) noBandReason = "no-bands";
  else if (partial) noBandReason = "partial-round";
  else if (totals.length === 0) noBandReason = "no-complete-responses";
  else if (hideBelow(totals.length)) noBandReason = "below-minimum-n";
  else {
    const m = mean(totals)!;
    total = {
      mean: m,
      min: ratingItemIds.length * scale.min,
      max: ratingItemIds.length * scale.max,
      bandId: bandFor(Math.round(m), input.bands),
    };
  }

  return {
    items,
    sections,
    respondents: byRespondent.size,
    completeRespondents,
    invited: input.invited,
    responseRate: input.invited > 0 ? completeRespondents / input.invited : null,
    total,
    noBandReason,
    withheld: hideBelow(byRespondent.size),
  };
}

export interface Trend {
  previousRoundNumber: number;
  /** section id → change in mean section sum */
  sections: Record<string, number>;
  total: number | null;
}

/** Change since an earlier round of the same instrument: only what both rounds show. */
/**
 * The change since an earlier round, per section and in total. `comparable` says which sections
 * asked the same statements in both rounds (the caller knows the snapshots); the total changes
 * only when every section did.
 */
export function trendBetween(current: RoundScore, previous: RoundScore, previousRoundNumber: number, comparable: (sectionId: string) => boolean = () => true): Trend {
  const sections: Record<string, number> = {};
  for (const s of current.sections) {
    const p = previous.sections.find((x) => x.id === s.id);
    if (p && comparable(s.id) && s.meanSum !== null && p.meanSum !== null && p.maxSum === s.maxSum) sections[s.id] = s.meanSum - p.meanSum;
  }
  const allComparable = current.sections.every((s) => comparable(s.id));
  const total = allComparable && current.total && previous.total ? current.total.mean - previous.total.mean : null;
  return { previousRoundNumber, sections, total };
}

/** A choice statement's count per value, in the choice set's order, and the value(s) chosen most often (none when nobody chose). */
export function choiceCounts(item: ItemScore, values: readonly string[]): { counts: [value: string, n: number][]; mostCommon: string[] } {
  const counts = values.map((v): [string, number] => [v, item.choices[v] ?? 0]);
  const top = Math.max(0, ...counts.map(([, n]) => n));
  return { counts, mostCommon: top > 0 ? counts.filter(([, n]) => n === top).map(([v]) => v) : [] };
}

/** The statements rated lowest (mean), of those shown: where a steering group might act first. */
export function lowestScoring(score: RoundScore, limit = 3): ItemScore[] {
  return score.items
    .filter((i) => !i.withheld && i.mean !== null)
    .sort((a, b) => a.mean! - b.mean! || a.itemId.localeCompare(b.itemId))
    .slice(0, limit);
}

/** Statements partners disagree on most: divergent ones first, by standard deviation. */
export function mostDivergent(score: RoundScore, limit = 3): ItemScore[] {
  return score.items
    .filter((i) => i.divergent)
    .sort((a, b) => (b.sd ?? 0) - (a.sd ?? 0) || (b.spread ?? 0) - (a.spread ?? 0))
    .slice(0, limit);
}
