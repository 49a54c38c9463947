// Home: what a person has open, in every partnership they belong to.
import type { Actor } from "../ports.ts";
import type { Message, RichText } from "../messages/model.ts";
import { message, joinNodes, joinLines } from "../messages/model.ts";
import { t, formatDate } from "../i18n/i18n.ts";
import { type CoreContext } from "./context.ts";

export class Home {
  constructor(readonly c: CoreContext) {}

  /** What a person has open: polls to answer, actions they own, rounds they coordinate. */
  async home(actor: Actor): Promise<Message> {
    const base = await this.c.context(actor);
    const now = this.c.now();
    const memberships = await this.c.db.membership.findMany({
      // Every partnership they are in, whichever workspace it was made in.
      where: { personId: base.person.id, removedAt: null },
      include: { partnership: true },
      orderBy: { createdAt: "asc" },
    });
    // Same language as the polls the person receives: their own choice, else their partnership's.
    const ctx = memberships[0] ? { ...base, lang: this.c.langFor(base, memberships[0].partnership) } : base;
    const blocks: Parameters<typeof message>[1] = [{ type: "header", text: t(ctx.lang, "home.title") }];
    if (memberships.length === 0) blocks.push({ type: "text", text: t(ctx.lang, "home.no-partnerships") });
    for (const m of memberships) {
      const round = await this.c.openRound(m.workspaceId, m.partnershipId, now);
      const lines: RichText[] = [];
      const buttons = [];
      if (round) {
        const inv = await this.c.db.invitation.findFirst({ where: { workspaceId: m.workspaceId, roundId: round.id, membershipId: m.id } });
        if (inv) {
          lines.push(inv.completedAt ? t(ctx.lang, "home.poll-done", { n: round.number }) : t(ctx.lang, "home.poll-open", { n: round.number, date: formatDate(ctx.lang, round.closesAt, m.partnership.timeZone) }));
          buttons.push({ label: t(ctx.lang, inv.completedAt ? "poll.review" : "home.answer"), actionId: "poll.open" as const, value: JSON.stringify({ r: round.id }), style: "primary" as const });
        }
        if (m.roles.includes("coordinator")) {
          const [invited, done] = await Promise.all([
            this.c.db.invitation.count({ where: { workspaceId: m.workspaceId, roundId: round.id } }),
            this.c.db.invitation.count({ where: { workspaceId: m.workspaceId, roundId: round.id, completedAt: { not: null } } }),
          ]);
          lines.push(t(ctx.lang, "home.round-progress", { round: round.number, done, n: invited }));
        }
      }
      const actions = await this.c.db.action.findMany({ where: { workspaceId: m.workspaceId, partnershipId: m.partnershipId, ownerId: m.id, status: "open" }, orderBy: { number: "asc" } });
      for (const a of actions) lines.push(this.c.actions.actionLine(ctx.lang, a, null, now, m.partnership.timeZone));
      const roles = this.c.roleList(ctx.lang, m.roles);
      blocks.push({ type: "divider" });
      blocks.push({ type: "text", text: joinNodes({ t: "strong", text: m.partnership.name }, ` (${roles})\n`, lines.length ? joinLines(lines) : t(ctx.lang, "home.nothing-open")) });
      if (buttons.length) blocks.push({ type: "buttons", buttons });
    }
    return message(t(ctx.lang, "home.title"), blocks, { lang: ctx.lang });
  }

}
