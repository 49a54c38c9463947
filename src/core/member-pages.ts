// Members with no chat platform: a coordinator adds them by name (`member add "Inge Lund" org=…
// web`) and passes on the signed link to a page of their own, where they answer polls and see
// their actions (adapters/web). Nothing is pushed to them: the page shows what is open.
import type { Message } from "../messages/model.ts";
import { message } from "../messages/model.ts";
import { t, formatDate } from "../i18n/i18n.ts";
import { WEB_PLATFORM, type Actor } from "../ports.ts";
import { randomUUID } from "node:crypto";
import { MEMBER_PATH, reportKey, signMember, verifyMember } from "../report/link.ts";
import { type Context, type CoreContext, type PartnershipRow } from "./context.ts";

/** How long a member page's link works; `member add "…" web` again gives a new one. */
const MEMBER_LINK_DAYS = 365;

export class MemberPages {
  constructor(readonly c: CoreContext) {}

  /**
   * Someone with no chat account: a member whose polls and actions are on a page of their own, at
   * a signed link the coordinator passes on. Adding the same name again gives the same person a new link.
   */
  async addWebMember(ctx: Context, p: PartnershipRow, name: string, orgName: string | undefined, roles: string[]): Promise<Message> {
    const organisation = await this.c.partnerships.organisationNamed(p, orgName);
    const web = await this.c.db.workspace.upsert({ where: { platform_externalId: { platform: WEB_PLATFORM, externalId: WEB_PLATFORM } }, create: { platform: WEB_PLATFORM, externalId: WEB_PLATFORM, name: "" }, update: {} });
    const known = await this.c.db.membership.findFirst({ where: { partnershipId: p.id, person: { workspaceId: web.id, displayName: name } }, include: { person: true } });
    const person = known?.person ?? (await this.c.db.person.create({ data: { workspaceId: web.id, platformUserId: `web-${randomUUID()}`, displayName: name } }));
    await this.c.db.membership.upsert({
      where: { partnershipId_personId: { partnershipId: p.id, personId: person.id } },
      create: { workspaceId: p.workspaceId, partnershipId: p.id, personId: person.id, organisationId: organisation?.id ?? null, roles },
      update: { roles, removedAt: null, ...(organisation ? { organisationId: organisation.id } : {}) },
    });
    const expiresAt = new Date(this.c.now().getTime() + MEMBER_LINK_DAYS * 86_400_000);
    const url = `${this.c.publicUrl().replace(/\/+$/, "")}${MEMBER_PATH}${signMember(await reportKey(this.c.db), { k: "me", p: person.id, e: Math.floor(expiresAt.getTime() / 1000) })}`;
    const lang = ctx.lang;
    const added = t(lang, known && !known.removedAt ? "ok.web-member-again" : "ok.web-member-added", { person: name, roles: this.c.roleList(lang, roles), partnership: p.name });
    return message(`${added} ${url}`, [
      { type: "text", text: added },
      { type: "text", text: [{ t: "link", url, text: t(lang, "web.link-label", { person: name }) }] },
      { type: "text", text: t(lang, "web.link-note", { date: formatDate(lang, expiresAt, p.timeZone) }), muted: true },
    ]);
  }

  /** Who a member page's link is for, as the core's requests name them; null for any link that opens nothing. */
  async webActor(token: string): Promise<Actor | null> {
    const claims = verifyMember(await reportKey(this.c.db), token);
    if (!claims || claims.e * 1000 <= this.c.now().getTime()) return null;
    const person = await this.c.db.person.findFirst({ where: { id: claims.p, workspace: { platform: WEB_PLATFORM } }, include: { memberships: { where: { removedAt: null }, select: { id: true } } } });
    if (!person || person.memberships.length === 0) return null;
    return { workspace: { platform: WEB_PLATFORM, externalId: WEB_PLATFORM }, userId: person.platformUserId, displayName: person.displayName, conversation: "direct" };
  }
}
