// The local playground: a real adapter over the same core and commands as Slack and Teams, with
// a web page instead of a chat client. It delivers messages into per-person inboxes and a
// channel, renders them as HTML, and turns button presses and typed commands into core calls.
import http from "node:http";
import type { Capabilities } from "../../src/ports.ts";
import { personToken } from "../../src/commands/mentions.ts";
import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { ChatPort, Actor, Delivery, MessageRef, WorkspaceRef } from "../../src/ports.ts";
import type { Message } from "../../src/messages/model.ts";
import { FieldValues, isSaidApart } from "../../src/messages/model.ts";
import type { Partnerpuls } from "../../src/core.ts";
import { readBody, sendJson, HttpError, fromLoopback, type Mount } from "../../src/server.ts";
import { renderHtml } from "./render.ts";
import { t, LANGS, catalogueFor, type Key, type Lang } from "../../src/i18n/i18n.ts";
import { SECTORS } from "../../src/commands/parse.ts";
import { PLAYGROUND_PEOPLE, PLAYGROUND_GUESTS, PLAYGROUND_WORKSPACE, PLAYGROUND_WORKSPACES, PLAYGROUND_CHANNEL, DEMO_SETUP_COMMANDS } from "./people.ts";

export interface Delivered {
  id: string;
  at: string;
  message: Message;
}

/**
 * The playground's "chat platform": inboxes live in this process. The durable state (answers,
 * rounds, actions) is in the database; after a restart each person's home view shows their open
 * polls again.
 */
export const LOCAL_CAPABILITIES: Capabilities = { ephemeral: true, modals: false, files: true, home: false, images: true };

export class LocalChat implements ChatPort {
  readonly platform = "local" as const;
  // One process, no remote platform: nothing to pace.
  readonly limits = { perConversation: [], perWorkspace: [] };
  /** the page shows each person their own replies, files and pictures; it has no forms or Home view */
  readonly capabilities: Capabilities = LOCAL_CAPABILITIES;
  private readonly inboxes = new Map<string, Delivered[]>();
  private readonly channels = new Map<string, Delivered[]>();

  async deliver(d: Delivery): Promise<MessageRef | null> {
    if (d.to.kind === "update") {
      const { conversationId, messageId } = d.to.ref;
      return this.replace(conversationId, messageId, d.message) ? d.to.ref : null;
    }
    const [map, key] = d.to.kind === "user" ? [this.inboxes, d.to.userId] : [this.channels, d.to.channelId];
    const sent = this.push(map, key, d.message);
    return { conversationId: key, messageId: sent.id };
  }

  /** The playground's channel is the page's: its cast is in it, the guests of scripts and tests are not. */
  async conversationMembers(_workspace: WorkspaceRef, channelId: string): Promise<string[] | null> {
    return channelId === PLAYGROUND_CHANNEL ? PLAYGROUND_PEOPLE.map((p) => p.id) : null;
  }

  /** A message opened from the home view lands in the person's inbox, as a DM would. */
  show(userId: string, message: Message): Delivered {
    return this.push(this.inboxes, userId, message);
  }

  private push(map: Map<string, Delivered[]>, key: string, message: Message): Delivered {
    const list = map.get(key) ?? [];
    const d = { id: randomUUID(), at: new Date().toISOString(), message };
    list.push(d);
    map.set(key, list.slice(-200));
    return d;
  }

  inbox(userId: string): Delivered[] {
    return this.inboxes.get(userId) ?? [];
  }

  channel(channelId: string): Delivered[] {
    return this.channels.get(channelId) ?? [];
  }

  /** Like chat.update: a pressed message is replaced in place. */
  /** Replaces a message in a person's inbox or in a channel (a meeting's card, as agreements come). */
  replace(conversationId: string, messageId: string, message: Message): boolean {
    const list = [this.inboxes.get(conversationId), this.channels.get(conversationId)].find((l) => l?.some((d) => d.id === messageId));
    const i = list?.findIndex((d) => d.id === messageId) ?? -1;
    if (!list || i < 0) return false;
    list[i] = { ...list[i]!, message };
    return true;
  }
}

const EVERYONE = [...PLAYGROUND_PEOPLE, ...PLAYGROUND_GUESTS];
const PersonId = z.enum(EVERYONE.map((p) => p.id) as [string, ...string[]]);
const CommandBody = z.object({ as: PersonId, text: z.string().max(20_000), channel: z.string().max(80).optional() });
const LanguageBody = z.object({ lang: z.enum(["en", "da"]) });
/** The demo's invited person joins with the code, in their own workspace; the coordinator approves. */
const DemoJoinBody = z.object({ as: PersonId, code: z.string().min(1).max(40), approver: PersonId });
const ActionBody = z.object({ as: PersonId, actionId: z.string().max(64), value: z.string().max(2000), messageId: z.string().max(64).optional(), fields: FieldValues.optional() });

export interface LocalMountOptions {
  core: Partnerpuls;
  chat: LocalChat;
  /** shared secret the page sends back; without it another site could drive the playground */
  token?: string;
  /** waits until what the core queued has been delivered (the demo's join card reaches the coordinator) */
  settle?: () => Promise<void>;
}

export function localWorkspace(): WorkspaceRef {
  return { ...PLAYGROUND_WORKSPACE };
}

const PAGE_PREFIX = "page.";

/**
 * The playground page's words in both languages, from the bot's catalogue: its own (`page.*`,
 * without the prefix) and each person's sector and role as the bot names them. As JSON for a
 * `<script type="application/json">` block: `<` is escaped, so no word can end the block.
 */
export function pageWords(): string {
  const catalogue = catalogueFor("en");
  const pageKeys = (Object.keys(catalogue) as Key[]).filter((k) => k.startsWith(PAGE_PREFIX));
  const labelKeys = [...SECTORS.map((x) => `sector.${x}`), "role.coordinator", "role.partner"] as Key[];
  // t() without parameters gives the template itself: the page fills in {name} and friends.
  const of = (lang: Lang) => Object.fromEntries([...pageKeys.map((k) => [k.slice(PAGE_PREFIX.length), t(lang, k)]), ...labelKeys.map((k) => [k, t(lang, k)])]);
  return JSON.stringify(Object.fromEntries(LANGS.map((lang) => [lang, of(lang)]))).replace(/</g, "\\u003c");
}

/** What a person typed on the page, as the core reads it: `@mette` (the page's people are named by their ids) becomes the core's token for her. */
export function typedText(text: string): string {
  return text.replace(/(^|[\s,=(])@([\w.\-]+)/g, (_m, before: string, id: string) => `${before}${personToken(id)}`);
}

export function createLocalMount(opts: LocalMountOptions): { mount: Mount; token: string } {
  const token = opts.token ?? randomBytes(18).toString("base64url");
  // Without a prototype: the renderer looks up every person a message mentions, and a typed
  // "@constructor" must find no name rather than Object's constructor.
  const names: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, Object.fromEntries(EVERYONE.map((p) => [p.id, p.name])));
  const actorFor = (id: string, channelId?: string): Actor => {
    const p = EVERYONE.find((x) => x.id === id)!;
    const { look: _look, ...workspace } = PLAYGROUND_WORKSPACES[p.workspace];
    return { workspace, userId: p.id, displayName: p.name, locale: p.locale, capabilities: LOCAL_CAPABILITIES, ...(channelId ? { channelId } : {}) };
  };
  const words = pageWords();
  const view = (d: Delivered) => ({ ...d, html: renderHtml(d.message, d.id, names) });
  const pageDir = new URL("./public/", import.meta.url);

  /**
   * Only this machine, through a page served from it: the peer is loopback (and not a proxy
   * relaying for someone else), the Host header names this machine (no DNS rebinding). The Host
   * header alone is the client's word; with HOST=0.0.0.0 anyone on the network could send it.
   */
  const onThisMachine = (req: http.IncomingMessage) => {
    if (!fromLoopback(req)) throw new HttpError(403, "the playground answers only on this machine");
    const host = (req.headers.host ?? "").replace(/:\d+$/, "");
    if (!["localhost", "127.0.0.1", "[::1]"].includes(host)) throw new HttpError(403, "the playground answers on localhost only");
  };
  /** …and carrying this process's token, so another web site cannot drive it (no CSRF). */
  const authorise = (req: http.IncomingMessage) => {
    onThisMachine(req);
    const given = Buffer.from(String(req.headers["x-playground-token"] ?? ""));
    const want = Buffer.from(token);
    if (given.length !== want.length || !timingSafeEqual(given, want)) throw new HttpError(401, "missing or wrong playground token");
  };
  const json = async (req: http.IncomingMessage) => {
    try {
      return JSON.parse((await readBody(req, 100_000)).toString("utf8")) as unknown;
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(400, "body must be JSON");
    }
  };

  const mount: Mount = async (req, res, url) => {
    if (req.method === "GET" && (url.pathname === "/" || url.pathname === "/playground")) {
      onThisMachine(req); // the page carries the token
      // A function as the replacement: `$&` or `$1` in a word must stay as written.
      const html = (await readFile(new URL("index.html", pageDir), "utf8")).replace("__PLAYGROUND_TOKEN__", token).replace("__PLAYGROUND_WORDS__", () => words);
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'" });
      res.end(html);
      return true;
    }
    const asset = /^\/playground\/([\w-]+\.(js|css))$/.exec(url.pathname);
    if (req.method === "GET" && asset) {
      onThisMachine(req);
      const body = await readFile(new URL(asset[1]!, pageDir)).catch(() => null);
      if (!body) return false;
      res.writeHead(200, { "content-type": asset[2] === "js" ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8" });
      res.end(body);
      return true;
    }
    if (!url.pathname.startsWith("/local/api/")) return false;
    authorise(req);
    const route = `${req.method} ${url.pathname.slice("/local/api".length)}`;
    switch (route) {
      case "POST /language": {
        // The page's EN/DA switch: every person of the playground chooses that language, as each
        // would by typing `language da`, so the bot and the page speak one language.
        const body = LanguageBody.safeParse(await json(req));
        if (!body.success) throw new HttpError(400, body.error.issues[0]?.message ?? "bad request");
        for (const p of PLAYGROUND_PEOPLE) await opts.core.command(actorFor(p.id), `language ${body.data.lang}`);
        sendJson(res, 200, { ok: true, people: PLAYGROUND_PEOPLE.length });
        return true;
      }
      case "GET /people":
        sendJson(res, 200, { people: PLAYGROUND_PEOPLE.map((p) => ({ ...p, workspaceName: PLAYGROUND_WORKSPACES[p.workspace].name, look: PLAYGROUND_WORKSPACES[p.workspace].look })), channel: PLAYGROUND_CHANNEL, setup: DEMO_SETUP_COMMANDS, joiner: PLAYGROUND_PEOPLE.find((p) => p.workspace !== "playground")?.id ?? null });
        return true;
      case "POST /demo-join": {
        // What the invited person and the coordinator would do by hand: `join <code>` where the
        // person works, then Approve on the card that comes to the coordinator.
        const body = DemoJoinBody.safeParse(await json(req));
        if (!body.success) throw new HttpError(400, body.error.issues[0]?.message ?? "bad request");
        const asked = await opts.core.command(actorFor(body.data.as), `join ${body.data.code}`);
        opts.chat.show(body.data.as, asked);
        await opts.settle?.();
        const card = [...opts.chat.inbox(body.data.approver)].reverse().find((d) => d.message.blocks.some((b) => b.type === "buttons" && b.buttons.some((x) => x.actionId === "join.approve")));
        const approve = card?.message.blocks.flatMap((b) => (b.type === "buttons" ? b.buttons : [])).find((x) => x.actionId === "join.approve");
        if (!card || !approve) throw new HttpError(409, "no request to approve came");
        const approved = await opts.core.action(actorFor(body.data.approver), approve.actionId, approve.value, { conversationId: body.data.approver, messageId: card.id });
        opts.chat.replace(body.data.approver, card.id, approved);
        sendJson(res, 200, { asked: view({ id: randomUUID(), at: new Date().toISOString(), message: asked }), approved: view({ id: card.id, at: new Date().toISOString(), message: approved }) });
        return true;
      }
      case "POST /command": {
        const body = CommandBody.safeParse(await json(req));
        if (!body.success) throw new HttpError(400, body.error.issues[0]?.message ?? "bad request");
        const reply = await opts.core.command(actorFor(body.data.as, body.data.channel), typedText(body.data.text));
        sendJson(res, 200, { reply: view({ id: randomUUID(), at: new Date().toISOString(), message: reply }) });
        return true;
      }
      case "POST /action": {
        const body = ActionBody.safeParse(await json(req));
        if (!body.success) throw new HttpError(400, body.error.issues[0]?.message ?? "bad request");
        const card = body.data.messageId ? { conversationId: body.data.as, messageId: body.data.messageId } : undefined;
        const result = await opts.core.action(actorFor(body.data.as), body.data.actionId, body.data.value, card, body.data.fields);
        // An error or a form is said apart, as on Slack and Teams: the card pressed stays, with what was typed into it.
        const replaced = body.data.messageId && !isSaidApart(result) ? opts.chat.replace(body.data.as, body.data.messageId, result) : false;
        const shown = replaced ? { id: body.data.messageId!, at: new Date().toISOString(), message: result } : opts.chat.show(body.data.as, result);
        sendJson(res, 200, { message: view(shown), replaced });
        return true;
      }
      case "GET /inbox": {
        const who = PersonId.safeParse(url.searchParams.get("as"));
        if (!who.success) throw new HttpError(400, "unknown person");
        sendJson(res, 200, { messages: opts.chat.inbox(who.data).map(view) });
        return true;
      }
      case "GET /home": {
        const who = PersonId.safeParse(url.searchParams.get("as"));
        if (!who.success) throw new HttpError(400, "unknown person");
        const home = await opts.core.home(actorFor(who.data));
        sendJson(res, 200, { home: view({ id: `home-${who.data}`, at: new Date().toISOString(), message: home }) });
        return true;
      }
      case "GET /channel": {
        const id = url.searchParams.get("id") ?? PLAYGROUND_CHANNEL;
        sendJson(res, 200, { messages: opts.chat.channel(id).map(view) });
        return true;
      }
      default:
        throw new HttpError(404, "no such playground route");
    }
  };
  return { mount, token };
}
