// The outbox's writing side: every message the bot sends on its own is first a "deliver" job,
// written in the same transaction as the change that caused it. The courier (courier.ts) delivers.
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { Destination, MessageRef, WorkspaceRef } from "../ports.ts";
import type { Message } from "../messages/model.ts";
import type { Lang } from "../i18n/i18n.ts";
import { JobQueue, type Tx } from "../jobs/queue.ts";

export const DELIVER = "deliver";

/** What else to record once a delivery has landed (in the same transaction as "done"). */
export type AfterDelivery =
  | { type: "invitation.sent"; invitationId: string }
  /** a copy of a meeting's agenda card: kept, so that it is brought up to date as agreements come */
  /** `workspace`: where the copy is, when not the partnership's own (a participant of another organisation) */
  | { type: "agenda.posted"; meetingId: string; lang: Lang; workspace?: WorkspaceRef }
  | { type: "none" };

/**
 * A message the core builds when it is delivered rather than when it is enqueued: a round's polls
 * and closed cards. That keeps a large round's start and close short and linear (no message is
 * built inside their transactions), and a poll for a round that has closed meanwhile is not sent.
 */
export type RenderRef =
  | { kind: "poll"; roundId: string; invitationId: string; reminder?: boolean; withSnooze?: boolean }
  /** a copy of a poll already sent, brought up to date: the answers so far, or the closed card */
  | { kind: "poll.copy"; roundId: string; invitationId: string }
  /** as poll.copy: written by earlier versions, and possibly still queued */
  | { kind: "poll.closed" | "poll.moved"; roundId: string; invitationId: string }
  /** a meeting's agenda card as it stands: the agreements recorded so far, or closed */
  | { kind: "meeting.agenda"; meetingId: string; lang: Lang };

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
export async function enqueueDeliveries(db: Pick<PrismaClient, "$executeRaw"> | Tx, items: OutboxItem[]): Promise<number> {
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

/**
 * Of these cards, the ones with no update of this kind still waiting to be sent. A waiting update is
 * built when it is delivered, so it will show what is saved by then: one is enough. Locking it
 * keeps the courier from claiming and building it before the caller's transaction commits; one the
 * courier holds already (SKIP LOCKED) counts as gone, and the caller enqueues another.
 */
export async function withoutWaitingUpdate(tx: Tx, workspace: WorkspaceRef, cards: MessageRef[], render: RenderRef): Promise<MessageRef[]> {
  const left: MessageRef[] = [];
  for (const ref of cards) {
    const waiting = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM "Job"
      WHERE lane = ${laneOf(workspace, { kind: "update", ref })} AND kind = ${DELIVER} AND status = 'pending'
        AND payload->'to'->'ref'->>'messageId' = ${ref.messageId}
        AND payload->'render' @> ${JSON.stringify(render)}::jsonb
      LIMIT 1 FOR UPDATE SKIP LOCKED`;
    if (waiting.length === 0) left.push(ref);
  }
  return left;
}
