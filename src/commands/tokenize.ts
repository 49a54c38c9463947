// Splits a command line into words and key=value options. Quotes may be straight or typographic
// (chat clients turn " into “ ” as people type), and a value may be quoted: name="Region Syd".

export interface Tokens {
  words: string[];
  options: Map<string, string>;
}

export type TokenizeResult = { ok: true; tokens: Tokens } | { ok: false; error: "unclosed-quote" };

const OPEN_QUOTES = new Set(['"', "“", "„", "«", "”"]);
const CLOSE_FOR: Record<string, string[]> = {
  '"': ['"'],
  "“": ["”", '"', "“"],
  "„": ["“", "”", '"'],
  "«": ["»"],
  "”": ["”", '"'],
};

export function tokenize(input: string): TokenizeResult {
  const words: string[] = [];
  const options = new Map<string, string>();
  const s = input.replace(/\u00a0/g, " ").trim();
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    let key: string | null = null;
    let value = "";
    let quoted = false;
    // key=value, where the key is a plain word
    const m = /^([A-Za-zæøåÆØÅ][\w\-æøåÆØÅ]*)=/.exec(s.slice(i));
    if (m) {
      key = m[1]!.toLowerCase();
      i += m[0].length;
    }
    const c = s[i];
    if (c !== undefined && OPEN_QUOTES.has(c)) {
      const closers = CLOSE_FOR[c]!;
      let j = i + 1;
      while (j < s.length && !closers.includes(s[j]!)) j++;
      if (j >= s.length) return { ok: false, error: "unclosed-quote" };
      value = s.slice(i + 1, j);
      quoted = true;
      i = j + 1;
    } else {
      let j = i;
      while (j < s.length && !/\s/.test(s[j]!)) j++;
      value = s.slice(i, j);
      i = j;
    }
    if (key !== null) options.set(key, value.trim());
    else if (quoted || value.length > 0) words.push(quoted ? value.trim() : value);
  }
  return { ok: true, tokens: { words, options } };
}
