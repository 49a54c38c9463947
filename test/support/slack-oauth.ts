// Slack in many-workspace mode against the fake Web API: the settings that turn on the OAuth flow,
// and one workspace installing the app through it (/slack/install, then Slack's redirect back).
import { expect } from "vitest";
import type { FakeSlack, FakeTeam } from "./fake-slack.ts";
import { SIGNING_SECRET } from "../slack/payloads.ts";

export function slackOAuthEnv(fake: FakeSlack): Record<string, string> {
  return {
    SLACK_CLIENT_ID: fake.clientId,
    SLACK_CLIENT_SECRET: fake.clientSecret,
    SLACK_STATE_SECRET: "a-long-random-state-secret",
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
  };
}

/** The team installs the app: the install page's state and cookie, then the redirect with Slack's code. */
export async function installByOAuth(base: string, fake: FakeSlack, team: FakeTeam): Promise<void> {
  const page = await fetch(`${base}/slack/install`);
  const cookie = page.headers.get("set-cookie")!.split(";")[0]!;
  const state = new URL((await page.text()).match(/href="([^"]+oauth\/v2\/authorize[^"]+)"/)![1]!.replace(/&amp;/g, "&")).searchParams.get("state")!;
  const done = await fetch(`${base}/slack/oauth_redirect?code=${fake.oauthCode(team.teamId)}&state=${encodeURIComponent(state)}`, { headers: { cookie }, redirect: "manual" });
  expect(done.status).toBe(200);
}
