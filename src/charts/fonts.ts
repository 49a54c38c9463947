// The charts' one typeface, DejaVu Sans (the dejavu-fonts-ttf package, which covers æ, ø and å),
// read with opentype.js: for the widths vega lays text out by, and for the glyph outlines a PNG is
// drawn with. resvg would shape every label itself, about a millisecond each; the outlines are
// computed once per letter and size, and a chart then draws in a fraction of that.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { readFileSync } from "node:fs";
import type * as OpenType from "opentype.js";

export const CHART_FONT = "DejaVu Sans";

const require = createRequire(import.meta.url);
const fontDir = join(dirname(require.resolve("dejavu-fonts-ttf/package.json")), "ttf");
/** Loaded as CommonJS everywhere: the package has no exports map, so Node and bundlers would each pick another build. */
const { parse: parseFont } = require("opentype.js") as typeof OpenType;
export const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((f) => join(fontDir, f));

interface Face {
  /** a character's advance width, in em (no kerning: labels need a fit, not typesetting) */
  advance(ch: string): number;
  /** a character's outline at a size, as path data from its origin on the baseline */
  outline(ch: string, size: number): string;
}

function face(file: string): Face {
  const font = parseFont(new Uint8Array(readFileSync(file)).buffer);
  const widths = new Map<string, number>();
  const outlines = new Map<string, string>();
  return {
    advance(ch) {
      let w = widths.get(ch);
      if (w === undefined) widths.set(ch, (w = (font.charToGlyph(ch).advanceWidth ?? font.unitsPerEm * 0.6) / font.unitsPerEm));
      return w;
    },
    outline(ch, size) {
      const key = `${size}|${ch}`;
      let d = outlines.get(key);
      if (d === undefined) {
        d = font.charToGlyph(ch).getPath(0, 0, size).toPathData(2);
        if (outlines.size > 20_000) outlines.clear();
        outlines.set(key, d);
      }
      return d;
    },
  };
}

const faces = { normal: face(FONT_FILES[0]!), bold: face(FONT_FILES[1]!) };

export const isBold = (weight: string | number | undefined) => weight === "bold" || (weight !== undefined && Number(weight) >= 600);

/** A text's width in pixels, as it will be drawn. */
export function textWidth(text: string, size: number, bold: boolean): number {
  const f = bold ? faces.bold : faces.normal;
  let em = 0;
  for (const ch of text) em += f.advance(ch);
  return em * size;
}

const unescape = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");

/**
 * The SVG with each of vega's <text> elements (one line each, placed by its transform and
 * anchored by text-anchor) replaced by the outlines of its letters, in a group that keeps its
 * placement and colour. Italic is slanted, as DejaVu's own oblique would be.
 */
export function outlineText(svg: string): string {
  return svg.replace(/<text([^>]*)>([^<]*)<\/text>/g, (_, attrs: string, raw: string) => {
    const attr = (name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(attrs)?.[1];
    const text = unescape(raw);
    const size = parseFloat(attr("font-size") ?? "11") || 11;
    const bold = isBold(attr("font-weight"));
    const f = bold ? faces.bold : faces.normal;
    const width = textWidth(text, size, bold);
    const anchor = attr("text-anchor");
    let x = anchor === "middle" ? -width / 2 : anchor === "end" ? -width : 0;
    const glyphs: string[] = [];
    for (const ch of text) {
      if (ch.trim()) glyphs.push(`<path transform="translate(${x.toFixed(2)},0)" d="${f.outline(ch, size)}"/>`);
      x += f.advance(ch) * size;
    }
    const transform = `${attr("transform") ?? ""}${attr("font-style") === "italic" ? " skewX(-11)" : ""}`.trim();
    const opacity = attr("opacity");
    return `<g${transform ? ` transform="${transform}"` : ""} fill="${attr("fill") ?? "#000"}"${opacity ? ` opacity="${opacity}"` : ""}>${glyphs.join("")}</g>`;
  });
}
