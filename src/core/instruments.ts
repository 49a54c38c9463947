// Instruments: the built-in ones and those a partnership adds.
import type { Message } from "../messages/model.ts";
import { textMessage } from "../messages/model.ts";
import { t } from "../i18n/i18n.ts";
import { builtInInstruments, findBuiltIn, parseInstrument } from "../instruments/catalogue.ts";
import type { Instrument } from "../instruments/schema.ts";
import { listMessage } from "../messages/build.ts";
import { UserError, type Context, type CoreContext } from "./context.ts";

export class Instruments {
  constructor(readonly c: CoreContext) {}

  async instrumentFor(workspaceId: string, key: string, version?: number): Promise<Instrument | undefined> {
    const custom = await this.c.db.customInstrument.findFirst({ where: { workspaceId, key, ...(version ? { version } : {}) }, orderBy: { version: "desc" } });
    if (custom) {
      const parsed = parseInstrument(custom.definition);
      if (parsed.ok) return parsed.instrument;
    }
    return findBuiltIn(key, version);
  }


  async listInstruments(ctx: Context): Promise<Message> {
    const custom = await this.c.db.customInstrument.findMany({ where: { workspaceId: ctx.workspaceId }, orderBy: [{ key: "asc" }, { version: "asc" }] });
    const lines = [
      ...builtInInstruments().map((i) => `• \`${i.key}\` v${i.version} — ${i.title[ctx.lang]}`),
      ...custom.map((c) => {
        const parsed = parseInstrument(c.definition);
        return `• \`${c.key}\` v${c.version} — ${parsed.ok ? parsed.instrument.title[ctx.lang] : "?"} (${t(ctx.lang, "instrument.custom")})`;
      }),
    ];
    return listMessage(t(ctx.lang, "list.instruments"), lines, "");
  }


  async addInstrument(ctx: Context, json: string): Promise<Message> {
    const coordinates = await this.c.db.membership.count({ where: { workspaceId: ctx.workspaceId, personId: ctx.person.id, removedAt: null, roles: { has: "coordinator" } } });
    if (coordinates === 0) throw new UserError("err.coordinator-only-any");
    let data: unknown;
    try {
      data = JSON.parse(json);
    } catch (e) {
      throw new UserError("err.instrument-json", { reason: e instanceof Error ? e.message.slice(0, 120) : "" }, "instrument");
    }
    const parsed = parseInstrument(data);
    if (!parsed.ok) throw new UserError("err.instrument-invalid", { errors: parsed.errors.slice(0, 5).join("; ") }, "instrument");
    const i = parsed.instrument;
    if (findBuiltIn(i.key)) throw new UserError("err.instrument-builtin", { key: i.key }, "instrument");
    const exists = await this.c.db.customInstrument.findFirst({ where: { workspaceId: ctx.workspaceId, key: i.key, version: i.version } });
    if (exists) throw new UserError("err.instrument-exists", { key: i.key, version: i.version }, "instrument");
    await this.c.db.customInstrument.create({ data: { workspaceId: ctx.workspaceId, key: i.key, version: i.version, definition: i as object } });
    return textMessage(t(ctx.lang, "ok.instrument-added", { key: i.key, version: i.version, title: i.title[ctx.lang] }));
  }


}
