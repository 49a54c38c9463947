// Commands and button presses in: who may run what, and which room handles it.
import type { Actor } from "../ports.ts";
import type { Message } from "../messages/model.ts";
import { message, textMessage } from "../messages/model.ts";
import { parseCommand, type Command, type UsageKey } from "../commands/parse.ts";
import { t, type Key } from "../i18n/i18n.ts";
import { mayRunCommand } from "../policy.ts";
import { listMessage } from "../messages/build.ts";
import { helpMessage } from "../commands/help.ts";
import { UserError, AnswerPayload, SectionPayload, RoundPayload, ActionPayload, PostponePayload, type Context, type CoreContext, type PartnershipRow, type MembershipRow } from "./context.ts";

/**
 * A reply says the language the core chose for its recipient, so an adapter's own words match it.
 * Builders that chose another (a poll in the partnership's language, `language da`) set it themselves.
 */
function inLang(reply: Message, ctx: Context): Message {
  return reply.lang ? reply : { ...reply, lang: ctx.lang };
}

export class Commands {
  constructor(readonly c: CoreContext) {}

  /** A command typed by a person. The reply is for them alone (ephemeral where the platform can). */
  async command(actor: Actor, text: string): Promise<Message> {
    const ctx = await this.c.context(actor);
    const parsed = parseCommand(text);
    if (!parsed.ok) {
      this.c.onEvent({ kind: "command", name: "unknown", outcome: "malformed" });
      return inLang(this.c.parseErrorMessage(ctx.lang, parsed), ctx);
    }
    try {
      const reply = await this.run(ctx, parsed.command);
      this.c.onEvent({ kind: "command", name: parsed.command.name, outcome: "ok" });
      return inLang(reply, ctx);
    } catch (e) {
      if (e instanceof UserError) {
        this.c.onEvent({ kind: "command", name: parsed.command.name, outcome: "refused" });
        return inLang(this.c.userErrorMessage(ctx.lang, e), ctx);
      }
      throw e;
    }
  }


  /** A button press. Returns the message that replaces the one pressed, or a short reply. */
  async action(actor: Actor, actionId: string, value: string): Promise<Message> {
    const ctx = await this.c.context(actor);
    try {
      const reply = await this.press(ctx, actionId, value);
      this.c.onEvent({ kind: "press", actionId, outcome: "ok" });
      return inLang(reply, ctx);
    } catch (e) {
      if (e instanceof UserError) {
        this.c.onEvent({ kind: "press", actionId, outcome: "refused" });
        return inLang(this.c.userErrorMessage(ctx.lang, e), ctx);
      }
      throw e;
    }
  }


  async press(ctx: Context, actionId: string, value: string): Promise<Message> {
    let json: unknown;
    try {
      json = JSON.parse(value);
    } catch {
      throw new UserError("err.bad-button");
    }
    // A malformed or forged value: that button no longer works, and nothing changes.
    const button = <T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, v: unknown): T => {
      const r = schema.safeParse(v);
      if (!r.success) throw new UserError("err.bad-button");
      return r.data;
    };
    switch (actionId) {
      case "poll.answer": {
        const d = button(AnswerPayload, json);
        const reply = await this.c.polls.answer(ctx, d);
        this.c.onEvent({ kind: "vote" });
        return reply;
      }
      case "poll.section": {
        const d = button(SectionPayload, json);
        return await this.c.polls.pollFor(ctx, d.r, d.s);
      }
      case "poll.open": {
        const d = button(RoundPayload, json);
        return await this.c.polls.pollFor(ctx, d.r, undefined);
      }
      case "action.done": {
        const d = button(ActionPayload, json);
        const action = await this.c.db.action.findFirst({ where: { id: d.a, workspaceId: ctx.workspaceId } });
        if (!action) throw new UserError("err.bad-button");
        const partnership = await this.c.partnershipById(ctx, action.partnershipId);
        return await this.c.actions.completeAction(ctx, partnership, action.number);
      }
      case "action.postpone": {
        const d = button(PostponePayload, json);
        return await this.c.actions.postponeAction(ctx, d.a, d.d);
      }
      case "poll.snooze": {
        const d = button(RoundPayload, json);
        return await this.c.polls.snooze(ctx, d.r);
      }
      case "nudge.optout": {
        const d = button(RoundPayload, json);
        await this.c.polls.invitedMembership(ctx, d.r); // a removed member's press changes nothing
        await this.c.polls.setNudges(ctx, false);
        return await this.c.polls.pollFor(ctx, d.r, undefined, t(ctx.lang, "ok.nudges-off"));
      }
      case "help.topic":
        return helpMessage(ctx.lang, typeof json === "object" && json && "topic" in json ? String((json as { topic: unknown }).topic) : undefined);
      default:
        throw new UserError("err.bad-button");
    }
  }


  /** Runs a parsed command: the registry says who may, and which room does it. */
  async run(ctx: Context, cmd: Command): Promise<Message> {
    const entry = REGISTRY[cmd.name] as Entry<Command>;
    if (entry.who === "anyone") return entry.run(this.c, ctx, cmd, null);
    const named = "partnership" in cmd ? cmd.partnership : undefined;
    const { partnership, membership } = await this.c.selectPartnership(ctx, named);
    const allowed = mayRunCommand(membership, entry.who === "coordinator");
    if (!allowed.ok || !membership) throw new UserError(allowed.ok || allowed.reason !== "coordinator-only" ? "err.not-member" : "err.coordinator-only", { partnership: partnership.name });
    return entry.run(this.c, { ...ctx, lang: this.c.langFor(ctx, partnership) }, cmd, { partnership, membership });
  }


}

/** Who may run a command: anyone (it is about themselves), a partnership's members, or its coordinators. */
export type Who = "anyone" | "member" | "coordinator";
type In = { partnership: PartnershipRow; membership: MembershipRow } | null;
interface Entry<C extends Command> {
  who: Who;
  /** how it is written (src/commands/parse.ts USAGE) and explained in help (`help.<usage>`) */
  usage: UsageKey;
  run(c: CoreContext, ctx: Context, cmd: C, where: In): Promise<Message>;
}
/** Partnership commands run with the partnership and the runner's membership (checked by `who`). */
const inP = <C extends Command>(who: "member" | "coordinator", usage: UsageKey, run: (c: CoreContext, ctx: Context, cmd: C, p: PartnershipRow, m: MembershipRow) => Promise<Message>): Entry<C> => ({
  who,
  usage,
  run: (c, ctx, cmd, where) => run(c, ctx, cmd, where!.partnership, where!.membership),
});
const mine = <C extends Command>(usage: UsageKey, run: (c: CoreContext, ctx: Context, cmd: C) => Promise<Message>): Entry<C> => ({ who: "anyone", usage, run: (c, ctx, cmd) => run(c, ctx, cmd) });

/** Every command, who may run it, and the room that does it. */
export const REGISTRY: { [N in Command["name"]]: Entry<Extract<Command, { name: N }>> } = {
  help: mine("help", async (_c, ctx, cmd) => helpMessage(ctx.lang, cmd.topic)),
  "partnership.create": mine("partnership.create", (c, ctx, cmd) => c.partnerships.createPartnership(ctx, cmd)),
  "partnership.list": mine("partnership.list", (c, ctx) => c.partnerships.listPartnerships(ctx)),
  language: mine("language", async (c, ctx, cmd) => {
    await c.store(ctx);
    await c.db.person.update({ where: { id: ctx.person.id }, data: { language: cmd.value } });
    return { ...textMessage(t(cmd.value, "ok.language", { lang: t(cmd.value, `lang.${cmd.value}`) })), lang: cmd.value };
  }),
  "mydata.export": mine("mydata", (c, ctx) => c.dataRights.exportMyData(ctx)),
  "mydata.erase": mine("mydata", (c, ctx, cmd) => c.dataRights.eraseMyData(ctx, cmd.confirmed)),
  "instrument.list": mine("instrument", (c, ctx) => c.instruments.listInstruments(ctx)),
  "instrument.add": mine("instrument", (c, ctx, cmd) => c.instruments.addInstrument(ctx, cmd.json)),
  nudges: mine("nudges", async (c, ctx, cmd) => {
    await c.polls.setNudges(ctx, cmd.on);
    return textMessage(t(ctx.lang, cmd.on ? "ok.nudges-on" : "ok.nudges-off"));
  }),
  "purpose.add": inP("coordinator", "purpose.add", (c, ctx, cmd, p) => c.partnerships.addPurpose(ctx, p, cmd.text)),
  "purpose.list": inP("member", "purpose.add", async (_c, ctx, _cmd, p) => listMessage(t(ctx.lang, "list.purposes", { partnership: p.name }), p.purposes.map((x, i) => `${i + 1}. ${x}`), t(ctx.lang, "list.no-purposes"))),
  "org.add": inP("coordinator", "org.add", (c, ctx, cmd, p) => c.partnerships.addOrganisation(ctx, p, cmd.title, cmd.sector)),
  "org.list": inP("member", "org.add", (c, ctx, _cmd, p) => c.partnerships.listOrganisations(ctx, p)),
  "member.add": inP("coordinator", "member.add", (c, ctx, cmd, p) => c.partnerships.addMember(ctx, p, cmd.userId, cmd.org, cmd.roles)),
  "member.remove": inP("coordinator", "member.remove", (c, ctx, cmd, p) => c.partnerships.removeMember(ctx, p, cmd.userId)),
  "member.list": inP("member", "member.add", (c, ctx, _cmd, p) => c.partnerships.listMembers(ctx, p)),
  "member.erase": inP("coordinator", "member.erase", (c, ctx, cmd, p) => c.dataRights.eraseMember(ctx, p, cmd.userId, cmd.confirmed)),
  "checkin.start": inP("coordinator", "checkin.start", (c, ctx, cmd, p) => c.rounds.startRound(ctx, p, cmd)),
  "checkin.close": inP("coordinator", "checkin.close", (c, ctx, _cmd, p) => c.rounds.closeRound(ctx, p)),
  status: inP("member", "status", (c, ctx, _cmd, p, m) => c.rounds.status(ctx, p, m)),
  remind: inP("coordinator", "remind", (c, ctx, _cmd, p) => c.rounds.remind(ctx, p)),
  digest: inP("coordinator", "digest", (c, ctx, _cmd, p) => c.digests.postDigest(ctx, p)),
  "action.add": inP("coordinator", "action.add", (c, ctx, cmd, p) => c.actions.addAction(ctx, p, cmd)),
  "action.list": inP("member", "action.list", (c, ctx, _cmd, p) => c.actions.listActions(ctx, p)),
  "action.done": inP("member", "action.done", (c, ctx, cmd, p) => c.actions.completeAction(ctx, p, cmd.number)),
  set: inP("coordinator", "set", (c, ctx, cmd, p) => c.partnerships.changeSetting(ctx, p, cmd.setting)),
  "export.csv": inP("coordinator", "export.csv", (c, ctx, _cmd, p) => c.digests.exportCsv(ctx, p)),
  "schedule.set": inP("coordinator", "schedule", (c, ctx, cmd, p) => c.schedules.setSchedule(ctx, p, cmd)),
  "schedule.list": inP("member", "schedule", (c, ctx, _cmd, p) => c.schedules.listSchedules(ctx, p)),
  "schedule.stop": inP("coordinator", "schedule", (c, ctx, cmd, p) => c.schedules.stopSchedule(ctx, p, cmd.kind)),
  "meeting.add": inP("coordinator", "meeting", (c, ctx, cmd, p) => c.meetings.addMeeting(ctx, p, cmd)),
  "meeting.list": inP("member", "meeting", (c, ctx, _cmd, p) => c.meetings.listMeetings(ctx, p)),
  "meeting.send": inP("coordinator", "meeting", (c, ctx, cmd, p) => c.meetings.sendAgreements(ctx, p, cmd.number)),
};
