// The disclosure rule. Nobody may learn one partner's answers, the coordinator included, by any
// route. The mechanism:
//   - a round's anonymity mode and minimum-n are fixed when it opens (minimum-n never below 3);
//   - while a round is open, no aggregate of it is shown anywhere: only counts of who has answered;
//   - when it closes, its aggregates are computed once, from one frozen set of respondents (those
//     whose membership is current and who answered every question of the round), and stored on the
//     round as its release;
//   - every digest, export, report and trend reads that release and never the answers again, so
//     no later change (a setting, a removal, an erasure) can produce a second, different release of
//     the same round to subtract from the first;
//   - every statistic of a release (items, sections, total) comes from that one set, so no two
//     numbers in it differ by one person; with fewer than minimum-n respondents it holds counts only.
// Two releases therefore never differ by the answers of fewer than minimum-n people: each round has
// exactly one release, and different rounds share no answers.
import { z } from "zod";
import type { Snapshot } from "../domain/rounds.ts";
import { sectionItems } from "../domain/rounds.ts";
import { scoreRound, type RoundScore } from "../scoring/score.ts";
import { GENERATED_CHOICE_SET } from "../instruments/catalogue.ts";
import { askedItemIds, askedOf } from "../domain/partner-map.ts";
import { commentSectionIds, releasedComments } from "../domain/comments.ts";

/** No partnership can go below this: with two respondents each one knows the other's answers. */
export const MINIMUM_N_FLOOR = 3;

export function effectiveMinimumN(configured: number): number {
  return Math.max(MINIMUM_N_FLOOR, configured);
}

export interface Release {
  score: RoundScore;
  /** the minimum-n the round was opened with */
  minimumN: number;
  anonymity: "confidential" | "attributed";
  /** when it was computed (the round's close) */
  at: string;
  /** partners' comments per section, sorted, none of a section fewer than minimum-n were asked (absent before comments existed) */
  comments?: Record<string, string[]>;
  /**
   * Results per organisation type: null when any type (people without an organisation among them)
   * has fewer than minimum-n respondents, since one small group is the whole less the others;
   * absent for rounds released before it existed.
   */
  bySector?: SectorResult[] | null;
}

export interface SectorResult {
  /** municipality | region | ngo | research | private | other | none (no organisation) */
  sector: string;
  respondents: number;
  /** the group's mean total, for a complete checklist */
  total: number | null;
  /** the group's mean section sums, by section id */
  sections: Record<string, number | null>;
}

const ReleaseShape = z.object({
  score: z.object({}).passthrough(),
  minimumN: z.number(),
  anonymity: z.enum(["confidential", "attributed"]),
  at: z.string(),
  comments: z.record(z.string(), z.array(z.string())).optional(),
  bySector: z.array(z.object({ sector: z.string(), respondents: z.number(), total: z.number().nullable(), sections: z.record(z.string(), z.number().nullable()) })).nullable().optional(),
});

export function parseRelease(json: unknown): Release | null {
  const r = ReleaseShape.safeParse(json);
  return r.success ? (r.data as unknown as Release) : null;
}

export interface ReleaseInput {
  snapshot: Snapshot;
  sectionIds: string[];
  minimumN: number;
  anonymity: string;
  /** answers of current members only; `respondent` is an opaque key */
  answers: { respondent: string; itemId: string; rating: number | null; choice: string | null }[];
  /** comments of current members, per section */
  comments?: { respondent: string; sectionId: string; text: string }[];
  /** the organisation each respondent answered for (their invitation's): which links they were asked */
  organisationOf?: ReadonlyMap<string, string | null>;
  /** the type of each respondent's organisation (none: no organisation) */
  sectorOf?: ReadonlyMap<string, string | null>;
  invited: number;
  at: Date;
}

/** What one respondent was asked: every item of the round but, of the map, only their organisation's links. */
export function askedOfRespondent(input: Pick<ReleaseInput, "snapshot" | "sectionIds" | "organisationOf">): (respondent: string) => readonly string[] {
  const cache = new Map<string | null, readonly string[]>();
  return (respondent) => {
    const org = input.organisationOf?.get(respondent) ?? null;
    let ids = cache.get(org);
    if (!ids) cache.set(org, (ids = askedItemIds(askedOf(input.snapshot, org), input.sectionIds)));
    return ids;
  };
}

/** The frozen set: respondents who answered every question the round asked them. */
export function completeRespondents(answers: ReleaseInput["answers"], askedOf: (respondent: string) => readonly string[]): Set<string> {
  const have = new Map<string, Set<string>>();
  // Every answer row counts, "don't know" (neither rating nor choice) among them.
  for (const a of answers) {
    let s = have.get(a.respondent);
    if (!s) have.set(a.respondent, (s = new Set()));
    s.add(a.itemId);
  }
  const complete = new Set<string>();
  for (const [who, items] of have) if (askedOf(who).every((id) => items.has(id))) complete.add(who);
  return complete;
}

/** Computes a round's release. Pure: the caller stores it, once, in the transaction that closes the round. */
export function computeRelease(input: ReleaseInput): Release {
  const minimumN = effectiveMinimumN(input.minimumN);
  const askedOf = askedOfRespondent(input);
  const frozen = completeRespondents(input.answers, askedOf);
  const asked = sectionItems(input.snapshot);
  const scoreOf = (who: ReadonlySet<string>, invited: number) =>
    scoreRound({
      sections: input.sectionIds.map((id) => asked.find((s) => s.id === id)!),
      instrumentSectionIds: input.snapshot.sections.map((s) => s.id),
      scale: input.snapshot.scale ?? { min: 1, max: 5 },
      bands: input.snapshot.bands,
      answers: input.answers.filter((a) => who.has(a.respondent)),
      invited,
      minimumN,
      ordered: orderedChoices(input.snapshot),
      askedOf,
    });
  const score = scoreOf(frozen, input.invited);
  // A section's comments count its respondents as those of the frozen set it asked anything.
  const commented = commentSectionIds(input.snapshot, input.sectionIds).map((id) => {
    const items = new Set(input.snapshot.sections.find((s) => s.id === id)!.items.map((i) => i.id));
    return { id, askedOf: [...frozen].filter((who) => askedOf(who).some((itemId) => items.has(itemId))).length };
  });
  const comments = releasedComments(input.comments ?? [], frozen, commented, minimumN);
  return { score, minimumN, anonymity: input.anonymity === "attributed" ? "attributed" : "confidential", at: input.at.toISOString(), comments, bySector: bySector(frozen, input.sectorOf, minimumN, scoreOf) };
}

/**
 * The frozen set split by organisation type, each group scored like the round. Every group must
 * have at least minimum-n people, or none is shown: with one group below it, the others and the
 * whole would give its answers away by subtraction.
 */
function bySector(frozen: ReadonlySet<string>, sectorOf: ReadonlyMap<string, string | null> | undefined, minimumN: number, scoreOf: (who: ReadonlySet<string>, invited: number) => RoundScore): SectorResult[] | null {
  if (frozen.size < minimumN) return null;
  const groups = new Map<string, Set<string>>();
  for (const who of frozen) {
    const sector = sectorOf?.get(who) ?? "none";
    let g = groups.get(sector);
    if (!g) groups.set(sector, (g = new Set()));
    g.add(who);
  }
  if ([...groups.values()].some((g) => g.size < minimumN)) return null;
  return [...groups].map(([sector, who]) => {
    const s = scoreOf(who, who.size);
    return { sector, respondents: who.size, total: s.total?.mean ?? null, sections: Object.fromEntries(s.sections.map((x) => [x.id, x.withheld ? null : x.meanSum])) };
  });
}

/** The choice items whose answers are levels in order: those of the generated sections (purposes, the map). */
export function orderedChoices(snapshot: Snapshot): Record<string, readonly string[]> {
  const ordered = new Set<string>(Object.values(GENERATED_CHOICE_SET));
  const out: Record<string, readonly string[]> = {};
  for (const item of snapshot.sections.flatMap((s) => s.items))
    if (item.kind === "choice" && ordered.has(item.choices)) out[item.id] = (snapshot.choiceSets[item.choices] ?? []).map((c) => c.value);
  return out;
}

/** What an open round shows: how many have answered, never what. */
export function unreleasedScore(invited: number, complete: number, minimumN: number): Release {
  return {
    score: {
      items: [],
      sections: [],
      respondents: complete,
      completeRespondents: complete,
      invited,
      responseRate: invited > 0 ? complete / invited : null,
      total: null,
      noBandReason: null,
      withheld: true,
    },
    minimumN: effectiveMinimumN(minimumN),
    anonymity: "confidential",
    at: "",
  };
}
