// People and channels inside typed text. Each adapter rewrites its platform's mentions to one
// neutral form before the core reads the text, `@{id}` for a person and `#{id}` for a channel, so
// the core never reads or writes any platform's markup. `@id` and `#name` as typed (the
// playground) are read too, for ids made of plain word characters.
import type { Inline } from "../messages/model.ts";

/** The neutral token for a person: what adapters write for a mention, and what stored text keeps. */
export function personToken(id: string): string {
  return `@{${id}}`;
}

/** The neutral token for a channel. */
export function channelToken(id: string): string {
  return `#{${id}}`;
}

/** `@{U123}` or `@U123` → "U123". */
export function parseUserRef(s: string): string | null {
  const m = /^@\{([^{}\s]+)\}$/.exec(s) ?? /^@([\w.\-]+)$/.exec(s);
  return m ? m[1]! : null;
}

/** `#{C123}` or `#name` → "C123" / "name". */
export function parseChannelRef(s: string): string | null {
  const m = /^#\{([^{}\s]+)\}$/.exec(s) ?? /^#([\w.\-æøå]+)$/.exec(s);
  return m ? m[1]! : null;
}

const TOKEN = /([@#])\{([^{}\s]+)\}/g;

/**
 * Text people typed (an agreement, a meeting title, a word the parser could not read) as inline
 * nodes: its tokens become person and channel nodes, so no renderer has to find them again.
 */
export function userText(s: string): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  for (const m of s.matchAll(TOKEN)) {
    if (m.index > last) out.push({ t: "text", text: s.slice(last, m.index) });
    out.push(m[1] === "@" ? { t: "person", id: m[2]! } : { t: "channel", id: m[2]! });
    last = m.index + m[0].length;
  }
  if (last < s.length || out.length === 0) out.push({ t: "text", text: s.slice(last) });
  return out;
}
