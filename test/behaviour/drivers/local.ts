// Drives the local playground adapter through its HTTP API, exactly as its web page does.
import type { BehaviourDriver, Seen, SeenButton } from "../driver.ts";
import { plainOf, type Message } from "../../../src/messages/model.ts";
import type { Database } from "../../../src/store/database.ts";
import { loadConfig } from "../../../src/config.ts";
import { startApp } from "../../../adapters/main.ts";
import { PLAYGROUND_CHANNEL } from "../../../adapters/local/people.ts";
import { SuiteClock } from "./clock.ts";

interface Delivered {
  id: string;
  message: Message;
}

/** What a person sees of a neutral message: used by every driver whose platform shows it as is. */
export function seenFromMessage(id: string, m: Message): Seen & { raw: Message } {
  const text: string[] = [];
  const questions: Seen["questions"] = [];
  const buttons: SeenButton[] = [];
  const bars: Seen["bars"] = [];
  const fields: Seen["fields"] = [];
  const images: Seen["images"] = [];
  for (const b of m.blocks) {
    if (b.type === "header") text.push(b.text);
    else if (b.type === "text") text.push(plainOf(b.text));
    else if (b.type === "fields") for (const f of b.fields) text.push(`${f.label}: ${f.value}`);
    else if (b.type === "progress") text.push(b.label);
    else if (b.type === "question") {
      text.push(b.prompt);
      questions.push({ prompt: b.prompt, options: b.options.map((o) => ({ label: o.label, selected: o.selected })) });
    } else if (b.type === "buttons") buttons.push(...b.buttons.map((o) => ({ label: o.label, selected: o.selected })));
    else if (b.type === "input") {
      text.push(b.label);
      fields.push({ label: b.label, value: b.kind === "choice" ? (b.options.find((o) => o.value === b.value)?.label ?? "") : b.value });
    }
    else if (b.type === "image") images.push({ alt: b.alt, bytes: Buffer.from(b.svg, "utf8") });
    else if (b.type === "bars")
      for (const bar of b.bars) {
        bars.push({ label: bar.label, display: bar.display });
        text.push(`${bar.label}: ${bar.display}`);
      }
  }
  return { id, text: text.join("\n"), questions, buttons, bars, fields, images, raw: m };
}

export async function localDriver(db: Database): Promise<BehaviourDriver> {
  const clock = new SuiteClock();
  const app = await startApp(loadConfig({ PORT: "0", PARTNERPULS_PLAYGROUND: "on" }), db, {}, { now: clock.now });
  const base = app.server.url.replace("127.0.0.1", "localhost");
  const headers = { "content-type": "application/json", "x-playground-token": app.playgroundToken! };
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}/local/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const find = (m: Seen, label: string, question?: number) => {
    const raw = (m as Seen & { raw: Message }).raw;
    const questions = raw.blocks.filter((b) => b.type === "question");
    const pool = question !== undefined ? (questions[question]?.options ?? []) : raw.blocks.flatMap((b) => (b.type === "buttons" ? b.buttons : []));
    const button = pool.find((b) => b.label === label);
    if (!button) throw new Error(`no button "${label}" in ${m.text.slice(0, 200)}`);
    return button;
  };
  return {
    name: "local",
    people: { coordinator: "mette", partners: ["anders", "fatima", "lars"], more: ["sofie", "jonas", "ida", "mikkel", "emma"] },
    mention: (id) => `@${id}`,
    channelRef: `#${PLAYGROUND_CHANNEL}`,
    async command(userId, text) {
      const r = await call<{ reply: Delivered }>("POST", "/command", { as: userId, text });
      await app.settle();
      return seenFromMessage(r.reply.id, r.reply.message);
    },
    async dms(userId) {
      const r = await call<{ messages: Delivered[] }>("GET", `/inbox?as=${encodeURIComponent(userId)}`);
      return r.messages.map((d) => seenFromMessage(d.id, d.message));
    },
    async press(userId, message, label, question, typed = {}) {
      const b = find(message, label, question);
      // As the page does: every field of the message goes with the press.
      const raw = (message as Seen & { raw: Message }).raw;
      // A choice is typed by its option's label, as a person picks it.
      const held = (x: Extract<Message["blocks"][number], { type: "input" }>) => {
        const t = typed[x.label];
        if (t === undefined) return x.value;
        if (x.kind !== "choice") return t;
        const o = x.options.find((o) => o.label === t);
        if (!o) throw new Error(`no option "${t}"`);
        return o.value;
      };
      const fields = Object.fromEntries(raw.blocks.flatMap((x) => (x.type === "input" ? [[x.id, held(x)]] : [])));
      const r = await call<{ message: Delivered; replaced: boolean }>("POST", "/action", { as: userId, actionId: b.actionId, value: b.value, messageId: message.id, ...(Object.keys(fields).length ? { fields } : {}) });
      await app.settle();
      return r.replaced ? undefined : seenFromMessage(r.message.id, r.message.message);
    },
    async channelMessages() {
      const r = await call<{ messages: Delivered[] }>("GET", `/channel?id=${PLAYGROUND_CHANNEL}`);
      return r.messages.map((d) => seenFromMessage(d.id, d.message));
    },
    at: (when) => clock.at(app, when),
    async close() {
      await app.stop();
    },
  };
}
