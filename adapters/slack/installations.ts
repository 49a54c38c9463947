// Slack installations from the OAuth flow (many-workspace mode), kept in the SlackInstallation
// table so every instance sharing the database can act for every workspace. Implements Bolt's
// InstallationStore; the delivery port reads bot tokens from it too.
import type { Installation, InstallationQuery, InstallationStore } from "@slack/bolt";
import type { PlatformStore } from "../../src/ports.ts";
import type { PrismaClient } from "../../src/generated/prisma/client.ts";
import type { SlackTokens } from "./port.ts";

/** "<enterpriseId or ->:<teamId or ->": an org-wide install has no team, a plain one no enterprise. */
export function installationKey(enterpriseId: string | undefined | null, teamId: string | undefined | null): string {
  return `${enterpriseId || "-"}:${teamId || "-"}`;
}

const CACHE_MS = 60_000;

/** Erasing a person: an installation they made forgets its installer. */
export const SLACK_PEOPLE: PlatformStore = {
  async forgetPerson(tx, teamId, userId) {
    await tx.$executeRaw`UPDATE "SlackInstallation" SET installation = jsonb_set(installation, '{user}', '{"id": "erased"}'::jsonb) WHERE "teamId" = ${teamId} AND strpos(installation->'user'->>'id', ${userId}) > 0`;
  },
};

export class PrismaInstallationStore implements InstallationStore, SlackTokens {
  /** Bot tokens by team, briefly: every button press asks, and the answer rarely changes. */
  private readonly cache = new Map<string, { at: number; installation: Installation | null }>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly now: () => number = Date.now,
    /** told of each workspace installed (again), so delivery there resumes */
    private readonly installed: (teamId: string) => Promise<void> = async () => {},
  ) {}

  async storeInstallation(installation: Installation): Promise<void> {
    const enterpriseId = installation.enterprise?.id ?? null;
    const teamId = installation.isEnterpriseInstall ? null : (installation.team?.id ?? null);
    const botToken = installation.bot?.token;
    if (!botToken) throw new Error("a Partnerpuls installation needs a bot token (the bot scopes were not granted)");
    const key = installationKey(enterpriseId, teamId);
    const data = { teamId, enterpriseId, botUserId: installation.bot?.userId ?? null, botToken, installation: installation as object };
    await this.prisma.slackInstallation.upsert({ where: { key }, create: { key, ...data }, update: data });
    this.cache.clear();
    if (teamId) await this.installed(teamId);
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation> {
    const found = await this.find(query.isEnterpriseInstall ? undefined : query.teamId, query.enterpriseId);
    if (!found) throw new Error(`no Slack installation for ${installationKey(query.enterpriseId, query.teamId)}`);
    return found;
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    const key = installationKey(query.enterpriseId, query.isEnterpriseInstall ? undefined : query.teamId);
    await this.prisma.slackInstallation.deleteMany({ where: { key } });
    this.cache.clear();
  }

  async botToken(teamId: string): Promise<string | null> {
    return (await this.find(teamId, undefined))?.bot?.token ?? null;
  }

  /** The team's own installation, else its enterprise's org-wide one. */
  private async find(teamId: string | undefined, enterpriseId: string | undefined): Promise<Installation | null> {
    const cacheKey = installationKey(enterpriseId, teamId);
    const hit = this.cache.get(cacheKey);
    // "Not installed" is remembered only briefly: another instance may be storing it right now.
    if (hit && this.now() - hit.at < (hit.installation ? CACHE_MS : 5_000)) return hit.installation;
    let row = await this.prisma.slackInstallation.findUnique({ where: { key: cacheKey } });
    if (!row && teamId) row = await this.prisma.slackInstallation.findFirst({ where: { teamId }, orderBy: { updatedAt: "desc" } });
    if (!row && enterpriseId) row = await this.prisma.slackInstallation.findUnique({ where: { key: installationKey(enterpriseId, null) } });
    const installation = row ? (row.installation as unknown as Installation) : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(cacheKey, { at: this.now(), installation });
    return installation;
  }
}
