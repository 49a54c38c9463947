// Who a Slack user is: their name and Slack locale, from users.info (scope users:read). The locale
// is their language until they choose one; Slack puts neither in a slash command or a button press.
import type { WebClient } from "@slack/web-api";

export interface Profile {
  displayName?: string;
  locale?: string;
}

const TTL_MS = 10 * 60_000;
const FAILED_TTL_MS = 60_000;

export class SlackPeople {
  private readonly cache = new Map<string, { at: number; ttl: number; profile: Promise<Profile> }>();

  constructor(private readonly now: () => number = Date.now) {}

  get(client: WebClient, teamId: string, userId: string): Promise<Profile> {
    const key = `${teamId}:${userId}`;
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < hit.ttl) return hit.profile;
    const entry = { at: this.now(), ttl: TTL_MS, profile: Promise.resolve<Profile>({}) };
    entry.profile = client.users
      .info({ user: userId, include_locale: true })
      .then((r) => {
        const u = r.user;
        const name = u?.profile?.display_name || u?.real_name || u?.profile?.real_name || u?.name;
        return { ...(name ? { displayName: name } : {}), ...(u?.locale ? { locale: u.locale } : {}) };
      })
      .catch(() => {
        // No users:read, or Slack is away: go on without, and ask again soon.
        entry.ttl = FAILED_TTL_MS;
        return {};
      });
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(key, entry);
    return entry.profile;
  }
}
