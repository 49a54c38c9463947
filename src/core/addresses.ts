// Where the core sends things: a member is reached in their own workspace, on its platform, which
// for a member of another organisation is not the partnership's. Workspaces are looked up by id
// once per process (a workspace's platform and id never change), and forgotten when one removes the app.
import { WEB_PLATFORM, type Destination, type WorkspaceRef } from "../ports.ts";
import type { CoreContext, Db, Tx } from "./context.ts";

/** `reachable`: messages can be sent there (not removed, and not the members' pages, which show what is open instead). */
export type WorkspaceAddress = WorkspaceRef & { removed: boolean; reachable: boolean };

export class Addresses {
  private readonly byId = new Map<string, WorkspaceAddress>();

  constructor(private readonly c: CoreContext) {}

  /** These workspaces, by id. Inside a transaction, pass its client: on PGlite another query would wait for it to end. */
  async refs(ids: Iterable<string>, db: Db | Tx = this.c.db): Promise<Map<string, WorkspaceAddress>> {
    const want = [...new Set(ids)];
    const missing = want.filter((id) => !this.byId.has(id));
    if (missing.length) {
      if (this.byId.size > 10_000) this.byId.clear();
      for (const w of await db.workspace.findMany({ where: { id: { in: missing } } })) this.byId.set(w.id, { ...this.c.wsRefOf(w), removed: w.removedAt !== null, reachable: w.removedAt === null && w.platform !== WEB_PLATFORM });
    }
    return new Map(want.flatMap((id) => (this.byId.has(id) ? [[id, this.byId.get(id)!] as const] : [])));
  }

  /** One workspace by id: a partnership's own, where its home channel is. */
  async ref(id: string, db: Db | Tx = this.c.db): Promise<WorkspaceRef> {
    const ws = (await this.refs([id], db)).get(id);
    if (!ws) throw new Error(`workspace ${id} is gone`);
    return ws;
  }

  /** Where to send a person a message of their own: their workspace, or null where nothing can be sent (the app removed; a member page). */
  async of(person: { workspaceId: string; platformUserId: string }, db: Db | Tx = this.c.db): Promise<{ workspace: WorkspaceRef; to: Destination } | null> {
    const ws = (await this.refs([person.workspaceId], db)).get(person.workspaceId);
    return ws?.reachable ? { workspace: ws, to: { kind: "user", userId: person.platformUserId } } : null;
  }

  /** The workspace removed the app, or installed it again: what was cached of it goes. */
  forget(id: string): void {
    this.byId.delete(id);
    for (const [key, w] of this.c.workspaces) if (w.id === id) this.c.workspaces.delete(key);
  }
}
