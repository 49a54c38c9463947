// The agreement modal translates into the `action add` command line, and nothing more.
import { describe, it, expect, afterAll } from "vitest";
import { actionModal, commandFromSubmission, errorsFromReply, isActionModalRequest, modalMeta, resultModal, MODAL_LIMITS } from "../../adapters/slack/modal.ts";
import { parseCommand } from "../../src/commands/parse.ts";
import { message, textMessage } from "../../src/messages/model.ts";
import { createSlackAdapter } from "../../adapters/slack/adapter.ts";
import { slackConfigFrom } from "../../adapters/slack/config.ts";
import { ConfigError } from "../../src/config.ts";
import { FakeSlack } from "../support/fake-slack.ts";

const values = (v: { text?: string; owner?: string; due?: string; meeting?: string }) => ({
  text: { value: { value: v.text ?? null } },
  owner: { value: { selected_user: v.owner ?? null } },
  due: { value: { selected_date: v.due ?? null } },
  meeting: { value: { value: v.meeting ?? null } },
});

describe("the agreement modal", () => {
  it("opens for `action` (and its Danish words) with nothing after it, not for a full command", () => {
    for (const t of ["action", "Action add", "aftale", "aftale tilføj", " actions "]) expect(isActionModalRequest(t), t).toBe(true);
    for (const t of ["action list", 'action add "x"', "action done 1", "help"]) expect(isActionModalRequest(t), t).toBe(false);
  });

  it("keeps Slack's modal limits in both languages", () => {
    for (const lang of ["en", "da"] as const) {
      const v = actionModal({ lang, channelId: "C1" });
      for (const t of [v.title, v.submit, v.close]) expect(t.text.length).toBeLessThanOrEqual(MODAL_LIMITS.title);
      expect(v.private_metadata.length).toBeLessThanOrEqual(MODAL_LIMITS.privateMetadata);
      expect(modalMeta(v.private_metadata, "en")).toEqual({ lang, channelId: "C1" });
      expect(resultModal(lang, textMessage("ok")).close.text.length).toBeLessThanOrEqual(MODAL_LIMITS.button);
    }
    expect(modalMeta("not json", "da")).toEqual({ lang: "da" });
  });

  it("writes a command line the core's parser reads back exactly, quoting around the text's own quotes", () => {
    const cases = [
      { text: "Send the plan", meeting: undefined },
      { text: 'Invite the "Sund By" board', meeting: "Styregruppe 20. nov" },
      { text: "Ask «them»", meeting: 'The "big" one' },
    ];
    for (const c of cases) {
      const r = commandFromSubmission(values({ ...c, owner: "U0ANNE", due: "2030-01-15" }), "en");
      expect(r.ok).toBe(true);
      const parsed = parseCommand((r as { command: string }).command);
      expect(parsed).toMatchObject({ ok: true, command: { name: "action.add", text: c.text, ownerId: "U0ANNE", ...(c.meeting ? { meeting: c.meeting } : {}) } });
    }
  });

  it("says which fields are missing or cannot be written, in the person's language", () => {
    const r = commandFromSubmission(values({ text: 'Both " and »', due: "soon" }), "da");
    expect(r).toEqual({ ok: false, errors: { text: expect.stringMatching(/»/), owner: "Udfyld venligst dette felt.", due: "Udfyld venligst dette felt." } });
  });

  it("puts the core's error under the owner when it is about the owner, else under the text", () => {
    const aboutOwner = message("x", [{ type: "text", text: "⚠️ <@U0X> is not a member of *Sund By*." }]);
    expect(errorsFromReply(aboutOwner, "U0X")).toEqual({ owner: "@U0X is not a member of Sund By." });
    expect(Object.keys(errorsFromReply(message("x", [{ type: "text", text: "⚠️ No partnership." }]), "U0X"))).toEqual(["text"]);
  });
});

describe("a bot token Slack refuses", () => {
  let fake: FakeSlack | undefined;
  afterAll(async () => {
    await fake?.close();
  });

  it("stops the start with a message naming SLACK_BOT_TOKEN", async () => {
    fake = await FakeSlack.start();
    const config = slackConfigFrom({ SLACK_BOT_TOKEN: "xoxb-revoked", SLACK_SIGNING_SECRET: "0123456789abcdef", SLACK_API_URL: fake.apiUrl })!;
    const e = await createSlackAdapter({ core: {} as never, prisma: {} as never }, config).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toMatch(/SLACK_BOT_TOKEN: Slack refused it \(invalid_auth\)/);
  });
});
