// Socket Mode (SLACK_APP_TOKEN): the app connects out to Slack and takes the same commands and
// events over the WebSocket, through the same handlers as over HTTP.
import { it, expect, beforeAll, afterAll } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { FakeSlack } from "../support/fake-slack.ts";
import { loadConfig } from "../../src/config.ts";
import { startApp } from "../../adapters/main.ts";
import type { SlackAdapter } from "../../adapters/slack/index.ts";
import { slashCommand, appHomeOpened, SIGNING_SECRET } from "./payloads.ts";

describeEachDatabase("Slack Socket Mode", (db) => {
  let fake: FakeSlack;
  let app: Awaited<ReturnType<typeof startApp>>;
  let slack: SlackAdapter;
  const who = () => ({ teamId: fake.team.teamId, teamDomain: fake.team.domain, userId: "U0SOCK" });
  const settle = async () => {
    await slack.settle();
    await app.settle();
  };

  beforeAll(async () => {
    fake = await FakeSlack.start();
    const env = { PORT: "0", PARTNERPULS_PLAYGROUND: "off", SLACK_BOT_TOKEN: fake.botToken, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_APP_TOKEN: "xapp-1-A0PULS-1-test", SLACK_API_URL: fake.apiUrl };
    app = await startApp(loadConfig(env), db(), env);
    slack = app.adapters.slack as SlackAdapter;
    for (let i = 0; i < 100 && fake.socketConnections === 0; i++) await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
  });

  it("connects with the app token on start", () => {
    expect(fake.callsTo("apps.connections.open").map((c) => c.token)).toEqual(["xapp-1-A0PULS-1-test"]);
    expect(fake.socketConnections).toBe(1);
    expect(slack.health()).toMatchObject({ slack: { socketMode: true, mode: "single" } });
  });

  it("answers a slash command that arrives over the WebSocket", async () => {
    const responseUrl = fake.responseUrl();
    const form = Object.fromEntries(new URLSearchParams(slashCommand(who(), { text: "help", responseUrl }).body));
    expect(await fake.sendEnvelope("slash_commands", form)).toEqual({});
    await settle();
    const [reply] = fake.responsesTo(responseUrl);
    expect(reply).toMatchObject({ response_type: "ephemeral" });
    expect(JSON.stringify(reply)).toContain("checkin start");
  });

  it("publishes Home on an app_home_opened event that arrives over the WebSocket", async () => {
    const event = JSON.parse(appHomeOpened(who()).body) as Record<string, unknown>;
    await fake.sendEnvelope("events_api", event, { retry_attempt: 0, retry_reason: "" });
    await settle();
    expect(fake.homeViews.get("U0SOCK")?.view).toMatchObject({ type: "home" });
  });
});
