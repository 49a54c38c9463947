// The agreement modal translates between Slack's view and the core's agreement form, and nothing more.
import { describe, it, expect, afterAll } from "vitest";
import { actionModal, agreementFromSubmission, modalErrors, isActionModalRequest, modalMeta, resultModal, MODAL_LIMITS } from "../../adapters/slack/modal.ts";
import { textMessage } from "../../src/messages/model.ts";
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

  it("hands the fields to the core as they were typed, quotes and all", () => {
    for (const text of ["Send the plan", 'Invite the "Sund By" board', "Ask «them» and \"us\""])
      expect(agreementFromSubmission(values({ text, owner: "U0ANNE", due: "2030-01-15", meeting: 'The "big" one' }))).toEqual({ text, ownerId: "U0ANNE", due: "2030-01-15", meeting: 'The "big" one' });
    expect(agreementFromSubmission(values({}))).toEqual({ text: "", ownerId: "", due: "" });
  });

  it("puts the core's errors under the fields they are about", () => {
    expect(modalErrors({ text: "Udfyld venligst dette felt.", ownerId: "@U0X er ikke medlem af Sund By.", due: "Vælg venligst en dato i kalenderen." })).toEqual({
      text: "Udfyld venligst dette felt.",
      owner: "@U0X er ikke medlem af Sund By.",
      due: "Vælg venligst en dato i kalenderen.",
    });
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
