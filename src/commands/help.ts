// `help`: every command, how to write it, and what it does, in the person's language. It reads the
// command table, so a command added there is in help too, listed for the people who may run it.
import { COMMAND_TABLE, TOPICS, topicWho, type Topic } from "./table.ts";
import { commandWord } from "./vocabulary.ts";
import { t, type Lang, type Key } from "../i18n/i18n.ts";
import { message, type Message } from "../messages/model.ts";
import { userText } from "./mentions.ts";
import { TEXT_ONLY, type Capabilities } from "../ports.ts";

/** How a topic's commands are written, in the person's language. */
export function usageOf(lang: Lang, topic: Topic): string {
  return t(lang, `usage.${topic}` as Key);
}

/** What a topic does; where the platform has forms, agreements can be recorded in one. */
const explanation = (lang: Lang, topic: Topic, can: Capabilities = TEXT_ONLY) => t(lang, `help.${topic}` as Key) + (topic === "action.add" && can.modals ? ` ${t(lang, "help.form")}` : "");

/**
 * The topics a help request names: every topic of a command word ("help checkin": starting and
 * closing), of a command and subcommand ("help checkin start"), or a topic as written
 * ("action.done"). Looked up in Maps and the table, never in Object.prototype.
 */
export function topicsFor(asked: string): Topic[] {
  const [first, second] = asked.trim().split(/\s+/);
  if ((TOPICS as readonly string[]).includes(asked.trim())) return [asked.trim() as Topic];
  const head = commandWord(first);
  if (!head) return [];
  const forms = COMMAND_TABLE.filter((f) => f.words[0] === head);
  const sub = commandWord(second);
  const named = forms.filter((f) => f.words[1] !== undefined && f.words[1] === sub);
  return [...new Set((named.length ? named : forms).map((f) => f.topic))];
}

const line = (lang: Lang, topic: Topic, can: Capabilities) => `• \`${usageOf(lang, topic)}\`\n   ${explanation(lang, topic, can)}`;

/** Help in the person's language, for what their platform can show (`can`). */
export function helpMessage(lang: Lang, asked?: string, can: Capabilities = TEXT_ONLY): Message {
  const topics = asked ? topicsFor(asked) : [];
  if (asked && topics.length) {
    const text = topics.map((k) => `\`${usageOf(lang, k)}\`\n${explanation(lang, k, can)}`).join("\n\n");
    return message(text, [{ type: "header", text: t(lang, "help.title") }, { type: "text", text }]);
  }
  const blocks: Parameters<typeof message>[1] = [{ type: "header", text: t(lang, "help.title") }];
  if (asked) blocks.push({ type: "text", text: unknownTopic(lang, asked) });
  blocks.push({ type: "text", text: t(lang, "help.intro") });
  const list = (who: "everyone" | "coordinators", topics: Topic[]) => ({
    type: "text" as const,
    text: [{ t: "strong" as const, text: t(lang, `help.${who}`) }, { t: "text" as const, text: `\n${topics.map((k) => line(lang, k, can)).join("\n")}` }],
  });
  blocks.push(list("everyone", TOPICS.filter((k) => topicWho(k) !== "coordinator")));
  blocks.push(list("coordinators", TOPICS.filter((k) => topicWho(k) === "coordinator")));
  // Without a Home view, `overview` is where a person sees what is open for them.
  blocks.push({ type: "text", text: can.home ? t(lang, "help.footer") : `${t(lang, "help.no-home")} ${t(lang, "help.footer")}`, muted: true });
  return message(t(lang, "help.title"), blocks);
}

/** "I do not know the command …", with what they typed as they typed it (a mention stays one). */
function unknownTopic(lang: Lang, asked: string) {
  const [before, after] = t(lang, "parse.unknown-command", { word: "\u0000" }).split("\u0000");
  return [{ t: "text" as const, text: before ?? "" }, ...userText(asked.slice(0, 40)), { t: "text" as const, text: after ?? "" }].filter((n) => n.t !== "text" || n.text);
}

export const HELP_TOPICS: readonly Topic[] = TOPICS;
