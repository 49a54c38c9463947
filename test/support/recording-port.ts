// A platform that only records what it was asked to deliver, behind the real courier and outbox.
import type { PrismaClient } from "../../src/generated/prisma/client.ts";
import { TEXT_ONLY } from "../../src/ports.ts";
import { Partnerpuls, type CoreOptions } from "../../src/core.ts";
import { Courier } from "../../src/outbox/courier.ts";
import type { ChatPort, Delivery, MessageRef, WorkspaceRef } from "../../src/ports.ts";
import type { Message } from "../../src/messages/model.ts";

export class RecordingPort implements ChatPort {
  readonly platform: ChatPort["platform"];
  readonly limits = { perConversation: [], perWorkspace: [] };
  readonly capabilities = TEXT_ONLY;
  dms: { ws: WorkspaceRef; userId: string; message: Message; id: string }[] = [];
  posts: { ws: WorkspaceRef; channelId: string; message: Message; id: string }[] = [];
  updates: { ref: MessageRef; message: Message }[] = [];
  /** set to make deliveries fail as the platform would */
  failWith: Error | null = null;
  private seq = 0;

  constructor(platform: ChatPort["platform"] = "slack") {
    this.platform = platform;
  }

  async deliver(d: Delivery): Promise<MessageRef | null> {
    if (this.failWith) throw this.failWith;
    const id = String(++this.seq);
    if (d.to.kind === "user") this.dms.push({ ws: d.workspace, userId: d.to.userId, message: d.message, id });
    else if (d.to.kind === "channel") this.posts.push({ ws: d.workspace, channelId: d.to.channelId, message: d.message, id });
    else {
      this.updates.push({ ref: d.to.ref, message: d.message });
      return d.to.ref;
    }
    return { conversationId: d.to.kind === "user" ? d.to.userId : d.to.channelId, messageId: id };
  }

  lastDm(userId: string) {
    return [...this.dms].reverse().find((d) => d.userId === userId)?.message;
  }
}

/** The core with a running courier delivering to `port` (one per platform); `settle()` waits until all went out. */
export function coreWithCourier(prisma: PrismaClient, port: ChatPort | ChatPort[], options: CoreOptions = {}) {
  let courier: Courier | null = null;
  const core = new Partnerpuls(prisma, { ...options, onEnqueue: () => courier?.kick() });
  courier = new Courier(prisma, Array.isArray(port) ? port : [port], { onDelivered: (tx, after, ref) => core.recordDelivery(tx, after, ref), render: (ref) => core.renderDelivery(ref), onElsewhere: (to) => core.personElsewhere(to), log: () => {} });
  courier.start();
  return { core, courier, settle: () => courier!.settle(), stop: () => courier!.stop() };
}
