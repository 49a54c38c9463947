// What the core asks of a chat platform. Adapters implement this; the core knows nothing else
// about Slack, Teams or the playground.
import type { Message } from "./messages/model.ts";

/** Which workspace a request came from: a Slack team, a Teams tenant, the playground. */
export interface WorkspaceRef {
  platform: "local" | "slack" | "teams";
  externalId: string;
  name?: string;
}

/** Who is asking, as the adapter authenticated them. */
export interface Actor {
  workspace: WorkspaceRef;
  userId: string;
  displayName?: string;
  /** the platform's locale for this user, e.g. "da-DK", used until they choose a language */
  locale?: string;
  /** the channel the command was typed in, if any: a partnership's home channel selects it */
  channelId?: string;
}

export interface ChatPort {
  /** Send a direct message to a person. */
  sendToUser(workspace: WorkspaceRef, userId: string, message: Message): Promise<void>;
  /** Post to a channel (a partnership's home or steering channel). */
  sendToChannel(workspace: WorkspaceRef, channelId: string, message: Message): Promise<void>;
}
