// Data rights: a person's own export, and erasure that leaves released results as they were.
import type { Message } from "../messages/model.ts";
import { message, textMessage } from "../messages/model.ts";
import { t, tn, type Key } from "../i18n/i18n.ts";
import { personToken } from "../commands/mentions.ts";
import { LONG_TRANSACTION, UserError, type PartnershipRow, type PersonRow, type Context, type CoreContext } from "./context.ts";
import { copiesOf } from "./polls.ts";

export class DataRights {
  constructor(readonly c: CoreContext) {}

  async exportMyData(ctx: Context): Promise<Message> {
    const memberships = await this.c.db.membership.findMany({ where: { personId: ctx.person.id }, include: { partnership: true, organisation: true, answers: { include: { round: true } }, comments: { include: { round: true } }, ownedActions: true } });
    const data = {
      person: { platformUserId: ctx.person.platformUserId, displayName: ctx.person.displayName, language: ctx.person.language, timeZone: ctx.person.timeZone, createdAt: ctx.person.createdAt },
      memberships: memberships.map((m) => ({
        partnership: m.partnership.name,
        organisation: m.organisation?.name ?? null,
        roles: m.roles,
        removedAt: m.removedAt,
        answers: m.answers.map((a) => ({ round: a.round.number, instrument: a.round.instrumentKey, item: a.itemId, rating: a.rating, choice: a.choice, answeredAt: a.answeredAt, updatedAt: a.updatedAt })),
        comments: m.comments.map((c) => ({ round: c.round.number, instrument: c.round.instrumentKey, section: c.sectionId, text: c.text, updatedAt: c.updatedAt })),
        actions: m.ownedActions.map((a) => ({ number: a.number, text: a.text, dueDate: a.dueDate, status: a.status })),
      })),
    };
    return message(t(ctx.lang, "ok.mydata-export"), [
      { type: "text", text: t(ctx.lang, "ok.mydata-export") },
      { type: "file", filename: "partnerpuls-my-data.json", mimeType: "application/json", content: JSON.stringify(data, null, 2) },
    ]);
  }


  async eraseMyData(ctx: Context, confirmed: boolean): Promise<Message> {
    if (!confirmed) return textMessage(t(ctx.lang, "mydata.erase-confirm"));
    if (!ctx.stored) return textMessage(t(ctx.lang, "ok.mydata-erased"));
    await this.assertNotLastCoordinator(ctx.person.id, "err.erase-last-coordinator");
    await this.eraseIdentity(ctx.person);
    return textMessage(t(ctx.lang, "ok.mydata-erased"));
  }


  /** A coordinator erases a member who asked by other means (mail, letter). */
  async eraseMember(ctx: Context, p: PartnershipRow, userId: string, confirmed: boolean): Promise<Message> {
    const target = await this.c.db.membership.findFirst({ where: { workspaceId: p.workspaceId, partnershipId: p.id, person: { platformUserId: userId } }, include: { person: true } });
    if (!target) throw new UserError("err.not-a-member", { person: this.c.mention(userId), partnership: p.name });
    if (!confirmed) return textMessage(tn(ctx.lang, "member.erase-confirm", { person: this.c.mention(userId) }));
    if (target.personId === ctx.person.id) return this.eraseMyData(ctx, true);
    await this.assertNotLastCoordinator(target.personId, "err.erase-member-last-coordinator");
    await this.eraseIdentity(target.person);
    return textMessage(t(ctx.lang, "ok.member-erased", { person: userId }));
  }


  async assertNotLastCoordinator(personId: string, key: Key): Promise<void> {
    const coordinatorOf = await this.c.db.membership.findMany({ where: { personId, removedAt: null, roles: { has: "coordinator" } }, include: { partnership: true } });
    for (const m of coordinatorOf) {
      const others = await this.c.db.membership.count({ where: { partnershipId: m.partnershipId, removedAt: null, roles: { has: "coordinator" }, id: { not: m.id } } });
      if (others === 0) throw new UserError(key, { partnership: m.partnership.name });
    }
  }


  /**
   * Removes a person's identity everywhere, in one transaction. Answers to closed rounds stay only
   * as anonymous contributions (no link to anyone), so the releases already made do not change:
   * every round they answered is released first if it had not been. Answers to open rounds go.
   * Job and delivery payloads, platform stores and free text that name their user id are cleared.
   */
  async eraseIdentity(person: PersonRow): Promise<void> {
    const userId = person.platformUserId;
    const name = person.displayName.trim();
    // Their own workspace, and those of partnerships they joined from it: everything of them, everywhere.
    const workspace = await this.c.db.workspace.findUniqueOrThrow({ where: { id: person.workspaceId } });
    await this.c.db.$transaction(async (tx) => {
      const memberships = await tx.membership.findMany({ where: { personId: person.id }, select: { id: true, workspaceId: true } });
      const ids = memberships.map((m) => m.id);
      const workspaceIds = [...new Set([person.workspaceId, ...memberships.map((m) => m.workspaceId)])];
      const inTheirs = { workspaceId: { in: workspaceIds } };
      const rounds = await tx.round.findMany({ where: { ...inTheirs, invitations: { some: { membershipId: { in: ids } } } } });
      for (const r of rounds) if (r.closedAt) await this.c.results.releaseOf(tx, r);
      const openIds = rounds.filter((r) => !r.closedAt).map((r) => r.id);
      if (openIds.length) await tx.answer.deleteMany({ where: { ...inTheirs, roundId: { in: openIds }, membershipId: { in: ids } } });
      await tx.answer.updateMany({ where: { ...inTheirs, membershipId: { in: ids } }, data: { membershipId: null } });
      // Their comments go: a closed round's release holds them already, unattributed; an open one's never will.
      await tx.comment.deleteMany({ where: { ...inTheirs, membershipId: { in: ids } } });
      // Jobs: pending ones that concern them are dropped; finished ones keep their key, not their content.
      const invitations = await tx.invitation.findMany({ where: { ...inTheirs, membershipId: { in: ids } }, select: { id: true, pollRefs: true } });
      const invitationIds = invitations.map((i) => i.id);
      // Their direct conversations with the bot, where their polls landed: platform ids of them too.
      const conversations = [...new Set(invitations.flatMap((i) => copiesOf(i.pollRefs).map((r) => r.conversationId)).filter((c) => c.length > 0))];
      const needles = [userId, ...(name.length >= 2 ? [name] : []), ...ids, ...invitationIds, ...conversations];
      for (const needle of needles) {
        await tx.$executeRaw`
          UPDATE "Job" SET payload = '{}'::jsonb, result = NULL, lane = NULL, outcome = 'erased',
            status = CASE WHEN status IN ('pending', 'running') THEN 'skipped' ELSE status END
          WHERE "workspaceId" = ANY(${workspaceIds}::text[])
            AND (strpos(payload::text, ${needle}) > 0 OR strpos(coalesce(result::text, ''), ${needle}) > 0 OR strpos(coalesce(lane, ''), ${needle}) > 0 OR strpos(coalesce(outcome, ''), ${needle}) > 0)`;
      }
      // Mentions of them typed into agreements and meeting titles.
      const mention = personToken(userId);
      await tx.$executeRaw`UPDATE "Action" SET text = replace(text, ${mention}, '–'), "sourceMeeting" = replace("sourceMeeting", ${mention}, '–') WHERE "workspaceId" = ANY(${workspaceIds}::text[]) AND (strpos(text, ${mention}) > 0 OR strpos(coalesce("sourceMeeting", ''), ${mention}) > 0)`;
      await tx.$executeRaw`UPDATE "Meeting" SET title = replace(title, ${mention}, '–') WHERE "workspaceId" = ANY(${workspaceIds}::text[]) AND strpos(title, ${mention}) > 0`;
      for (const id of ids) await tx.$executeRaw`UPDATE "Meeting" SET "participantIds" = array_remove("participantIds", ${id}) WHERE "workspaceId" = ANY(${workspaceIds}::text[])`;
      // The outbox's pacing of their direct conversation is keyed by it: that state goes (it only
      // spaces out messages, and none is left to send them).
      const lanes = [`user:${userId}`, ...conversations.map((c) => `conversation:${c}`)].map((c) => `${workspace.platform}:${workspace.externalId}:${c}`);
      await tx.$executeRaw`DELETE FROM "PaceSlot" WHERE key = ANY(${lanes}::text[])`;
      await tx.$executeRaw`DELETE FROM "PaceBudget" WHERE key = ANY(${lanes}::text[])`;
      // Who made a code or decided a request, and their own tries at joining.
      await tx.joinCode.updateMany({ where: { createdById: { in: ids } }, data: { createdById: null } });
      await tx.joinRequest.updateMany({ where: { decidedById: { in: ids } }, data: { decidedById: null } });
      await tx.joinAttempt.deleteMany({ where: { personKey: `${workspace.platform}:${workspace.externalId}:${userId}` } });
      // What the platform's adapter keeps about them in its own tables.
      for (const store of this.c.platformStores.get(workspace.platform) ?? []) await store.forgetPerson(tx, workspace.externalId, userId);
      // Memberships, invitations and downloads go with the person; actions keep no owner.
      await tx.person.delete({ where: { id: person.id } });
    }, LONG_TRANSACTION);
    this.c.workspaces.clear();
  }

}
