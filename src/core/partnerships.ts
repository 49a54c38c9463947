// Partnerships and their members: creating one, organisations, members and their roles, and the
// settings.
import type { Message } from "../messages/model.ts";
import { textMessage, joinNodes } from "../messages/model.ts";
import { type Command } from "../commands/parse.ts";
import { t, tn, type Key } from "../i18n/i18n.ts";
import { MINIMUM_N_FLOOR } from "../results/release.ts";
import { listMessage } from "../messages/build.ts";
import { nameKey } from "../domain/names.ts";
import { UserError, type PartnershipRow, type Context, type CoreContext } from "./context.ts";

export class Partnerships {
  constructor(readonly c: CoreContext) {}

  async createPartnership(ctx: Context, cmd: Extract<Command, { name: "partnership.create" }>): Promise<Message> {
    const exists = await this.c.db.partnership.findFirst({ where: { workspaceId: ctx.workspaceId, nameKey: nameKey(cmd.title) } });
    if (exists) throw new UserError("err.partnership-exists", { name: cmd.title });
    if (cmd.channel) await this.assertChannelFree(ctx.workspaceId, cmd.channel, null);
    await this.c.store(ctx);
    // The configured default unless `language=` says otherwise: not the creator's own language,
    // which their partners need not share (each person reads in their own anyway).
    const language = cmd.language ?? this.c.defaultLanguage;
    const p = await this.c.db.$transaction(async (tx) => {
      const p = await tx.partnership.create({
        data: {
          workspaceId: ctx.workspaceId,
          name: cmd.title,
          nameKey: nameKey(cmd.title),
          purpose: cmd.purpose ?? "",
          language,
          timeZone: cmd.timezone ?? this.c.defaultTimeZone,
          anonymity: cmd.anonymity ?? "confidential",
          // Typed in a DM, there is no channel for digests: they go to the steering members by DM until one is set.
          homeChannel: cmd.channel ?? (ctx.actor.conversation === "channel" ? ctx.actor.channelId ?? null : null),
        },
      });
      await tx.membership.create({ data: { workspaceId: ctx.workspaceId, partnershipId: p.id, personId: ctx.person.id, roles: ["coordinator"] } });
      return p;
    });
    const lang = this.c.langFor(ctx, p);
    const created = t(lang, "ok.partnership-created", { name: p.name, anonymity: t(lang, `anonymity.${p.anonymity}` as Key), tz: p.timeZone, lang: t(lang, `lang.${p.language}` as Key) });
    return textMessage(p.homeChannel ? created : `${created} ${t(lang, "ok.partnership-no-channel")}`);
  }


  async assertChannelFree(workspaceId: string, channel: string, exceptId: string | null) {
    const taken = await this.c.db.partnership.findFirst({ where: { workspaceId, homeChannel: channel, ...(exceptId ? { id: { not: exceptId } } : {}) } });
    if (taken) throw new UserError("err.channel-taken", { channel, partnership: taken.name });
  }


  async listPartnerships(ctx: Context): Promise<Message> {
    const ms = await this.c.db.membership.findMany({ where: { personId: ctx.person.id, removedAt: null }, include: { partnership: true } });
    return listMessage(
      t(ctx.lang, "list.partnerships"),
      ms.map((m) => `• ${m.partnership.name} (${this.c.roleList(ctx.lang, m.roles)})`),
      t(ctx.lang, "home.no-partnerships"),
    );
  }


  async addPurpose(ctx: Context, p: PartnershipRow, text: string): Promise<Message> {
    await this.c.db.partnership.update({ where: { id: p.id }, data: { purposes: { push: text } } });
    return textMessage(t(ctx.lang, "ok.purpose-added", { n: p.purposes.length + 1, text }));
  }

  async listOrganisations(ctx: Context, p: PartnershipRow): Promise<Message> {
    const orgs = await this.c.db.organisation.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id }, orderBy: { name: "asc" } });
    return listMessage(t(ctx.lang, "list.orgs", { partnership: p.name }), orgs.map((o) => `• ${o.name} (${t(ctx.lang, `sector.${o.sector}` as Key)})`), t(ctx.lang, "list.no-orgs"));
  }

  async addOrganisation(ctx: Context, p: PartnershipRow, name: string, sector: string): Promise<Message> {
    const exists = await this.c.db.organisation.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, nameKey: nameKey(name) } });
    if (exists) throw new UserError("err.org-exists", { name: exists.name });
    await this.c.db.organisation.create({ data: { workspaceId: ctx.workspaceId, partnershipId: p.id, name, nameKey: nameKey(name), sector } });
    return textMessage(t(ctx.lang, "ok.org-added", { name, sector: t(ctx.lang, `sector.${sector}` as Key), partnership: p.name }));
  }


  /** The partnership's organisation a command names (`org="…"`), none if it names none; an unknown one is refused. */
  async organisationNamed(p: PartnershipRow, name: string | undefined): Promise<{ id: string; name: string } | null> {
    if (name === undefined) return null;
    const org = await this.c.db.organisation.findFirst({ where: { workspaceId: p.workspaceId, partnershipId: p.id, nameKey: nameKey(name) }, select: { id: true, name: true } });
    if (!org) throw new UserError("err.unknown-org", { name }, "org.add");
    return org;
  }

  async addMember(ctx: Context, p: PartnershipRow, userId: string, orgName: string | undefined, roles: string[]): Promise<Message> {
    const organisationId = (await this.organisationNamed(p, orgName))?.id ?? null;
    // The person named is in the coordinator's own workspace, where the mention was typed.
    const home = ctx.person.workspaceId;
    const person = await this.c.db.person.upsert({
      where: { workspaceId_platformUserId: { workspaceId: home, platformUserId: userId } },
      create: { workspaceId: home, platformUserId: userId },
      update: {},
    });
    const existing = await this.c.db.membership.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, personId: person.id } });
    if (existing && !existing.removedAt) {
      await this.c.db.membership.update({ where: { id: existing.id }, data: { roles, ...(organisationId ? { organisationId } : {}) } });
    } else if (existing) {
      await this.c.db.membership.update({ where: { id: existing.id }, data: { roles, organisationId, removedAt: null } });
    } else {
      await this.c.db.membership.create({ data: { workspaceId: ctx.workspaceId, partnershipId: p.id, personId: person.id, organisationId, roles } });
    }
    const roleText = this.c.roleList(ctx.lang, roles);
    return textMessage(tn(ctx.lang, existing && !existing.removedAt ? "ok.member-updated" : "ok.member-added", { person: this.c.mention(userId), roles: roleText, partnership: p.name }));
  }


  async removeMember(ctx: Context, p: PartnershipRow, userId: string): Promise<Message> {
    const m = await this.c.db.membership.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, removedAt: null, person: { platformUserId: userId } } });
    if (!m) throw new UserError("err.not-a-member", { person: this.c.mention(userId), partnership: p.name });
    if (m.roles.includes("coordinator")) {
      const coordinators = await this.c.db.membership.count({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, removedAt: null, roles: { has: "coordinator" } } });
      if (coordinators <= 1) throw new UserError("err.last-coordinator");
    }
    // Kept as removed, not deleted: their answers stay in earlier rounds' aggregates.
    await this.c.db.membership.update({ where: { id: m.id }, data: { removedAt: this.c.now() } });
    return textMessage(tn(ctx.lang, "ok.member-removed", { person: this.c.mention(userId), partnership: p.name }));
  }


  async listMembers(ctx: Context, p: PartnershipRow): Promise<Message> {
    const ms = await this.c.db.membership.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, removedAt: null }, include: { person: true, organisation: true }, orderBy: { createdAt: "asc" } });
    return listMessage(
      t(ctx.lang, "list.members", { partnership: p.name, n: ms.length }),
      ms.map((m) => joinNodes("• ", this.c.personLabel(m.person), `${m.organisation ? ` — ${m.organisation.name}` : ""} (${this.c.roleList(ctx.lang, m.roles)})`)),
      t(ctx.lang, "list.no-members"),
    );
  }



  async changeSetting(ctx: Context, p: PartnershipRow, s: Extract<Command, { name: "set" }>["setting"]): Promise<Message> {
    switch (s.key) {
      case "language":
        await this.c.db.partnership.update({ where: { id: p.id }, data: { language: s.value } });
        return textMessage(t(s.value, "ok.partnership-language", { partnership: p.name, lang: t(s.value, `lang.${s.value}`) }));
      case "timezone":
        await this.c.db.partnership.update({ where: { id: p.id }, data: { timeZone: s.value } });
        return textMessage(t(ctx.lang, "ok.setting", { setting: t(ctx.lang, "setting.timezone"), value: s.value }));
      case "anonymity":
        await this.c.db.partnership.update({ where: { id: p.id }, data: { anonymity: s.value } });
        return this.settingForNextRound(ctx, p, t(ctx.lang, "setting.anonymity"), t(ctx.lang, `anonymity.${s.value}`));
      case "minimum-n":
        if (s.value < MINIMUM_N_FLOOR) throw new UserError("err.minimum-n-floor", { n: MINIMUM_N_FLOOR }, "set");
        await this.c.db.partnership.update({ where: { id: p.id }, data: { minimumN: s.value } });
        return this.settingForNextRound(ctx, p, t(ctx.lang, "setting.minimum-n"), String(s.value));
      case "channel":
        await this.assertChannelFree(ctx.workspaceId, s.value, p.id);
        await this.c.db.partnership.update({ where: { id: p.id }, data: { homeChannel: s.value } });
        return textMessage(tn(ctx.lang, "ok.setting", { setting: t(ctx.lang, "setting.channel"), value: { t: "channel", id: s.value } }));
      case "purpose":
        await this.c.db.partnership.update({ where: { id: p.id }, data: { purpose: s.value } });
        return textMessage(t(ctx.lang, "ok.setting", { setting: t(ctx.lang, "setting.purpose"), value: s.value }));
      case "quiet":
        await this.c.db.partnership.update({ where: { id: p.id }, data: { quietFrom: s.from, quietTo: s.to } });
        return textMessage(t(ctx.lang, "ok.setting", { setting: t(ctx.lang, "setting.quiet"), value: s.from === s.to ? t(ctx.lang, "value.none") : `${String(s.from).padStart(2, "0")}:00–${String(s.to).padStart(2, "0")}:00` }));
      case "quiet-weekends":
        await this.c.db.partnership.update({ where: { id: p.id }, data: { quietWeekends: s.value } });
        return textMessage(t(ctx.lang, "ok.setting", { setting: t(ctx.lang, "setting.quiet-weekends"), value: t(ctx.lang, s.value ? "value.on" : "value.off") }));
      case "by-sector":
        await this.c.db.partnership.update({ where: { id: p.id }, data: { digestBySector: s.value } });
        return textMessage(t(ctx.lang, "ok.setting", { setting: t(ctx.lang, "setting.by-sector"), value: t(ctx.lang, s.value ? "value.on" : "value.off") }));
      case "nudges":
        // Applies to rounds opened from now on; a running round keeps the nudges it was given.
        await this.c.db.partnership.update({ where: { id: p.id }, data: { nudgeAt: s.value } });
        return textMessage(t(ctx.lang, "ok.setting", { setting: t(ctx.lang, "setting.nudges"), value: s.value.length ? s.value.map((x) => `${x} %`).join(", ") : t(ctx.lang, "value.none") }));
    }
  }


  /** Anonymity and minimum-n are fixed when a round opens: say so when one is open. */
  async settingForNextRound(ctx: Context, p: PartnershipRow, setting: string, value: string): Promise<Message> {
    const open = await this.c.db.round.findFirst({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id, closedAt: null }, orderBy: { number: "desc" } });
    const text = t(ctx.lang, "ok.setting", { setting, value });
    return textMessage(open ? `${text} ${t(ctx.lang, "ok.setting-next-round", { n: open.number })}` : text);
  }

}
