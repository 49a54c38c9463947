// GET /report/<token> and /report/<token>/files/<name>: the report page and its downloads, on
// the shared HTTP server, and /report/fonts/ for its typeface; GET /calendar/<token>/<name>.ics, a
// meeting's calendar entry. Read-only; every link that opens nothing gets the server's plain 404.
import { readFileSync } from "node:fs";
import type { Partnerpuls } from "../core.ts";
import { readOnlyMount, sendNotFound, type Mount } from "../server.ts";
import { contentTypeOf } from "../downloads.ts";
import { FONT_FILES } from "../charts/fonts.ts";
import { CALENDAR_PATH, REPORT_PATH } from "./link.ts";

const PAGE = /^([A-Za-z0-9_.-]{1,500})$/;
const FILE = /^([A-Za-z0-9_.-]{1,500})\/files\/([\w.\-%]{1,200})$/;

/** The page's own typeface, the charts' one: it reads the same on every machine and in print. */
const FONTS: Record<string, string> = { "fonts/dejavu-sans.ttf": FONT_FILES[0]!, "fonts/dejavu-sans-bold.ttf": FONT_FILES[1]! };
const fontBytes = new Map<string, Buffer>();

/** Nothing in the page runs or loads from elsewhere: styles inline, charts as data: images, its font from here. */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PRIVATE = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-robots-tag": "noindex, nofollow",
};

export function reportMount(core: Partnerpuls): Mount {
  return readOnlyMount(REPORT_PATH, async (rest, url, send, res) => {
    const lang = url.searchParams.get("lang") ?? undefined;
    const font = FONTS[rest];
    if (font) {
      let body = fontBytes.get(font);
      if (!body) fontBytes.set(font, (body = readFileSync(font)));
      // Not secret, and never different: browsers may keep it.
      return send({ "content-type": "font/ttf", "cache-control": "public, max-age=86400", "x-content-type-options": "nosniff" }, body);
    }
    const file = FILE.exec(rest);
    if (file) {
      let name = "";
      try {
        name = decodeURIComponent(file[2]!);
      } catch {
        // a malformed escape names no file
      }
      const found = name ? await core.reportFile(file[1]!, name, lang) : null;
      if (!found) return sendNotFound(res);
      return send({ ...PRIVATE, "content-type": contentTypeOf(found.mimeType), "content-disposition": `attachment; filename="${found.filename}"`, "content-security-policy": "default-src 'none'; sandbox" }, Buffer.from(found.content, "utf8"));
    }
    const page = PAGE.exec(rest);
    const html = page ? await core.reportPage(page[1]!, lang) : null;
    if (html === null) return sendNotFound(res);
    send({ ...PRIVATE, "content-type": "text/html; charset=utf-8", "content-security-policy": PAGE_CSP }, Buffer.from(html, "utf8"));
  });
}

const CALENDAR = /^([A-Za-z0-9_.-]{1,500})\/(meeting-\d{1,6}\.ics)$/;

/** A meeting's calendar entry as it stands, for a calendar to import (or a browser to download). */
export function calendarMount(core: Partnerpuls): Mount {
  return readOnlyMount(CALENDAR_PATH, async (rest, _url, send, res) => {
    const m = CALENDAR.exec(rest);
    const found = m ? await core.calendarFile(m[1]!, m[2]!) : null;
    if (!found) return sendNotFound(res);
    send({ ...PRIVATE, "content-type": "text/calendar; charset=utf-8", "content-disposition": `attachment; filename="${found.filename}"`, "content-security-policy": "default-src 'none'; sandbox" }, Buffer.from(found.content, "utf8"));
  });
}
