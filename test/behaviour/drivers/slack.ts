// Drives the whole app through Slack's real protocol: signed slash commands and block_actions to
// POST /slack/events, Slack's Web API played by a local fake. What a person sees is read back from
// the fake: ephemeral replies from their response_url, DMs and channel posts as they look now
// (after every chat.update), parsed from the Block Kit the adapter sent.
import type { BehaviourDriver, Seen, SeenButton } from "../driver.ts";
import type { Database } from "../../../src/store/database.ts";
import { loadConfig } from "../../../src/config.ts";
import { startApp } from "../../../adapters/main.ts";
import type { SlackAdapter } from "../../../adapters/slack/index.ts";
import { fromMrkdwn, parseBlockId, type SlackBlock, type SlackButton } from "../../../adapters/slack/blocks.ts";
import { FakeSlack } from "../../support/fake-slack.ts";
import { SuiteClock } from "./clock.ts";
import { SIGNING_SECRET, postSigned, slashCommand, blockActions, viewSubmission, type Who } from "../../slack/payloads.ts";

export const SLACK_PEOPLE = [
  { id: "U0METTE", name: "Mette Holm", locale: "da-DK" },
  { id: "U0ANDERS", name: "Anders Berg", locale: "da-DK" },
  { id: "U0FATIMA", name: "Fatima Ali", locale: "da-DK" },
  { id: "U0LARS", name: "Lars Nielsen", locale: "en-GB" },
  { id: "U0SOFIE", name: "Sofie Jensen", locale: "da-DK" },
  { id: "U0JONAS", name: "Jonas Madsen", locale: "en-GB" },
  { id: "U0IDA", name: "Ida Larsen", locale: "da-DK" },
  { id: "U0MIKKEL", name: "Mikkel Poulsen", locale: "en-GB" },
  { id: "U0EMMA", name: "Emma Kristensen", locale: "da-DK" },
] as const;
export const STEERING_CHANNEL = { id: "C0STEER", name: "styregruppe" };

type SlackInput = Extract<SlackBlock, { type: "input" }>["element"];

/** What a field shows: its text, the label of its chosen option, or its date. */
function heldBy(e: SlackInput): string {
  return e.type === "plain_text_input" ? (e.initial_value ?? "") : e.type === "static_select" ? (e.initial_option?.text.text ?? "") : (e.initial_date ?? "");
}

/** A field's state as Slack sends it, with `typed` (an option by its label) in place of what it held. */
function stateOf(e: SlackInput, typed: string | undefined): Record<string, unknown> {
  if (e.type === "plain_text_input") return { type: e.type, value: typed ?? e.initial_value ?? null };
  if (e.type === "datepicker") return { type: e.type, selected_date: typed ?? e.initial_date ?? null };
  const option = typed === undefined ? e.initial_option : e.options.find((o) => o.text.text === typed);
  if (typed !== undefined && !option) throw new Error(`no option "${typed}"`);
  return { type: e.type, selected_option: option ?? null };
}

/** A modal the bot opened, as the person has it in front of them: sending it presses its submit button. */
interface OpenModal {
  view: { callback_id: string; private_metadata: string; submit?: { text: string }; blocks: SlackBlock[] };
}
export type SlackSeen = Seen & { raw: { text: string; blocks: SlackBlock[] }; where: { channel: string; ts: string } | { responseUrl: string } | { modal: OpenModal } };

/** What a person sees of a Block Kit message, in the driver's terms (mirrors seenFromMessage). */
export function seenFromSlack(id: string, text: string, blocks: SlackBlock[], where: SlackSeen["where"]): SlackSeen {
  const lines: string[] = [];
  const questions = new Map<number, Seen["questions"][number]>();
  const buttons: SeenButton[] = [];
  const bars: Seen["bars"] = [];
  const fields: Seen["fields"] = [];
  const question = (index: number) => {
    let q = questions.get(index);
    if (!q) questions.set(index, (q = { prompt: "", options: [] }));
    return q;
  };
  for (const b of blocks) {
    const id = parseBlockId(b.block_id);
    if (b.type === "header") lines.push(b.text.text);
    else if (b.type === "section") {
      if (b.fields) for (const f of b.fields) lines.push(fromMrkdwn(f.text).replace(/^\*(.*?)\*\n/s, "$1: "));
      if (!b.text) continue;
      const t = fromMrkdwn(b.text.text);
      if (id?.kind === "q") {
        const q = question(id.index);
        q.prompt = q.prompt ? `${q.prompt} ${t}` : t;
        lines.push(t);
      } else if (id?.kind === "bar") {
        const ls = t.split("\n");
        for (let i = 0; i < ls.length; i++) {
          const m = /^`[█░]+` (.*)$/.exec(ls[i]!);
          if (m && i > 0) {
            bars.push({ label: ls[i - 1]!, display: m[1]! });
            lines.push(`${ls[i - 1]}: ${m[1]}`);
          }
        }
      } else lines.push(t);
    } else if (b.type === "context") {
      if (id?.kind === "qh") continue; // the scale's anchors, shown under the buttons
      const t = b.elements.map((e) => fromMrkdwn(e.text)).join("\n");
      lines.push(id?.kind === "prg" ? t.replace(/^[▰▱]+\s+/, "") : t);
    } else if (b.type === "input") {
      lines.push(b.label.text);
      fields.push({ label: b.label.text, value: heldBy(b.element) });
    } else if (b.type === "actions") {
      const seen = b.elements.map((e) => ({ label: e.text.text, selected: e.style === "primary" }));
      if (id?.kind === "qa") question(id.index).options.push(...seen);
      else buttons.push(...seen.map((s) => ({ ...s, selected: false })));
    }
  }
  return { id, text: lines.join("\n"), questions: [...questions.entries()].sort((a, b) => a[0] - b[0]).map(([, q]) => q), buttons, bars, fields, images: [], raw: { text, blocks }, where };
}

/** The Slack button a person would press: by label, in question `question` or among the others. */
export function findButton(m: SlackSeen, label: string, question?: number): { button: SlackButton; blockId: string } {
  const actions = m.raw.blocks.filter((b): b is Extract<SlackBlock, { type: "actions" }> => b.type === "actions");
  let pool: Extract<SlackBlock, { type: "actions" }>[];
  if (question !== undefined) {
    const indexes = [...new Set(actions.map((a) => parseBlockId(a.block_id)).filter((p) => p?.kind === "qa").map((p) => p!.index))].sort((a, b) => a - b);
    pool = actions.filter((a) => parseBlockId(a.block_id)?.index === indexes[question] && parseBlockId(a.block_id)?.kind === "qa");
  } else pool = actions.filter((a) => parseBlockId(a.block_id)?.kind !== "qa");
  for (const a of pool) for (const e of a.elements) if (e.text.text === label) return { button: e, blockId: a.block_id };
  throw new Error(`no button "${label}" in ${m.text.slice(0, 200)}`);
}

export interface SlackDriverHandle {
  driver: BehaviourDriver;
  fake: FakeSlack;
  app: Awaited<ReturnType<typeof startApp>>;
  slack: SlackAdapter;
}

export async function startSlackDriver(db: Database, extraEnv: Record<string, string> = {}): Promise<SlackDriverHandle> {
  const fake = await FakeSlack.start();
  for (const p of SLACK_PEOPLE) fake.users.set(p.id, { name: p.name.split(" ")[0]!.toLowerCase(), realName: p.name, displayName: p.name, locale: p.locale });
  const env = {
    PORT: "0",
    PARTNERPULS_PLAYGROUND: "off",
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    ...extraEnv,
  };
  const clock = new SuiteClock();
  const app = await startApp(loadConfig(env), db, env, { now: clock.now });
  // The home channel has the coordinator and the first three partners in it; the others are not.
  fake.channelMembers.set(STEERING_CHANNEL.id, SLACK_PEOPLE.slice(0, 4).map((p) => p.id));
  const slack = app.adapters.slack as SlackAdapter | undefined;
  if (!slack) throw new Error("startApp did not start the Slack adapter");
  const base = app.server.url;
  const who = (userId: string): Who => ({ teamId: fake.team.teamId, teamDomain: fake.team.domain, userId, userName: userId.slice(2).toLowerCase() });
  /** Lets everything a request set off finish: the adapter's own work, then the outbox. */
  const settle = () => app.settle();
  const send = async (req: Parameters<typeof postSigned>[1]) => {
    const res = await postSigned(base, req);
    if (res.status !== 200) throw new Error(`POST /slack/events: ${res.status} ${await res.text()}`);
    await settle();
  };
  /** A channel's messages, each with the pictures uploaded under it (the PNGs the fake received). */
  const fromFake = (channel: string) =>
    fake.conversation(channel).map((m) => ({
      ...seenFromSlack(`${m.channel}/${m.ts}`, m.text, m.blocks as SlackBlock[], { channel: m.channel, ts: m.ts }),
      images: [...fake.files.values()].filter((f) => f.channels.includes(channel) && f.after === m.ts && f.bytes && f.filename.endsWith(".png")).map((f) => ({ alt: f.alt ?? "", bytes: f.bytes! })),
    }));

  const modalSeen = (modal: OpenModal): SlackSeen => {
    const seen = seenFromSlack(`modal:${modal.view.callback_id}`, "", modal.view.blocks, { modal });
    // Its submit button is a button of the form, as a person sees it.
    return { ...seen, buttons: modal.view.submit ? [...seen.buttons, { label: modal.view.submit.text, selected: false }] : seen.buttons };
  };
  /** Sends a modal, `typed` typed into its fields: Slack answers the submission itself, with errors under the fields or the next view. */
  const submitModal = async (userId: string, modal: OpenModal, label: string, typed: Record<string, string>): Promise<Seen | undefined> => {
    if (modal.view.submit?.text !== label) throw new Error(`no button "${label}" in the modal`);
    const inputs = modal.view.blocks.filter((b): b is Extract<SlackBlock, { type: "input" }> => b.type === "input");
    const values = Object.fromEntries(inputs.map((b) => [b.block_id, { [b.element.action_id]: stateOf(b.element, typed[b.label.text]) }]));
    const res = await postSigned(base, viewSubmission(who(userId), { callbackId: modal.view.callback_id, privateMetadata: modal.view.private_metadata, values, blocks: modal.view.blocks }));
    if (res.status !== 200) throw new Error(`view_submission: ${res.status} ${await res.text()}`);
    const body = await res.text();
    await settle();
    const ack = (body ? JSON.parse(body) : {}) as { response_action?: string; errors?: Record<string, string>; view?: OpenModal["view"] };
    if (ack.response_action === "errors") {
      // What the person sees: each field with the error Slack shows under it.
      const lines = inputs.filter((b) => ack.errors?.[b.block_id]).map((b) => `• ${b.label.text}: ${ack.errors![b.block_id]}`);
      return { ...modalSeen(modal), text: lines.join("\n") };
    }
    return ack.view ? modalSeen({ view: ack.view }) : undefined;
  };

  const driver: BehaviourDriver = {
    name: "slack",
    people: { coordinator: SLACK_PEOPLE[0].id, partners: [SLACK_PEOPLE[1].id, SLACK_PEOPLE[2].id, SLACK_PEOPLE[3].id], more: [SLACK_PEOPLE[4].id, SLACK_PEOPLE[5].id, SLACK_PEOPLE[6].id, SLACK_PEOPLE[7].id, SLACK_PEOPLE[8].id] },
    mention: (id) => `<@${id}>`,
    channelRef: `<#${STEERING_CHANNEL.id}|${STEERING_CHANNEL.name}>`,
    async command(userId, text) {
      const responseUrl = fake.responseUrl();
      await send(slashCommand(who(userId), { text, responseUrl }));
      const reply = fake.responsesTo(responseUrl).at(-1);
      if (!reply) throw new Error(`no reply to "${text}"`);
      return seenFromSlack(`ephemeral:${responseUrl}`, String(reply.text ?? ""), (reply.blocks as SlackBlock[]) ?? [], { responseUrl });
    },
    async dms(userId) {
      return fromFake(fake.dmChannel(userId));
    },
    async press(userId, message, label, question, typed = {}) {
      const m = message as SlackSeen;
      if ("modal" in m.where) return submitModal(userId, m.where.modal, label, typed);
      const { button, blockId } = findButton(m, label, question);
      // The press's own trigger: a modal opened with it is this press's, whoever else is pressing.
      const triggerId = `${Date.now()}.${Math.random().toString(16).slice(2)}`;
      const pressed = { action_id: button.action_id, block_id: blockId, value: button.value, text: button.text.text };
      // Slack sends what the message's inputs hold as state.values: block_id → action_id → value.
      const state = Object.fromEntries(
        m.raw.blocks.flatMap((b) => (b.type === "input" ? [[b.block_id, { [b.element.action_id]: stateOf(b.element, typed[b.label.text]) }]] : [])),
      );
      const responseUrl = fake.responseUrl("channel" in m.where ? m.where : undefined);
      if ("channel" in m.where) {
        await send(blockActions(who(userId), { button: pressed, responseUrl, state, triggerId, message: { channel: m.where.channel, ts: m.where.ts, text: m.raw.text, blocks: m.raw.blocks } }));
      } else {
        await send(blockActions(who(userId), { button: pressed, responseUrl, state, triggerId, message: { channel: fake.dmChannel(userId), ts: "0", text: m.raw.text, blocks: m.raw.blocks, ephemeral: true } }));
      }
      // A form opens as a modal.
      const opened = fake.modals.find((x) => x.triggerId === triggerId);
      if (opened) return modalSeen({ view: opened.view as unknown as OpenModal["view"] });
      // What was said apart: an ephemeral reply that does not replace the message pressed.
      const apart = fake.responsesTo(responseUrl).filter((r) => r.replace_original !== true).at(-1);
      return apart ? seenFromSlack(`ephemeral:${responseUrl}`, String(apart.text ?? ""), (apart.blocks as SlackBlock[]) ?? [], { responseUrl }) : undefined;
    },
    async channelMessages() {
      return fromFake(STEERING_CHANNEL.id);
    },
    at: (when) => clock.at(app, when),
    async close() {
      await app.stop();
      await fake.close();
    },
  };
  return { driver, fake, app, slack };
}

export async function slackDriver(db: Database): Promise<BehaviourDriver> {
  return (await startSlackDriver(db)).driver;
}
