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

/** `<claims>.<signature>`, both base64url: the path segment after /report/. */
export function signReport(key: Buffer, claims: ReportClaims): string {
  const payload = Buffer.from(JSON.stringify(Claims.parse(claims)), "utf8").toString("base64url");
  return `${payload}.${mac(key, payload).toString("base64url")}`;
}

/** The claims of a well-signed token, or null: whether it has expired or been revoked is the caller's to check. */
export function verifyReport(key: Buffer, token: string): ReportClaims | null {
  const m = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return null;
  const [, payload, signature] = m as unknown as [string, string, string];
  const given = Buffer.from(signature, "base64url");
  const want = mac(key, payload);
  if (given.length !== want.length || !timingSafeEqual(given, want)) return null;
  try {
    const parsed = Claims.safeParse(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function reportUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, "")}${REPORT_PATH}${token}`;
}
