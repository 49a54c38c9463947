// Teams as the courier sees it: one delivery at a time, to a person (their 1:1 chat with the bot),
// a channel, or a card sent earlier. Pacing is the courier's; this port declares Teams' limits and
// turns Teams' answers into the courier's errors.
import type { ChatPort, Delivery, MessageRef, PlatformLimits, WorkspaceRef } from "../../src/ports.ts";
import type { Capabilities } from "../../src/ports.ts";
import { PermanentDeliveryError } from "../../src/ports.ts";
import { langFromLocale } from "../../src/i18n/i18n.ts";
import { renderCard, cardActivity, mentionedIds, type FileLinks } from "./cards.ts";
import type { ConversationStore, StoredReference } from "./store.ts";
import { classify, type Sender } from "./send.ts";

/**
 * Per conversation (Teams' "per bot per thread" limits: 7 in 1 s, 8 in 2 s, 60 in 30 s, 1,800 in
 * an hour) and per tenant (Microsoft documents 50 requests a second per app and tenant; we take 30,
 * to stay clear of it as it changes): one send every 36 ms, under 28 a second, which leaves room
 * for replies to people's commands (not paced). Evenly spaced, not in bursts of a second's worth:
 * a burst takes a busy process most of a second to get out, and its tail then meets the next one's
 * head at Teams.
 */
export const TEAMS_LIMITS: PlatformLimits = {
  perConversation: [
    { count: 7, perMs: 1_000 },
    { count: 8, perMs: 2_000 },
    { count: 60, perMs: 30_000 },
    { count: 1_800, perMs: 3_600_000 },
  ],
  perWorkspace: [{ count: 1, perMs: 36 }],
};

export const NO_CONVERSATION = "no conversation with this user yet: install the app for them";

/**
 * A bot in Teams cannot answer one person inside a channel (it answers in the private chat), has
 * no Home view or dialog of ours, and hands files over as a link or in the card.
 */
export const TEAMS_CAPABILITIES: Capabilities = { ephemeral: false, modals: false, files: true, home: false, images: false };

export class TeamsPort implements ChatPort {
  readonly platform = "teams" as const;
  readonly limits = TEAMS_LIMITS;
  readonly capabilities: Capabilities = TEAMS_CAPABILITIES;

  constructor(
    private readonly store: ConversationStore,
    private readonly sender: Sender,
    /** download links for files; without it files are shown in the card */
    private readonly files?: FileLinks,
  ) {}

  async deliver(delivery: Delivery): Promise<MessageRef | null> {
    const tenantId = delivery.workspace.externalId;
    const { to } = delivery;
    if (to.kind === "user") {
      const record = await this.store.user(tenantId, to.userId);
      let reference = record?.personal ?? null;
      if (!reference) {
        const team = record?.teamId ? await this.store.team(tenantId, record.teamId) : null;
        if (!record || !team) throw new PermanentDeliveryError(NO_CONVERSATION);
        try {
          reference = await this.sender.openPersonal(team, tenantId, record.user);
        } catch (e) {
          throw classify(e, "opening a chat with the user");
        }
        // Next time (on any instance) the chat is known.
        await this.store.rememberUser(tenantId, { user: record.user, personal: reference }, true);
        await this.store.rememberConversation(tenantId, reference);
      }
      return this.post(tenantId, reference, delivery, langFromLocale(record?.locale) ?? "en");
    }
    if (to.kind === "channel") {
      const reference = await this.sharedConversation(tenantId, to.channelId);
      if (!reference) throw new PermanentDeliveryError(`no conversation in channel ${to.channelId} yet: mention @Partnerpuls there once, or add the app to its team`);
      return this.post(tenantId, reference, delivery, "en");
    }
    const reference = (await this.store.conversation(tenantId, to.ref.conversationId)) ?? (await this.store.anyReference(tenantId));
    if (!reference) throw new PermanentDeliveryError(`no conversation ${to.ref.conversationId} known in tenant ${tenantId}`);
    const target: StoredReference = { ...reference, conversation: { ...reference.conversation, id: to.ref.conversationId } };
    const activity = cardActivity(await this.render(tenantId, delivery, "en"));
    try {
      await this.sender.update(target, to.ref.messageId, activity);
    } catch (e) {
      throw classify(e, "updating a message");
    }
    return to.ref;
  }

  /** A channel of a team, or a group or meeting chat the bot has been in: where the core says "channel". */
  private async sharedConversation(tenantId: string, channelId: string): Promise<StoredReference | null> {
    return (await this.store.channel(tenantId, channelId))?.reference ?? (await this.store.conversation(tenantId, channelId));
  }

  /** Who is in a channel or chat (a meeting's agenda goes by DM to participants who are not); null when Teams will not say. */
  async conversationMembers(workspace: WorkspaceRef, channelId: string): Promise<string[] | null> {
    const reference = await this.sharedConversation(workspace.externalId, channelId);
    if (!reference) return null;
    try {
      return await this.sender.members(reference);
    } catch {
      return null;
    }
  }

  private async render(tenantId: string, delivery: Delivery, lang: "en" | "da") {
    const ids = mentionedIds(delivery.message);
    const names = await this.store.names(tenantId, ids.users, ids.channels);
    // A file is for the person it is delivered to; in a channel it belongs to nobody in particular.
    const downloads = await this.files?.(tenantId, delivery.to.kind === "user" ? delivery.to.userId : null, delivery.message);
    return renderCard(delivery.message, { lang, names, ...(downloads ? { downloads } : {}) });
  }

  private async post(tenantId: string, reference: StoredReference, delivery: Delivery, lang: "en" | "da"): Promise<MessageRef> {
    const activity = cardActivity(await this.render(tenantId, delivery, lang));
    let messageId: string;
    try {
      messageId = await this.sender.post(reference, activity);
    } catch (e) {
      throw classify(e, `sending to ${delivery.to.kind === "user" ? "a user" : "a channel"}`);
    }
    // Bots cannot read a 1:1 chat's history through the connector, so a crash cannot be checked
    // afterwards; instead where it landed is recorded at once (the courier's own small commit),
    // which leaves only the moment between Teams accepting it and that commit to repeat it.
    await delivery.landed?.({ conversationId: reference.conversation.id, messageId });
    // The message has landed: a failure to remember the conversation must not make the courier send
    // it again (the card could then not be replaced, which is the lesser harm).
    await this.store.rememberConversation(tenantId, reference).catch((e: unknown) => console.warn(`partnerpuls teams: could not store a conversation reference: ${e instanceof Error ? e.message : String(e)}`));
    return { conversationId: reference.conversation.id, messageId };
  }
}
