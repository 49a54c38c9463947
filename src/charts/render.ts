// Charts are Vega-Lite specs, compiled and drawn to SVG by vega on the server, and SVG to PNG by
// resvg, for platforms that show pictures only. Nothing is fetched: the specs carry their data
// inline, vega's loader refuses every URL, and resvg reads only the fonts shipped with the project
// (DejaVu Sans from the dejavu-fonts-ttf package, which covers æ, ø and å), never the system's.
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { Resvg } from "@resvg/resvg-js";
import { readFileSync } from "node:fs";
import type * as OpenType from "opentype.js";

/** The family every chart is set in; the PNG renderer has exactly this one. */
export const CHART_FONT = "DejaVu Sans";

const require = createRequire(import.meta.url);
const fontDir = join(dirname(require.resolve("dejavu-fonts-ttf/package.json")), "ttf");
/** Loaded as CommonJS everywhere: the package has no exports map, so Node and bundlers would each pick another build. */
const { parse: parseFont } = require("opentype.js") as typeof OpenType;
const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((f) => join(fontDir, f));

/**
 * Text widths from the shipped font itself: without a canvas vega guesses 0.8 em a letter, which
 * cuts labels short and leaves gaps. With the real advance widths, labels fit as they are drawn.
 */
const fonts = { normal: advances(FONT_FILES[0]!), bold: advances(FONT_FILES[1]!) };

/** A font's advance width of each character, in em (no kerning: labels need a fit, not typesetting). */
function advances(file: string): (ch: string) => number {
  const font = parseFont(new Uint8Array(readFileSync(file)).buffer);
  const known = new Map<string, number>();
  return (ch) => {
    let w = known.get(ch);
    if (w === undefined) known.set(ch, (w = (font.charToGlyph(ch).advanceWidth ?? font.unitsPerEm * 0.6) / font.unitsPerEm));
    return w;
  };
}

/** vega re-exports vega-scenegraph's textMetrics, which its typings leave out. */
const { textMetrics } = vega as unknown as { textMetrics: { width: (item: { text?: unknown; fontSize?: number; fontWeight?: string | number }, text?: unknown) => number } };
textMetrics.width = (item: { text?: unknown; fontSize?: number; fontWeight?: string | number }, text?: unknown) => {
  const bold = item.fontWeight === "bold" || (typeof item.fontWeight === "number" && item.fontWeight >= 600);
  const advance = bold ? fonts.bold : fonts.normal;
  let em = 0;
  for (const ch of String(text ?? item.text ?? "")) em += advance(ch);
  return em * (item.fontSize ?? 11);
};

/**
 * A loader that loads nothing: a spec that names a URL fails instead of reaching the network
 * (vega itself would log the failure and draw an empty chart).
 */
function offlineLoader(asked: string[]) {
  const loader = vega.loader();
  const refuse = async (uri: string) => {
    asked.push(uri);
    throw new Error("charts load nothing from outside");
  };
  loader.load = refuse;
  loader.sanitize = refuse;
  return loader;
}

/** SVGs by spec: a digest is built once per language and again for every preview, its charts once. */
const svgs = new Map<string, string>();
const SVG_CACHE = 128;

/** Draws a Vega-Lite spec as SVG. */
export async function svgOf(spec: TopLevelSpec): Promise<string> {
  const key = createHash("sha256").update(JSON.stringify(spec)).digest("base64url");
  const known = svgs.get(key);
  if (known) return known;
  const svg = await drawSvg(spec);
  if (svgs.size >= SVG_CACHE) svgs.delete(svgs.keys().next().value!);
  svgs.set(key, svg);
  return svg;
}

async function drawSvg(spec: TopLevelSpec): Promise<string> {
  const asked: string[] = [];
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none", loader: offlineLoader(asked), logLevel: vega.None });
  try {
    const svg = await view.toSVG();
    if (asked.length) throw new Error(`charts load nothing from outside (asked for ${asked.join(", ")})`);
    return svg;
  } finally {
    view.finalize();
  }
}

/** PNGs by SVG digest: a digest goes to several channels and people, its charts are drawn once. */
const pngs = new Map<string, Buffer>();
const PNG_CACHE = 64;

/** The SVG as a PNG at twice its size (crisp on high-density screens and in print). */
export function pngOf(svg: string): Buffer {
  const key = createHash("sha256").update(svg).digest("base64url");
  const known = pngs.get(key);
  if (known) return known;
  const png = new Resvg(svg, {
    font: { loadSystemFonts: false, fontFiles: FONT_FILES, defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT },
    fitTo: { mode: "zoom", value: 2 },
    background: "#ffffff",
  })
    .render()
    .asPng();
  if (pngs.size >= PNG_CACHE) pngs.delete(pngs.keys().next().value!);
  pngs.set(key, png);
  return png;
}
