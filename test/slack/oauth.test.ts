// Many workspaces: installing through /slack/install and /slack/oauth_redirect against the fake's
// oauth.v2.access stores an installation in the database, and its token is then the one used.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { FakeSlack, DEFAULT_TEAM, type FakeTeam } from "../support/fake-slack.ts";
import { loadConfig } from "../../src/config.ts";
import { startApp } from "../../adapters/main.ts";
import type { SlackAdapter } from "../../adapters/slack/index.ts";
import { PermanentDeliveryError } from "../../src/ports.ts";
import { textMessage } from "../../src/messages/model.ts";
import { postSigned, slashCommand, type Who } from "./payloads.ts";
import { slackOAuthEnv } from "../support/slack-oauth.ts";

const OTHER: FakeTeam = { teamId: "T0OTHER", teamName: "Other", domain: "other", botUserId: "U0BOT2", botId: "B0BOT2" };

describeEachDatabase("Slack OAuth installs", (db) => {
  let fake: FakeSlack;
  let app: Awaited<ReturnType<typeof startApp>>;
  let slack: SlackAdapter;
  let base: string;
  const who = (team: FakeTeam, userId: string): Who => ({ teamId: team.teamId, teamDomain: team.domain, userId });
  const settle = async () => {
    await slack.settle();
    await app.settle();
  };

  beforeAll(async () => {
    fake = await FakeSlack.start({ teams: [DEFAULT_TEAM, OTHER], tokens: {} });
    const env = { PORT: "0", PARTNERPULS_PLAYGROUND: "off", ...slackOAuthEnv(fake) };
    app = await startApp(loadConfig(env), db(), env);
    slack = app.adapters.slack as SlackAdapter;
    base = app.server.url;
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
  });

  it("refuses requests from a workspace where the app is not installed, storing nothing", async () => {
    const responseUrl = fake.responseUrl();
    const res = await postSigned(base, slashCommand(who(DEFAULT_TEAM, "U0MAJA"), { text: 'partnership create "Early"', responseUrl }));
    await settle();
    expect(res.status).toBe(401);
    expect(fake.responsesTo(responseUrl)).toHaveLength(0);
    expect(await db().prisma.workspace.count()).toBe(0);
    const e = await slack.port.deliver({ workspace: { platform: "slack", externalId: DEFAULT_TEAM.teamId }, to: { kind: "channel", channelId: "C1" }, message: textMessage("x") }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PermanentDeliveryError);
  });

  it("installs through /slack/install and /slack/oauth_redirect, keeping the installation in the database", async () => {
    const page = await fetch(`${base}/slack/install`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const cookie = page.headers.get("set-cookie")!.split(";")[0]!;
    const authorize = new URL(html.match(/href="([^"]+oauth\/v2\/authorize[^"]+)"/)![1]!.replace(/&amp;/g, "&"));
    expect(authorize.searchParams.get("client_id")).toBe(fake.clientId);
    expect(authorize.searchParams.get("scope")!.split(",").sort()).toEqual(["channels:history", "channels:read", "chat:write", "commands", "files:write", "groups:history", "groups:read", "im:history", "im:write", "users:read"]);
    const state = authorize.searchParams.get("state")!;

    // A forged state installs nothing.
    const forged = await fetch(`${base}/slack/oauth_redirect?code=${fake.oauthCode(DEFAULT_TEAM.teamId)}&state=forged`, { headers: { cookie } });
    expect(forged.status).toBe(400);
    expect(await db().prisma.slackInstallation.count()).toBe(0);

    // Slack sends the person back with a code and the state.
    const code = fake.oauthCode(DEFAULT_TEAM.teamId);
    const done = await fetch(`${base}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(state)}`, { headers: { cookie }, redirect: "manual" });
    expect(done.status).toBe(200);
    expect(fake.callsTo("oauth.v2.access").filter((c) => !c.error)).toHaveLength(1);
    const row = await db().prisma.slackInstallation.findUnique({ where: { key: `-:${DEFAULT_TEAM.teamId}` } });
    expect(row).toMatchObject({ teamId: DEFAULT_TEAM.teamId, enterpriseId: null, botUserId: DEFAULT_TEAM.botUserId });
    expect(row!.botToken).toMatch(/^xoxb-installed-T0PULS-/);
  });

  it("then answers that workspace with its own token, and delivers with it", async () => {
    const token = (await db().prisma.slackInstallation.findFirstOrThrow()).botToken;
    const responseUrl = fake.responseUrl();
    const res = await postSigned(base, slashCommand(who(DEFAULT_TEAM, "U0MAJA"), { text: 'partnership create "Installed"', responseUrl }));
    await settle();
    expect(res.status).toBe(200);
    expect(JSON.stringify(fake.responsesTo(responseUrl))).toMatch(/Installed/);
    expect(fake.callsTo("users.info").at(-1)!.token).toBe(token);
    const ref = await slack.port.deliver({ workspace: { platform: "slack", externalId: DEFAULT_TEAM.teamId }, to: { kind: "user", userId: "U0MAJA" }, message: textMessage("Hello") });
    expect(ref?.conversationId).toBe("DU0MAJA");
    expect(fake.callsTo("chat.postMessage").at(-1)!.token).toBe(token);
    // The other workspace is still not installed.
    const other = await postSigned(base, slashCommand(who(OTHER, "U0ODA"), { text: "help", responseUrl: fake.responseUrl() }));
    expect(other.status).toBe(401);
  });
});

describe("Slack OAuth installs", () => {
  it("need the three OAuth variables together", async () => {
    const { slackConfigFrom } = await import("../../adapters/slack/config.ts");
    expect(() => slackConfigFrom({ SLACK_CLIENT_ID: "1.2", SLACK_SIGNING_SECRET: "0123456789abcdef" })).toThrow(/SLACK_STATE_SECRET/);
  });
});
