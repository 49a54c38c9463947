// The part of opentype.js 2.0 the charts use (the package ships no types of its own).
declare module "opentype.js" {
  export interface Font {
    unitsPerEm: number;
    charToGlyph(ch: string): { advanceWidth?: number };
  }
  export function parse(buffer: ArrayBuffer): Font;
}
