// Names people type (partnerships, organisations) are compared as names: the same letters in any
// case, with no character read as a pattern. The key is stored beside the name and is unique, so
// two creates of "Sund By" and "sund by" cannot both succeed, even at the same moment.

/** The form a name is compared in: Unicode NFC, trimmed, inner spaces collapsed, lower case. */
export function nameKey(name: string): string {
  return name.normalize("NFC").trim().replace(/\s+/g, " ").toLowerCase();
}

export function sameName(a: string, b: string): boolean {
  return nameKey(a) === nameKey(b);
}
