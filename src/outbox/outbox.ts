// The outbox's writing side: every message the bot sends on its own is first a "deliver" job,
// written in the same transaction as the change that caused it. The courier (courier.ts) delivers.
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { Destination, WorkspaceRef } from "../ports.ts";
import type { Message } from "../messages/model.ts";
import type { Lang } from "../i18n/i18n.ts";
import { JobQueue, type Tx } from "../jobs/queue.ts";

export const DELIVER = "deliver";

/** What else to record once a delivery has landed (in the same transaction as "done"). */
export type AfterDelivery = { type: "invitation.sent"; invitationId: string } | { type: "none" };

/**
 * A message the core builds when it is delivered rather than when it is enqueued: a round's polls
 * and closed cards. That keeps a large round's start and close short and linear (no message is
 * built inside their transactions), and a poll for a round that has closed meanwhile is not sent.
 */
export type RenderRef =
  | { kind: "poll"; roundId: string; invitationId: string; reminder?: boolean; withSnooze?: boolean }
  | { kind: "poll.closed"; roundId: string; invitationId: string }
  /** an earlier copy of a poll, once a newer one (a reminder) has landed: it points there, with no buttons */
  | { kind: "poll.moved"; roundId: string; invitationId: string };

export interface DeliveryPayload {
  workspace: WorkspaceRef;
  to: Destination;
  /** built when enqueued; or */
  message?: Message;
  /** built by CourierOptions.render when delivered */
  render?: RenderRef;
  after?: AfterDelivery;
}

interface OutboxBase {
  workspace: WorkspaceRef;
  to: Destination;
  after?: AfterDelivery;
  workspaceId: string;
  dedupeKey: string;
  /** not before (default: now) */
  dueAt?: Date;
}

/**
 * One delivery to write: a message built now, with the language it is written in (so the
 * adapter's own words, a file note or a label, match it), or a reference built when delivered.
 */
export type OutboxItem = OutboxBase & ({ message: Message; lang: Lang; render?: never } | { render: RenderRef; message?: never; lang?: never });

/** The conversation a delivery paces against. */
export function laneOf(workspace: WorkspaceRef, to: Destination): string {
  const conversation = to.kind === "user" ? `user:${to.userId}` : to.kind === "channel" ? `channel:${to.channelId}` : `conversation:${to.ref.conversationId}`;
  return `${workspace.platform}:${workspace.externalId}:${conversation}`;
}

/** Writes deliveries into the outbox (inside the caller's transaction when given one). */
export async function enqueueDeliveries(db: Pick<PrismaClient, "job"> | Tx, items: OutboxItem[]): Promise<number> {
  const now = new Date();
  return JobQueue.enqueue(
    db,
    items.map((i) => ({
      workspaceId: i.workspaceId,
      kind: DELIVER,
      // Deliveries run on real time even when the core runs on a test clock.
      dueAt: i.dueAt ?? now,
      // Deliveries share the Job table's unique keys with the clock's jobs: keep them apart.
      dedupeKey: `deliver:${i.dedupeKey}`,
      lane: laneOf(i.workspace, i.to),
      payload: { workspace: i.workspace, to: i.to, ...(i.message ? { message: { ...i.message, lang: i.lang } } : {}), ...(i.render ? { render: i.render } : {}), after: i.after ?? { type: "none" } } satisfies DeliveryPayload,
    })),
  );
}
