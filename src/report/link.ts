// A report link's key: the partnership, when it expires, the link generation it was made in and
// the reader's language, signed with HMAC-SHA256 under a key only the server knows. The link is
// the only key (it is opened in a browser, where no chat login reaches us), so nothing in it may
// be changed: a changed byte, an expired time or an older generation all read as "no such page".
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { PrismaClient } from "../generated/prisma/client.ts";

export const REPORT_PATH = "/report/";
const KEY_NAME = "report-link-key";

const Claims = z.object({
  /** partnership id */
  p: z.string().min(1).max(64),
  /** expiry, seconds since the epoch */
  e: z.number().int().positive(),
  /** the partnership's reportGeneration when the link was made */
  g: z.number().int().min(0),
  /** the language of the person who asked for it */
  l: z.enum(["en", "da"]),
});
export type ReportClaims = z.infer<typeof Claims>;

/** The key never changes once made: read once per client, not on every page view. */
const keys = new WeakMap<PrismaClient, Promise<Buffer>>();

/** The signing key: made once, at first use, by whichever instance gets there first. */
export function reportKey(db: PrismaClient): Promise<Buffer> {
  let key = keys.get(db);
  if (!key) {
    key = (async () => {
      await db.serverSecret.createMany({ data: [{ name: KEY_NAME, value: randomBytes(32).toString("base64url") }], skipDuplicates: true });
      const row = await db.serverSecret.findUniqueOrThrow({ where: { name: KEY_NAME } });
      return Buffer.from(row.value, "base64url");
    })();
    // A failed read (the database away) is tried again next time.
    key.catch(() => keys.delete(db));
    keys.set(db, key);
  }
  return key;
}

const mac = (key: Buffer, payload: string) => createHmac("sha256", key).update(payload).digest();

/** `<claims>.<signature>`, both base64url: a path segment. */
function sign<T>(schema: z.ZodType<T>, key: Buffer, claims: T): string {
  const payload = Buffer.from(JSON.stringify(schema.parse(claims)), "utf8").toString("base64url");
  return `${payload}.${mac(key, payload).toString("base64url")}`;
}

/** The claims of a well-signed token of this kind, or null. */
function verify<T>(schema: z.ZodType<T>, key: Buffer, token: string): T | null {
  const m = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return null;
  const [, payload, signature] = m as unknown as [string, string, string];
  const given = Buffer.from(signature, "base64url");
  // One spelling per signature: the last character's spare bits set would decode to the same bytes.
  if (given.toString("base64url") !== signature) return null;
  const want = mac(key, payload);
  if (given.length !== want.length || !timingSafeEqual(given, want)) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The path segment after /report/. */
export const signReport = (key: Buffer, claims: ReportClaims): string => sign(Claims, key, claims);

/** The claims of a well-signed token, or null: whether it has expired or been revoked is the caller's to check. */
export const verifyReport = (key: Buffer, token: string): ReportClaims | null => verify(Claims, key, token);

/**
 * A meeting's calendar entry, to pass on to the partners: its id and until when the link works.
 * `k` keeps it from ever reading as a report link, and a report link from reading as one of these.
 */
const CalendarClaims = z.object({ k: z.literal("cal"), m: z.string().min(1).max(64), e: z.number().int().positive() }).strict();
export type CalendarClaims = z.infer<typeof CalendarClaims>;
export const CALENDAR_PATH = "/calendar/";
export const signCalendar = (key: Buffer, claims: CalendarClaims): string => sign(CalendarClaims, key, claims);
export const verifyCalendar = (key: Buffer, token: string): CalendarClaims | null => verify(CalendarClaims, key, token);

/**
 * A member without a chat platform: their own page, where they answer polls and see their actions.
 * `p` is their person; the link works until `e`, and not at all once they are erased or removed.
 */
const MemberClaims = z.object({ k: z.literal("me"), p: z.string().min(1).max(64), e: z.number().int().positive() }).strict();
export type MemberClaims = z.infer<typeof MemberClaims>;
export const MEMBER_PATH = "/me/";
export const signMember = (key: Buffer, claims: MemberClaims): string => sign(MemberClaims, key, claims);
export const verifyMember = (key: Buffer, token: string): MemberClaims | null => verify(MemberClaims, key, token);

export function reportUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, "")}${REPORT_PATH}${token}`;
}
