// Slack settings from the environment, validated at start like the rest (src/config.ts): a wrong
// value stops the bot with a message naming the variable. No SLACK_* variable at all means "Slack
// is not used" (null), so the playground alone still needs nothing.
import { z } from "zod";
import { ConfigError } from "../../src/config.ts";
import { isLang, type Lang } from "../../src/i18n/i18n.ts";

export const DEFAULT_SLACK_COMMAND = "/puls";
export const DEFAULT_SLACK_API_URL = "https://slack.com/api/";
/**
 * How long one Web API request may take before it is abandoned. Well inside the 60 s lease a
 * delivery job holds (src/outbox/courier.ts): a hung call must not outlast the lease, or another
 * instance would take the job over and send it again.
 */
export const SLACK_API_TIMEOUT_MS = 20_000;

const secret = (what: string) => z.string().trim().min(8, `must be the ${what} from the app's Basic Information page`);

const SlackEnv = z.object({
  SLACK_BOT_TOKEN: z.string().trim().regex(/^xoxb-\S+$/, "must be a bot token (xoxb-…), from OAuth & Permissions").optional(),
  SLACK_SIGNING_SECRET: secret("Signing Secret").optional(),
  SLACK_CLIENT_ID: z.string().trim().regex(/^[\w.]+$/, "must be the Client ID from Basic Information").optional(),
  SLACK_CLIENT_SECRET: secret("Client Secret").optional(),
  SLACK_STATE_SECRET: z.string().trim().min(16, "must be a random string of at least 16 characters (it signs the OAuth state)").optional(),
  SLACK_REDIRECT_URI: z.url({ protocol: /^https?$/, error: "must be an http(s) URL ending in /slack/oauth_redirect" }).optional(),
  SLACK_APP_TOKEN: z.string().trim().regex(/^xapp-\S+$/, "must be an app-level token (xapp-…) with connections:write, for Socket Mode").optional(),
  SLACK_API_URL: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://slack.com/api/" })
    // WebClient appends the method name to this base: it must end in a slash.
    .transform((u) => (u.endsWith("/") ? u : `${u}/`))
    .default(DEFAULT_SLACK_API_URL),
  SLACK_COMMAND: z
    .string()
    .trim()
    .regex(/^\/[a-z0-9_\-æøå]{1,31}$/, "must be a slash command such as /puls (lower case, at most 32 characters)")
    .default(DEFAULT_SLACK_COMMAND),
  SLACK_MESSAGES_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(50),
});

export type SlackMode =
  /** one workspace, a bot token pasted from the app's settings */
  | { kind: "single"; botToken: string }
  /** any number of workspaces installed through /slack/install; tokens in SlackInstallation */
  | { kind: "oauth"; clientId: string; clientSecret: string; stateSecret: string; redirectUri?: string };

export interface SlackConfig {
  mode: SlackMode;
  /** verifies every HTTP request; absent only with Socket Mode, which then is the only way in */
  signingSecret: string | null;
  /** Socket Mode (local development behind no public URL) */
  appToken: string | null;
  apiUrl: string;
  command: string;
  /** the workspace's sending budget the courier paces under (see port.ts, slackLimits) */
  messagesPerMinute: number;
  /** the language of the adapter's own words when nothing tells whose they are */
  defaultLanguage: Lang;
}

/** Null when no SLACK_* variable is set; throws ConfigError naming each wrong or missing one. */
export function slackConfigFrom(env: NodeJS.ProcessEnv): SlackConfig | null {
  const present = Object.keys(env).filter((k) => k.startsWith("SLACK_") && (env[k] ?? "").trim() !== "");
  if (present.length === 0) return null;
  const values = Object.fromEntries(present.map((k) => [k, env[k]]));
  const r = SlackEnv.safeParse(values);
  const problems: string[] = [];
  if (!r.success) for (const i of r.error.issues) problems.push(`  ${String(i.path[0])}: ${i.message}`);
  const e = r.success ? r.data : null;
  const oauthVars = ["SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET"] as const;
  const oauthGiven = oauthVars.filter((k) => present.includes(k));
  if (present.includes("SLACK_BOT_TOKEN") && oauthGiven.length > 0)
    problems.push(`  SLACK_BOT_TOKEN: set either a bot token (one workspace) or ${oauthGiven.join(", ")} (OAuth, many workspaces), not both`);
  else if (oauthGiven.length > 0 && oauthGiven.length < oauthVars.length)
    for (const k of oauthVars.filter((k) => !present.includes(k))) problems.push(`  ${k}: is required for OAuth installs (with ${oauthGiven.join(", ")})`);
  else if (!present.includes("SLACK_BOT_TOKEN") && oauthGiven.length === 0)
    problems.push("  SLACK_BOT_TOKEN: is required (or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET for OAuth installs)");
  if (!present.includes("SLACK_SIGNING_SECRET") && !present.includes("SLACK_APP_TOKEN"))
    problems.push("  SLACK_SIGNING_SECRET: is required to verify Slack's requests (or SLACK_APP_TOKEN for Socket Mode)");
  if (problems.length > 0 || !e)
    throw new ConfigError(`Partnerpuls cannot start: the Slack configuration is not valid.\n${problems.join("\n")}\nSee manifest/slack/README.md.`);
  const mode: SlackMode = e.SLACK_BOT_TOKEN
    ? { kind: "single", botToken: e.SLACK_BOT_TOKEN }
    : { kind: "oauth", clientId: e.SLACK_CLIENT_ID!, clientSecret: e.SLACK_CLIENT_SECRET!, stateSecret: e.SLACK_STATE_SECRET!, ...(e.SLACK_REDIRECT_URI ? { redirectUri: e.SLACK_REDIRECT_URI } : {}) };
  const lang = env.PARTNERPULS_LANGUAGE;
  return {
    mode,
    signingSecret: e.SLACK_SIGNING_SECRET ?? null,
    appToken: e.SLACK_APP_TOKEN ?? null,
    apiUrl: e.SLACK_API_URL,
    command: e.SLACK_COMMAND,
    messagesPerMinute: e.SLACK_MESSAGES_PER_MINUTE,
    defaultLanguage: isLang(lang) ? lang : "en",
  };
}
