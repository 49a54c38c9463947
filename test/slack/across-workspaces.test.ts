// One partnership across two Slack workspaces, through Bolt against the fake Web API: both install
// the app by OAuth; a coordinator in one invites, a person in the other joins with the code, the
// coordinator approves on the card, and from then on that person is reached with their own
// workspace's token. When the other workspace uninstalls the app, nothing more is sent there.
import { it, expect, beforeAll, afterAll } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { FakeSlack, DEFAULT_TEAM, type FakeTeam, type FakeMessage } from "../support/fake-slack.ts";
import { loadConfig } from "../../src/config.ts";
import { startApp } from "../../adapters/main.ts";
import type { SlackAdapter } from "../../adapters/slack/index.ts";
import { blockActions, postSigned, slashCommand, type Who } from "./payloads.ts";
import { installByOAuth, slackOAuthEnv } from "../support/slack-oauth.ts";
import { JOIN_CODE } from "../../src/domain/join-codes.ts";

const REGION: FakeTeam = { teamId: "T0REGION", teamName: "Region Hovedstaden", domain: "regionh", botUserId: "U0BOTR", botId: "B0BOTR" };
const CODE = JOIN_CODE;

interface Button { type: string; action_id: string; value: string; text: { text: string } }

describeEachDatabase("one partnership across Slack workspaces", (db) => {
  let fake: FakeSlack;
  let app: Awaited<ReturnType<typeof startApp>>;
  let slack: SlackAdapter;
  let base: string;
  const who = (team: FakeTeam, userId: string): Who => ({ teamId: team.teamId, teamDomain: team.domain, userId });
  const settle = async () => {
    await slack.settle();
    await app.settle();
  };
  /** A slash command, and the reply the person alone sees. */
  const slash = async (team: FakeTeam, userId: string, text: string) => {
    const responseUrl = fake.responseUrl();
    const res = await postSigned(base, slashCommand(who(team, userId), { text, responseUrl }));
    expect(res.status).toBe(200);
    await settle();
    return JSON.stringify(fake.responsesTo(responseUrl));
  };
  const tokenOf = async (team: FakeTeam) => (await db().prisma.slackInstallation.findFirstOrThrow({ where: { teamId: team.teamId } })).botToken;
  const dms = (userId: string) => fake.conversation(fake.dmChannel(userId));
  const buttonsOf = (m: FakeMessage) => (m.blocks as { type: string; block_id: string; elements?: Button[] }[]).flatMap((b) => (b.type === "actions" ? (b.elements ?? []).map((e) => ({ ...e, block_id: b.block_id })) : []));
  const press = async (team: FakeTeam, userId: string, m: FakeMessage, label: string) => {
    const b = buttonsOf(m).find((x) => x.text.text === label)!;
    const responseUrl = fake.responseUrl({ channel: m.channel, ts: m.ts });
    const res = await postSigned(base, blockActions(who(team, userId), { button: { action_id: b.action_id, block_id: b.block_id, value: b.value, text: label }, responseUrl, message: { channel: m.channel, ts: m.ts, text: m.text, blocks: m.blocks } }));
    expect(res.status).toBe(200);
    await settle();
    return JSON.stringify(fake.responsesTo(responseUrl));
  };

  beforeAll(async () => {
    fake = await FakeSlack.start({ teams: [DEFAULT_TEAM, REGION], tokens: {} });
    const env = { PORT: "0", PARTNERPULS_PLAYGROUND: "off", PARTNERPULS_LANGUAGE: "en", ...slackOAuthEnv(fake) };
    app = await startApp(loadConfig(env), db(), env);
    slack = app.adapters.slack as SlackAdapter;
    base = app.server.url;
    // Each workspace installs the app through the OAuth flow.
    for (const team of [DEFAULT_TEAM, REGION]) await installByOAuth(base, fake, team);
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
  });

  it("lets a person of the other workspace join with a code, approved on the coordinator's card", async () => {
    expect(await slash(DEFAULT_TEAM, "U0MAJA", 'partnership create "Sund By" language=en')).toMatch(/Sund By/);
    const invited = await slash(DEFAULT_TEAM, "U0MAJA", "partnership invite roles=partner");
    const code = invited.match(CODE)![0];
    expect(await slash(REGION, "U0METTE", `join ${code}`)).toMatch(/have been asked to let you in/);
    const card = dms("U0MAJA").at(-1)!;
    expect(card.token).toBe(await tokenOf(DEFAULT_TEAM));
    expect(card.text).toMatch(/asks to join Sund By/);
    // A forged approval from the other workspace changes nothing.
    expect(await press(REGION, "U0METTE", card, "Approve")).toMatch(/no longer works/);
    expect(await db().prisma.membership.count()).toBe(1);
    await press(DEFAULT_TEAM, "U0MAJA", card, "Approve");
    // The card itself becomes the outcome.
    expect(dms("U0MAJA").find((m) => m.ts === card.ts)!.text).toMatch(/now a member of Sund By/);
    const welcome = dms("U0METTE").at(-1)!;
    expect(welcome.text).toMatch(/You are now a member of Sund By/);
    expect(welcome.token).toBe(await tokenOf(REGION));
  });

  it("sends her poll with her own workspace's token, and takes her answer from there", async () => {
    expect(await slash(DEFAULT_TEAM, "U0MAJA", "checkin start sections=1")).toMatch(/check-in/i);
    const poll = dms("U0METTE").at(-1)!;
    expect(poll.token).toBe(await tokenOf(REGION));
    expect(buttonsOf(poll).some((b) => b.text.text === "4")).toBe(true);
    await press(REGION, "U0METTE", poll, "4");
    expect(await db().prisma.answer.count()).toBe(1);
    expect(await slash(REGION, "U0METTE", "status")).toMatch(/Sund By/);
  });

  it("tells the coordinator when Slack will not let the bot write to a guest of another organisation, and offers an invitation", async () => {
    // Added by mention from a shared channel; Slack refuses a DM to her from this workspace.
    fake.fail("conversations.open", "invalid_user_combination", 5, (args) => args.users === "U0GUEST");
    expect(await slash(DEFAULT_TEAM, "U0MAJA", "member add @{U0GUEST} roles=partner")).toMatch(/U0GUEST|added/);
    await slash(DEFAULT_TEAM, "U0MAJA", "checkin close");
    await slash(DEFAULT_TEAM, "U0MAJA", "checkin start sections=2");
    const notice = dms("U0MAJA").at(-1)!;
    expect(notice.text).toMatch(/Partnerpuls cannot write to .* directly: they work in another organisation's workspace/);
    const code = (await press(DEFAULT_TEAM, "U0MAJA", notice, "Make an invitation")).match(CODE);
    const made = code ?? dms("U0MAJA").find((m) => m.ts === notice.ts)!.text.match(CODE);
    expect(made).not.toBeNull();
    const invite = await db().prisma.joinCode.findFirstOrThrow({ orderBy: { number: "desc" } });
    expect(invite).toMatchObject({ maxUses: 1, roles: ["partner"] });
    // Once is enough: another refusal says nothing more.
    const before = dms("U0MAJA").length;
    await slash(DEFAULT_TEAM, "U0MAJA", "remind");
    expect(dms("U0MAJA").length).toBe(before);
  });

  it("stops sending to a workspace that uninstalls the app, and tells the coordinator", async () => {
    const event = {
      token: "gIkuvaNzQIHg97ATvDxqgjtO",
      team_id: REGION.teamId,
      api_app_id: "A0PULS",
      event: { type: "app_uninstalled", event_ts: `${(Date.now() / 1000).toFixed(6)}` },
      type: "event_callback",
      event_id: "Ev0UNINSTALL",
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: REGION.teamId, user_id: REGION.botUserId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
    };
    const res = await postSigned(base, { body: JSON.stringify(event), contentType: "application/json" });
    expect(res.status).toBe(200);
    await settle();
    expect(await db().prisma.slackInstallation.count({ where: { teamId: REGION.teamId } })).toBe(0);
    expect(dms("U0MAJA").at(-1)!.text).toMatch(/Partnerpuls was removed from the workspace (Region Hovedstaden|regionh)\. The member of Sund By who works there/);
    const before = dms("U0METTE").length;
    expect(await slash(DEFAULT_TEAM, "U0MAJA", "remind")).toMatch(/remind|sent/i);
    expect(dms("U0METTE").length).toBe(before);
  });
});
