// Conversation references in the database (TeamsConversation), so that any instance can message a
// person or a channel later, long after the request that taught us where they are.
//
// Keys, per tenant:
//   user:<aadObjectId>      the person: their 29: id, name, locale, their 1:1 conversation if
//                           known, and a team they are in (to open a 1:1 when there is none)
//   account:<29:id>         the way back from a 29: id (what mentions carry) to the aadObjectId
//   channel:<channelId>     a channel or group chat, as a reference to post new messages to
//   team:<teamId>           a team the bot is installed in (its bot account and serviceUrl)
//   conversation:<id>       any conversation we wrote to, to update a card in it later
import { randomUUID } from "node:crypto";
import type { PlatformStore } from "../../src/ports.ts";
import type { PrismaClient } from "../../src/generated/prisma/client.ts";

/** A Bot Framework conversation reference, as JSON (botbuilder's ConversationReference shape). */
export interface StoredReference {
  channelId: string;
  serviceUrl: string;
  bot: { id: string; name?: string };
  conversation: { id: string; conversationType?: string; tenantId?: string; isGroup?: boolean; name?: string };
  user?: { id: string; name?: string; aadObjectId?: string };
  locale?: string;
}

export interface UserRecord {
  user: { id: string; aadObjectId: string; name?: string };
  locale?: string;
  /** the 1:1 conversation with the bot; null after the person uninstalled the app */
  personal?: StoredReference | null;
  /** a team both the bot and the person are in: a 1:1 can be opened through it */
  teamId?: string;
}

export interface AccountRecord {
  aadObjectId: string;
  name?: string;
}

export interface ChannelRecord {
  reference: StoredReference;
  name?: string;
  teamId?: string;
}

/** Erasing a person: their conversation with the bot goes; references to channels forget who last wrote there. */
export const TEAMS_PEOPLE: PlatformStore = {
  async forgetPerson(tx, tenantId, userId) {
    await tx.$executeRaw`DELETE FROM "TeamsConversation" WHERE "tenantId" = ${tenantId} AND (key = ${`user:${userId}`} OR strpos(reference::text, ${userId}) > 0) AND key NOT LIKE 'channel:%' AND key NOT LIKE 'team:%'`;
    await tx.$executeRaw`UPDATE "TeamsConversation" SET reference = reference - 'user' WHERE "tenantId" = ${tenantId} AND strpos(reference::text, ${userId}) > 0`;
  },
};

export class ConversationStore {
  /**
   * What this instance last wrote per key, and when: every message re-states where its sender is,
   * and an unchanged fact is not written again for a while (another instance may have changed
   * the row since, so the memory is short, and installation events always write).
   */
  private readonly written = new Map<string, { json: string; at: number }>();
  static readonly REWRITE_AFTER_MS = 5 * 60_000;

  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Merges `patch` into the row's JSON (top-level keys), atomically: two instances learning
   * different facts about one person at once both keep theirs.
   */
  async merge(tenantId: string, key: string, patch: object, force = false): Promise<void> {
    const json = JSON.stringify(patch);
    const cacheKey = `${tenantId}\u0000${key}`;
    const last = this.written.get(cacheKey);
    if (!force && last && last.json === json && Date.now() - last.at < ConversationStore.REWRITE_AFTER_MS) return;
    await this.prisma.$executeRaw`
      INSERT INTO "TeamsConversation" ("id", "tenantId", "key", "reference", "createdAt", "updatedAt")
      VALUES (${randomUUID()}, ${tenantId}, ${key}, ${json}::jsonb, now(), now())
      ON CONFLICT ("tenantId", "key") DO UPDATE
        SET "reference" = "TeamsConversation"."reference" || EXCLUDED."reference", "updatedAt" = now()`;
    if (this.written.size > 10_000) this.written.clear();
    this.written.set(cacheKey, { json, at: Date.now() });
  }

  private async get<T>(tenantId: string, key: string): Promise<T | null> {
    const row = await this.prisma.teamsConversation.findUnique({ where: { tenantId_key: { tenantId, key } } });
    return (row?.reference as T | undefined) ?? null;
  }

  user(tenantId: string, aadObjectId: string) {
    return this.get<UserRecord>(tenantId, `user:${aadObjectId}`);
  }
  account(tenantId: string, id: string) {
    return this.get<AccountRecord>(tenantId, `account:${id}`);
  }
  channel(tenantId: string, channelId: string) {
    return this.get<ChannelRecord>(tenantId, `channel:${channelId}`);
  }
  team(tenantId: string, teamId: string) {
    return this.get<StoredReference>(tenantId, `team:${teamId}`);
  }
  conversation(tenantId: string, conversationId: string) {
    return this.get<StoredReference>(tenantId, `conversation:${conversationId}`);
  }

  /** Any reference in the tenant: its serviceUrl and bot account are the tenant's. */
  async anyReference(tenantId: string): Promise<StoredReference | null> {
    const row = await this.prisma.teamsConversation.findFirst({ where: { tenantId, key: { startsWith: "conversation:" } }, orderBy: { updatedAt: "desc" } });
    return (row?.reference as StoredReference | undefined) ?? null;
  }

  async rememberUser(tenantId: string, record: Partial<UserRecord> & Pick<UserRecord, "user">, force = false): Promise<void> {
    const { user } = record;
    const clean = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
    await this.merge(tenantId, `user:${user.aadObjectId}`, clean, force);
    await this.merge(tenantId, `account:${user.id}`, { aadObjectId: user.aadObjectId, ...(user.name ? { name: user.name } : {}) } satisfies AccountRecord);
  }

  async rememberChannel(tenantId: string, channelId: string, record: ChannelRecord, force = false): Promise<void> {
    await this.merge(tenantId, `channel:${channelId}`, Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)), force);
  }

  async rememberTeam(tenantId: string, teamId: string, reference: StoredReference, force = false): Promise<void> {
    await this.merge(tenantId, `team:${teamId}`, reference, force);
  }

  async rememberConversation(tenantId: string, reference: StoredReference): Promise<void> {
    await this.merge(tenantId, `conversation:${reference.conversation.id}`, reference);
  }

  /** The app was removed from a team (its channels go too) or a group chat: nothing is posted there any more. */
  async forgetInstall(tenantId: string, teamId: string | null, channelId: string): Promise<void> {
    await this.prisma.$executeRaw`
      DELETE FROM "TeamsConversation" WHERE "tenantId" = ${tenantId}
        AND (key = ${`channel:${channelId}`} OR (${teamId}::text IS NOT NULL AND (key = ${`team:${teamId}`} OR (key LIKE 'channel:%' AND reference->>'teamId' = ${teamId}))))`;
    this.written.clear();
  }

  /** Whether the app is installed anywhere in the tenant: a team, a group chat, or someone's own chat with the bot. */
  async installedAnywhere(tenantId: string): Promise<boolean> {
    const [row] = await this.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM "TeamsConversation" WHERE "tenantId" = ${tenantId}
        AND (key LIKE 'team:%' OR key LIKE 'channel:%' OR (key LIKE 'user:%' AND jsonb_typeof(reference->'personal') = 'object'))`;
    return Number(row?.n ?? 0) > 0;
  }

  /** Display names for people (by aadObjectId) and channels (by id), for rendering mentions. */
  async names(tenantId: string, users: string[], channels: string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    if (users.length + channels.length === 0) return names;
    const rows = await this.prisma.teamsConversation.findMany({
      where: { tenantId, key: { in: [...users.map((u) => `user:${u}`), ...channels.map((c) => `channel:${c}`)] } },
    });
    for (const r of rows) {
      const ref = r.reference as Partial<UserRecord & ChannelRecord>;
      if (r.key.startsWith("user:") && ref.user?.name) names.set(r.key.slice(5), ref.user.name);
      if (r.key.startsWith("channel:") && ref.name) names.set(r.key.slice(8), ref.name);
    }
    return names;
  }
}
