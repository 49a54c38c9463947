// Slack's requests, as Slack sends them, into the whole app (real core, database, outbox, courier)
// with only Slack's Web API faked: signature checks, slash commands, buttons, the Home tab, the
// agreement modal and files.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { startSlackDriver, findButton, seenFromSlack, type SlackDriverHandle, type SlackSeen } from "../behaviour/drivers/slack.ts";
import { postSigned, slashCommand, blockActions, appHomeOpened, viewSubmission, SIGNING_SECRET, type Who, type Signed } from "./payloads.ts";
import { signSlackRequest } from "../../adapters/slack/receiver.ts";
import { SLACK_API_TIMEOUT_MS } from "../../adapters/slack/config.ts";
import { ACTION_MODAL_ID } from "../../adapters/slack/modal.ts";
import { validateBlocks } from "../support/fake-slack.ts";
import type { SlackBlock } from "../../adapters/slack/blocks.ts";

const COORD = "U0METTE";
const PARTNERS = ["U0ANDERS", "U0FATIMA", "U0LARS"] as const;

describeEachDatabase("Slack requests into the whole app", (db) => {
  let h: SlackDriverHandle;
  let base: string;
  const who = (userId: string): Who => ({ teamId: h.fake.team.teamId, teamDomain: h.fake.team.domain, userId });
  const settle = async () => {
    await h.slack.settle();
    await h.app.settle();
    await h.slack.settle();
  };
  const send = async (req: Signed) => {
    const res = await postSigned(base, req);
    await settle();
    return res;
  };
  const command = async (userId: string, text: string, channelId?: string) => {
    const responseUrl = h.fake.responseUrl();
    const res = await send(slashCommand(who(userId), { text, responseUrl, ...(channelId ? { channelId } : {}) }));
    expect(res.status).toBe(200);
    const reply = h.fake.responsesTo(responseUrl).at(-1)!;
    return { res, reply, seen: seenFromSlack("reply", String(reply.text), reply.blocks as SlackBlock[], { responseUrl }) };
  };
  const latestCard = async (userId: string) => (await h.driver.dms(userId)).at(-1)! as SlackSeen;
  const pressPayload = (userId: string, card: SlackSeen, label: string, question?: number) => {
    const { button, blockId } = findButton(card, label, question);
    const where = card.where as { channel: string; ts: string };
    return blockActions(who(userId), {
      button: { action_id: button.action_id, block_id: blockId, value: button.value, text: button.text.text },
      responseUrl: h.fake.responseUrl(where),
      message: { channel: where.channel, ts: where.ts, text: card.raw.text, blocks: card.raw.blocks },
    });
  };
  const counts = async () => {
    const p = db().prisma;
    return { workspaces: await p.workspace.count(), people: await p.person.count(), jobs: await p.job.count(), calls: h.fake.calls.length, responses: h.fake.responses.size };
  };

  beforeAll(async () => {
    h = await startSlackDriver(db());
    base = h.app.server.url;
  });
  afterAll(async () => {
    await h?.driver.close();
  });

  describe("signature verification", () => {
    it("refuses bad, unsigned, stale and future requests with 401, and records or sends nothing", async () => {
      const before = await counts();
      const now = Math.floor(Date.now() / 1000);
      const create = () => slashCommand(who(COORD), { text: 'partnership create "Forged"', responseUrl: h.fake.responseUrl() });
      const tampered = create();
      const variants: Signed[] = [
        { ...create(), secret: "not-the-signing-secret" },
        { ...tampered, headers: { "x-slack-signature": signSlackRequest(SIGNING_SECRET, now, tampered.body.replace("Forged", "Forget")) } },
        { ...create(), headers: { "x-slack-signature": "" } },
        { ...create(), headers: { "x-slack-request-timestamp": "" } },
        { ...create(), headers: { "x-slack-signature": "", "x-slack-request-timestamp": "" } },
        { ...create(), headers: { "x-slack-signature": "v1=abc" } },
        { ...create(), timestamp: now - 5 * 60 - 5 },
        { ...create(), timestamp: now + 5 * 60 + 5 },
        { ...create(), headers: { "x-slack-request-timestamp": "soon" } },
      ];
      for (const [i, v] of variants.entries()) {
        const res = await postSigned(base, v);
        expect(res.status, `variant ${i}`).toBe(401);
      }
      await settle();
      expect(await counts()).toEqual(before);
    });

    it("accepts a request signed up to five minutes either side of now", async () => {
      const now = Math.floor(Date.now() / 1000);
      for (const timestamp of [now - 4 * 60, now + 4 * 60]) {
        const responseUrl = h.fake.responseUrl();
        const res = await send({ ...slashCommand(who(COORD), { text: "help", responseUrl }), timestamp });
        expect(res.status).toBe(200);
        expect(h.fake.responsesTo(responseUrl)).toHaveLength(1);
      }
    });

    it("answers Slack's URL verification challenge", async () => {
      const res = await postSigned(base, { body: JSON.stringify({ token: "x", challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", type: "url_verification" }), contentType: "application/json" });
      expect(await res.json()).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" });
    });
  });

  describe("the Web API client", () => {
    it("gives up on a request after 20 s, well inside a delivery job's 60 s lease", async () => {
      // The client Bolt hands a listener for this request (the option is private to WebClient).
      const timeouts: unknown[] = [];
      h.slack.app.use(async ({ client, next }) => {
        timeouts.push((client as unknown as { timeout: unknown }).timeout);
        await next();
      });
      await command(COORD, "help");
      expect(timeouts).toEqual([SLACK_API_TIMEOUT_MS]);
      expect((h.slack.app.client as unknown as { timeout: unknown }).timeout).toBe(SLACK_API_TIMEOUT_MS);
      expect(SLACK_API_TIMEOUT_MS).toBeGreaterThan(0);
      expect(SLACK_API_TIMEOUT_MS * 2).toBeLessThan(60_000);
    });
  });

  describe("slash commands", () => {
    it("are acknowledged at once with an empty 200, then answered ephemerally through response_url", async () => {
      const { res, reply } = await command(PARTNERS[2], "help");
      expect(await res.text()).toBe("");
      expect(reply.response_type).toBe("ephemeral");
      expect(validateBlocks(reply.blocks, 50)).toBeNull();
      expect(JSON.stringify(reply.blocks)).toContain("checkin start");
    });

    it("answer empty text with help, in the person's Slack language", async () => {
      h.fake.users.set("U0DANE", { name: "dane", locale: "da-DK" });
      const { seen } = await command("U0DANE", "");
      expect(seen.text).toMatch(/For koordinatorer/);
    });

    it("store the Slack team as the workspace, with its domain, only when a command needs it", async () => {
      const before = await db().prisma.workspace.count();
      await command(COORD, "hjælp");
      expect(await db().prisma.workspace.count()).toBe(before);
      const { seen } = await command(COORD, `partnership create "Sund By" channel=<#C0STEER|styregruppe> language=en`, "C0GENERAL");
      expect(seen.text).toMatch(/Sund By/);
      const w = await db().prisma.workspace.findFirst({ where: { platform: "slack" } });
      expect(w).toMatchObject({ externalId: h.fake.team.teamId, name: h.fake.team.domain });
      expect((await db().prisma.person.findFirst({ where: { platformUserId: COORD } }))?.displayName).toBe("Mette Holm");
    });
  });

  describe("buttons", () => {
    beforeAll(async () => {
      for (const o of ["Aarhus Kommune", "Region Midtjylland"]) await command(COORD, `org add "${o}" sector=municipality`);
      for (const p of PARTNERS) await command(COORD, `member add <@${p}|${p.toLowerCase()}> roles=partner`);
      const { seen } = await command(COORD, "checkin start deadline=14d");
      expect(seen.text).toMatch(/#1/);
    });

    it("acknowledge at once and replace the card pressed with the answer shown as chosen", async () => {
      const card = await latestCard(PARTNERS[0]);
      const updates = h.fake.callsTo("chat.update").length;
      const res = await send(pressPayload(PARTNERS[0], card, "3", 0));
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("");
      expect(h.fake.callsTo("chat.update")).toHaveLength(updates + 1);
      const after = await latestCard(PARTNERS[0]);
      expect(after.id).toBe(card.id);
      expect(after.questions[0]!.options.filter((o) => o.selected).map((o) => o.label)).toEqual(["3"]);
      expect(validateBlocks(after.raw.blocks, 50)).toBeNull();
    });

    it("do a press Slack delivers twice once, and record a double click as one answer", async () => {
      const p = PARTNERS[1];
      const card = await latestCard(p);
      const payload = pressPayload(p, card, "4", 1);
      const updates = h.fake.callsTo("chat.update").length;
      await send(payload);
      await send(payload); // the very same request again
      expect(h.fake.callsTo("chat.update")).toHaveLength(updates + 1);
      await send(pressPayload(p, card, "4", 1)); // a second click: a new press, same answer
      const answers = await db().prisma.answer.findMany({ where: { membership: { person: { platformUserId: p } } } });
      expect(answers).toHaveLength(1);
      expect(answers[0]!.rating).toBe(4);
    });

    it("leave the card showing the last of several quick presses", async () => {
      const p = PARTNERS[2];
      const card = await latestCard(p);
      // Each request is acknowledged before the next is sent; none has been handled yet.
      for (const label of ["1", "2", "3", "5"]) expect((await postSigned(base, pressPayload(p, card, label, 2))).status).toBe(200);
      await settle();
      const after = await latestCard(p);
      expect(after.questions[2]!.options.filter((o) => o.selected).map((o) => o.label)).toEqual(["5"]);
      const answers = await db().prisma.answer.findMany({ where: { membership: { person: { platformUserId: p } } } });
      expect(answers.map((a) => a.rating)).toEqual([5]);
    });

    it("replace the card through the press's response_url while chat.update is rate limited", async () => {
      const p = PARTNERS[0];
      const card = await latestCard(p);
      const where = card.where as { channel: string; ts: string };
      h.fake.limit({ kind: "window", untilMs: Date.now() + 60_000, retryAfterS: 30, methods: "chat.update" });
      try {
        const { button, blockId } = findButton(card, "5", 1);
        const responseUrl = h.fake.responseUrl(where);
        const started = Date.now();
        await send(blockActions(who(p), { button: { action_id: button.action_id, block_id: blockId, value: button.value, text: "5" }, responseUrl, message: { ...where, text: card.raw.text, blocks: card.raw.blocks } }));
        expect(Date.now() - started).toBeLessThan(5_000); // Retry-After (30 s) was not waited out
        expect(h.fake.callsTo("chat.update").at(-1)!.status).toBe(429);
        expect(h.fake.responsesTo(responseUrl)[0]).toMatchObject({ replace_original: true });
        const after = await latestCard(p);
        expect(after.questions[1]!.options.filter((o) => o.selected).map((o) => o.label)).toEqual(["5"]);
      } finally {
        h.fake.clearLimits();
      }
    });

    it("in an ephemeral reply replace that reply through response_url", async () => {
      await command(COORD, `action add "Send the plan to the board" owner=<@${PARTNERS[0]}> due=2030-01-15`);
      const { seen } = await command(PARTNERS[0], "action list");
      // Anders reads Danish: his Slack locale, with no choice of his own.
      const { button, blockId } = findButton(seen, "Markér #1 som færdig");
      const responseUrl = h.fake.responseUrl();
      await send(
        blockActions(who(PARTNERS[0]), {
          button: { action_id: button.action_id, block_id: blockId, value: button.value, text: button.text.text },
          responseUrl,
          message: { channel: `D${PARTNERS[0]}`, ts: "1700000000.000100", text: seen.raw.text, blocks: seen.raw.blocks, ephemeral: true },
        }),
      );
      const [replaced] = h.fake.responsesTo(responseUrl);
      expect(replaced).toMatchObject({ response_type: "ephemeral", replace_original: true });
      expect(String(replaced!.text)).toMatch(/#1/);
      expect((await db().prisma.action.findFirst({ where: { number: 1 } }))?.status).toBe("done");
    });
  });

  describe("the Home tab", () => {
    it("is published on app_home_opened, once per event however often Slack retries it", async () => {
      const p = PARTNERS[0];
      const publishes = () => h.fake.callsTo("views.publish").length;
      const before = publishes();
      const event = appHomeOpened(who(p));
      expect((await send(event)).status).toBe(200);
      expect(publishes()).toBe(before + 1);
      const home = h.fake.homeViews.get(p)!.view as { type: string; blocks: SlackBlock[] };
      expect(home.type).toBe("home");
      expect(validateBlocks(home.blocks, 100)).toBeNull();
      expect(JSON.stringify(home.blocks)).toContain("Sund By");
      for (const n of ["1", "2"]) {
        const retry = await send({ ...event, headers: { "x-slack-retry-num": n, "x-slack-retry-reason": "http_timeout" } });
        expect(retry.status).toBe(200);
      }
      expect(publishes()).toBe(before + 1);
      await send(appHomeOpened(who(p), { tab: "messages" }));
      expect(publishes()).toBe(before + 1);
    });

    it("sends what a Home button opens as a direct message, and refreshes Home", async () => {
      const p = PARTNERS[0];
      await send(appHomeOpened(who(p)));
      const home = h.fake.homeViews.get(p)!.view as { blocks: SlackBlock[] };
      const seen = seenFromSlack("home", "", home.blocks, { channel: "home", ts: "0" });
      const label = seen.buttons[0]!.label;
      const { button, blockId } = findButton(seen, label);
      const dms = (await h.driver.dms(p)).length;
      const publishes = h.fake.callsTo("views.publish").length;
      await send(blockActions(who(p), { button: { action_id: button.action_id, block_id: blockId, value: button.value, text: label }, responseUrl: h.fake.responseUrl(), homeViewId: "V0HOME" }));
      const after = await h.driver.dms(p);
      expect(after).toHaveLength(dms + 1);
      expect(after.at(-1)!.text).toMatch(/Section|Afsnit/);
      expect(h.fake.callsTo("views.publish")).toHaveLength(publishes + 1);
    });
  });

  describe("the agreement modal", () => {
    const submit = async (userId: string, privateMetadata: string, values: { text?: string; owner?: string; due?: string; meeting?: string }) => {
      const res = await postSigned(
        base,
        viewSubmission(who(userId), {
          callbackId: ACTION_MODAL_ID,
          privateMetadata,
          values: {
            text: { value: { type: "plain_text_input", value: values.text ?? null } },
            owner: { value: { type: "users_select", selected_user: values.owner ?? null } },
            due: { value: { type: "datepicker", selected_date: values.due ?? null } },
            meeting: { value: { type: "plain_text_input", value: values.meeting ?? null } },
          },
        }),
      );
      expect(res.status).toBe(200);
      await settle();
      return (await res.json()) as { response_action: string; errors?: Record<string, string>; view?: { blocks: SlackBlock[]; title: { text: string } } };
    };

    it("opens on `/puls action`, and a submission becomes `action add` with the result shown in the modal", async () => {
      const responseUrl = h.fake.responseUrl();
      await send(slashCommand(who(COORD), { text: "action", responseUrl, channelId: "C0STEER", triggerId: "13345224609.738474920.8088930838d88f008e0" }));
      expect(h.fake.responsesTo(responseUrl)).toHaveLength(0);
      const opened = h.fake.modals.at(-1)!;
      expect(opened.triggerId).toBe("13345224609.738474920.8088930838d88f008e0");
      const view = opened.view as { callback_id: string; private_metadata: string; title: { text: string }; blocks: { block_id: string }[] };
      expect(view.callback_id).toBe(ACTION_MODAL_ID);
      expect(view.title.text.length).toBeLessThanOrEqual(24);
      expect(view.blocks.map((b) => b.block_id)).toEqual(["text", "owner", "due", "meeting"]);
      const r = await submit(COORD, view.private_metadata, { text: 'Invite the "Sund By" board', owner: PARTNERS[1], due: "2030-03-01", meeting: "Steering group" });
      expect(r.response_action).toBe("update");
      expect(JSON.stringify(r.view!.blocks)).toMatch(/#2/);
      const action = await db().prisma.action.findFirst({ where: { number: 2 }, include: { owner: { include: { person: true } } } });
      expect(action).toMatchObject({ text: 'Invite the "Sund By" board', sourceMeeting: "Steering group" });
      expect(action!.owner!.person.platformUserId).toBe(PARTNERS[1]);
      expect(action!.dueDate!.toISOString().slice(0, 10)).toBe("2030-03-01");
    });

    it("shows errors under the field they concern, and records nothing", async () => {
      const meta = JSON.stringify({ lang: "en", channelId: "C0STEER" });
      const before = await db().prisma.action.count();
      const notMember = await submit(COORD, meta, { text: "Write the report", owner: "U0STRANGER", due: "2030-03-01" });
      expect(notMember.response_action).toBe("errors");
      expect(notMember.errors!.owner).toMatch(/U0STRANGER|member/);
      // The form's rules are the core's: the owner and the due date are required. Its words are the
      // person's language (the coordinator's Slack locale is da-DK), whatever the modal was opened in.
      const noDue = await submit(COORD, meta, { text: 'Both " and » here', owner: PARTNERS[1] });
      expect(noDue).toMatchObject({ response_action: "errors", errors: { due: "Udfyld venligst dette felt." } });
      expect(await db().prisma.action.count()).toBe(before);
    });
  });

  describe("files", () => {
    it("from a command go to the person's direct messages; the ephemeral reply says so", async () => {
      const { seen } = await command(COORD, "export csv");
      // The core's words and the adapter's own both in her language: her Slack locale, Danish.
      expect(seen.text).toMatch(/Samlede resultater/);
      expect(seen.text).toMatch(/Jeg har sendt dig partnerpuls-Sund-By\.csv som en direkte besked/);
      const file = [...h.fake.files.values()].find((f) => f.filename === "partnerpuls-Sund-By.csv")!;
      expect(file.channels).toEqual([`D${COORD}`]);
      expect(file.content).toMatch(/^\uFEFF?runde;instrument/); // Danish: her columns, `;` and decimal commas
    });

    it("are shown in a code block when they cannot be uploaded and are small enough", async () => {
      h.fake.fail("files.getUploadURLExternal", "missing_scope");
      const { seen } = await command("U0NEWCOMER", "mydata export");
      expect(seen.text).toMatch(/partnerpuls-my-data\.json:\n```\n\{/);
    });
  });
});
