// A partnership meeting held as a Teams meeting: linked in the meeting's chat with one command,
// its agenda posted there when Teams says the meeting started, an agreement recorded from the card,
// and the minutes when Teams says it ended, once. The events come in the shapes Microsoft
// documents, through the real CloudAdapter and botbuilder's Teams handler.
import { it, expect, beforeAll, afterAll } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { loadConfig } from "../../src/config.ts";
import { startApp } from "../../adapters/main.ts";
import { FakeTeams, TeamsWorld, postActivity, personalConversationId, type Activity } from "../support/fake-teams.ts";
import { seenFromActivity } from "../behaviour/drivers/teams.ts";
import { messageProblems } from "./validate-card.ts";

describeEachDatabase("Teams: a meeting in its own chat", (db) => {
  let fake: FakeTeams;
  let app: Awaited<ReturnType<typeof startApp>>;
  let world: TeamsWorld;
  const mette = TeamsWorld.person("mette", "Mette Holm", "en-GB");
  const anders = TeamsWorld.person("anders", "Anders Berg", "da-DK");
  const meeting = { chatId: "19:meeting_NTg0NmQ3NTctZDVkZC00YzRhLThmNmEtOGQ3NmE3ZGU0OTk0@thread.v2", id: "MCMxOTptZWV0aW5nX05UZzBObVEzTlRjdFpEVmtaQzAwWXpSaExUaG1ObUV0T0dRM05tRTNaR1UwT1RrMEB0aHJlYWQudjIjMA==", title: "Styregruppe" };
  const post = async (a: Activity) => {
    const r = await postActivity(app.server.url, a);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    await app.settle();
    return r;
  };
  const seen = (conversationId: string) => fake.messages(conversationId).map((a) => seenFromActivity(a.id, a.activity));
  const inChat = () => seen(meeting.chatId).filter((m, i) => fake.messages(meeting.chatId)[i]!.replyToId === null);

  beforeAll(async () => {
    fake = await FakeTeams.start({ checkMessage: messageProblems });
    const env = { PORT: "0", TEAMS_LOCAL: "1", PARTNERPULS_PLAYGROUND: "off" };
    app = await startApp(loadConfig(env), db(), env);
    world = new TeamsWorld(fake.url);
    for (const p of [mette, anders]) fake.members.set(p.id, { id: p.id, name: p.name, aadObjectId: p.aadObjectId });
    fake.roster.set(meeting.chatId, [mette.id, anders.id]);
    await post(world.installTeam(mette));
    await post(world.membersAdded(mette, ["bot", mette, anders]));
    for (const p of [mette, anders]) await post(world.installPersonal(p));
    await post(world.channelMessage(mette, "partnership create \"Sund By\" channel=here language=en"));
    await post(world.channelMessage(mette, "member add <at>Mette Holm</at> roles=coordinator", [mette]));
    await post(world.channelMessage(mette, "member add <at>Anders Berg</at> roles=partner", [anders]));
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
  });

  it("is linked in the meeting's chat, posts its agenda when the meeting starts, and its minutes once when it ends", { timeout: 60_000 }, async () => {
    const soon = new Date(Date.now() + 7 * 86_400_000);
    const day = soon.toISOString().slice(0, 10);
    await post(world.personalMessage(mette, `meeting add "Styregruppe" at="${day} 14:00" pulse=0`));
    // Typed in the meeting's chat: the answer goes to her privately, as every answer in a shared chat.
    await post(world.meetingChatMessage(mette, "meeting link 1", meeting));
    expect(seen(personalConversationId(mette.id)).at(-1)!.text).toMatch(/Meeting #1 "Styregruppe" is linked to the online meeting held in this chat/);
    expect(inChat().filter((m) => /Agenda/.test(m.text))).toHaveLength(0);

    // Teams says it started (days before its planned time: someone opened it early): the agenda goes to its chat.
    await post(world.meetingEvent("start", mette, meeting, new Date()));
    const card = inChat().find((m) => /Agenda: meeting #1 Styregruppe/.test(m.text))!;
    expect(card.buttons.map((b) => b.label)).toEqual(["Record an agreement"]);
    // Both are in the chat: nobody gets it by DM as well.
    expect(seen(personalConversationId(anders.id)).some((m) => /Dagsorden|Agenda/.test(m.text))).toBe(false);
    // A second start (a rejoin) posts nothing more.
    await post(world.meetingEvent("start", mette, meeting, new Date()));
    expect(inChat().filter((m) => /Agenda: meeting #1/.test(m.text))).toHaveLength(1);

    // Anders presses the card in the chat: the form comes to his own chat, in Danish; he sends it there.
    const before = fake.lastSeq;
    await post(world.execute(anders, { id: meeting.chatId, conversationType: "groupChat" }, card.id, "meeting.record", (card as ReturnType<typeof seenFromActivity>).actions[0]!.action.data));
    const form = fake.messages(personalConversationId(anders.id)).filter((a) => a.seq > before).at(-1)!;
    const formSeen = seenFromActivity(form.id, form.activity);
    expect(formSeen.text).toMatch(/Hvad skal gøres/);
    const send = formSeen.actions.find((a) => a.action.title === "Notér aftalen")!;
    // Teams merges the card's inputs into the pressed action's data, by each input's id.
    const input = (label: string) => formSeen.inputs.find((i) => i.label === label)!;
    const owner = input("Ansvarlig").choices.find((c) => c.title === "Anders Berg")!.value;
    const due = new Date(Date.now() + 21 * 86_400_000).toISOString().slice(0, 10);
    await post(world.execute(anders, world.personalConversation(anders), form.id, send.action.verb, { ...send.action.data, [input("Hvad skal gøres").id]: "Invitér regionens diætister", [input("Ansvarlig").id]: owner, [input("Frist").id]: due }));
    expect(inChat().find((m) => m.id === card.id)!.text).toMatch(/Agreed at this meeting:\n• #1 Invitér regionens diætister — Anders Berg/);

    // Teams says it ended: the minutes in the chat and in the home channel, the card closed; a second end changes nothing.
    await post(world.meetingEvent("end", mette, meeting, new Date()));
    await post(world.meetingEvent("end", mette, meeting, new Date()));
    expect(inChat().filter((m) => /Minutes: meeting #1 Styregruppe/.test(m.text))).toHaveLength(1);
    expect(seen(world.channel.id).filter((m) => /Minutes: meeting #1 Styregruppe/.test(m.text))).toHaveLength(1);
    expect(seen(personalConversationId(anders.id)).filter((m) => /Referat: møde #1/.test(m.text))).toHaveLength(1);
    expect(inChat().find((m) => m.id === card.id)!.text).toMatch(/The meeting is closed/);
    expect(fake.problems).toEqual([]);
  });
});
