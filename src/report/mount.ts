// GET /report/<token> and /report/<token>/files/<name>: the report page and its downloads, on
// the shared HTTP server. Read-only; every link that opens nothing gets the server's plain 404.
import type { Partnerpuls } from "../core.ts";
import { sendJson, type Mount } from "../server.ts";
import { contentTypeOf } from "../downloads.ts";
import { REPORT_PATH } from "./link.ts";

const PAGE = /^([A-Za-z0-9_.-]{1,500})$/;
const FILE = /^([A-Za-z0-9_.-]{1,500})\/files\/([\w.\-%]{1,200})$/;

/** Nothing in the page runs or loads: styles inline, charts as data: images. */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const headers = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-robots-tag": "noindex, nofollow",
};

export function reportMount(core: Partnerpuls): Mount {
  return async (req, res, url) => {
    if (!url.pathname.startsWith(REPORT_PATH)) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" });
      res.end();
      return true;
    }
    const rest = url.pathname.slice(REPORT_PATH.length);
    const lang = url.searchParams.get("lang") ?? undefined;
    const file = FILE.exec(rest);
    if (file) {
      let name: string;
      try {
        name = decodeURIComponent(file[2]!);
      } catch {
        name = "";
      }
      const found = name ? await core.reportFile(file[1]!, name, lang) : null;
      if (!found) return notFound(res);
      const body = Buffer.from(found.content, "utf8");
      res.writeHead(200, { ...headers, "content-type": contentTypeOf(found.mimeType), "content-length": body.length, "content-disposition": `attachment; filename="${found.filename}"`, "content-security-policy": "default-src 'none'; sandbox" });
      res.end(req.method === "HEAD" ? undefined : body);
      return true;
    }
    const page = PAGE.exec(rest);
    const html = page ? await core.reportPage(page[1]!, lang) : null;
    if (html === null) return notFound(res);
    const body = Buffer.from(html, "utf8");
    res.writeHead(200, { ...headers, "content-type": "text/html; charset=utf-8", "content-length": body.length, "content-security-policy": PAGE_CSP });
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  };
}

/** The same answer as for a path nobody serves: nothing says whether the link ever worked. */
function notFound(res: Parameters<Mount>[1]): true {
  sendJson(res, 404, { error: "not found" });
  return true;
}
