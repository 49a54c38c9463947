// The partner map (VicHealth activity 2): who is asked which link, and what a round's release says
// about each pair of organisations.
//
// A round's snapshot holds one "today" and one "wanted" item per pair. Each person is asked only
// their own organisation's links (n−1 pairs, not every pair), so a pair's answers come from the
// people of its two organisations, and several people of one organisation each count. A pair's
// result is an ordinary item of the release: withheld unless at least minimum-n people answered it,
// both sides together, so that either side, knowing its own answers, still faces at least
// minimum-n − 1 others. No result says which side gave which answer.
import type { Snapshot } from "./rounds.ts";
import type { Item, Link } from "../instruments/schema.ts";
import type { ItemScore } from "../scoring/score.ts";
import { t } from "../i18n/i18n.ts";
import { GENERATED_CHOICE_SET } from "../instruments/catalogue.ts";

const asked = new WeakMap<Snapshot, Map<string, Snapshot>>();

/**
 * The round as one person is asked it: of the map, only the links of their own organisation,
 * worded from their side ("Region Syd: our link today"). Someone with no organisation is asked no
 * link. Snapshots are immutable, so each person's view is built once.
 */
export function askedOf(snapshot: Snapshot, organisationId: string | null): Snapshot {
  if (!snapshot.sections.some((s) => s.items.some(isLinkItem))) return snapshot;
  let views = asked.get(snapshot);
  if (!views) asked.set(snapshot, (views = new Map()));
  const key = organisationId ?? "";
  let view = views.get(key);
  if (!view) {
    view = {
      ...snapshot,
      sections: snapshot.sections.map((s) => ({
        ...s,
        items: s.items.flatMap((item): Item[] => {
          if (!isLinkItem(item)) return [item];
          const side = organisationId === null ? -1 : item.link.between.indexOf(organisationId);
          if (side < 0) return [];
          const other = item.link.names[1 - side]!;
          return [{ ...item, text: { en: t("en", `map.our-${item.link.aspect}`, { org: other }), da: t("da", `map.our-${item.link.aspect}`, { org: other }) } }];
        }),
      })),
    };
    views.set(key, view);
  }
  return view;
}

/** The sections of a round a person has something to answer in, in order. */
export function askedSectionIds(view: Snapshot, sectionIds: string[]): string[] {
  return sectionIds.filter((id) => (view.sections.find((s) => s.id === id)?.items.length ?? 0) > 0);
}

/** Every item id a person is asked in the round. */
export function askedItemIds(view: Snapshot, sectionIds: string[]): string[] {
  return view.sections.filter((s) => sectionIds.includes(s.id)).flatMap((s) => s.items.map((i) => i.id));
}

/** The ids of the map's link items among the given sections (all of them when none are given). */
export function linkItemIds(snapshot: Snapshot, sectionIds?: string[]): Set<string> {
  return new Set(snapshot.sections.filter((s) => !sectionIds || sectionIds.includes(s.id)).flatMap((s) => s.items.filter(isLinkItem).map((i) => i.id)));
}

function isLinkItem(item: Item): item is Item & { kind: "choice"; link: Link } {
  return item.kind === "choice" && item.link !== undefined;
}

/** What a release says about one pair of organisations. */
export interface PairResult {
  between: [string, string];
  names: [string, string];
  /** people who answered for the link today (both organisations together) */
  n: number;
  withheld: boolean;
  /** the combined level today and wanted: the middle answer (the lower middle one of an even count) */
  now: string | null;
  want: string | null;
  /** how many levels the wanted link is above (+) or below (−) today's */
  gap: number | null;
  /** nobody who answered reports any contact today */
  missing: boolean;
  /** partners differ on today's link by the checklist's rule, on the levels' order */
  divergent: boolean;
  counts: { now: Record<string, number>; want: Record<string, number> };
}

/**
 * The map's results per pair, from a release's item scores. `levels` is the link choice set's
 * values, weakest first ("none" … "collaborating").
 */
export function pairResults(snapshot: Snapshot, sectionIds: string[], items: readonly ItemScore[], levels: readonly string[]): PairResult[] {
  const scores = new Map(items.map((i) => [i.itemId, i]));
  const pairs = new Map<string, { link: Link; now?: ItemScore; want?: ItemScore }>();
  for (const section of snapshot.sections.filter((s) => sectionIds.includes(s.id)))
    for (const item of section.items.filter(isLinkItem)) {
      const key = item.link.between.join(" ");
      const pair = pairs.get(key) ?? { link: item.link };
      pair[item.link.aspect] = scores.get(item.id);
      pairs.set(key, pair);
    }
  const out: PairResult[] = [];
  for (const { link, now, want } of pairs.values()) {
    // Both halves of a pair come from the same people; either withheld withholds the pair.
    const withheld = !now || !want || now.withheld || want.withheld;
    const nowLevel = withheld ? null : middleLevel(now.choices, levels);
    const wantLevel = withheld ? null : middleLevel(want.choices, levels);
    out.push({
      between: link.between,
      names: link.names,
      n: now?.n ?? 0,
      withheld,
      now: nowLevel,
      want: wantLevel,
      gap: nowLevel !== null && wantLevel !== null ? levels.indexOf(wantLevel) - levels.indexOf(nowLevel) : null,
      missing: !withheld && now.n > 0 && (now.choices[levels[0]!] ?? 0) === now.n,
      divergent: !withheld && now.divergent,
      counts: { now: withheld ? {} : { ...now.choices }, want: withheld ? {} : { ...want.choices } },
    });
  }
  return out;
}

/** The link levels of a round's map, weakest first, with their labels. */
export function linkLevels(snapshot: Snapshot) {
  return snapshot.choiceSets[GENERATED_CHOICE_SET["organisation-pairs"]] ?? [];
}

/** A round's map as a release shows it: the pairs of the asked sections, levels from the snapshot. */
export function roundPairs(snapshot: Snapshot, sectionIds: string[], items: readonly ItemScore[]): PairResult[] {
  return pairResults(snapshot, sectionIds, items, linkLevels(snapshot).map((l) => l.value));
}

/** The middle answer on an ordered scale: the lower of the two middle ones when the count is even. */
export function middleLevel(counts: Readonly<Record<string, number>>, levels: readonly string[]): string | null {
  const total = levels.reduce((sum, l) => sum + (counts[l] ?? 0), 0);
  if (total === 0) return null;
  const half = Math.ceil(total / 2);
  let seen = 0;
  for (const l of levels) {
    seen += counts[l] ?? 0;
    if (seen >= half) return l;
  }
  return null;
}

/** The organisations of a map, in the snapshot's order (the order they were added). */
export function mapOrganisations(pairs: readonly PairResult[]): { id: string; name: string }[] {
  const seen = new Map<string, string>();
  for (const p of pairs) p.between.forEach((id, i) => seen.has(id) || seen.set(id, p.names[i]!));
  return [...seen].map(([id, name]) => ({ id, name }));
}
