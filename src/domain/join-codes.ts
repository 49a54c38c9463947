// The codes that let a person of another organisation ask to join a partnership from their own
// workspace. A code is 20 characters of Crockford's base32 (100 random bits), written in four
// groups of five so it can be read aloud or retyped: no I, L, O or U, and case, spaces and
// dashes do not matter. Only its hash is stored, so the database alone cannot give a code away.
import { createHash, randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const CODE_LENGTH = 20;
export const CODE_BITS = CODE_LENGTH * 5;

/** A code as the bot writes it, where it stands in a text. */
export const JOIN_CODE = /[0-9A-HJKMNP-TV-Z]{5}(?:-[0-9A-HJKMNP-TV-Z]{5}){3}/;

/** How long a code works, and for how many people, unless the coordinator says otherwise. */
export const JOIN_CODE_DEFAULTS = { days: 14, uses: 10 } as const;
export const JOIN_CODE_LIMITS = { days: 90, uses: 200 } as const;
/** `join` attempts per hour: per person, and per workspace (all its people together). */
export const JOIN_ATTEMPTS_PER_HOUR = { person: 5, workspace: 30 } as const;

/** A fresh code, grouped for reading: "K7Q2M-9XH4T-B0C3D-N8P5R". */
export function newJoinCode(): string {
  // 100 bits: 13 random bytes, of which the last contributes its top 4 bits.
  const bytes = randomBytes(13);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  bits >>= 4n;
  let out = "";
  for (let i = 0; i < CODE_LENGTH; i++) {
    out = ALPHABET[Number(bits & 31n)]! + out;
    bits >>= 5n;
  }
  return groupCode(out);
}

export function groupCode(code: string): string {
  return code.match(/.{1,5}/g)!.join("-");
}

/**
 * A typed code as stored: upper case, without spaces or dashes, with the letters people confuse
 * read as Crockford says (O → 0, I and L → 1). Null when it cannot be a code at all.
 */
export function normaliseJoinCode(typed: string): string | null {
  const s = typed.normalize("NFKC").toUpperCase().replace(/[\s\-_.]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  if (s.length !== CODE_LENGTH) return null;
  for (const ch of s) if (!ALPHABET.includes(ch)) return null;
  return s;
}

/** What is stored and looked up: a code that works is found by this alone. */
export function joinCodeHash(normalised: string): string {
  return createHash("sha256").update(`partnerpuls-join:${normalised}`).digest("hex");
}

/** Why a code that exists does not work now; null if it does. */
export function joinCodeRefusal(code: { expiresAt: Date; revokedAt: Date | null; uses: number; maxUses: number }, now: Date): "revoked" | "expired" | "used-up" | null {
  if (code.revokedAt) return "revoked";
  if (code.expiresAt <= now) return "expired";
  if (code.uses >= code.maxUses) return "used-up";
  return null;
}
