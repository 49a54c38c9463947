// Drives the whole app through the Teams adapter as Teams would: activities POSTed to
// /api/messages (1:1 messages, @mentions in a channel, Action.Execute invokes and Action.Submit
// messages), with a fake Bot Framework connector as every activity's serviceUrl. What a person
// sees is read back from the connector: the Adaptive Cards in their 1:1 chat and in the channel,
// as they look after updates.
import type { BehaviourDriver, Seen, SeenButton, SeenQuestion } from "../driver.ts";
import type { Database } from "../../../src/store/database.ts";
import { loadConfig } from "../../../src/config.ts";
import { startApp } from "../../../adapters/main.ts";
import { assertValidCard, messageProblems } from "../../teams/validate-card.ts";
import { SuiteClock } from "./clock.ts";
import { FakeTeams, TeamsWorld, postActivity, personalConversationId, type FakeActivity, type TeamsPerson, type Activity } from "../../support/fake-teams.ts";

type Card = { body?: CardNode[]; actions?: CardNode[] };
type CardNode = Record<string, unknown> & { type: string };

interface CardAction {
  title: string;
  verb: string;
  data: Record<string, unknown>;
  submit: Record<string, unknown>;
}

const SELECTED = "✓ ";
/** Markdown as a person reads it: **bold** shows bold, without the stars. */
const visible = (s: string) => s.replace(/\*\*([^*]+)\*\*/g, "$1").replace(/<\/?at>/g, "").replace(/\u200b/g, "");

function cardOf(activity: Record<string, unknown>): Card | null {
  const att = (activity.attachments as { contentType: string; content: Card }[] | undefined)?.find((a) => a.contentType === "application/vnd.microsoft.card.adaptive");
  return att?.content ?? null;
}

/** What a person sees of a Teams message: its card's text, questions, buttons and bars. */
export function seenFromActivity(id: string, activity: Record<string, unknown>): Seen & { inputs: { id: string; label: string; value: string; choices: { title: string; value: string }[] }[]; actions: { question: number | null; action: CardAction }[]; imageUrls: { alt: string; url: string }[] } {
  const text: string[] = [];
  const imageUrls: { alt: string; url: string }[] = [];
  const questions: SeenQuestion[] = [];
  const buttons: SeenButton[] = [];
  const bars: Seen["bars"] = [];
  const inputs: { id: string; label: string; value: string; choices: { title: string; value: string }[] }[] = [];
  const actions: { question: number | null; action: CardAction }[] = [];
  const toAction = (a: CardNode): CardAction => ({
    title: String(a.title),
    verb: String(a.verb),
    data: (a.data as Record<string, unknown>) ?? {},
    submit: ((a.fallback as { data?: Record<string, unknown> } | undefined)?.data ?? {}) as Record<string, unknown>,
  });
  const seenButton = (a: CardAction): SeenButton => ({ label: a.title.startsWith(SELECTED) ? a.title.slice(SELECTED.length) : a.title, selected: a.title.startsWith(SELECTED) });
  const walk = (nodes: CardNode[], question: number | null) => {
    for (const n of nodes) {
      if (n.type === "TextBlock") text.push(visible(String(n.text)));
      else if (n.type === "FactSet") {
        const facts = n.facts as { title: string; value: string }[];
        for (const f of facts) {
          if (String(n.id ?? "").startsWith("bars-")) {
            const display = f.value.replace(/^[█░]+\s*/, "");
            bars.push({ label: f.title, display });
            text.push(`${f.title}: ${display}`);
          } else text.push(`${visible(f.title)}: ${visible(f.value)}`);
        }
      } else if (n.type === "Container" && String(n.id ?? "").startsWith("question:")) {
        const items = n.items as CardNode[];
        const prompt = visible(String(items.find((i) => i.type === "TextBlock")?.text ?? ""));
        text.push(prompt);
        const q: SeenQuestion = { prompt, options: [] };
        for (const set of items.filter((i) => i.type === "ActionSet"))
          for (const a of set.actions as CardNode[]) {
            const act = toAction(a);
            q.options.push(seenButton(act));
            actions.push({ question: questions.length, action: act });
          }
        questions.push(q);
      } else if (n.type === "Image") {
        imageUrls.push({ alt: String(n.altText ?? ""), url: String(n.url) });
      } else if (n.type === "Input.Text" || n.type === "Input.Date" || n.type === "Input.ChoiceSet") {
        text.push(String(n.label));
        const choices = (n.choices as { title: string; value: string }[] | undefined) ?? [];
        inputs.push({ id: String(n.id), label: String(n.label), value: typeof n.value === "string" ? n.value : "", choices });
      } else if (n.type === "ActionSet") {
        for (const a of n.actions as CardNode[]) {
          const act = toAction(a);
          buttons.push(seenButton(act));
          actions.push({ question: null, action: act });
        }
      } else if (Array.isArray(n.items)) walk(n.items as CardNode[], question);
    }
  };
  const card = cardOf(activity);
  // Every card a person is shown must be one Teams can render.
  if (card) assertValidCard(card, `message ${id}`);
  if (card) {
    walk(card.body ?? [], null);
    if (card.actions) walk([{ type: "ActionSet", actions: card.actions }], null);
  } else if (typeof activity.text === "string") text.push(activity.text);
  return { id, text: text.join("\n"), questions, buttons, bars, fields: inputs.map(({ label, value, choices }) => ({ label, value: choices.length ? (choices.find((c) => c.value === value)?.title ?? "") : value })), images: [], inputs, actions, imageUrls };
}

/** Where the bot says it is reachable: cards link charts there. */
const TEAMS_PUBLIC_URL = "https://partnerpuls.example.org/bot";

const CAST: Record<string, { name: string; locale: string }> = {
  mette: { name: "Mette Holm", locale: "da-DK" },
  anders: { name: "Anders Berg", locale: "da-DK" },
  fatima: { name: "Fatima Ali", locale: "da-DK" },
  lars: { name: "Lars Nielsen", locale: "en-GB" },
  sofie: { name: "Sofie Jensen", locale: "da-DK" },
  jonas: { name: "Jonas Madsen", locale: "en-GB" },
  ida: { name: "Ida Larsen", locale: "da-DK" },
  mikkel: { name: "Mikkel Poulsen", locale: "en-GB" },
  emma: { name: "Emma Kristensen", locale: "da-DK" },
};

export async function teamsDriver(db: Database): Promise<BehaviourDriver & { fake: FakeTeams; world: TeamsWorld }> {
  // Every message the bot sends is checked as Teams would render it (its Adaptive Cards).
  const fake = await FakeTeams.start({ checkMessage: messageProblems });
  // A public address, as behind a reverse proxy: cards then carry charts (and files) as links.
  const env = { PORT: "0", TEAMS_LOCAL: "1", PARTNERPULS_PLAYGROUND: "off", PARTNERPULS_PUBLIC_URL: TEAMS_PUBLIC_URL };
  const clock = new SuiteClock();
  const app = await startApp(loadConfig(env), db, env, { now: clock.now });
  /** The card's pictures as the Teams client gets them: each fetched from the bot's address (the proxy strips the prefix). */
  const withImages = async (seen: ReturnType<typeof seenFromActivity>) => {
    const images: Seen["images"] = [];
    for (const { alt, url } of seen.imageUrls) {
      if (!url.startsWith(`${TEAMS_PUBLIC_URL}/media/`)) throw new Error(`a card's image is not the bot's: ${url}`);
      const res = await fetch(`${app.server.url}${url.slice(TEAMS_PUBLIC_URL.length)}`);
      if (res.status !== 200 || res.headers.get("content-type") !== "image/png") throw new Error(`${url} answered ${res.status} ${res.headers.get("content-type")}`);
      images.push({ alt, bytes: Buffer.from(await res.arrayBuffer()) });
    }
    return { ...seen, images };
  };
  const world = new TeamsWorld(fake.url);
  const people = new Map<string, TeamsPerson>(Object.entries(CAST).map(([k, p]) => [k, TeamsWorld.person(k, p.name, p.locale)]));
  for (const p of people.values()) fake.members.set(p.id, { id: p.id, name: p.name, aadObjectId: p.aadObjectId });
  // The channel has the coordinator and the first three partners in it; the others are not.
  fake.roster.set(world.channel.id, ["mette", "anders", "fatima", "lars"].map((k) => people.get(k)!.id));
  const person = (key: string) => {
    const p = people.get(key);
    if (!p) throw new Error(`no person ${key}`);
    return p;
  };

  const post = async (activity: Activity) => {
    const r = await postActivity(app.server.url, activity);
    if (r.status !== 200) throw new Error(`${activity.type} → ${r.status} ${JSON.stringify(r.body)}`);
    await app.settle();
    if (fake.problems.length) throw new Error(`the bot sent cards Teams could not show:\n${fake.problems.join("\n")}`);
    return r;
  };

  // The app is installed in the team (everyone is a member) and for each person personally.
  const coordinator = person("mette");
  await post(world.installTeam(coordinator));
  await post(world.membersAdded(coordinator, ["bot", ...people.values()]));
  for (const p of people.values()) await post(world.installPersonal(p));

  const messagesIn = (conversationId: string) => fake.messages(conversationId);
  const isDm = (a: FakeActivity) => a.replyToId === null;
  let submitNext = false;

  return {
    name: "teams",
    fake,
    world,
    people: { coordinator: "mette", partners: ["anders", "fatima", "lars"], more: ["sofie", "jonas", "ida", "mikkel", "emma"] },
    mention: (id) => `<at>${person(id).name}</at>`,
    // Typed in the channel itself, which is how a Teams user names it.
    channelRef: "here",
    async command(userId, text) {
      const p = person(userId);
      const before = fake.lastSeq;
      // Commands that name a channel or mention people are typed in the channel (@Partnerpuls …).
      if (/(^|\s)channel=here(\s|$)|<at>/.test(text)) {
        await post(world.channelMessage(p, text, [...people.values()]));
        const reply = messagesIn(personalConversationId(p.id)).filter((a) => a.seq > before).at(-1);
        const ack = world.channelPosts(fake).filter((a) => a.seq > before && a.replyToId !== null).at(-1);
        if (!reply) throw new Error(`no private answer to "${text}"; in the channel: ${JSON.stringify(ack?.activity.text)}`);
        return seenFromActivity(reply.id, reply.activity);
      }
      const activity = world.personalMessage(p, text);
      await post(activity);
      const reply = messagesIn(personalConversationId(p.id)).find((a) => a.replyToId === activity.id);
      if (!reply) throw new Error(`no reply to "${text}"`);
      return seenFromActivity(reply.id, reply.activity);
    },
    async dms(userId) {
      return Promise.all(
        messagesIn(personalConversationId(person(userId).id))
          .filter(isDm)
          .map((a) => withImages(seenFromActivity(a.id, a.activity))),
      );
    },
    async press(userId, message, label, question, typed = {}) {
      const seen = message as ReturnType<typeof seenFromActivity>;
      // Teams merges every input of the card into the pressed action's data, by the input's id.
      // A choice is typed by its title, as a person picks it.
      const held = (f: (typeof seen.inputs)[number]) => {
        const t = typed[f.label];
        if (t === undefined || !f.choices.length) return t ?? f.value;
        const c = f.choices.find((c) => c.title === t);
        if (!c) throw new Error(`no choice "${t}"`);
        return c.value;
      };
      const inputs = Object.fromEntries(seen.inputs.map((f) => [f.id, held(f)]));
      const found = seen.actions.find((x) => (question !== undefined ? x.question === question : x.question === null) && (x.action.title === label || x.action.title === `${SELECTED}${label}`));
      if (!found) throw new Error(`no button "${label}" in ${message.text.slice(0, 200)}`);
      const p = person(userId);
      // A post in the channel (a digest) is pressed there; anything else in the person's own chat.
      const inChannel = world.channelPosts(fake).some((a) => a.id === message.id);
      const conversation = inChannel ? world.channelOfPosts() : world.personalConversation(p);
      const before = fake.lastSeq;
      // Most presses are Action.Execute; every other one comes as an older client's Action.Submit.
      submitNext = !submitNext;
      if (submitNext) {
        const r = await post(world.execute(p, conversation, message.id, found.action.verb, { ...found.action.data, ...inputs }));
        const body = r.body as { statusCode?: number; type?: string; value?: unknown };
        // A card replaces the one pressed; a message (an error said apart) leaves it as it was.
        const saidApart = body?.statusCode === 200 && body.type === "application/vnd.microsoft.activity.message" && typeof body.value === "string";
        if (!saidApart && (body?.statusCode !== 200 || body.type !== "application/vnd.microsoft.card.adaptive")) throw new Error(`invoke answered ${JSON.stringify(body).slice(0, 300)}`);
        if (!saidApart) assertValidCard(body.value, "invoke response");
      } else await post(world.submit(p, conversation, message.id, { ...found.action.submit, ...inputs }));
      // What was said apart: a new message in the person's own chat (updates keep their place).
      const apart = messagesIn(personalConversationId(p.id)).filter((a) => a.seq > before).at(-1);
      return apart ? seenFromActivity(apart.id, apart.activity) : undefined;
    },
    async channelMessages() {
      return Promise.all(
        world
          .channelPosts(fake)
          .filter(isDm)
          .map((a) => withImages(seenFromActivity(a.id, a.activity))),
      );
    },
    at: (when) => clock.at(app, when),
    async close() {
      // The database is the suite's: it closes it.
      await app.stop();
      await fake.close();
    },
  };
}
