// A whole check-in across organisations, on both databases, every platform through its real SDK
// against its fake: the coordinator in Slack workspace A; two partners of the region in Slack
// workspace B and two of the research centre in a Teams tenant, who join with codes from where
// they work; and one member of a patients' association with no chat account, on her own page.
// All five answer from where they are; the status counts them all, and the digest reports them.
// A tenant that removes the app everywhere gets nothing more until it is installed again.
import { it, expect, beforeAll, afterAll } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { loadConfig } from "../../src/config.ts";
import { startApp } from "../../adapters/main.ts";
import type { SlackAdapter } from "../../adapters/slack/index.ts";
import { FakeTeams, TeamsWorld, postActivity, personalConversationId, type Activity, type TeamsPerson } from "../support/fake-teams.ts";
import { FakeSlack, DEFAULT_TEAM, type FakeTeam } from "../support/fake-slack.ts";
import { seenFromActivity } from "./drivers/teams.ts";
import { seenFromSlack, findButton, type SlackSeen } from "./drivers/slack.ts";
import { blockActions, postSigned, slashCommand, type Who } from "../slack/payloads.ts";
import { installByOAuth, slackOAuthEnv } from "../support/slack-oauth.ts";
import { JOIN_CODE as CODE } from "../../src/domain/join-codes.ts";
import { messageProblems } from "../teams/validate-card.ts";

const REGION: FakeTeam = { teamId: "T0REGION", teamName: "Region Hovedstaden", domain: "regionh", botUserId: "U0BOTR", botId: "B0BOTR" };
const ADAPTIVE = "application/vnd.microsoft.card.adaptive";

describeEachDatabase("a check-in across organisations, workspaces and platforms", (db) => {
  let teams: FakeTeams;
  let slackFake: FakeSlack;
  let app: Awaited<ReturnType<typeof startApp>>;
  let world: TeamsWorld;
  let page = "";
  const researchers = [TeamsWorld.person("tanja", "Tanja Riis", "en-GB"), TeamsWorld.person("rune", "Rune Dahl", "da-DK")];
  const regional = ["U0METTE", "U0BO"];
  const who = (team: FakeTeam, userId: string): Who => ({ teamId: team.teamId, teamDomain: team.domain, userId });
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
  const slash = async (team: FakeTeam, userId: string, text: string) => {
    const responseUrl = slackFake.responseUrl();
    expect((await postSigned(app.server.url, slashCommand(who(team, userId), { text, responseUrl }))).status).toBe(200);
    await settle();
    return JSON.stringify(slackFake.responsesTo(responseUrl));
  };
  const coord = (text: string) => slash(DEFAULT_TEAM, "U0MAJA", text);
  const slackDm = (userId: string): SlackSeen => {
    const m = slackFake.conversation(slackFake.dmChannel(userId)).at(-1)!;
    return seenFromSlack(m.ts, m.text, m.blocks as SlackSeen["raw"]["blocks"], { channel: m.channel, ts: m.ts });
  };
  const pressSlack = async (team: FakeTeam, userId: string, m: SlackSeen, label: string, question?: number) => {
    const { button, blockId } = findButton(m, label, question);
    const where = m.where as { channel: string; ts: string };
    await postSigned(app.server.url, blockActions(who(team, userId), { button: { action_id: button.action_id, block_id: blockId, value: button.value, text: label }, responseUrl: slackFake.responseUrl(where), message: { channel: where.channel, ts: where.ts, text: m.raw.text, blocks: m.raw.blocks } }));
    await settle();
  };
  /** The first question of a poll with nothing chosen yet, or -1. */
  const open = (questions: { options: { selected: boolean }[] }[]) => questions.findIndex((q) => !q.options.some((o) => o.selected));

  async function answerInSlack(userId: string, rating: string): Promise<number> {
    let pressed = 0;
    for (let guard = 0; guard < 40; guard++) {
      const poll = slackDm(userId);
      const q = open(poll.questions);
      if (q < 0) return pressed;
      await pressSlack(REGION, userId, poll, rating, q);
      pressed++;
    }
    throw new Error(`${userId} never finished`);
  }

  async function answerInTeams(p: TeamsPerson, rating: string): Promise<number> {
    const sent = teams.messages(personalConversationId(p.id)).filter((a) => seenFromActivity(a.id, a.activity).questions.length > 0).at(-1)!;
    let card = seenFromActivity(sent.id, sent.activity);
    let pressed = 0;
    for (let guard = 0; guard < 40; guard++) {
      const q = open(card.questions);
      if (q < 0) return pressed;
      const action = card.actions.find((a) => a.question === q && a.action.title === rating)!;
      const r = await postTeams(world.execute(p, world.personalConversation(p), sent.id, action.action.verb, action.action.data));
      // Teams shows the card the invoke answered in place of the one pressed.
      const body = r.body as { value: unknown };
      card = seenFromActivity(sent.id, { type: "message", attachments: [{ contentType: ADAPTIVE, content: body.value }] });
      pressed++;
    }
    throw new Error(`${p.name} never finished`);
  }

  async function answerOnPage(rating: string): Promise<number> {
    const press = async (value: string) => (await fetch(page, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ press: value }).toString() })).text();
    const buttons = (html: string) => [...html.matchAll(/<button[^>]*name="press" value="([^"]*)"[^>]*>([^<]*)<\/button>/g)].map((m) => ({ label: m[2]!, press: m[1]!.replace(/&quot;/g, '"').replace(/&amp;/g, "&") }));
    let html = await press(buttons(await (await fetch(page)).text()).find((b) => b.label === "Answer now")!.press);
    let pressed = 0;
    for (let guard = 0; guard < 40; guard++) {
      // The questions on the page, each with its options; one with none chosen is answered next.
      const unanswered = html.split('<div class="question"').slice(1).find((q) => !q.includes('aria-pressed="true"'));
      if (!unanswered) return pressed;
      html = await press(buttons(unanswered).find((b) => b.label === rating)!.press);
      pressed++;
    }
    throw new Error("the page never finished");
  }

  beforeAll(async () => {
    teams = await FakeTeams.start({ checkMessage: messageProblems });
    slackFake = await FakeSlack.start({ teams: [DEFAULT_TEAM, REGION], tokens: {} });
    const env = {
      PORT: "0",
      TEAMS_LOCAL: "1",
      PARTNERPULS_PLAYGROUND: "off",
      PARTNERPULS_LANGUAGE: "en",
      ...slackOAuthEnv(slackFake),
    };
    app = await startApp(loadConfig(env), db(), env);
    world = new TeamsWorld(teams.url, { tenantId: "3c1d9b2e-0f4a-4e8b-a1c2-5d6e7f8a9b0c" });
    for (const p of researchers) {
      teams.members.set(p.id, { id: p.id, name: p.name, aadObjectId: p.aadObjectId });
      await postTeams(world.installPersonal(p));
    }
    for (const team of [DEFAULT_TEAM, REGION]) await installByOAuth(app.server.url, slackFake, team);
  });
  afterAll(async () => {
    await app?.stop();
    await teams?.close();
    await slackFake?.close();
  });

  it("brings in four partners from two other workspaces and one with no chat account", { timeout: 90_000 }, async () => {
    await coord('partnership create "Sund By" language=en');
    await coord('org add "Region Hovedstaden" sector=region');
    await coord('org add "Forskningscenter" sector=research');
    await coord('org add "Patientforeningen" sector=ngo');
    const regionCode = (await coord('partnership invite org="Region Hovedstaden" uses=2')).match(CODE)![0];
    const researchCode = (await coord('partnership invite org="Forskningscenter" uses=2')).match(CODE)![0];
    for (const u of regional) expect(await slash(REGION, u, `join ${regionCode}`)).toMatch(/have been asked/);
    for (const p of researchers) await postTeams(world.personalMessage(p, `join ${researchCode}`));
    // Four cards in the coordinator's DM: she approves each.
    const cards = slackFake.conversation(slackFake.dmChannel("U0MAJA")).filter((m) => /asks to join Sund By/.test(m.text));
    expect(cards).toHaveLength(4);
    for (const c of cards) await pressSlack(DEFAULT_TEAM, "U0MAJA", seenFromSlack(c.ts, c.text, c.blocks as SlackSeen["raw"]["blocks"], { channel: c.channel, ts: c.ts }), "Approve");
    const web = await coord('member add "Inge Lund" org="Patientforeningen" web');
    page = web.match(/https?:\/\/[^"\\ ]+\/me\/[A-Za-z0-9_.-]+/)![0].replace(/^https?:\/\/[^/]+/, app.server.url);
    const members = await coord("member list");
    for (const name of ["Tanja Riis", "Rune Dahl", "Inge Lund"]) expect(members).toContain(name);
    expect(await db().prisma.membership.count({ where: { removedAt: null, roles: { has: "partner" } } })).toBe(5);
  });

  it("runs one check-in that all five answer from where they are, each reached on their own platform", { timeout: 120_000 }, async () => {
    expect(await coord("checkin start sections=1")).toMatch(/check-in #1/i);
    // Polls went out with each Slack workspace's own token, and through the Teams connector; none to the page.
    const tokenOf = async (team: FakeTeam) => (await db().prisma.slackInstallation.findFirstOrThrow({ where: { teamId: team.teamId } })).botToken;
    for (const u of regional) expect(slackFake.conversation(slackFake.dmChannel(u)).at(-1)!.token).toBe(await tokenOf(REGION));
    const asked = [
      ...(await Promise.all(regional.map((u, i) => answerInSlack(u, String(3 + i))))),
      ...(await Promise.all(researchers.map((p, i) => answerInTeams(p, String(2 + i))))),
      await answerOnPage("4"),
    ];
    expect(asked.every((n) => n > 0 && n === asked[0])).toBe(true);
    expect(await db().prisma.answer.count()).toBe(asked[0]! * 5);
    expect(await coord("status")).toMatch(/5 of 5 people have answered everything/);
    await coord("checkin close");
    // No home channel: the digest goes to the coordinator, who sees all five counted.
    const digest = slackFake.conversation(slackFake.dmChannel("U0MAJA")).at(-1)!;
    expect(digest.text).toMatch(/5 of 5|5\/5|100 ?%/);
  });

  it("stops sending to a tenant once the app is installed nowhere there, and resumes when it is again", { timeout: 60_000 }, async () => {
    const sentTo = (p: TeamsPerson) => teams.messages(personalConversationId(p.id)).length;
    for (const p of researchers) await postTeams(world.installPersonal(p, "remove"));
    expect(slackFake.conversation(slackFake.dmChannel("U0MAJA")).at(-1)!.text).toMatch(/Partnerpuls was removed from the workspace .*The 2 members of Sund By who work there/);
    const before = researchers.map(sentTo);
    await coord("checkin start sections=2");
    expect(researchers.map(sentTo)).toEqual(before);
    // The region's people are reached as before.
    expect(slackFake.conversation(slackFake.dmChannel(regional[0]!)).at(-1)!.text).toMatch(/check-in #2/i);
    // Tanja installs it again: her reminder comes.
    await postTeams(world.installPersonal(researchers[0]!));
    const back = sentTo(researchers[0]!);
    await coord("remind");
    expect(sentTo(researchers[0]!)).toBe(back + 1);
    expect(sentTo(researchers[1]!)).toBe(before[1]);
  });
});
