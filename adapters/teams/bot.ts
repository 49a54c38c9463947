// The Bot Framework plumbing: botbuilder's CloudAdapter, its authentication, and the connector
// client it sends with. Every botbuilder import of the project lives in adapters/teams/ (botbuilder
// is past its end of support; moving to the Microsoft 365 Agents SDK should touch nothing else).
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, CallerIdConstants, type TurnContext } from "botbuilder";
import type { TeamsConfig, EndpointKey } from "./config.ts";

export type BotAuthentication = ConstructorParameters<typeof CloudAdapter>[0] & {};
type AuthResult = Awaited<ReturnType<BotAuthentication["authenticateRequest"]>>;
type ConnectorFactory = ReturnType<BotAuthentication["createConnectorFactory"]>;
export type Activity = Parameters<CloudAdapter["processActivityDirect"]>[1];
export type TurnLogic = (context: TurnContext) => Promise<void>;

/** No connector call may take longer than this: a hung request would hold a delivery's lease. */
export const CONNECTOR_TIMEOUT_MS = 20_000;

/** Azure's public cloud, as botframework-connector's AuthenticationConstants has it. */
const PUBLIC_CLOUD: Partial<Record<EndpointKey, string>> = {
  ToChannelFromBotLoginUrl: "https://login.microsoftonline.com/botframework.com",
  ToChannelFromBotOAuthScope: "https://api.botframework.com",
  ToBotFromChannelTokenIssuer: "https://api.botframework.com",
  OAuthUrl: "https://api.botframework.com",
  ToBotFromChannelOpenIdMetadataUrl: "https://login.botframework.com/v1/.well-known/openidconfiguration",
  ToBotFromEmulatorOpenIdMetadataUrl: "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
  CallerId: CallerIdConstants.PublicAzureChannel,
};

interface PipelineLike {
  removePolicy(options: { name: string }): unknown;
  addPolicy(policy: { name: string; sendRequest(request: { timeout: number }, next: (r: unknown) => Promise<unknown>): Promise<unknown> }): void;
}

/**
 * The connector client's HTTP pipeline retries on its own (3 times on 5xx, 408 and network
 * errors, and on 429 after sleeping Retry-After), POSTs included: a 502 after Teams accepted a
 * message would post it again, and a 429 would stall a courier worker. The courier retries with
 * its own pacing and knows whether a message landed, so the client sends each request once.
 */
export function sendOnce<T>(client: T): T {
  const pipeline = (client as { client?: { pipeline?: PipelineLike } }).client?.pipeline;
  if (!pipeline) throw new Error("botframework-connector changed: no HTTP pipeline on the connector client to take the retry policy out of");
  pipeline.removePolicy({ name: "defaultRetryPolicy" });
  pipeline.removePolicy({ name: "partnerpulsTimeout" });
  pipeline.addPolicy({
    name: "partnerpulsTimeout",
    sendRequest: (request, next) => {
      if (!request.timeout) request.timeout = CONNECTOR_TIMEOUT_MS;
      return next(request);
    },
  });
  return client;
}

function onceFactory(factory: ConnectorFactory): ConnectorFactory {
  const wrapped = Object.create(factory) as ConnectorFactory;
  wrapped.create = async (serviceUrl: string, audience?: string) => sendOnce(await factory.create(serviceUrl, audience));
  return wrapped;
}

/** The audience of the bot's tokens for calling Teams (the public cloud's, unless configured). */
export function outboundAudience(config: TeamsConfig): string {
  return config.endpoints.ToChannelFromBotOAuthScope ?? PUBLIC_CLOUD.ToChannelFromBotOAuthScope!;
}

/** botbuilder's authentication from the configuration, with connector clients that send once. */
export function createAuthentication(config: TeamsConfig): BotAuthentication {
  const endpoints = Object.keys(config.endpoints).some((k) => k !== "ChannelService" && k !== "ValidateAuthority")
    ? { ...PUBLIC_CLOUD, ...config.endpoints } // one override means all are read: fill the rest
    : config.endpoints;
  const inner = new ConfigurationBotFrameworkAuthentication({
    ...endpoints,
    ...(config.local
      ? { MicrosoftAppId: "", MicrosoftAppType: "MultiTenant" }
      : {
          MicrosoftAppId: config.appId!,
          MicrosoftAppType: config.appType === "UserAssignedMSI" ? "UserAssignedMsi" : config.appType,
          ...(config.appPassword ? { MicrosoftAppPassword: config.appPassword } : {}),
          ...(config.tenantId ? { MicrosoftAppTenantId: config.tenantId } : {}),
        }),
  });
  const auth = Object.create(inner) as BotAuthentication;
  auth.authenticateRequest = async (activity, authHeader) => {
    const result = await inner.authenticateRequest(activity, authHeader);
    return { ...result, connectorFactory: result.connectorFactory && onceFactory(result.connectorFactory) };
  };
  auth.createConnectorFactory = (claims) => onceFactory(inner.createConnectorFactory(claims));
  return auth;
}

/** CloudAdapter with the authenticated turn exposed: the mount authenticates first, itself. */
export class BotAdapter extends CloudAdapter {
  constructor(
    readonly auth: BotAuthentication,
    /** for conversations the bot opens itself (ConfigurationBotFrameworkAuthentication does not say) */
    readonly audience: string,
  ) {
    super(auth);
  }

  /** Checks the request's bearer token (throws when it is missing or not valid). */
  authenticate(activity: Activity, authHeader: string): Promise<AuthResult> {
    return this.auth.authenticateRequest(activity, authHeader);
  }

  /** Runs an authenticated activity through `logic`; returns the invoke response, if any. */
  run(authenticated: AuthResult, activity: Activity, logic: TurnLogic): Promise<{ status: number; body?: unknown } | undefined> {
    return this.processActivity(authenticated, activity, logic);
  }
}
