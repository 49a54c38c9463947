// The core on a real database with a courier delivering to a recording port: the harness of the
// core's tests (a clock they set, commands and presses as people, a partnership to start from).
import { beforeAll, afterAll } from "vitest";
import type { WorkspaceRef, Actor } from "../../src/ports.ts";
import { RecordingPort, coreWithCourier } from "./recording-port.ts";
import { type Message, plainOf, type RichText } from "../../src/messages/model.ts";
import type { Database } from "../../src/store/database.ts";
import type { CoreOptions } from "../../src/core.ts";

// Strong nodes read as *bold* here, as the core wrote them before it had nodes.
export const rich = (x: RichText) => (typeof x === "string" ? x : x.map((n) => (n.t === "strong" ? `*${n.text}*` : plainOf([n]))).join(""));
export const text = (m: Message) => m.blocks.map((b) => ("text" in b ? rich(b.text) : b.type === "fields" ? b.fields.map((f) => `${f.label}: ${f.value}`).join("\n") : b.type === "bars" ? b.bars.map((x) => `${x.label}: ${x.display}`).join("\n") : b.type === "question" ? b.prompt : b.type === "progress" ? b.label : "")).join("\n");

export function setup(db: () => Database, start = new Date("2026-11-23T09:00:00Z"), options: Omit<CoreOptions, "now"> = {}) {
  const port = new RecordingPort();
  let now = start;
  const app = coreWithCourier(db().prisma, port, { defaultLanguage: "en", ...options, now: () => now });
  const core = () => app.core;
  const ws: WorkspaceRef = { platform: "slack", externalId: "T1" };
  const as = (userId: string, extra: Partial<Actor> = {}): Actor => ({ workspace: ws, userId, displayName: userId[0]!.toUpperCase() + userId.slice(1), ...extra });
  const cmd = async (userId: string, line: string, extra: Partial<Actor> = {}) => {
    const reply = text(await core().command(as(userId, extra), line));
    await app.settle();
    return reply;
  };
  /** Answers every open question of the person's poll with `rate(itemId)`. */
  const answerAll = async (userId: string, rate: (itemId: string) => number) => {
    for (let guard = 0; guard < 100; guard++) {
      const poll = port.lastDm(userId)!;
      const q = poll.blocks.find((b) => b.type === "question" && !b.options.some((o) => o.selected));
      if (!q || q.type !== "question") return;
      const opt = q.options.find((o) => o.label === String(rate(q.itemId))) ?? q.options[0]!;
      port.dms.push({ ws, userId, message: await core().action(as(userId), opt.actionId, opt.value), id: "reply" });
    }
    throw new Error("poll did not finish");
  };
  const build = async (name: string, partners: string[], opts = "") => {
    await cmd("coord", `partnership create "${name}" ${opts}`);
    for (const [i, p] of partners.entries()) {
      await cmd("coord", `org add "Org ${p}" sector=${["municipality", "region", "ngo", "research"][i % 4]} p="${name}"`);
      await cmd("coord", `member add @${p} org="Org ${p}" roles=partner p="${name}"`);
    }
  };
  return { port, core, as, cmd, answerAll, build, setNow: (d: Date) => (now = d), ws, settle: app.settle, stop: app.stop };
}

/** A partnership's own instrument, as `instrument add` takes it: one 1–5 scale, the given sections. */
export function ownInstrument(key: string, version: number, title: string, sections: object[]) {
  return {
    key,
    version,
    title: { en: title, da: title },
    description: { en: title, da: title },
    credit: { en: "Our own", da: "Vores egen" },
    scale: { min: 1, max: 5, labels: { en: ["a", "b", "c", "d", "e"], da: ["a", "b", "c", "d", "e"] } },
    sections,
  };
}

/** The core and a partnership of these partners, for the tests of one describe; stopped after them. */
export function partnershipFor(db: () => Database, name: string, partners: string[], opts: string) {
  let h: ReturnType<typeof setup> | undefined;
  beforeAll(async () => {
    h = setup(db);
    await h.build(name, partners, opts);
  });
  // The courier stops before the database closes.
  afterAll(() => h?.stop());
  return () => h!;
}
