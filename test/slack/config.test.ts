// SLACK_* variables: absent means no Slack; present, they are validated with a message per variable.
import { describe, it, expect } from "vitest";
import { slackConfigFrom } from "../../adapters/slack/config.ts";
import { ConfigError } from "../../src/config.ts";

const message = (env: Record<string, string>) => {
  try {
    slackConfigFrom(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
};

describe("Slack configuration", () => {
  it("is null when no SLACK_* variable is set (empty ones count as unset)", () => {
    expect(slackConfigFrom({})).toBeNull();
    expect(slackConfigFrom({ SLACK_BOT_TOKEN: "", PORT: "3978" })).toBeNull();
  });

  it("reads one workspace: bot token and signing secret, with defaults", () => {
    const c = slackConfigFrom({ SLACK_BOT_TOKEN: "xoxb-1-2-abc", SLACK_SIGNING_SECRET: "0123456789abcdef", PARTNERPULS_LANGUAGE: "da" })!;
    expect(c.mode).toEqual({ kind: "single", botToken: "xoxb-1-2-abc" });
    expect(c).toMatchObject({ signingSecret: "0123456789abcdef", appToken: null, apiUrl: "https://slack.com/api/", command: "/puls", messagesPerMinute: 50, defaultLanguage: "da" });
  });

  it("reads OAuth for many workspaces, Socket Mode, an API URL (adding its slash) and a command", () => {
    const c = slackConfigFrom({
      SLACK_CLIENT_ID: "1111.2222",
      SLACK_CLIENT_SECRET: "secret-secret",
      SLACK_STATE_SECRET: "a-random-state-secret",
      SLACK_APP_TOKEN: "xapp-1-A1-abc",
      SLACK_API_URL: "http://127.0.0.1:4000/api",
      SLACK_COMMAND: "/partner",
    })!;
    expect(c.mode).toEqual({ kind: "oauth", clientId: "1111.2222", clientSecret: "secret-secret", stateSecret: "a-random-state-secret" });
    expect(c).toMatchObject({ signingSecret: null, appToken: "xapp-1-A1-abc", apiUrl: "http://127.0.0.1:4000/api/", command: "/partner" });
  });

  it("names each wrong or missing variable", () => {
    expect(message({ SLACK_BOT_TOKEN: "xoxp-user-token", SLACK_SIGNING_SECRET: "short" })).toMatch(/SLACK_BOT_TOKEN: must be a bot token[\s\S]*SLACK_SIGNING_SECRET: must be/);
    expect(message({ SLACK_BOT_TOKEN: "xoxb-1" })).toMatch(/SLACK_SIGNING_SECRET: is required/);
    expect(message({ SLACK_SIGNING_SECRET: "0123456789abcdef" })).toMatch(/SLACK_BOT_TOKEN: is required/);
    expect(message({ SLACK_CLIENT_ID: "1.2", SLACK_SIGNING_SECRET: "0123456789abcdef" })).toMatch(/SLACK_CLIENT_SECRET: is required[\s\S]*SLACK_STATE_SECRET: is required/);
    expect(message({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_CLIENT_ID: "1.2", SLACK_SIGNING_SECRET: "0123456789abcdef" })).toMatch(/not both/);
    expect(message({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "0123456789abcdef", SLACK_API_URL: "ftp://x" })).toMatch(/SLACK_API_URL: /);
    expect(message({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "0123456789abcdef", SLACK_COMMAND: "puls" })).toMatch(/SLACK_COMMAND: must be a slash command/);
    expect(message({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "0123456789abcdef", SLACK_MESSAGES_PER_MINUTE: "many" })).toMatch(/SLACK_MESSAGES_PER_MINUTE: /);
    expect(message({ SLACK_BOT_TOKEN: "xoxb-1" })).toMatch(/manifest\/slack\/README\.md/);
  });
});
