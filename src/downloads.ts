// Files handed over as a link instead of an attachment: Teams takes no file from a bot without a
// OneDrive consent flow, so an export becomes a row here and a link to GET /downloads/<id>.
//
// The id is the only key (people open the link in a browser, where no chat login reaches us):
// 128 random bits, so it cannot be guessed, and the row lives a day. It belongs to the person it
// was made for (personId), so erasing the person erases their links with them (the relation
// cascades). Links are not single-use: mail and chat scanners (Safe Links) fetch a link before
// its person does, and a second click must work.
import { randomBytes } from "node:crypto";
import type { PrismaClient } from "./generated/prisma/client.ts";
import type { Message } from "./messages/model.ts";
import type { WorkspaceRef } from "./ports.ts";
import { readOnlyMount, sendNotFound, type Mount } from "./server.ts";
import { pngOf } from "./charts/render.ts";

export const DOWNLOADS_PATH = "/downloads/";
/** Charts, for platforms that fetch a card's pictures by address (Teams): /media/<id>.png. */
export const MEDIA_PATH = "/media/";
/**
 * How long a chart's address works: a digest is looked at again at the next meeting, months on.
 * After that the card shows no picture, and its text still says everything.
 */
export const MEDIA_TTL_MS = 120 * 24 * 60 * 60_000;
const MEDIA_FILE = /^([A-Za-z0-9_-]{22})\.png$/;
/** How long a link works unless said otherwise. */
export const DOWNLOAD_TTL_MS = 24 * 60 * 60_000;
/** 16 bytes in base64url, no padding. */
const ID = /^[A-Za-z0-9_-]{22}$/;
/** Expired rows are deleted at most this often per process (on the next request or new link). */
const SWEEP_EVERY_MS = 10 * 60_000;

export interface NewDownload {
  filename: string;
  mimeType: string;
  content: string;
  /** binary content (a chart's PNG) in place of `content` */
  bytes?: Uint8Array<ArrayBuffer>;
  /** the Person the file is for; null when they have no row (nothing of theirs is stored) */
  personId?: string | null;
  ttlMs?: number;
  now?: Date;
}

/** The filename as it goes into a header: the message model's characters only, never empty. */
function safeFilename(name: string): string {
  return name.replace(/[^\w.\-]+/g, "-").replace(/^[.\-]+/, "").slice(0, 120) || "download";
}

/** A type/subtype, or octet-stream: it goes into a header as it is. */
function safeMimeType(type: string): string {
  return /^[\w.+\-]+\/[\w.+\-]+$/.test(type) ? type.toLowerCase() : "application/octet-stream";
}

/** Text is stored and served as UTF-8, and says so (Excel and browsers guess otherwise). */
export function contentTypeOf(mimeType: string): string {
  const textual = /^text\/|^application\/(json|xml|[\w.\-]+\+(json|xml))$/.test(mimeType);
  return textual ? `${mimeType}; charset=utf-8` : mimeType;
}

const lastSweep = new WeakMap<PrismaClient, number>();

/** Deletes expired links; returns how many. */
export async function deleteExpiredDownloads(prisma: PrismaClient, now = new Date()): Promise<number> {
  lastSweep.set(prisma, now.getTime());
  const { count } = await prisma.download.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}

/** Now and then (not on every request): the expiry index makes it one cheap statement. */
async function sweepNowAndThen(prisma: PrismaClient, now: Date): Promise<void> {
  const last = lastSweep.get(prisma);
  if (last !== undefined && Math.abs(now.getTime() - last) < SWEEP_EVERY_MS) return;
  await deleteExpiredDownloads(prisma, now);
}

/** Stores a file for download and returns its id. */
export async function createDownload(prisma: PrismaClient, file: NewDownload): Promise<string> {
  const now = file.now ?? new Date();
  await sweepNowAndThen(prisma, now);
  const id = randomBytes(16).toString("base64url");
  await prisma.download.create({
    data: {
      id,
      personId: file.personId ?? null,
      filename: safeFilename(file.filename),
      mimeType: safeMimeType(file.mimeType),
      content: file.content,
      ...(file.bytes ? { bytes: file.bytes } : {}),
      expiresAt: new Date(now.getTime() + (file.ttlMs ?? DOWNLOAD_TTL_MS)),
      createdAt: now,
    },
  });
  return id;
}

/** The Person row behind a platform user, if there is one. */
export async function personIdFor(prisma: PrismaClient, workspace: WorkspaceRef, platformUserId: string): Promise<string | null> {
  const person = await prisma.person.findFirst({
    where: { platformUserId, workspace: { platform: workspace.platform, externalId: workspace.externalId } },
    select: { id: true },
  });
  return person?.id ?? null;
}

export function downloadUrl(publicUrl: string, id: string): string {
  return `${publicUrl.replace(/\/+$/, "")}${DOWNLOADS_PATH}${id}`;
}

export function mediaUrl(publicUrl: string, id: string): string {
  return `${publicUrl.replace(/\/+$/, "")}${MEDIA_PATH}${id}.png`;
}

/**
 * A link for each file and picture of a message, for the person it goes to (`userId` on the
 * platform; null for a channel): block index → URL. A file is a download; a chart is its PNG at
 * /media/, drawn here (the platform fetches it when it shows the card). No query at all for a
 * message without either.
 */
export async function offerFiles(
  prisma: PrismaClient,
  message: Message,
  to: { publicUrl: string; workspace: WorkspaceRef; userId: string | null; ttlMs?: number },
): Promise<Map<number, string>> {
  const links = new Map<number, string>();
  if (!message.blocks.some((b) => b.type === "file" || b.type === "image")) return links;
  const personId = to.userId ? await personIdFor(prisma, to.workspace, to.userId) : null;
  for (const [i, b] of message.blocks.entries()) {
    if (b.type === "file") {
      const id = await createDownload(prisma, { filename: b.filename, mimeType: b.mimeType, content: b.content, personId, ...(to.ttlMs ? { ttlMs: to.ttlMs } : {}) });
      links.set(i, downloadUrl(to.publicUrl, id));
    } else if (b.type === "image") {
      const id = await createDownload(prisma, { filename: `${b.name}.png`, mimeType: "image/png", content: "", bytes: new Uint8Array(pngOf(b.svg)), personId, ttlMs: MEDIA_TTL_MS });
      links.set(i, mediaUrl(to.publicUrl, id));
    }
  }
  return links;
}

/** GET /downloads/<id>: the file, as an attachment, never cached. */
export function downloadsMount(prisma: PrismaClient, options: { now?: () => Date } = {}): Mount {
  const clock = options.now ?? (() => new Date());
  return readOnlyMount(DOWNLOADS_PATH, async (id, _url, send, res) => {
    const now = clock();
    await sweepNowAndThen(prisma, now);
    const row = ID.test(id) ? await prisma.download.findUnique({ where: { id } }) : null;
    if (!row || row.expiresAt <= now) {
      if (row) await prisma.download.deleteMany({ where: { id, expiresAt: { lte: now } } });
      return sendNotFound(res);
    }
    send(
      {
        "content-type": contentTypeOf(row.mimeType),
        "content-disposition": `attachment; filename="${safeFilename(row.filename)}"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        // Should a browser show it anyway: no scripts, no requests, and the link is not passed on.
        "content-security-policy": "default-src 'none'; sandbox",
        "referrer-policy": "no-referrer",
        "x-robots-tag": "noindex",
      },
      row.bytes ? Buffer.from(row.bytes) : Buffer.from(row.content, "utf8"),
    );
  });
}

/** GET /media/<id>.png: a chart, shown in place (not an attachment); only pictures are served here. */
export function mediaMount(prisma: PrismaClient, options: { now?: () => Date } = {}): Mount {
  const clock = options.now ?? (() => new Date());
  return readOnlyMount(MEDIA_PATH, async (file, _url, send, res) => {
    const now = clock();
    const id = MEDIA_FILE.exec(file)?.[1];
    const row = id ? await prisma.download.findUnique({ where: { id }, select: { bytes: true, mimeType: true, expiresAt: true } }) : null;
    if (!row || !row.bytes || row.mimeType !== "image/png" || row.expiresAt <= now) return sendNotFound(res);
    send(
      {
        "content-type": "image/png",
        // The picture never changes under its id; Teams' image proxy may keep it until it expires.
        "cache-control": `private, max-age=${Math.max(0, Math.floor((row.expiresAt.getTime() - now.getTime()) / 1000))}`,
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        "referrer-policy": "no-referrer",
        "x-robots-tag": "noindex",
      },
      Buffer.from(row.bytes),
    );
  });
}
