// The part of opentype.js 2.0 the charts use (the package ships no types of its own).
declare module "opentype.js" {
  export interface Glyph {
    advanceWidth?: number;
    getPath(x: number, y: number, fontSize: number): { toPathData(decimalPlaces?: number): string };
  }
  export interface Font {
    unitsPerEm: number;
    charToGlyph(ch: string): Glyph;
  }
  export function parse(buffer: ArrayBuffer): Font;
}
