// The digest's pictures, from the same view as its text (so from the release alone: a withheld
// section, statement or pair is left out of the picture as it is of the words).
import { GENERATED_CHOICE_SET } from "../instruments/catalogue.ts";
import { linkLevels, roundPairs, mapOrganisations } from "../domain/partner-map.ts";
import { choiceCounts } from "../scoring/score.ts";
import { sectionsChart, totalsChart, mapChart, purposesChart, spreadChart, type Chart } from "../charts/charts.ts";
import { summedSections, type DigestView } from "./digest-message.ts";

/** The totals of rounds of the view's series over its bands (none without bands or a total). */
export async function seriesTotalsChart(v: DigestView, rounds: { roundNumber: number; total: number }[]): Promise<Chart | null> {
  const total = v.score.total;
  if (!total || !v.snapshot.bands.length || !rounds.length) return null;
  const bands = v.snapshot.bands.map((b) => ({ label: b.label[v.lang], min: b.min, max: b.max }));
  return totalsChart(v.lang, { rounds, bands, min: total.min, max: total.max });
}

/** Each chart the view has something for, by kind; none for a round not released or withheld. */
export async function digestCharts(v: DigestView): Promise<Partial<Record<Chart["kind"], Chart>>> {
  const { lang, snapshot, score } = v;
  const out: Partial<Record<Chart["kind"], Chart>> = {};
  if (!v.released || score.withheld) return out;
  const sections = summedSections(v)
    .map((sid) => ({ s: score.sections.find((x) => x.id === sid)!, sec: snapshot.sections.find((x) => x.id === sid)! }))
    .filter(({ s }) => !s.withheld && s.meanSum !== null);
  if (sections.length) {
    const delta = (sid: string) => v.trend?.sections[sid];
    out.sections = await sectionsChart(lang, {
      roundNumber: v.roundNumber,
      previousRoundNumber: v.trend?.previousRoundNumber ?? null,
      min: Math.min(...sections.map(({ s }) => s.minSum)),
      max: Math.max(...sections.map(({ s }) => s.maxSum)),
      sections: sections.map(({ s, sec }) => ({ label: sec.title[lang], now: s.meanSum, before: delta(s.id) === undefined ? null : s.meanSum! - delta(s.id)! })),
    });
  }
  if (score.total) {
    const past = v.history.filter((h): h is { roundNumber: number; total: number } => h.total !== null);
    const totals = await seriesTotalsChart(v, [...past, { roundNumber: v.roundNumber, total: score.total.mean }]);
    if (totals) out.totals = totals;
  }
  const levels = linkLevels(snapshot);
  const pairs = roundPairs(snapshot, v.sectionIds, score.items).filter((p) => !p.withheld && p.now !== null && p.want !== null);
  if (pairs.length) {
    const rank = (value: string) => levels.findIndex((l) => l.value === value);
    out.map = await mapChart(lang, {
      organisations: mapOrganisations(pairs).map((o) => o.name),
      levels: levels.map((l) => l.label[lang]),
      pairs: pairs.map((p) => ({ a: p.names[0], b: p.names[1], now: rank(p.now!), want: rank(p.want!) })),
    });
  }
  const continuum = snapshot.choiceSets[GENERATED_CHOICE_SET.purposes] ?? [];
  const purposes = v.sectionIds.flatMap((sid) => snapshot.sections.find((s) => s.id === sid)?.items ?? []).filter((i) => i.kind === "choice" && i.choices === GENERATED_CHOICE_SET.purposes);
  const shownPurposes = purposes.flatMap((item) => {
    const s = score.items.find((x) => x.itemId === item.id);
    if (!s || s.withheld) return [];
    const { counts } = choiceCounts(s, continuum.map((l) => l.value));
    const label = (value: string) => continuum.find((l) => l.value === value)!.label[lang];
    return [{ label: item.text[lang], counts: Object.fromEntries(counts.map(([value, n]) => [label(value), n])) }];
  });
  if (shownPurposes.length) out.purposes = await purposesChart(lang, { levels: continuum.map((l) => l.label[lang]), purposes: shownPurposes });
  const ratings = new Map(snapshot.sections.flatMap((s) => s.items.filter((i) => i.kind === "rating").map((i) => [i.id, i] as const)));
  const spread = v.divergent.filter((i) => ratings.has(i.itemId) && i.distribution.length > 0);
  if (spread.length && snapshot.scale) {
    const points = Array.from({ length: snapshot.scale.max - snapshot.scale.min + 1 }, (_, k) => snapshot.scale!.min + k);
    out.spread = await spreadChart(lang, { points, items: spread.map((i) => ({ id: i.itemId, text: ratings.get(i.itemId)!.text[lang], distribution: i.distribution })) });
  }
  return out;
}
