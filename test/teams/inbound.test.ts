// What Teams sends the bot, in the Bot Framework's own shapes, through the whole app: typed
// commands in a 1:1 chat and with an @mention in a channel, Action.Execute invokes and Action.Submit
// messages, installation and membership events.
import { it, expect, beforeAll, afterAll, beforeEach } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { loadConfig } from "../../src/config.ts";
import { startApp } from "../../adapters/main.ts";
import { FakeTeams, TeamsWorld, postActivity, personalConversationId, type Activity, type FakeActivity } from "../support/fake-teams.ts";
import { seenFromActivity } from "../behaviour/drivers/teams.ts";
import { assertValidCard, messageProblems } from "./validate-card.ts";

describeEachDatabase("Teams: inbound activities", (db) => {
  let fake: FakeTeams;
  let app: Awaited<ReturnType<typeof startApp>>;
  let world: TeamsWorld;
  const mette = TeamsWorld.person("mette", "Mette Holm", "da-DK");
  const anders = TeamsWorld.person("anders", "Anders Berg", "en-GB");
  const fatima = TeamsWorld.person("fatima", "Fatima Ali", "da-DK");
  /** in the team, but unknown to the bot's store: only Teams' member lookup knows her */
  const karen = TeamsWorld.person("karen", "Karen Lund", "da-DK");
  const stranger = TeamsWorld.person("stranger", "Nobody Known");
  const post = async (a: Activity) => {
    const r = await postActivity(app.server.url, a);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    await app.settle();
    return r;
  };
  const dm = (p: typeof mette) => fake.messages(personalConversationId(p.id));
  const latest = (list: FakeActivity[]) => list.at(-1)!;
  const textOf = (a: FakeActivity) => seenFromActivity(a.id, a.activity).text;
  const storedKeys = async () => (await db().prisma.teamsConversation.findMany({ select: { key: true } })).map((r) => r.key).sort();

  beforeAll(async () => {
    fake = await FakeTeams.start({ members: [{ id: karen.id, name: karen.name, aadObjectId: karen.aadObjectId }], checkMessage: messageProblems });
    const env = { PORT: "0", TEAMS_LOCAL: "1", PARTNERPULS_PLAYGROUND: "off" };
    app = await startApp(loadConfig(env), db(), env);
    world = new TeamsWorld(fake.url);
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
  });
  beforeEach(() => {
    // every card the bot sent so far is one Teams can render
    expect(fake.problems).toEqual([]);
  });

  it("installing in a team stores the team, its General channel and its members, and says hello once", async () => {
    await post(world.installTeam(mette));
    await post(world.membersAdded(mette, ["bot", mette, anders, fatima]));
    const keys = await storedKeys();
    for (const k of [`team:${world.team.id}`, `channel:${world.team.id}`, `user:${mette.aadObjectId}`, `user:${anders.aadObjectId}`, `account:${anders.id}`]) expect(keys).toContain(k);
    const hello = fake.messages(world.team.id);
    expect(hello).toHaveLength(1);
    expect(hello[0]!.replyToId).toBeNull();
    // Mette installed it; her Teams speaks Danish
    expect(textOf(hello[0]!)).toMatch(/Hej, jeg er Partnerpuls/);
  });

  it("a personal install stores the 1:1 chat and sends nothing", async () => {
    await post(world.installPersonal(anders));
    const user = await db().prisma.teamsConversation.findUnique({ where: { tenantId_key: { tenantId: world.tenantId, key: `user:${anders.aadObjectId}` } } });
    expect(user?.reference).toMatchObject({ personal: { conversation: { id: personalConversationId(anders.id) } }, teamId: world.team.id, locale: "en-GB" });
    expect(dm(anders)).toHaveLength(0);
  });

  it("answers a 1:1 command as a reply, in the person's language", async () => {
    const a = world.personalMessage(fatima, "hjælp");
    await post(a);
    const reply = latest(dm(fatima));
    expect(reply.replyToId).toBe(a.id);
    expect(textOf(reply)).toMatch(/For koordinatorer/);
    // the user is the Entra ID object id: the core stored her by it, with her name
    expect(await db().prisma.person.count({ where: { platformUserId: fatima.aadObjectId } })).toBe(0); // reading commands store nothing
    await post(world.personalMessage(fatima, "language en"));
    expect(await db().prisma.person.findFirst({ where: { platformUserId: fatima.aadObjectId } })).toMatchObject({ displayName: "Fatima Ali", language: "en" });
  });

  it("in a channel: strips the bot's mention, turns `channel=here` into the channel, answers privately with a line in the thread", async () => {
    const a = world.channelMessage(mette, 'partnership create "Sund By" channel=here language=en');
    await post(a);
    const partnership = await db().prisma.partnership.findFirst({ where: { name: "Sund By" } });
    expect(partnership?.homeChannel).toBe(world.channel.id);
    // the answer: a new message in Mette's 1:1 chat (opened through the team: she never installed it personally)
    const answer = latest(dm(mette));
    expect(answer.replyToId).toBeNull();
    // In her language: her Teams locale is Danish (the partnership's English comes after it).
    expect(textOf(answer)).toMatch(/Partnerskabet "Sund By" er oprettet/);
    // in the thread, one line for her
    const ack = fake.messages(world.channel.id).filter((m) => m.replyToId === a.id);
    expect(ack).toHaveLength(1);
    expect(String(ack[0]!.activity.text)).toBe("Mette Holm, jeg har svaret dig i vores private chat.");
  });

  it("turns people's mentions into their Entra ID object ids, from the store or by asking Teams", async () => {
    await post(world.channelMessage(mette, 'org add "Region Midtjylland" sector=region'));
    await post(world.channelMessage(mette, `member add <at>${anders.name}</at> org="Region Midtjylland" roles=partner`, [anders]));
    expect(textOf(latest(dm(mette)))).toMatch(/Anders Berg er tilføjet til Sund By som partner/);
    // Karen is in the team but the bot never heard of her: Teams' member lookup says who she is
    await post(world.channelMessage(mette, `member add <at>${karen.name}</at> roles=partner`, [karen]));
    expect(textOf(latest(dm(mette)))).toMatch(/Karen Lund er tilføjet til Sund By som partner/);
    expect(fake.calls.some((c) => c.method === "GET" && c.path.endsWith(`/members/${encodeURIComponent(karen.id)}`))).toBe(true);
    const people = await db().prisma.person.findMany({ select: { platformUserId: true } });
    expect(people.map((p) => p.platformUserId)).toEqual(expect.arrayContaining([anders.aadObjectId, karen.aadObjectId]));
    // and she can be reached: the bot learnt which team she is in
    const karenRecord = await db().prisma.teamsConversation.findUnique({ where: { tenantId_key: { tenantId: world.tenantId, key: `user:${karen.aadObjectId}` } } });
    expect(karenRecord?.reference).toMatchObject({ teamId: world.team.id, user: { id: karen.id } });
  });

  it("refuses a mention of someone nobody knows, adding nobody", async () => {
    const before = await db().prisma.person.count();
    await post(world.channelMessage(mette, `member add <at>${stranger.name}</at> roles=partner`, [stranger]));
    expect(textOf(latest(dm(mette)))).toMatch(/Jeg kender ikke Nobody Known endnu/);
    expect(await db().prisma.person.count()).toBe(before);
  });

  it("runs a command once when Teams delivers the same message twice", async () => {
    const a = world.personalMessage(mette, 'action add "Send the plan to the board" owner=@nobody');
    await post(a);
    await post(a);
    expect(dm(mette).filter((m) => m.replyToId === a.id)).toHaveLength(1);
  });

  it("`channel=here` typed in a 1:1 chat explains where to type it", async () => {
    await post(world.personalMessage(anders, 'partnership create "Elsewhere" channel=here'));
    expect(textOf(latest(dm(anders)))).toMatch(/`channel=here` means the channel you type it in/);
    expect(await db().prisma.partnership.count({ where: { name: "Elsewhere" } })).toBe(0);
  });

  it("a poll answered with Action.Execute: saved, the card replaced in place and returned in the invoke response", async () => {
    await post(world.channelMessage(mette, 'org add "Aarhus Kommune" sector=municipality'));
    await post(world.channelMessage(mette, 'org add "Steno" sector=research'));
    await post(world.personalMessage(mette, "checkin start sections=1 deadline=14d"));
    const poll = dm(anders).filter((m) => m.replyToId === null).at(-1)!;
    const seen = seenFromActivity(poll.id, poll.activity);
    expect(seen.questions).toHaveLength(5);
    // Karen never installed the app: her poll came through a 1:1 the bot opened via the team
    expect(dm(karen).filter((m) => m.replyToId === null)).toHaveLength(1);
    const three = seen.actions.find((x) => x.question === 0 && x.action.title === "3")!.action;
    const r = await post(world.execute(anders, world.personalConversation(anders), poll.id, three.verb, three.data));
    const body = r.body as { statusCode: number; type: string; value: unknown };
    expect(body).toMatchObject({ statusCode: 200, type: "application/vnd.microsoft.card.adaptive" });
    assertValidCard(body.value, "invoke response");
    expect(await db().prisma.answer.count({ where: { itemId: "s1.1", rating: 3 } })).toBe(1);
    // the same card, now showing the answer, for every client of the conversation
    const updated = fake.find(poll.id)!;
    expect(updated.versions).toHaveLength(2);
    expect(seenFromActivity(updated.id, updated.activity).questions[0]!.options.find((o) => o.selected)?.label).toBe("3");
    expect(JSON.stringify(body.value)).toBe(JSON.stringify((updated.activity.attachments as { content: unknown }[])[0]!.content));
  });

  it("a poll answered from an older client with Action.Submit: saved, and the card replaced in place", async () => {
    const poll = fake.find(dm(anders).filter((m) => m.replyToId === null).at(-1)!.id)!;
    const seen = seenFromActivity(poll.id, poll.activity);
    const five = seen.actions.find((x) => x.question === 1 && x.action.title === "5")!.action;
    expect(five.submit).toEqual({ actionId: "poll.answer", value: five.data.value });
    await post(world.submit(anders, world.personalConversation(anders), poll.id, five.submit));
    expect(await db().prisma.answer.count({ where: { itemId: "s1.2", rating: 5 } })).toBe(1);
    expect(poll.versions).toHaveLength(3);
    expect(seenFromActivity(poll.id, poll.activity).questions[1]!.options.find((o) => o.selected)?.label).toBe("5");
    // no new message for a press
    expect(dm(anders).filter((m) => m.seq > poll.seq)).toHaveLength(0);
  });

  it("a button pressed in a channel answers the presser privately and leaves the shared card alone", async () => {
    const digest = fake.messages(world.team.id)[0]!; // any card in a channel will do
    const before = digest.versions.length;
    const r = await post(world.execute(anders, { id: `${world.channel.id};messageid=${digest.id}`, conversationType: "channel" }, digest.id, "help.topic", { value: JSON.stringify({ topic: "status" }) }));
    expect(r.body).toMatchObject({ statusCode: 200, type: "application/vnd.microsoft.activity.message" });
    expect(digest.versions).toHaveLength(before);
    expect(textOf(latest(dm(anders)))).toMatch(/status/i);
  });

  it("a broken or unknown press changes nothing and says so", async () => {
    const poll = dm(anders).filter((m) => m.replyToId === null).at(-1)!;
    const answers = await db().prisma.answer.count();
    const r = await post(world.execute(anders, world.personalConversation(anders), poll.id, "poll.answer", { value: "not json" }));
    expect((r.body as { statusCode: number }).statusCode).toBe(200);
    expect(await db().prisma.answer.count()).toBe(answers);
    const other = await postActivity(app.server.url, { ...world.execute(anders, world.personalConversation(anders), poll.id, "x", {}), name: "composeExtension/query" });
    expect(other.status).toBe(200);
  });

  it("in a group chat: `set channel here` makes the chat the partnership's channel, and digests go there", async () => {
    const chat = "19:sundby-chat@thread.v2";
    await post(world.groupChatMessage(mette, "set channel here"));
    expect((await db().prisma.partnership.findFirst({ where: { name: "Sund By" } }))?.homeChannel).toBe(chat);
    expect(textOf(latest(dm(mette)))).toMatch(new RegExp(chat.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "|Sund By chat"));
    await post(world.personalMessage(mette, "checkin close"));
    const posts = fake.messages(chat).filter((m) => m.replyToId === null);
    expect(posts).toHaveLength(1);
    expect(textOf(posts[0]!)).toMatch(/Sund By — digest of check-in #1/);
  });

  it("refuses activities that are not Bot Framework activities, and in local mode any serviceUrl off this machine", async () => {
    const res = await fetch(`${app.server.url}/api/messages`, { method: "POST", body: "{" });
    expect(res.status).toBe(400);
    expect((await postActivity(app.server.url, { ...world.personalMessage(anders, "help"), serviceUrl: "https://smba.trafficmanager.net/emea/" })).status).toBe(400);
    expect((await fetch(`${app.server.url}/api/messages`)).status).toBe(405);
  });
});
