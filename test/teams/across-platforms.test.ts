// One partnership on two platforms, each through its real SDK against its fake: the coordinator
// works in Slack (Bolt, OAuth install), a partner of another organisation in a Teams tenant
// (CloudAdapter). She joins with the code in her own Teams chat, the coordinator approves in
// Slack, and her poll comes to Teams, where she answers it.
import { it, expect, beforeAll, afterAll } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { loadConfig } from "../../src/config.ts";
import { startApp } from "../../adapters/main.ts";
import type { SlackAdapter } from "../../adapters/slack/index.ts";
import { FakeTeams, TeamsWorld, postActivity, personalConversationId, type Activity } from "../support/fake-teams.ts";
import { FakeSlack, DEFAULT_TEAM, type FakeMessage } from "../support/fake-slack.ts";
import { seenFromActivity } from "../behaviour/drivers/teams.ts";
import { blockActions, postSigned, slashCommand, type Who } from "../slack/payloads.ts";
import { installByOAuth, slackOAuthEnv } from "../support/slack-oauth.ts";
import { JOIN_CODE as CODE } from "../../src/domain/join-codes.ts";
import { messageProblems } from "./validate-card.ts";


describeEachDatabase("one partnership across Slack and Teams", (db) => {
  let teams: FakeTeams;
  let slackFake: FakeSlack;
  let app: Awaited<ReturnType<typeof startApp>>;
  let world: TeamsWorld;
  const tanja = TeamsWorld.person("tanja", "Tanja Riis", "en-GB");
  const maja: Who = { teamId: DEFAULT_TEAM.teamId, teamDomain: DEFAULT_TEAM.domain, userId: "U0MAJA" };
  const settle = async () => {
    await (app.adapters.slack as SlackAdapter).settle();
    await app.settle();
  };
  const postTeams = async (a: Activity) => {
    const r = await postActivity(app.server.url, a);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    await settle();
    return r;
  };
  const slash = async (text: string) => {
    const responseUrl = slackFake.responseUrl();
    expect((await postSigned(app.server.url, slashCommand(maja, { text, responseUrl }))).status).toBe(200);
    await settle();
    return JSON.stringify(slackFake.responsesTo(responseUrl));
  };
  const tanjaSees = () => teams.messages(personalConversationId(tanja.id)).map((a) => seenFromActivity(a.id, a.activity));

  beforeAll(async () => {
    teams = await FakeTeams.start({ checkMessage: messageProblems });
    slackFake = await FakeSlack.start({ teams: [DEFAULT_TEAM], tokens: {} });
    const env = {
      PORT: "0",
      TEAMS_LOCAL: "1",
      PARTNERPULS_PLAYGROUND: "off",
      PARTNERPULS_LANGUAGE: "en",
      ...slackOAuthEnv(slackFake),
    };
    app = await startApp(loadConfig(env), db(), env);
    world = new TeamsWorld(teams.url, { tenantId: "3c1d9b2e-0f4a-4e8b-a1c2-5d6e7f8a9b0c" });
    teams.members.set(tanja.id, { id: tanja.id, name: tanja.name, aadObjectId: tanja.aadObjectId });
    await postTeams(world.installPersonal(tanja));
    await installByOAuth(app.server.url, slackFake, DEFAULT_TEAM);
  });
  afterAll(async () => {
    await app?.stop();
    await teams?.close();
    await slackFake?.close();
  });

  it("takes a Teams person into a Slack partnership, and sends her poll to Teams", { timeout: 60_000 }, async () => {
    await slash('partnership create "Sund By" language=en');
    await slash('org add "Forskningscenter" sector=research');
    const code = (await slash('partnership invite org="Forskningscenter"')).match(CODE)![0];

    await postTeams(world.personalMessage(tanja, `join ${code}`));
    expect(tanjaSees().at(-1)!.text).toMatch(/The coordinators of Sund By have been asked to let you in/);

    // The coordinator's card, in her Slack DM: she approves it there.
    const card = slackFake.conversation(slackFake.dmChannel("U0MAJA")).at(-1)! as FakeMessage;
    expect(card.text).toMatch(/Tanja Riis \(.*\) asks to join Sund By with invitation #1, as partner · Forskningscenter/);
    const approve = (card.blocks as { type: string; block_id: string; elements?: { action_id: string; value: string; text: { text: string } }[] }[])
      .flatMap((b) => (b.type === "actions" ? (b.elements ?? []).map((e) => ({ ...e, block_id: b.block_id })) : []))
      .find((e) => e.text.text === "Approve")!;
    const responseUrl = slackFake.responseUrl({ channel: card.channel, ts: card.ts });
    await postSigned(app.server.url, blockActions(maja, { button: { action_id: approve.action_id, block_id: approve.block_id, value: approve.value, text: "Approve" }, responseUrl, message: { channel: card.channel, ts: card.ts, text: card.text, blocks: card.blocks } }));
    await settle();
    expect(tanjaSees().at(-1)!.text).toMatch(/You are now a member of Sund By, as partner/);

    await slash("checkin start sections=1");
    const poll = tanjaSees().at(-1)!;
    expect(poll.questions.length).toBeGreaterThan(0);
    const four = poll.actions.find((a) => a.question === 0 && a.action.title === "4")!;
    await postTeams(world.execute(tanja, world.personalConversation(tanja), poll.id, four.action.verb, four.action.data));
    expect(await db().prisma.answer.count()).toBe(1);
    const person = await db().prisma.person.findFirstOrThrow({ where: { displayName: "Tanja Riis" }, include: { workspace: true } });
    expect(person.workspace).toMatchObject({ platform: "teams", externalId: world.tenantId });
    expect(await slash("status")).toMatch(/Sund By/);
  });

  it("stops sending to the tenant once the app is installed nowhere there, and resumes when it is again", { timeout: 60_000 }, async () => {
    const sent = () => teams.messages(personalConversationId(tanja.id)).length;
    await postTeams(world.installPersonal(tanja, "remove"));
    expect(slackFake.conversation(slackFake.dmChannel("U0MAJA")).at(-1)!.text).toMatch(/Partnerpuls was removed from the workspace .*The member of Sund By who works there/);
    const before = sent();
    await slash("remind");
    expect(sent()).toBe(before);
    await postTeams(world.installPersonal(tanja));
    const back = sent();
    await slash("remind");
    expect(sent()).toBe(back + 1);
    expect(tanjaSees().at(-1)!.questions.length).toBeGreaterThan(0);
  });
});
