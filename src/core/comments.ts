// Comments: a partner's optional free text per section of a round ("what would help?"), typed on
// the thank-you card. What is shown of them, and when, is the release's (src/domain/comments.ts).
import type { MessageRef } from "../ports.ts";
import type { Message } from "../messages/model.ts";
import { askedItemIds, askedOf } from "../domain/partner-map.ts";
import { COMMENT_MAX, commentSectionIds, sectionOfField, tidyComment } from "../domain/comments.ts";
import type { PageRequest } from "./polls.ts";
import { UserError, type RoundWithPartnership, type Context, type CoreContext } from "./context.ts";

export class Comments {
  constructor(readonly c: CoreContext) {}

  /**
   * A person's comments so far, by section. Read only when the card shown is the thank-you card,
   * which holds them: every question answered, and no section asked for.
   */
  async of(round: RoundWithPartnership, inv: { membershipId: string; organisationId: string | null }, rows: { itemId: string }[], at: PageRequest | undefined): Promise<Map<string, string>> {
    if (at && "sectionId" in at) return new Map();
    const view = askedOf(this.c.results.snapshotOf(round), inv.organisationId);
    if (commentSectionIds(view, round.sectionIds).length === 0) return new Map();
    const have = new Set(rows.map((r) => r.itemId));
    if (!askedItemIds(view, round.sectionIds).every((id) => have.has(id))) return new Map();
    const found = await this.c.db.comment.findMany({ where: { workspaceId: round.workspaceId, roundId: round.id, membershipId: inv.membershipId }, select: { sectionId: true, text: true } });
    return new Map(found.map((c) => [c.sectionId, c.text]));
  }


  /**
   * Saves a person's comments from the thank-you card's fields: one per section that invites one;
   * an emptied field removes that comment. All or nothing: one field too long saves none.
   */
  async save(ctx: Context, roundId: string, fields: Record<string, string>, card?: MessageRef): Promise<Message> {
    const { round, inv, lang } = await this.c.polls.invitedMembership(ctx, roundId);
    if (round.closedAt !== null || round.closesAt <= this.c.now()) throw new UserError("err.comment-closed");
    const view = askedOf(this.c.results.snapshotOf(round), inv.organisationId);
    const allowed = new Set(commentSectionIds(view, round.sectionIds));
    const texts = new Map<string, string>();
    for (const [field, typed] of Object.entries(fields)) {
      const sectionId = sectionOfField(field);
      if (sectionId === null) continue; // another field of the card: not a comment
      if (!allowed.has(sectionId)) throw new UserError("err.bad-button");
      const text = tidyComment(typed);
      const length = [...text].length;
      if (length > COMMENT_MAX) throw new UserError("err.comment-too-long", { title: view.sections.find((s) => s.id === sectionId)!.title[lang], n: length, max: COMMENT_MAX });
      texts.set(sectionId, text);
    }
    await this.c.db.$transaction(async (tx) => {
      for (const [sectionId, text] of texts) {
        if (text) {
          await tx.comment.upsert({
            where: { roundId_membershipId_sectionId: { roundId: round.id, membershipId: inv.membershipId, sectionId } },
            create: { workspaceId: inv.workspaceId, roundId: round.id, membershipId: inv.membershipId, sectionId, text },
            update: { text },
          });
        } else await tx.comment.deleteMany({ where: { workspaceId: inv.workspaceId, roundId: round.id, membershipId: inv.membershipId, sectionId } });
      }
      await this.c.polls.updateOtherCopies(tx, ctx, inv, card);
    });
    return this.c.polls.pollView(inv.workspaceId, lang, round, inv, undefined, undefined, undefined, true);
  }
}
