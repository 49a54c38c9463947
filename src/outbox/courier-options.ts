// How a courier is set up (courier.ts), and what it counts as it works (read by /metrics and tests).
import type { MessageRef, WorkspaceRef } from "../ports.ts";
import type { Message } from "../messages/model.ts";
import type { Tx } from "../jobs/queue.ts";
import type { AfterDelivery, RenderRef } from "./outbox.ts";

export interface CourierOptions {
  /** builds a message enqueued as a RenderRef; null: it no longer applies (its round closed), skip it */
  render?: (ref: RenderRef) => Promise<Message | null>;
  /** records what a landed delivery means (e.g. an invitation was sent), in the done-transaction */
  onDelivered?: (tx: Tx, after: AfterDelivery, ref: MessageRef | null) => Promise<void>;
  /** told of a message to a person that can never go, because they work in another organisation's workspace (see PermanentDeliveryError) */
  onElsewhere?: (to: { workspace: WorkspaceRef; userId: string }) => Promise<void>;
  /** deliveries in flight at once */
  concurrency?: number;
  /** tries before a delivery is given up (429s do not count) */
  maxAttempts?: number;
  /** how often to look for due deliveries when nothing woke the courier (other instances, retries) */
  pollMs?: number;
  runner?: string;
  /** first retry delay after a failure; doubles each time (tests make it short) */
  backoffMs?: number;
  log?: (line: string) => void;
}

export interface CourierStats {
  delivered: number;
  rateLimited: number;
  /** of those, the 429s that paused the whole workspace (or tenant), not only a conversation */
  workspacePaused: number;
  retried: number;
  failed: number;
  leaseLost: number;
  /** claimed from a run that crashed or lost its lease */
  resumed: number;
  /** in doubt and found delivered already: finished without sending again */
  recovered: number;
  /** in doubt and could not be looked for: sent again (possibly a second time) */
  unchecked: number;
}
