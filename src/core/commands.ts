// Commands and button presses in: who may run what, and which room handles it.
import type { Actor, MessageRef } from "../ports.ts";
import type { Message } from "../messages/model.ts";
import { textMessage, plainOf, FieldValues } from "../messages/model.ts";
import { readAgreement, type AgreementField, type AgreementForm } from "../domain/agreements.ts";
import { parseCommand, whoMayRun, type Command } from "../commands/parse.ts";
import { t, tn, type Key, type Lang } from "../i18n/i18n.ts";
import { mayRunCommand } from "../policy.ts";
import { listMessage } from "../messages/build.ts";
import { helpMessage } from "../commands/help.ts";
import { parseErrorMessage, refusalMessage } from "../messages/error-message.ts";
import { JoinPayload, InviteForPayload } from "./joining.ts";
import { JOIN_CODE_DEFAULTS } from "../domain/join-codes.ts";
import type { Role } from "../policy.ts";
import { UserError, AnswerPayload, SectionPayload, RoundPayload, ActionPayload, PostponePayload, StatementPayload, type Context, type CoreContext, type PartnershipRow, type MembershipRow } from "./context.ts";

/** The round a poll button names (its value's `r`), read before the press so the person and their invitation come in one query. */
function pollRoundOf(actionId: string, value: string): string | undefined {
  if (!actionId.startsWith("poll.")) return undefined;
  try {
    const r = (JSON.parse(value) as { r?: unknown } | null)?.r;
    return typeof r === "string" && r.length <= 64 ? r : undefined;
  } catch {
    return undefined; // press() says the button no longer works
  }
}

/**
 * A reply says the language the core chose for its recipient, so an adapter's own words match it.
 * Builders that chose another (a poll in the partnership's language, `language da`) set it themselves.
 */
function inLang(reply: Message, ctx: Context): Message {
  return reply.lang ? reply : { ...reply, lang: ctx.lang };
}

/** What became of an agreement from a form: the core's reply, or what is wrong, by field. */
export type AgreementResult = { ok: true; reply: Message } | { ok: false; errors: Partial<Record<AgreementField, string>>; lang: Lang };

export class Commands {
  constructor(readonly c: CoreContext) {}

  /** A command typed by a person. The reply is for them alone (ephemeral where the platform can). */
  async command(actor: Actor, text: string): Promise<Message> {
    const ctx = await this.c.context(actor);
    const parsed = parseCommand(text);
    if (!parsed.ok) {
      this.c.onEvent({ kind: "command", name: "unknown", outcome: "malformed" });
      return inLang(parseErrorMessage(ctx.lang, parsed), ctx);
    }
    try {
      const reply = await this.run(ctx, parsed.command);
      this.c.onEvent({ kind: "command", name: parsed.command.name, outcome: "ok" });
      return inLang(reply, ctx);
    } catch (e) {
      if (e instanceof UserError) {
        this.c.onEvent({ kind: "command", name: parsed.command.name, outcome: "refused" });
        return inLang(refusalMessage(ctx.lang, e), ctx);
      }
      throw e;
    }
  }


  /**
   * An agreement from a form (a modal): the same as `action add`, by the form's rules
   * (src/domain/agreements.ts). What is wrong comes back by field, in the person's language.
   */
  async agreement(actor: Actor, form: AgreementForm): Promise<AgreementResult> {
    const ctx = await this.c.context(actor);
    const read = readAgreement(form);
    if (!read.ok) {
      const errors: Partial<Record<AgreementField, string>> = {};
      for (const [field, problem] of Object.entries(read.problems)) errors[field as AgreementField] = t(ctx.lang, `form.${problem!}` as Key);
      return { ok: false, errors, lang: ctx.lang };
    }
    const cmd: Command = { name: "action.add", text: read.text, ownerId: read.ownerId, due: { kind: "date", ...read.due }, ...(read.meeting ? { meeting: read.meeting } : {}) };
    try {
      const reply = await this.run(ctx, cmd);
      this.c.onEvent({ kind: "command", name: cmd.name, outcome: "ok" });
      return { ok: true, reply: inLang(reply, ctx) };
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      this.c.onEvent({ kind: "command", name: cmd.name, outcome: "refused" });
      const field: AgreementField = e.key === "err.owner-not-member" ? "ownerId" : e.key === "err.no-such-meeting" ? "meeting" : "text";
      return { ok: false, errors: { [field]: plainOf(tn(ctx.lang, e.key, e.params)) }, lang: ctx.lang };
    }
  }

  /** A button press on `card` (when the platform says which message). Returns the message that replaces it, or a short reply. */
  async action(actor: Actor, actionId: string, value: string, card?: MessageRef, fields?: Record<string, string>): Promise<Message> {
    const ctx = await this.c.context(actor, pollRoundOf(actionId, value));
    try {
      const reply = await this.press(ctx, actionId, value, card, fields);
      this.c.onEvent({ kind: "press", actionId, outcome: "ok" });
      return inLang(reply, ctx);
    } catch (e) {
      if (e instanceof UserError) {
        this.c.onEvent({ kind: "press", actionId, outcome: "refused" });
        return inLang(refusalMessage(ctx.lang, e), ctx);
      }
      throw e;
    }
  }


  async press(ctx: Context, actionId: string, value: string, card?: MessageRef, fields?: Record<string, string>): Promise<Message> {
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
        const reply = await this.c.polls.answer(ctx, d, card);
        this.c.onEvent({ kind: "vote" });
        return reply;
      }
      case "poll.section": {
        const d = button(SectionPayload, json);
        return await this.c.polls.pollFor(ctx, d.r, { sectionId: d.s, page: d.p });
      }
      case "poll.open": {
        const d = button(RoundPayload, json);
        return await this.c.polls.pollFor(ctx, d.r, undefined);
      }
      case "action.done": {
        const d = button(ActionPayload, json);
        const action = await this.c.db.action.findFirst({ where: { id: d.a }, select: { partnershipId: true, number: true } });
        if (!action) throw new UserError("err.bad-button");
        const partnership = await this.c.partnershipById(ctx, action.partnershipId);
        return await this.c.actions.completeAction(this.c.within(ctx, partnership.workspaceId), partnership, action.number);
      }
      case "action.postpone": {
        const d = button(PostponePayload, json);
        return await this.c.actions.postponeAction(ctx, d.a, d.d);
      }
      case "action.from-statement": {
        const d = button(StatementPayload, json);
        return await this.c.actions.statementForm(ctx, d.p, d.s);
      }
      case "action.record": {
        const d = button(StatementPayload, json);
        return await this.c.actions.recordFromForm(ctx, d.p, d.s, button(FieldValues, fields ?? {}));
      }
      case "meeting.record":
        return await this.c.agreements.form(ctx, json);
      case "meeting.agree":
        return await this.c.agreements.record(ctx, json, button(FieldValues, fields ?? {}));
      case "poll.snooze": {
        const d = button(RoundPayload, json);
        return await this.c.polls.snooze(ctx, d.r);
      }
      case "poll.comment": {
        const d = button(RoundPayload, json);
        return await this.c.comments.save(ctx, d.r, button(FieldValues, fields ?? {}), card);
      }
      case "nudge.optout": {
        const d = button(RoundPayload, json);
        await this.c.polls.invitedMembership(ctx, d.r); // a removed member's press changes nothing
        await this.c.polls.setNudges(ctx, false);
        return await this.c.polls.pollFor(ctx, d.r, undefined, t(ctx.lang, "ok.nudges-off"));
      }
      case "invite.make": {
        // A code for one person, with their organisation: run as the coordinator's own `partnership invite`.
        const d = button(InviteForPayload, json);
        const member = await this.c.db.membership.findUnique({ where: { id: d.m }, include: { partnership: true, organisation: true } });
        if (!member) throw new UserError("err.bad-button");
        const p = await this.c.partnershipById(ctx, member.partnershipId);
        return await this.run(ctx, { name: "partnership.invite", partnership: p.name, roles: member.roles as Role[], days: JOIN_CODE_DEFAULTS.days, uses: 1, ...(member.organisation ? { org: member.organisation.name } : {}) });
      }
      case "join.approve":
      case "join.decline":
        return await this.c.joining.decide(ctx, button(JoinPayload, json).j, actionId === "join.approve");
      case "help.topic":
        return helpMessage(ctx.lang, typeof json === "object" && json && "topic" in json ? String((json as { topic: unknown }).topic) : undefined, ctx.capabilities);
      default:
        throw new UserError("err.bad-button");
    }
  }


  /** Runs a parsed command: the registry says who may, and which room does it. */
  async run(ctx: Context, cmd: Command): Promise<Message> {
    const entry = REGISTRY[cmd.name] as Entry<Command>;
    const who = whoMayRun(cmd.name);
    if (who === "anyone") return entry.run(this.c, ctx, cmd, null);
    const named = "partnership" in cmd ? cmd.partnership : undefined;
    const { partnership, membership } = await this.c.selectPartnership(ctx, named);
    const allowed = mayRunCommand(membership, who === "coordinator");
    if (!allowed.ok || !membership) throw new UserError(allowed.ok || allowed.reason !== "coordinator-only" ? "err.not-member" : "err.coordinator-only", { partnership: partnership.name });
    // From here the request reads the partnership's workspace, which need not be the asker's.
    return entry.run(this.c, { ...this.c.within(ctx, partnership.workspaceId), lang: this.c.langFor(ctx, partnership) }, cmd, { partnership, membership });
  }


}

type In = { partnership: PartnershipRow; membership: MembershipRow } | null;
/** The room that runs a command; who may run it is the command table's (src/commands/table.ts). */
interface Entry<C extends Command> {
  run(c: CoreContext, ctx: Context, cmd: C, where: In): Promise<Message>;
}
/** Partnership commands run with the partnership and the runner's membership (checked by `who`). */
const inP = <C extends Command>(run: (c: CoreContext, ctx: Context, cmd: C, p: PartnershipRow, m: MembershipRow) => Promise<Message>): Entry<C> => ({
  run: (c, ctx, cmd, where) => run(c, ctx, cmd, where!.partnership, where!.membership),
});
const mine = <C extends Command>(run: (c: CoreContext, ctx: Context, cmd: C) => Promise<Message>): Entry<C> => ({ run: (c, ctx, cmd) => run(c, ctx, cmd) });

/** Every command and the room that does it. */
export const REGISTRY: { [N in Command["name"]]: Entry<Extract<Command, { name: N }>> } = {
  help: mine(async (_c, ctx, cmd) => helpMessage(ctx.lang, cmd.topic, ctx.capabilities)),
  "partnership.create": mine((c, ctx, cmd) => c.partnerships.createPartnership(ctx, cmd)),
  "partnership.list": mine((c, ctx) => c.partnerships.listPartnerships(ctx)),
  // The Home view as a reply, for platforms without one (and anyone who prefers to type).
  overview: mine((c, ctx) => c.home.home(ctx.actor)),
  language: mine(async (c, ctx, cmd) => {
    await c.store(ctx);
    await c.db.person.update({ where: { id: ctx.person.id }, data: { language: cmd.value } });
    return { ...textMessage(t(cmd.value, "ok.language", { lang: t(cmd.value, `lang.${cmd.value}`) })), lang: cmd.value };
  }),
  "mydata.export": mine((c, ctx) => c.dataRights.exportMyData(ctx)),
  "mydata.erase": mine((c, ctx, cmd) => c.dataRights.eraseMyData(ctx, cmd.confirmed)),
  "instrument.list": mine((c, ctx) => c.instruments.listInstruments(ctx)),
  "instrument.add": mine((c, ctx, cmd) => c.instruments.addInstrument(ctx, cmd.json)),
  nudges: mine(async (c, ctx, cmd) => {
    await c.polls.setNudges(ctx, cmd.on);
    return textMessage(t(ctx.lang, cmd.on ? "ok.nudges-on" : "ok.nudges-off"));
  }),
  "purpose.add": inP((c, ctx, cmd, p) => c.partnerships.addPurpose(ctx, p, cmd.text)),
  "purpose.list": inP(async (_c, ctx, _cmd, p) => listMessage(t(ctx.lang, "list.purposes", { partnership: p.name }), p.purposes.map((x, i) => `${i + 1}. ${x}`), t(ctx.lang, "list.no-purposes"))),
  "org.add": inP((c, ctx, cmd, p) => c.partnerships.addOrganisation(ctx, p, cmd.title, cmd.sector)),
  "org.list": inP((c, ctx, _cmd, p) => c.partnerships.listOrganisations(ctx, p)),
  "member.add": inP((c, ctx, cmd, p) => (cmd.webName !== undefined ? c.memberPages.addWebMember(ctx, p, cmd.webName, cmd.org, cmd.roles) : c.partnerships.addMember(ctx, p, cmd.userId!, cmd.org, cmd.roles))),
  "member.remove": inP((c, ctx, cmd, p) => c.partnerships.removeMember(ctx, p, cmd.userId)),
  "member.list": inP((c, ctx, _cmd, p) => c.partnerships.listMembers(ctx, p)),
  "partnership.invite": inP((c, ctx, cmd, p, m) => c.joining.invite(ctx, p, m, cmd)),
  "invite.list": inP((c, ctx, _cmd, p) => c.joining.list(ctx, p)),
  "invite.revoke": inP((c, ctx, cmd, p) => c.joining.revoke(ctx, p, cmd.number)),
  join: mine((c, ctx, cmd) => c.joining.join(ctx, cmd.code)),
  "member.erase": inP((c, ctx, cmd, p) => c.dataRights.eraseMember(ctx, p, cmd.userId, cmd.confirmed)),
  "checkin.start": inP((c, ctx, cmd, p) => c.rounds.startRound(ctx, p, cmd)),
  "checkin.close": inP((c, ctx, _cmd, p) => c.rounds.closeRound(ctx, p)),
  status: inP((c, ctx, _cmd, p, m) => c.rounds.status(ctx, p, m)),
  remind: inP((c, ctx, _cmd, p) => c.rounds.remind(ctx, p)),
  digest: inP((c, ctx, _cmd, p) => c.digests.postDigest(ctx, p)),
  "action.add": inP((c, ctx, cmd, p) => c.actions.addAction(ctx, p, cmd)),
  "action.list": inP((c, ctx, _cmd, p) => c.actions.listActions(ctx, p)),
  "action.done": inP((c, ctx, cmd, p) => c.actions.completeAction(ctx, p, cmd.number)),
  set: inP((c, ctx, cmd, p) => c.partnerships.changeSetting(ctx, p, cmd.setting)),
  "export.csv": inP((c, ctx, _cmd, p) => c.digests.exportCsv(ctx, p)),
  "report.link": inP((c, ctx, _cmd, p, m) => c.reports.link(ctx, p, m)),
  "report.revoke": inP((c, ctx, _cmd, p) => c.reports.revoke(ctx, p)),
  "schedule.set": inP((c, ctx, cmd, p) => c.schedules.setSchedule(ctx, p, cmd)),
  "schedule.list": inP((c, ctx, _cmd, p) => c.schedules.listSchedules(ctx, p)),
  "schedule.stop": inP((c, ctx, cmd, p) => c.schedules.stopSchedule(ctx, p, cmd.kind)),
  "meeting.add": inP((c, ctx, cmd, p) => c.meetings.addMeeting(ctx, p, cmd)),
  "meeting.list": inP((c, ctx, _cmd, p) => c.meetings.listMeetings(ctx, p)),
  "meeting.send": inP((c, ctx, cmd, p) => c.meetings.sendAgreements(ctx, p, cmd.number)),
  "meeting.move": inP((c, ctx, cmd, p) => c.meetings.moveMeeting(ctx, p, cmd)),
  "meeting.agenda": inP((c, ctx, cmd, p) => c.agendas.preview(ctx, p, cmd.number)),
  "meeting.point": inP((c, ctx, cmd, p) => c.meetings.addPoint(ctx, p, cmd.number, cmd.text)),
  "meeting.close": inP((c, ctx, cmd, p) => c.meetings.closeMeeting(ctx, p, cmd.number)),
  "meeting.link": inP((c, ctx, cmd, p) => c.meetings.linkMeeting(ctx, p, cmd.number)),
};
