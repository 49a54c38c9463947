// Agreements recorded at a meeting while people talk: "Record an agreement" on its card gives
// the presser a form (what, who, by when, and the statement it answers), and what they send is
// kept by the one rule set for agreements (src/domain/agreements.ts, Actions.recordAction), the
// meeting's card brought up to date in the same transaction.
import type { Message } from "../messages/model.ts";
import { message, textMessage, joinNodes } from "../messages/model.ts";
import { userText } from "../commands/parse.ts";
import { t, tn } from "../i18n/i18n.ts";
import { todayIn } from "../domain/rounds.ts";
import { AGREEMENT_FIELDS, AGREEMENT_LIMITS, readAgreement } from "../domain/agreements.ts";
import { formRefusal } from "../messages/build.ts";
import { discussedStatements, statementText } from "../messages/meeting-message.ts";
import { mayRecordAgreement } from "../policy.ts";
import { z } from "zod";
import { UserError, type Context, type CoreContext } from "./context.ts";

const MeetingPayload = z.object({ m: z.string().uuid() });

export class Agreements {
  constructor(readonly c: CoreContext) {}

  /** "Record an agreement", pressed on the card: a form for the presser alone. */
  async form(ctx: Context, value: unknown): Promise<Message> {
    const { m: meetingId } = this.button(value);
    const { m, p, lang } = await this.mayRecord(ctx, meetingId);
    const members = await this.c.db.membership.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id, removedAt: null }, include: { person: true }, orderBy: { createdAt: "asc" }, take: 100 });
    const v = await this.c.agendas.view(this.c.db, m, p, lang, false);
    // The statements the agenda asks about; an agreement follows a rating statement's mean, so only those.
    const results = v.results;
    const ratings = new Set(results?.snapshot.sections.flatMap((s) => s.items.filter((i) => i.kind === "rating").map((i) => i.id)) ?? []);
    const discussed = results ? discussedStatements(results) : { low: [], apart: [] };
    const statements = [...discussed.low, ...discussed.apart].filter((s) => ratings.has(s.itemId));
    const due = todayIn(p.timeZone, this.c.now());
    due.setUTCDate(due.getUTCDate() + 14);
    const title = t(lang, "agenda.form-title", { number: m.number, title: m.title });
    return message(title, [
      { type: "header", text: title },
      { type: "input", id: AGREEMENT_FIELDS.text, label: t(lang, "action.form-what"), maxLength: AGREEMENT_LIMITS.text, multiline: false, optional: false },
      { type: "input", id: AGREEMENT_FIELDS.ownerId, kind: "choice", label: t(lang, "action.form-owner"), options: members.map((x) => ({ value: x.person.platformUserId, label: x.person.displayName || x.person.platformUserId })), optional: false },
      { type: "input", id: AGREEMENT_FIELDS.due, kind: "date", label: t(lang, "action.form-due"), value: due.toISOString().slice(0, 10), optional: false },
      ...(statements.length ? [{ type: "input" as const, id: AGREEMENT_FIELDS.statement, kind: "choice" as const, label: t(lang, "agenda.form-statement"), options: statements.map((s) => ({ value: s.itemId, label: `${s.itemId} ${statementText(results!, s.itemId)}` })) }] : []),
      { type: "buttons", buttons: [{ label: t(lang, "agenda.form-record"), actionId: "meeting.agree", value: JSON.stringify({ m: m.id }), style: "primary" }] },
    ], { apart: true, lang });
  }

  private button(value: unknown): { m: string } {
    const r = MeetingPayload.safeParse(value);
    if (!r.success) throw new UserError("err.bad-button");
    return r.data;
  }

  /** The meeting, if this person may record an agreement at it: a member of its partnership, while it is not closed. */
  private async mayRecord(ctx: Context, meetingId: string) {
    const m = await this.c.db.meeting.findFirst({ where: { id: meetingId }, include: { partnership: { include: { workspace: true } } } });
    if (!m) throw new UserError("err.bad-button");
    const p = m.partnership;
    const membership = await this.c.db.membership.findFirst({ where: { partnershipId: p.id, personId: ctx.person.id, removedAt: null } });
    // Of another workspace's partnership, a stranger learns nothing: not even that it exists.
    if (!membership && p.workspaceId !== ctx.workspaceId) throw new UserError("err.bad-button");
    const lang = this.c.langFor(ctx, p);
    if (!mayRecordAgreement(membership).ok) throw new UserError("err.not-member", { partnership: p.name });
    if (m.closedAt) throw new UserError("err.meeting-closed", { number: m.number });
    return { m, p, lang };
  }

  /** The form sent: the agreement by the one rule set for agreements, the card brought up to date; or what is wrong, and nothing kept. */
  async record(ctx: Context, value: unknown, fields: Record<string, string>): Promise<Message> {
    const { m: meetingId } = this.button(value);
    const { m, p, lang } = await this.mayRecord(ctx, meetingId);
    const read = readAgreement({ text: fields[AGREEMENT_FIELDS.text] ?? "", ownerId: fields[AGREEMENT_FIELDS.ownerId] ?? "", due: fields[AGREEMENT_FIELDS.due] ?? "" });
    const statementId = fields[AGREEMENT_FIELDS.statement]?.trim() || null;
    const v = statementId ? await this.c.agendas.latestScored(this.c.db, p, lang) : null;
    const knownStatement = !statementId || Boolean(v?.snapshot.sections.some((s) => s.items.some((i) => i.id === statementId && i.kind === "rating")));
    const owner = read.ok ? await this.c.db.membership.findFirst({ where: { workspaceId: p.workspaceId, partnershipId: p.id, removedAt: null, person: { platformUserId: read.ownerId } } }) : null;
    const problem: Partial<Record<keyof typeof AGREEMENT_FIELDS, string>> = read.ok ? {} : Object.fromEntries(Object.entries(read.problems).map(([f, p]) => [f, t(lang, `form.${p!}`)]));
    if (read.ok && !owner) problem.ownerId = t(lang, "form.not-a-member");
    if (!knownStatement) problem.statement = t(lang, "form.not-a-statement");
    if (!read.ok || !owner || !knownStatement) {
      const label = { text: t(lang, "action.form-what"), ownerId: t(lang, "action.form-owner"), due: t(lang, "action.form-due"), statement: t(lang, "agenda.form-statement") };
      const fields = (Object.keys(label) as (keyof typeof label)[]).filter((f) => problem[f]);
      return formRefusal(lang, t(lang, "err.agreement-form"), fields.map((f) => ({ id: AGREEMENT_FIELDS[f], label: label[f], problem: problem[f]! })));
    }
    const due = new Date(Date.UTC(read.due.year, read.due.month - 1, read.due.day));
    const ws = this.c.wsRefOf(p.workspace);
    const action = await this.c.actions.recordAction(p, { text: read.text, ownerId: owner.id, dueDate: due, sourceMeeting: m.title, meetingId: m.id, statementId }, async (tx) => {
      const fresh = await tx.meeting.findFirstOrThrow({ where: { id: m.id } });
      await this.c.agendas.refreshCards(tx, fresh, ws);
    });
    this.c.onEnqueue();
    return textMessage(joinNodes(tn(lang, "ok.agreement-recorded", { number: action.number, text: userText(action.text), meeting: m.number }), " ", this.c.mention(read.ownerId)));
  }
}
