// People of other organisations joining a partnership from their own workspace, and workspaces
// leaving: a coordinator makes a code (`partnership invite`), the person types `join <code>` to the
// bot where they work, and a coordinator approves or declines the request on a card. Codes are
// found by their hash alone, and every way a code can fail gets one answer, so trying codes
// teaches nothing. A workspace that removes the app gets nothing more, and the coordinators hear of it.
import type { Message } from "../messages/model.ts";
import { message, plainOf, textMessage } from "../messages/model.ts";
import type { Command } from "../commands/parse.ts";
import { t, tn, formatDate, type Key } from "../i18n/i18n.ts";
import { listMessage } from "../messages/build.ts";
import { hasRole } from "../policy.ts";
import { JOIN_ATTEMPTS_PER_HOUR, joinCodeHash, joinCodeRefusal, newJoinCode, normaliseJoinCode } from "../domain/join-codes.ts";
import { enqueueDeliveries, type OutboxItem } from "../outbox/outbox.ts";
import { z } from "zod";
import type { WorkspaceRef } from "../ports.ts";
import { UserError, type Context, type CoreContext, type MembershipRow, type PartnershipRow, type PersonRow, type Tx } from "./context.ts";

export const JoinPayload = z.object({ j: z.string().uuid() });
export const InviteForPayload = z.object({ m: z.string().uuid() });

const HOUR_MS = 3600_000;

export class Joining {
  constructor(readonly c: CoreContext) {}

  /** A new code for the partnership, with the sentence to pass on. The code is shown only here. */
  async invite(ctx: Context, p: PartnershipRow, m: MembershipRow, cmd: Extract<Command, { name: "partnership.invite" }>): Promise<Message> {
    const organisation = await this.c.partnerships.organisationNamed(p, cmd.org);
    const code = newJoinCode();
    const expiresAt = new Date(this.c.now().getTime() + cmd.days * 24 * HOUR_MS);
    const number = await this.c.db.$transaction(async (tx) => {
      await this.c.lockPartnership(tx, p.id);
      const last = await tx.joinCode.findFirst({ where: { partnershipId: p.id }, orderBy: { number: "desc" }, select: { number: true } });
      const number = (last?.number ?? 0) + 1;
      await tx.joinCode.create({
        data: { workspaceId: p.workspaceId, partnershipId: p.id, number, codeHash: joinCodeHash(normaliseJoinCode(code)!), organisationId: organisation?.id ?? null, roles: cmd.roles, maxUses: cmd.uses, expiresAt, createdById: m.id },
      });
      return number;
    });
    const lang = ctx.lang;
    const until = formatDate(lang, expiresAt, p.timeZone);
    // The sentence is in the partnership's language: it goes to people the coordinator knows, not the bot.
    const pass = p.language === "da" || p.language === "en" ? p.language : lang;
    return message(`${t(lang, "invite.made", { n: number, partnership: p.name })} ${code}`, [
      { type: "text", text: t(lang, "invite.made", { n: number, partnership: p.name }) },
      { type: "fields", fields: [
        { label: t(lang, "invite.code"), value: code },
        { label: t(lang, "invite.valid"), value: t(lang, "invite.valid-value", { date: until, n: cmd.uses }) },
        { label: t(lang, "invite.as"), value: [this.c.roleList(lang, cmd.roles), organisation?.name].filter(Boolean).join(" · ") },
      ] },
      { type: "text", text: t(lang, "invite.pass-on") },
      { type: "text", text: t(pass, "invite.sentence", { partnership: p.name, code, date: formatDate(pass, expiresAt, p.timeZone) }) },
      { type: "text", text: t(lang, "invite.note", { n: number }), muted: true },
    ]);
  }

  async list(ctx: Context, p: PartnershipRow): Promise<Message> {
    const codes = await this.c.db.joinCode.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id }, orderBy: { number: "asc" }, include: { _count: { select: { requests: { where: { status: "pending" } } } } } });
    const orgs = new Map((await this.c.db.organisation.findMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id }, select: { id: true, name: true } })).map((o) => [o.id, o.name]));
    const now = this.c.now();
    const lang = ctx.lang;
    return listMessage(
      t(lang, "invite.list", { partnership: p.name }),
      codes.map((code) => {
        const refusal = joinCodeRefusal(code, now);
        const state = refusal ? t(lang, `invite.state.${refusal}` as Key) : t(lang, "invite.state.open", { date: formatDate(lang, code.expiresAt, p.timeZone) });
        const who = [this.c.roleList(lang, code.roles), code.organisationId ? orgs.get(code.organisationId) : undefined].filter(Boolean).join(" · ");
        const waiting = code._count.requests ? ` · ${t(lang, "invite.waiting", { n: code._count.requests })}` : "";
        return `• #${code.number} ${who} · ${t(lang, "invite.used", { uses: code.uses, max: code.maxUses })} · ${state}${waiting}`;
      }),
      t(lang, "invite.none"),
    );
  }

  /** No one more can use it; requests already made wait for a decision as before. */
  async revoke(ctx: Context, p: PartnershipRow, number: number): Promise<Message> {
    const r = await this.c.db.joinCode.updateMany({ where: { workspaceId: p.workspaceId, partnershipId: p.id, number, revokedAt: null }, data: { revokedAt: this.c.now() } });
    if (r.count === 0) {
      const exists = await this.c.db.joinCode.count({ where: { partnershipId: p.id, number } });
      throw new UserError(exists ? "err.invite-revoked-already" : "err.no-such-invite", { n: number });
    }
    return textMessage(t(ctx.lang, "ok.invite-revoked", { n: number, partnership: p.name }));
  }

  /** `join <code>`, typed to the bot in the person's own workspace. */
  async join(ctx: Context, typed: string): Promise<Message> {
    const ws = ctx.actor.workspace;
    const workspaceKey = `${ws.platform}:${ws.externalId}`;
    const personKey = `${workspaceKey}:${ctx.actor.userId}`;
    const now = this.c.now();
    const since = new Date(now.getTime() - HOUR_MS);
    const [byPerson, byWorkspace] = await Promise.all([
      this.c.db.joinAttempt.count({ where: { personKey, at: { gt: since } } }),
      this.c.db.joinAttempt.count({ where: { workspaceKey, at: { gt: since } } }),
    ]);
    // Over the limit, nothing is looked up and nothing is recorded.
    if (byPerson >= JOIN_ATTEMPTS_PER_HOUR.person || byWorkspace >= JOIN_ATTEMPTS_PER_HOUR.workspace) throw new UserError("err.join-too-many");
    await this.c.db.joinAttempt.create({ data: { personKey, workspaceKey, at: now } });
    await this.c.db.joinAttempt.deleteMany({ where: { at: { lt: new Date(now.getTime() - 2 * HOUR_MS) } } });
    const normalised = normaliseJoinCode(typed);
    const code = normalised ? await this.c.db.joinCode.findUnique({ where: { codeHash: joinCodeHash(normalised) }, include: { partnership: true } }) : null;
    if (!code || joinCodeRefusal(code, now)) throw new UserError("err.join-code");
    const p = code.partnership;
    await this.c.store(ctx);
    const lang = this.c.langFor(ctx, p);
    const member = await this.c.db.membership.findUnique({ where: { partnershipId_personId: { partnershipId: p.id, personId: ctx.person.id } } });
    if (member && !member.removedAt) return textMessage(t(lang, "ok.join-member-already", { partnership: p.name }));
    const earlier = await this.c.db.joinRequest.findFirst({ where: { partnershipId: p.id, personId: ctx.person.id, OR: [{ status: "pending" }, { joinCodeId: code.id, status: "declined" }] } });
    if (earlier?.status === "pending") return textMessage(t(lang, "ok.join-waiting", { partnership: p.name }));
    // Declined once, the same code cannot ask again: a new code is the coordinators' to give.
    if (earlier) throw new UserError("err.join-declined", { partnership: p.name });
    const made = await this.c.db.$transaction(async (tx) => {
      // One use per person, counted as it is taken: two people on the last use cannot both have it.
      const taken = await tx.joinCode.updateMany({ where: { id: code.id, revokedAt: null, expiresAt: { gt: now }, uses: { lt: code.maxUses } }, data: { uses: { increment: 1 } } });
      if (taken.count === 0) return null;
      const request = await tx.joinRequest.upsert({
        where: { joinCodeId_personId: { joinCodeId: code.id, personId: ctx.person.id } },
        create: { workspaceId: p.workspaceId, partnershipId: p.id, joinCodeId: code.id, personId: ctx.person.id },
        update: { status: "pending", decidedAt: null, decidedById: null },
      });
      await this.askCoordinators(tx, p, request.id, code, ctx.person, ws.name ?? "", now);
      return request;
    });
    if (!made) throw new UserError("err.join-code");
    this.c.onEnqueue();
    return textMessage(t(lang, "ok.join-asked", { partnership: p.name }));
  }

  /** The card each coordinator gets, in their own workspace and language. */
  private async askCoordinators(tx: Tx, p: PartnershipRow, requestId: string, code: { number: number; roles: string[]; organisationId: string | null }, person: PersonRow, workspaceName: string, now: Date): Promise<void> {
    const coordinators = await tx.membership.findMany({ where: { partnershipId: p.id, removedAt: null, roles: { has: "coordinator" } }, include: { person: true } });
    const org = code.organisationId ? await tx.organisation.findFirst({ where: { id: code.organisationId }, select: { name: true } }) : null;
    const items: OutboxItem[] = [];
    for (const c of coordinators) {
      const address = await this.c.addresses.of(c.person, tx);
      if (!address) continue;
      const lang = this.c.langOfPerson(c.person, p);
      const who = person.displayName || t(lang, "join.someone");
      const text = t(lang, "join.asks", { person: who, workspace: workspaceName || t(lang, "join.their-workspace"), partnership: p.name, n: code.number, as: [this.c.roleList(lang, code.roles), org?.name].filter(Boolean).join(" · ") });
      const value = JSON.stringify({ j: requestId });
      items.push({
        workspaceId: p.workspaceId,
        ...address,
        message: message(text, [
          { type: "text", text },
          { type: "buttons", buttons: [
            { label: t(lang, "join.approve"), actionId: "join.approve", value, style: "primary" },
            { label: t(lang, "join.decline"), actionId: "join.decline", value, style: "danger" },
          ] },
        ]),
        lang,
        dedupeKey: `join-ask:${requestId}:${c.id}:${now.getTime()}`,
      });
    }
    await enqueueDeliveries(tx, items);
  }

  /**
   * Approve or Decline, pressed by a coordinator of the request's partnership. Anyone else's press,
   * a forged or replayed one included, changes nothing: that button no longer works.
   */
  async decide(ctx: Context, requestId: string, approve: boolean): Promise<Message> {
    const request = await this.c.db.joinRequest.findUnique({ where: { id: requestId }, include: { partnership: true, person: true, joinCode: true } });
    if (!request) throw new UserError("err.bad-button");
    const p = request.partnership;
    const mine = await this.c.db.membership.findUnique({ where: { partnershipId_personId: { partnershipId: p.id, personId: ctx.person.id } } });
    if (!hasRole(mine, "coordinator")) throw new UserError("err.bad-button");
    const lang = this.c.langFor(ctx, p);
    const who = request.person.displayName || t(lang, "join.someone");
    const now = this.c.now();
    const decided = await this.c.db.$transaction(async (tx) => {
      const r = await tx.joinRequest.updateMany({ where: { id: request.id, status: "pending" }, data: { status: approve ? "approved" : "declined", decidedById: mine!.id, decidedAt: now } });
      if (r.count === 0) return false;
      if (approve) {
        const roles = request.joinCode.roles;
        const organisationId = request.joinCode.organisationId;
        await tx.membership.upsert({
          where: { partnershipId_personId: { partnershipId: p.id, personId: request.personId } },
          create: { workspaceId: p.workspaceId, partnershipId: p.id, personId: request.personId, organisationId, roles },
          update: { roles, organisationId, removedAt: null },
        });
      }
      const address = await this.c.addresses.of(request.person, tx);
      const theirs = this.c.langOfPerson(request.person, p);
      if (address)
        await enqueueDeliveries(tx, [{
          workspaceId: p.workspaceId,
          ...address,
          message: textMessage(t(theirs, approve ? "join.approved-you" : "join.declined-you", { partnership: p.name, roles: this.c.roleList(theirs, request.joinCode.roles) })),
          lang: theirs,
          dedupeKey: `join-outcome:${request.id}:${now.getTime()}`,
        }]);
      return true;
    });
    if (!decided) {
      const status = (await this.c.db.joinRequest.findUniqueOrThrow({ where: { id: request.id } })).status;
      return textMessage(t(lang, status === "approved" ? "join.was-approved" : "join.was-declined", { person: who, partnership: p.name }));
    }
    this.c.onEnqueue();
    return textMessage(tn(lang, approve ? "join.you-approved" : "join.you-declined", { person: who, partnership: p.name }));
  }

  /**
   * The app was uninstalled from a workspace, or removed from a tenant: nothing more is sent there
   * (what waits in the outbox is dropped), and each coordinator elsewhere of a partnership with
   * members there is told. Returns how many partnerships had members there.
   */
  async workspaceRemoved(ref: WorkspaceRef): Promise<number> {
    const ws = await this.c.db.workspace.findUnique({ where: { platform_externalId: { platform: ref.platform, externalId: ref.externalId } } });
    if (!ws || ws.removedAt) return 0;
    const now = this.c.now();
    const affected = await this.c.db.membership.groupBy({ by: ["partnershipId"], where: { removedAt: null, person: { workspaceId: ws.id } }, _count: { _all: true } });
    const partnerships = await this.c.db.partnership.findMany({ where: { id: { in: affected.map((a) => a.partnershipId) } } });
    const coordinators = await this.c.db.membership.findMany({ where: { partnershipId: { in: partnerships.map((p) => p.id) }, removedAt: null, roles: { has: "coordinator" }, person: { workspaceId: { not: ws.id } } }, include: { person: true } });
    const name = ws.name || ref.name || ref.externalId;
    await this.c.db.$transaction(async (tx) => {
      const claimed = await tx.workspace.updateMany({ where: { id: ws.id, removedAt: null }, data: { removedAt: now } });
      if (claimed.count === 0) return;
      // Lanes are "<platform>:<workspace>:<conversation>" (src/outbox/outbox.ts).
      await tx.$executeRaw`
        UPDATE "Job" SET status = 'skipped', outcome = 'the workspace removed the app', "finishedAt" = ${now}
        WHERE kind = 'deliver' AND status = 'pending' AND starts_with(lane, ${`${ref.platform}:${ref.externalId}:`})`;
      this.c.addresses.forget(ws.id);
      const items: OutboxItem[] = [];
      for (const c of coordinators) {
        const p = partnerships.find((x) => x.id === c.partnershipId)!;
        const address = await this.c.addresses.of(c.person, tx);
        if (!address) continue;
        const lang = this.c.langOfPerson(c.person, p);
        const n = affected.find((a) => a.partnershipId === p.id)!._count._all;
        items.push({ workspaceId: p.workspaceId, ...address, message: textMessage(t(lang, "workspace.removed", { workspace: name, partnership: p.name, n })), lang, dedupeKey: `workspace-removed:${ws.id}:${now.getTime()}:${c.id}` });
      }
      await enqueueDeliveries(tx, items);
    });
    this.c.addresses.forget(ws.id);
    this.c.onEnqueue();
    return partnerships.length;
  }

  /** The app is installed there again: delivery there resumes. */
  async workspaceRestored(ref: WorkspaceRef): Promise<void> {
    const r = await this.c.db.workspace.updateMany({ where: { platform: ref.platform, externalId: ref.externalId, removedAt: { not: null } }, data: { removedAt: null } });
    if (r.count) for (const w of await this.c.db.workspace.findMany({ where: { platform: ref.platform, externalId: ref.externalId } })) this.c.addresses.forget(w.id);
  }

  /**
   * A person added by mention from a shared channel, whom the platform will not let the bot write
   * to from here (they work in another organisation's workspace): each coordinator of each of
   * their partnerships hears so, once, with a button that makes an invitation for them.
   */
  async personElsewhere(to: { workspace: WorkspaceRef; userId: string }): Promise<void> {
    const ws = await this.c.workspaceOf(to.workspace);
    const person = ws ? await this.c.db.person.findUnique({ where: { workspaceId_platformUserId: { workspaceId: ws.id, platformUserId: to.userId } } }) : null;
    if (!person) return;
    const memberships = await this.c.db.membership.findMany({ where: { personId: person.id, removedAt: null }, include: { partnership: true } });
    const items: OutboxItem[] = [];
    for (const m of memberships) {
      const p = m.partnership;
      const coordinators = await this.c.db.membership.findMany({ where: { partnershipId: p.id, removedAt: null, roles: { has: "coordinator" }, personId: { not: person.id } }, include: { person: true } });
      for (const c of coordinators) {
        const address = await this.c.addresses.of(c.person);
        if (!address) continue;
        const lang = this.c.langOfPerson(c.person, p);
        const text = tn(lang, "join.elsewhere", { person: this.c.personLabel(person), partnership: p.name });
        items.push({
          workspaceId: p.workspaceId,
          ...address,
          message: message(plainOf(text), [{ type: "text", text }, { type: "buttons", buttons: [{ label: t(lang, "join.make-invite"), actionId: "invite.make", value: JSON.stringify({ m: m.id }), style: "primary" }] }]),
          lang,
          dedupeKey: `elsewhere:${m.id}:${c.id}`,
        });
      }
    }
    await enqueueDeliveries(this.c.db, items);
    this.c.onEnqueue();
  }
}
