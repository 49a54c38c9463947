// The app manifest asks for exactly the scopes the code uses, and matches the adapter's defaults.
import { describe, it, expect } from "vitest";
import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { SLACK_BOT_SCOPES } from "../../adapters/slack/scopes.ts";
import { DEFAULT_SLACK_COMMAND } from "../../adapters/slack/config.ts";
import { SLACK_EVENTS_PATH } from "../../adapters/slack/receiver.ts";
import { SLACK_INSTALL_PATH, SLACK_REDIRECT_PATH } from "../../adapters/slack/adapter.ts";

interface Manifest {
  display_information: { name: string; description: string };
  features: {
    app_home: { home_tab_enabled: boolean; messages_tab_enabled: boolean };
    bot_user: { display_name: string };
    slash_commands: { command: string; url: string; should_escape: boolean; description: string }[];
  };
  oauth_config: { redirect_urls: string[]; scopes: { bot: string[]; user?: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
    socket_mode_enabled: boolean;
  };
}

const manifest = parse(await readFile(new URL("../../manifest/slack/manifest.yaml", import.meta.url), "utf8")) as Manifest;

describe("the Slack app manifest", () => {
  it("asks for exactly the bot scopes the adapter uses, and no user scopes", () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...SLACK_BOT_SCOPES].sort());
    expect(manifest.oauth_config.scopes.user ?? []).toEqual([]);
  });

  it("has the slash command of SLACK_COMMAND's default, escaping mentions, on the events URL", () => {
    expect(manifest.features.slash_commands).toHaveLength(1);
    const c = manifest.features.slash_commands[0]!;
    expect(c.command).toBe(DEFAULT_SLACK_COMMAND);
    expect(c.should_escape).toBe(true);
    expect(new URL(c.url).pathname).toBe(SLACK_EVENTS_PATH);
  });

  it("sends interactivity, app_home_opened and the uninstall events to the same URL, over HTTP, with the Home tab on", () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(new URL(manifest.settings.interactivity.request_url).pathname).toBe(SLACK_EVENTS_PATH);
    expect(new URL(manifest.settings.event_subscriptions.request_url).pathname).toBe(SLACK_EVENTS_PATH);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(["app_home_opened", "app_uninstalled", "tokens_revoked"]);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.features.app_home.messages_tab_enabled).toBe(true);
  });

  it("redirects OAuth installs to the adapter's redirect path", () => {
    expect(manifest.oauth_config.redirect_urls.map((u) => new URL(u).pathname)).toEqual([SLACK_REDIRECT_PATH]);
    expect(SLACK_INSTALL_PATH).toBe("/slack/install");
    expect(manifest.display_information.name).toBe("Partnerpuls");
  });
});
