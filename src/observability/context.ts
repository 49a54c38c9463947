// What every log line written while handling one HTTP request carries: the request's id and, once
// an adapter has read it, the workspace it came from. Kept in AsyncLocalStorage so the work a
// request starts (Bolt's listeners after the ack, a Teams turn) logs with it without being handed it.
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

export interface RequestContext {
  requestId: string;
  workspace?: { platform: string; externalId: string };
}

const storage = new AsyncLocalStorage<RequestContext>();

/** An incoming id is kept only when it is plainly an id: it ends up in every log line. */
const INCOMING_ID = /^[\w-]{8,64}$/;

export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === "string" && INCOMING_ID.test(header) ? header : randomUUID();
}

export function runInRequest<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

/** Called by an adapter once it knows whose request this is (no effect outside a request). */
export function noteWorkspace(platform: string, externalId: unknown): void {
  const ctx = storage.getStore();
  if (ctx && typeof externalId === "string" && externalId.length > 0 && externalId.length <= 200) ctx.workspace = { platform, externalId };
}
