// Teams settings from the environment. The names are botbuilder's own (MicrosoftAppId, …), so an
// Azure Bot's usual app settings work unchanged. Without an app id nobody's tokens are checked:
// that is allowed only when TEAMS_LOCAL=1 says so explicitly.
import { z } from "zod";
import { ConfigError } from "../../src/config.ts";
import { isLoopbackHost } from "../../src/server.ts";

export type TeamsAppType = "SingleTenant" | "MultiTenant" | "UserAssignedMSI";

/**
 * botbuilder's endpoint settings for private clouds (and for tests, which serve their own OpenID
 * metadata). Passed to ConfigurationBotFrameworkAuthentication as they are; all unset in Azure's
 * public cloud.
 */
export const ENDPOINT_KEYS = [
  "ChannelService",
  "ToChannelFromBotLoginUrl",
  "ToChannelFromBotOAuthScope",
  "ToBotFromChannelTokenIssuer",
  "ToBotFromChannelOpenIdMetadataUrl",
  "ToBotFromEmulatorOpenIdMetadataUrl",
  "OAuthUrl",
  "CallerId",
  "ValidateAuthority",
] as const;
export type EndpointKey = (typeof ENDPOINT_KEYS)[number];

export interface TeamsConfig {
  /** null only in local mode (TEAMS_LOCAL=1): then no token is checked or sent */
  appId: string | null;
  appPassword: string | null;
  appType: TeamsAppType;
  tenantId: string | null;
  local: boolean;
  endpoints: Partial<Record<EndpointKey, string>>;
  /** PARTNERPULS_PUBLIC_URL without a trailing slash: files become download links under it; null: shown in the card */
  publicUrl?: string | null;
}

const APP_TYPES: readonly TeamsAppType[] = ["SingleTenant", "MultiTenant", "UserAssignedMSI"];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fail(reason: string): never {
  throw new ConfigError(`Partnerpuls cannot start Teams: ${reason}\nSee manifest/teams/README.md.`);
}

/**
 * The Teams configuration, or null when nothing asks for Teams (no MicrosoftAppId, no
 * TEAMS_LOCAL). Throws ConfigError, naming the variable, when the settings cannot work.
 */
export function teamsConfigFrom(env: NodeJS.ProcessEnv): TeamsConfig | null {
  const get = (k: string) => {
    const v = env[k]?.trim();
    return v ? v : null;
  };
  const appId = get("MicrosoftAppId");
  const localRaw = get("TEAMS_LOCAL");
  if (localRaw !== null && localRaw !== "1" && localRaw !== "0")
    fail(`TEAMS_LOCAL must be 1 (authentication off, for local testing) or unset; it is "${localRaw}".`);
  const local = localRaw === "1";
  const teamsish = ["MicrosoftAppPassword", "MicrosoftAppTenantId", "MicrosoftAppType"].filter((k) => get(k) !== null);
  if (!appId && !local) {
    if (teamsish.length === 0) return null;
    // Someone meant to run Teams but left the app id out: running without it would accept anyone's requests.
    fail(
      `${teamsish.join(", ")} ${teamsish.length === 1 ? "is" : "are"} set but MicrosoftAppId is empty. Without an app id nobody's ` +
        "requests could be authenticated; set MicrosoftAppId, or set TEAMS_LOCAL=1 to run without authentication on this machine only.",
    );
  }
  if (appId && local)
    fail("both MicrosoftAppId and TEAMS_LOCAL=1 are set. TEAMS_LOCAL=1 turns authentication off; unset one of them.");
  // Without authentication anyone who can reach the port could speak as any Teams user: the
  // server must listen on this machine only. HOST defaults to 127.0.0.1 (src/config.ts).
  const host = get("HOST") ?? "127.0.0.1";
  if (local && !isLoopbackHost(host))
    fail(
      `TEAMS_LOCAL=1 turns authentication off, so it runs only when the bot listens on this machine, but HOST is "${host}". ` +
        "Set HOST=127.0.0.1 (or localhost, ::1), or unset TEAMS_LOCAL and set MicrosoftAppId.",
    );
  const endpoints: TeamsConfig["endpoints"] = {};
  for (const k of ENDPOINT_KEYS) {
    const v = get(k);
    if (v !== null) endpoints[k] = v;
  }
  const publicUrl = publicUrlFrom(get("PARTNERPULS_PUBLIC_URL"), local);
  if (local) return { appId: null, appPassword: null, appType: "SingleTenant", tenantId: null, local: true, endpoints, publicUrl };

  const appType = (get("MicrosoftAppType") ?? "SingleTenant") as TeamsAppType;
  if (!APP_TYPES.includes(appType)) fail(`MicrosoftAppType must be one of ${APP_TYPES.join(", ")}; it is "${appType}".`);
  if (!GUID.test(appId!)) fail(`MicrosoftAppId must be the Azure Bot's app id, a GUID; it is "${appId}".`);
  const tenantId = get("MicrosoftAppTenantId");
  const appPassword = get("MicrosoftAppPassword");
  if (appType !== "MultiTenant" && !tenantId) fail(`MicrosoftAppTenantId is required when MicrosoftAppType is ${appType} (the tenant the bot is registered in).`);
  if (tenantId && !GUID.test(tenantId)) fail(`MicrosoftAppTenantId must be a GUID; it is "${tenantId}".`);
  if (appType !== "UserAssignedMSI" && !appPassword) fail(`MicrosoftAppPassword is required for a ${appType} bot (the client secret of its app registration).`);
  return { appId: appId!, appPassword, appType, tenantId, local: false, endpoints, publicUrl };
}

/**
 * The address people's browsers reach this server at (behind the reverse proxy), for download
 * links. The link is the only key to the file, so it must travel over https; plain http only
 * with TEAMS_LOCAL=1, on this machine. No query or fragment: paths are appended to it.
 */
function publicUrlFrom(raw: string | null, local: boolean): string | null {
  if (raw === null) return null;
  const url = z.url({ protocol: local ? /^https?$/ : /^https$/ }).safeParse(raw);
  const parsed = url.success ? new URL(url.data) : null;
  if (!parsed || parsed.search || parsed.hash || parsed.username || parsed.password)
    fail(`PARTNERPULS_PUBLIC_URL must be the bot's public ${local ? "http(s)" : "https"} address, such as https://partnerpuls.example.org, with no query, fragment or password; it is "${raw}".`);
  return parsed.href.replace(/\/+$/, "");
}
