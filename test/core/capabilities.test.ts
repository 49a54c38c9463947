// The port says what a platform can show, and the core offers what fits: help points to the
// agreement form where there are forms, and to `overview` where there is no Home view, which
// `overview` then shows as a reply.
import { it, expect, beforeAll, afterAll, describe } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { RecordingPort, coreWithCourier } from "../support/recording-port.ts";
import { TEXT_ONLY, type Actor, type Capabilities } from "../../src/ports.ts";
import { plainOf, type Message } from "../../src/messages/model.ts";
import { helpMessage } from "../../src/commands/help.ts";
import { t, LANGS } from "../../src/i18n/i18n.ts";
import { SLACK_CAPABILITIES } from "../../adapters/slack/port.ts";
import { TEAMS_CAPABILITIES } from "../../adapters/teams/port.ts";
import { LOCAL_CAPABILITIES } from "../../adapters/local/adapter.ts";

const flat = (m: Message) => m.blocks.map((b) => ("text" in b ? plainOf(b.text) : "")).join("\n");

describe("help, by what the platform can show", () => {
  const platforms: [string, Capabilities][] = [["slack", SLACK_CAPABILITIES], ["teams", TEAMS_CAPABILITIES], ["local", LOCAL_CAPABILITIES], ["text only", TEXT_ONLY]];
  for (const [name, can] of platforms)
    it(`on ${name}: the form where there are forms, overview where there is no Home view`, () => {
      for (const lang of LANGS) {
        const all = flat(helpMessage(lang, undefined, can));
        expect(all.includes(t(lang, "help.form")), `${name} ${lang}`).toBe(can.modals);
        expect(all.includes(t(lang, "help.no-home")), `${name} ${lang}`).toBe(!can.home);
        expect(flat(helpMessage(lang, lang === "en" ? "action add" : "aftale tilføj", can)).includes(t(lang, "help.form"))).toBe(can.modals);
      }
    });
});

describeEachDatabase("overview", (db) => {
  let app: ReturnType<typeof coreWithCourier>;
  const as = (userId: string): Actor => ({ workspace: { platform: "teams", externalId: "tenant-overview" }, userId, displayName: userId, locale: "en-GB", capabilities: TEAMS_CAPABILITIES });
  beforeAll(async () => {
    app = coreWithCourier(db().prisma, new RecordingPort(), { defaultLanguage: "en" });
    await app.core.command(as("coord"), 'partnership create "Overblik" language=en');
    await app.core.command(as("coord"), "member add @{anna} roles=partner");
    await app.core.command(as("coord"), "checkin start sections=1");
    await app.core.command(as("coord"), 'action add "Book the room" owner=@{anna} due=2030-01-15');
  });
  afterAll(() => app.stop());

  it("shows, as a reply, what the Home view shows", async () => {
    for (const who of ["anna", "coord"]) {
      const overview = await app.core.command(as(who), "overview");
      const home = await app.core.home(as(who));
      expect(flat(overview)).toBe(flat(home));
      expect(flat(overview)).toMatch(/Overblik/);
    }
    expect(flat(await app.core.command(as("anna"), "overview"))).toMatch(/Book the room/);
  });
});
