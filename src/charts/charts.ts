// The steering group's five pictures, as Vega-Lite specs over plain numbers the caller has taken
// from a release (so nothing here can show what a release withholds). Each chart has a title and
// an alt text in the reader's language. Colours: two-colour comparisons differ in lightness, and
// ordered levels run from light to dark, so every chart reads in greyscale and for colour-blind
// readers; the map also codes a link's level by its width and a wanted change by a dashed line.
import type { TopLevelSpec } from "vega-lite";
import { t, formatDecimal, type Lang } from "../i18n/i18n.ts";
import { CHART_FONT, svgOf } from "./render.ts";

export type ChartKind = "sections" | "totals" | "map" | "purposes" | "spread";

export interface Chart {
  kind: ChartKind;
  title: string;
  /** what the picture shows, in words, for screen readers and anyone without the image */
  alt: string;
  svg: string;
}

/** Light to dark, one hue (blue): readable in greyscale and by every kind of colour blindness. */
export const ORDERED = ["#deebf7", "#9ecae1", "#4292c6", "#08519c", "#08306b"];
/** The earlier round, and this one: grey and dark blue, far apart in lightness. */
const BEFORE = "#b0b0b0";
const NOW = "#08519c";
/** The three bands, light tints behind the line (their names are written in them as well). */
const BAND_FILLS = ["#fbe3d6", "#fdf3c8", "#dcefd9", "#e6e6f5"];
const WIDTH = 520;

const base = {
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  background: "#ffffff",
  padding: 12,
  config: {
    font: CHART_FONT,
    view: { stroke: null },
    title: { fontSize: 15, anchor: "start" as const, offset: 10 },
    axis: { labelFontSize: 11, titleFontSize: 11, labelLimit: 230 },
    legend: { labelFontSize: 11, titleFontSize: 11, orient: "bottom" as const, labelLimit: 260 },
  },
};

async function chart(kind: ChartKind, title: string, alt: string, spec: Record<string, unknown>): Promise<Chart> {
  const svg = await svgOf({ ...base, title, description: alt, ...spec } as TopLevelSpec);
  return { kind, title, alt, svg };
}

const num = (lang: Lang, x: number) => formatDecimal(lang, x);

export interface SectionsInput {
  roundNumber: number;
  previousRoundNumber: number | null;
  /** each section's mean sum, this round and (where the earlier round showed it) before */
  sections: { label: string; now: number | null; before: number | null }[];
  min: number;
  max: number;
}

/** Section scores of this round beside the previous one, on the sections' own scale (5–25). */
export async function sectionsChart(lang: Lang, input: SectionsInput): Promise<Chart> {
  const nowLabel = t(lang, "chart.round", { n: input.roundNumber });
  const beforeLabel = input.previousRoundNumber === null ? null : t(lang, "chart.round", { n: input.previousRoundNumber });
  const values = input.sections.flatMap((s) => [
    ...(beforeLabel !== null && s.before !== null ? [{ section: s.label, round: beforeLabel, score: s.before, text: num(lang, s.before) }] : []),
    ...(s.now !== null ? [{ section: s.label, round: nowLabel, score: s.now, text: num(lang, s.now) }] : []),
  ]);
  const title = beforeLabel === null ? t(lang, "chart.sections.title-one", { n: input.roundNumber }) : t(lang, "chart.sections.title", { n: input.roundNumber, before: input.previousRoundNumber! });
  const alt = t(lang, "chart.sections.alt", {
    list: input.sections
      .map((s) => `${s.label}: ${s.now === null ? "–" : num(lang, s.now)}${beforeLabel !== null && s.before !== null ? ` (${t(lang, "chart.was", { value: num(lang, s.before) })})` : ""}`)
      .join("; "),
    max: input.max,
  });
  const domain = beforeLabel === null ? [nowLabel] : [beforeLabel, nowLabel];
  const y = { field: "section", type: "nominal", title: null, sort: input.sections.map((s) => s.label), axis: { labelLimit: 270 } };
  return chart("sections", title, alt, {
    width: WIDTH - 260,
    height: { step: beforeLabel === null ? 22 : 15 },
    data: { values },
    encoding: { y, yOffset: { field: "round", sort: domain }, x: { field: "score", type: "quantitative", title: t(lang, "chart.sections.axis", { min: input.min, max: input.max }), scale: { domain: [input.min, input.max], zero: false, clamp: true } } },
    layer: [
      { mark: { type: "bar", clip: true }, encoding: { color: { field: "round", type: "nominal", title: null, scale: { domain, range: beforeLabel === null ? [NOW] : [BEFORE, NOW] } } } },
      { mark: { type: "text", align: "left", dx: 4, fontSize: 10 }, encoding: { text: { field: "text" } } },
    ],
  });
}

export interface TotalsInput {
  rounds: { roundNumber: number; total: number }[];
  bands: { label: string; min: number; max: number }[];
  min: number;
  max: number;
}

/** The total of every round of one series, over the three bands. */
export async function totalsChart(lang: Lang, input: TotalsInput): Promise<Chart> {
  const points = input.rounds.map((r) => ({ round: t(lang, "chart.round", { n: r.roundNumber }), total: r.total, text: num(lang, r.total) }));
  const order = points.map((p) => p.round);
  const title = t(lang, "chart.totals.title");
  const alt = t(lang, "chart.totals.alt", {
    list: input.rounds.map((r) => `${t(lang, "chart.round", { n: r.roundNumber })}: ${num(lang, r.total)}`).join("; "),
    bands: input.bands.map((b) => `${b.label} ${b.min}–${b.max}`).join(", "),
  });
  const bands = input.bands.map((b, i) => ({ ...b, fill: BAND_FILLS[i % BAND_FILLS.length], mid: (b.min + b.max) / 2 }));
  const yScale = { domain: [input.min, input.max], zero: false, nice: false };
  return chart("totals", title, alt, {
    width: WIDTH,
    height: 240,
    layer: [
      { data: { values: bands }, mark: { type: "rect", opacity: 1 }, encoding: { y: { field: "min", type: "quantitative", scale: yScale, title: t(lang, "chart.totals.axis", { min: input.min, max: input.max }) }, y2: { field: "max" }, color: { field: "fill", type: "nominal", scale: null, legend: null } } },
      { data: { values: bands }, mark: { type: "text", align: "right", baseline: "middle", x: WIDTH - 6, fontSize: 11, fontStyle: "italic", color: "#444444" }, encoding: { y: { field: "mid", type: "quantitative", scale: yScale }, text: { field: "label" } } },
      {
        data: { values: points },
        encoding: { x: { field: "round", type: "ordinal", sort: order, title: null, axis: { labelAngle: 0 } }, y: { field: "total", type: "quantitative", scale: yScale } },
        layer: [
          { mark: { type: "line", color: NOW, strokeWidth: 2.5 } },
          { mark: { type: "point", filled: true, size: 70, color: NOW } },
          { mark: { type: "text", dy: -12, fontSize: 11, fontWeight: "bold", color: "#111111" }, encoding: { text: { field: "text" } } },
        ],
      },
    ],
    resolve: { scale: { y: "shared" } },
  });
}

export interface MapInput {
  organisations: string[];
  /** the link choice set's labels, weakest ("No link") first */
  levels: string[];
  /** each shown pair, with the index in `levels` of today's link and of the wanted one */
  pairs: { a: string; b: string; now: number; want: number }[];
}

/** Activity 2: the organisations in a circle, each link coloured and sized by today's level, dashed where more (or less) is wanted. */
export async function mapChart(lang: Lang, input: MapInput): Promise<Chart> {
  const n = input.organisations.length;
  const at = new Map(input.organisations.map((name, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(n, 1);
    return [name, { x: Math.cos(angle), y: Math.sin(angle) }];
  }));
  const same = t(lang, "chart.map.same");
  const differs = t(lang, "chart.map.differs");
  const shown = input.pairs.filter((p) => p.now > 0 || p.want > 0);
  const links = shown.map((p) => ({
    x: at.get(p.a)!.x, y: at.get(p.a)!.y, x2: at.get(p.b)!.x, y2: at.get(p.b)!.y,
    level: input.levels[p.now], rank: p.now, wanted: p.want === p.now ? same : differs,
    // what a screen reader says of the line (vega would read out its coordinates)
    say: `${p.a}–${p.b}: ${input.levels[p.now]}${p.want !== p.now ? `, ${t(lang, "chart.map.wanted", { level: input.levels[p.want]! })}` : ""}`,
  }));
  const nodes = input.organisations.map((name) => ({ name, ...at.get(name)!, align: at.get(name)!.x < -0.1 ? "right" : at.get(name)!.x > 0.1 ? "left" : "center" }));
  const title = t(lang, "chart.map.title");
  const alt = t(lang, "chart.map.alt", {
    n,
    list: shown.map((p) => `${p.a}–${p.b}: ${input.levels[p.now]}${p.want !== p.now ? ` (${t(lang, "chart.map.wanted", { level: input.levels[p.want]! })})` : ""}`).join("; ") || t(lang, "chart.map.none"),
  });
  const scale = { domain: [-1.9, 1.9] };
  const axis = null;
  return chart("map", title, alt, {
    width: WIDTH,
    height: 360,
    layer: [
      {
        data: { values: links },
        mark: { type: "rule", strokeCap: "round" },
        encoding: {
          x: { field: "x", type: "quantitative", scale, axis }, y: { field: "y", type: "quantitative", scale: { domain: [-1.3, 1.3], reverse: true }, axis },
          x2: { field: "x2" }, y2: { field: "y2" }, description: { field: "say" },
          color: { field: "level", type: "ordinal", title: t(lang, "chart.map.level"), legend: { columns: 3, symbolType: "stroke", symbolStrokeWidth: 4, symbolSize: 400 }, scale: { domain: input.levels, range: ["#d9d9d9", ...ORDERED.slice(1)] } },
          strokeWidth: { field: "rank", type: "quantitative", legend: null, scale: { domain: [0, input.levels.length - 1], range: [1, 7] } },
          strokeDash: { field: "wanted", type: "nominal", title: null, legend: { orient: "top", direction: "horizontal", symbolType: "stroke", symbolStrokeWidth: 3, symbolSize: 600, symbolStrokeColor: "#555555" }, scale: { domain: [same, differs], range: [[1, 0], [6, 4]] } },
        },
      },
      {
        data: { values: nodes },
        encoding: { x: { field: "x", type: "quantitative", scale, axis }, y: { field: "y", type: "quantitative", scale: { domain: [-1.3, 1.3], reverse: true }, axis } },
        layer: [
          { mark: { type: "circle", size: 260, color: "#ffffff", stroke: "#222222", strokeWidth: 2, opacity: 1 } },
          { transform: [{ filter: "datum.align === 'left'" }], mark: { type: "text", align: "left", dx: 14, fontSize: 11, fontWeight: "bold" }, encoding: { text: { field: "name" } } },
          { transform: [{ filter: "datum.align === 'right'" }], mark: { type: "text", align: "right", dx: -14, fontSize: 11, fontWeight: "bold" }, encoding: { text: { field: "name" } } },
          { transform: [{ filter: "datum.align === 'center'" }], mark: { type: "text", align: "center", dy: -18, fontSize: 11, fontWeight: "bold" }, encoding: { text: { field: "name" } } },
        ],
      },
    ],
  });
}

export interface PurposesInput {
  /** the continuum, weakest first */
  levels: string[];
  purposes: { label: string; counts: Record<string, number> }[];
}

/** Activity 1: how many partners put each purpose at each level of the continuum. */
export async function purposesChart(lang: Lang, input: PurposesInput): Promise<Chart> {
  const values = input.purposes.flatMap((p) => input.levels.map((level) => ({ purpose: p.label, level, n: p.counts[level] ?? 0 })));
  const top = Math.max(1, ...values.map((v) => v.n));
  const title = t(lang, "chart.purposes.title");
  const alt = t(lang, "chart.purposes.alt", {
    list: input.purposes.map((p) => `${p.label}: ${input.levels.map((l) => `${l} ${p.counts[l] ?? 0}`).join(", ")}`).join("; "),
  });
  const encoding = {
    x: { field: "level", type: "ordinal", sort: input.levels, title: null, axis: { labelAngle: 0, orient: "top", labelLimit: 110 } },
    y: { field: "purpose", type: "nominal", sort: input.purposes.map((p) => p.label), title: null },
  };
  return chart("purposes", title, alt, {
    width: { step: 115 },
    height: { step: 30 },
    data: { values },
    encoding,
    layer: [
      { mark: { type: "rect", stroke: "#ffffff", strokeWidth: 2 }, encoding: { color: { field: "n", type: "quantitative", title: t(lang, "chart.purposes.count"), scale: { domain: [0, top], range: [ORDERED[0], ORDERED[4]] }, legend: null } } },
      { mark: { type: "text", fontSize: 12, fontWeight: "bold" }, encoding: { text: { field: "n" }, color: { condition: { test: `datum.n > ${top / 2}`, value: "#ffffff" }, value: "#111111" } } },
    ],
  });
}

export interface SpreadInput {
  /** the scale's points, lowest first, with their labels ("1" … "5") */
  points: number[];
  items: { id: string; text: string; distribution: number[] }[];
}

/** The most divergent statements: how many partners gave each rating. */
export async function spreadChart(lang: Lang, input: SpreadInput): Promise<Chart> {
  const label = (i: SpreadInput["items"][number]) => `${i.id} ${i.text.length > 34 ? `${i.text.slice(0, 33)}…` : i.text}`;
  const values = input.items.flatMap((i) => input.points.map((point, k) => ({ statement: label(i), rating: point, n: i.distribution[k] ?? 0 }))).filter((v) => v.n > 0);
  const title = t(lang, "chart.spread.title");
  const alt = t(lang, "chart.spread.alt", {
    list: input.items.map((i) => `${i.id}: ${input.points.map((p, k) => `${p}×${i.distribution[k] ?? 0}`).join(", ")}`).join("; "),
  });
  const top = Math.max(1, ...values.map((v) => v.n));
  return chart("spread", title, alt, {
    width: 260,
    height: { step: 34 },
    data: { values },
    encoding: {
      x: { field: "rating", type: "ordinal", scale: { domain: input.points }, title: t(lang, "chart.spread.axis"), axis: { labelAngle: 0 } },
      y: { field: "statement", type: "nominal", sort: input.items.map(label), title: null },
    },
    layer: [
      { mark: { type: "circle", color: NOW, opacity: 0.85 }, encoding: { size: { field: "n", type: "quantitative", legend: null, scale: { domain: [0, top], range: [0, 700] } } } },
      { mark: { type: "text", dx: 16, align: "left", fontSize: 11 }, encoding: { text: { field: "n" } } },
    ],
  });
}
