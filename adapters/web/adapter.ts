// Members with no chat platform: each has a page of their own at a signed link (GET /me/<token>),
// where they answer polls and see their actions. The page is the platform: it shows the core's
// overview, and every button is a form that posts back here (POST /me/<token>), with no script.
// The link is the only key, so any link that opens nothing gets the server's plain 404.
import type http from "node:http";
import type { Partnerpuls } from "../../src/core.ts";
import type { Message } from "../../src/messages/model.ts";
import { MEMBER_PATH } from "../../src/report/link.ts";
import { readBody, sendNotFound, type Mount } from "../../src/server.ts";
import { t, type Lang } from "../../src/i18n/i18n.ts";
import { renderHtml, escapeHtml, type ButtonHtml } from "../local/render.ts";
import type { Capabilities } from "../../src/ports.ts";

/** A page shows what the playground does, but a reply is the page itself (no one else is looking). */
export const WEB_CAPABILITIES: Capabilities = { ephemeral: true, modals: false, files: true, home: false, images: true };

const TOKEN = /^([A-Za-z0-9_.-]{1,500})$/;

/** Only this page's own forms, its inline styles and its pictures; nothing from elsewhere, no frames. */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const PRIVATE = { "cache-control": "no-store", "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-robots-tag": "noindex, nofollow" };

/** Each button posts the form it is in, naming itself: the message's fields go with it. */
const formButton: ButtonHtml = (b) => {
  const cls = ["btn", b.style !== "default" ? `btn-${b.style}` : "", b.selected ? "selected" : ""].filter(Boolean).join(" ");
  return `<button class="${cls}" type="submit" name="press" value="${escapeHtml(JSON.stringify([b.actionId, b.value]))}"${b.selected ? ' aria-pressed="true"' : ""}>${escapeHtml(b.label)}</button>`;
};

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
.message{border:1px solid #d0d0d7;border-radius:.5rem;padding:1rem;margin:1rem 0}.muted{color:#5b5b66}
.btn{font:inherit;margin:.2rem .3rem .2rem 0;padding:.35rem .8rem;border:1px solid #8a8a99;border-radius:.4rem;background:#fff;cursor:pointer}
.btn-primary{background:#1b5e9e;color:#fff;border-color:#1b5e9e}.btn-danger{color:#a3262e;border-color:#a3262e}.selected{outline:3px solid #1b5e9e}
.question{margin:.8rem 0}.field{margin:.5rem 0}.field label{display:block}dl.fields div{display:flex;gap:.5rem}dt{font-weight:600}
.bar{display:flex;gap:.5rem}.track{flex:1;background:#eee;height:.8rem;margin-top:.35rem}.fill{display:block;height:100%;background:#1b5e9e}
figure.chart img{max-width:100%}`;

function page(lang: Lang, name: string, messages: Message[], self: string): string {
  const forms = messages.map((m, i) => `<form method="post" action="${escapeHtml(self)}">${renderHtml(m, `m${i}`, {}, formButton)}</form>`).join("");
  const back = messages.length > 1 ? `<p><a href="${escapeHtml(self)}">${escapeHtml(t(lang, "web.back"))}</a></p>` : "";
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer"><title>${escapeHtml(t(lang, "web.title", { person: name }))}</title><style>${STYLE}</style></head><body><h1>${escapeHtml(t(lang, "web.title", { person: name }))}</h1><p class="muted">${escapeHtml(t(lang, "web.intro"))}</p>${forms}${back}</body></html>`;
}

/** A pressed button as the form says it: [actionId, value], and the message's fields by id. */
function pressOf(body: string): { actionId: string; value: string; fields: Record<string, string> } | null {
  const form = new URLSearchParams(body);
  let press: unknown;
  try {
    press = JSON.parse(form.get("press") ?? "");
  } catch {
    return null;
  }
  if (!Array.isArray(press) || press.length !== 2 || typeof press[0] !== "string" || typeof press[1] !== "string") return null;
  const fields: Record<string, string> = {};
  for (const [k, v] of form) if (k.startsWith("f.")) fields[k.slice(2)] = v;
  return { actionId: press[0], value: press[1], fields };
}

export function memberPageMount(core: Partnerpuls): Mount {
  return async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    if (!url.pathname.startsWith(MEMBER_PATH)) return false;
    const m = TOKEN.exec(url.pathname.slice(MEMBER_PATH.length));
    if (req.method !== "GET" && req.method !== "HEAD" && req.method !== "POST") {
      res.writeHead(405, { allow: "GET, HEAD, POST" });
      res.end();
      return true;
    }
    const actor = m ? await core.memberActor(m[1]!) : null;
    if (!actor) {
      sendNotFound(res);
      return true;
    }
    const who = { ...actor, capabilities: WEB_CAPABILITIES };
    const shown: Message[] = [];
    if (req.method === "POST") {
      const press = pressOf((await readBody(req, 100_000)).toString("utf8"));
      shown.push(press ? await core.action(who, press.actionId, press.value, undefined, press.fields) : await core.command(who, "help"));
    }
    shown.push(await core.home(who));
    const lang = await core.languageOf(who);
    const html = Buffer.from(page(lang, actor.displayName ?? "", shown, url.pathname), "utf8");
    res.writeHead(200, { ...PRIVATE, "content-type": "text/html; charset=utf-8", "content-security-policy": PAGE_CSP, "content-length": html.length });
    res.end(req.method === "HEAD" ? undefined : html);
    return true;
  };
}
