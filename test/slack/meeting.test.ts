// A meeting in Slack: held in the partnership's home channel, "Record an agreement" opens a modal
// (a wrong field is refused under that field, and nothing is kept), and the minutes answer the
// agenda card in its thread, shown in the channel as well.
import { it, expect, beforeAll, afterAll } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { startSlackDriver, STEERING_CHANNEL, SLACK_PEOPLE, type SlackDriverHandle } from "../behaviour/drivers/slack.ts";

describeEachDatabase("Slack: a meeting in the home channel", (db) => {
  let h: SlackDriverHandle;
  const [mette, anders] = [SLACK_PEOPLE[0].id, SLACK_PEOPLE[1].id];
  beforeAll(async () => {
    h = await startSlackDriver(db());
    const d = h.driver;
    await d.command(mette, "language en");
    await d.command(mette, `partnership create "Sund By" channel=${d.channelRef} language=en`);
    await d.command(mette, `member add ${d.mention(anders)} roles=partner`);
  });
  afterAll(async () => {
    await h?.driver.close();
  });

  it("records an agreement from a modal and threads the minutes under the agenda", { timeout: 60_000 }, async () => {
    const d = h.driver;
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    await d.command(mette, `meeting add "Styregruppe" at="${day} 14:00" pulse=0`);
    await d.at(new Date(`${day}T12:30:00Z`));
    const card = (await d.channelMessages()).find((m) => /Agenda: meeting #1/.test(m.text))!;
    const modals = h.fake.modals.length;
    const form = (await d.press(anders, card, "Record an agreement"))!;
    expect(h.fake.modals.length).toBe(modals + 1);
    expect(h.fake.modals.at(-1)!.view.type).toBe("modal");
    // Without a text Slack shows the core's words under that field, and the modal stays open.
    const refused = (await d.press(anders, form, "Notér aftalen", undefined, { Ansvarlig: "Anders Berg" }))!;
    expect(refused.text).toBe("• Hvad skal gøres: Udfyld venligst dette felt.");
    expect(await db().prisma.action.count()).toBe(0);
    const done = (await d.press(anders, form, "Notér aftalen", undefined, { "Hvad skal gøres": "Del gådata", Ansvarlig: "Anders Berg" }))!;
    expect(done.text).toMatch(/Aftale #1 noteret på møde #1: Del gådata/);
    expect((await d.channelMessages()).find((m) => m.id === card.id)!.text).toMatch(/• #1 Del gådata — Anders Berg/);

    await d.command(mette, "meeting close 1");
    const minutes = h.fake.conversation(STEERING_CHANNEL.id).filter((m) => /Minutes: meeting #1/.test(m.text));
    expect(minutes).toHaveLength(1);
    expect(minutes[0]!.thread).toEqual({ ts: card.id.split("/")[1], broadcast: true });
  });
});
