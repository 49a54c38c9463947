// Charts are Vega-Lite specs, compiled and drawn to SVG by vega on the server, and SVG to PNG by
// resvg, for platforms that show pictures only. Nothing is fetched: the specs carry their data
// inline, vega's loader refuses every URL, and the letters are drawn from the font shipped with
// the project (./fonts.ts), never the system's.
import { createHash } from "node:crypto";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import { CHART_FONT, isBold, outlineText, textWidth } from "./fonts.ts";

export { CHART_FONT };

// resvg as WebAssembly: the same renderer as the native package, which keeps some memory of every
// picture it draws (RSS grew by ~5 MB a chart here); this build frees it when told to, below.
await initWasm(readFileSync(createRequire(import.meta.url).resolve("@resvg/resvg-wasm/index_bg.wasm")));

/**
 * Text widths from the shipped font itself: without a canvas vega guesses 0.8 em a letter, which
 * cuts labels short and leaves gaps. With the real advance widths, labels fit as they are drawn.
 * (vega re-exports vega-scenegraph's textMetrics, which its typings leave out.)
 */
const { textMetrics } = vega as unknown as { textMetrics: { width: (item: { text?: unknown; fontSize?: number; fontWeight?: string | number }, text?: unknown) => number } };
textMetrics.width = (item, text) => textWidth(String(text ?? item.text ?? ""), item.fontSize ?? 11, isBold(item.fontWeight));

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

/**
 * Pixels per SVG unit: 1.5 keeps a chart sharp where Slack and Teams show it (about 500 px wide,
 * on high-density screens too) and draws it in half the time of 2 (PNG encoding is most of it).
 */
const PNG_ZOOM = 1.5;

/** The SVG as a PNG, PNG_ZOOM times its size. */
export function pngOf(svg: string): Buffer {
  const key = createHash("sha256").update(svg).digest("base64url");
  const known = pngs.get(key);
  if (known) return known;
  // Letters as outlines (./fonts.ts): resvg then shapes no text and needs no font of its own.
  const resvg = new Resvg(outlineText(svg), { font: { loadSystemFonts: false }, fitTo: { mode: "zoom", value: PNG_ZOOM }, background: "#ffffff" });
  let png: Buffer;
  try {
    const image = resvg.render();
    png = Buffer.from(image.asPng());
    image.free();
  } finally {
    resvg.free();
  }
  if (pngs.size >= PNG_CACHE) pngs.delete(pngs.keys().next().value!);
  pngs.set(key, png);
  return png;
}
