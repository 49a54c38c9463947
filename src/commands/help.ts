// `help`: a short overview by role that fits a screen, and `help <command>` for how to write each
// of its subcommands, with an example, in the person's language and that language's command words.
// It reads the command table, so a command added there is in help too.
import { COMMAND_TABLE, TOPICS, type Topic } from "./table.ts";
import { commandWord, nearestWord, spelled, type CommandWord } from "./vocabulary.ts";
import { t, type Lang, type Key } from "../i18n/i18n.ts";
import { message, type Message, type Inline } from "../messages/model.ts";
import { userText } from "./mentions.ts";
import { TEXT_ONLY, type Capabilities } from "../ports.ts";

/** How a topic's commands are written, in the person's language. */
export function usageOf(lang: Lang, topic: Topic): string {
  return t(lang, `usage.${topic}` as Key);
}

/** One example of a topic's commands, in the person's language (it parses: a test checks). */
export function exampleOf(lang: Lang, topic: Topic): string {
  return t(lang, `example.${topic}` as Key);
}

/** What a topic does; where the platform has forms, agreements can be recorded in one. */
const explanation = (lang: Lang, topic: Topic, can: Capabilities = TEXT_ONLY) => t(lang, `help.${topic}` as Key) + (topic === "action.add" && can.modals ? ` ${t(lang, "help.form")}` : "");

/** The overview's groups: who reads which topics. Every topic is in one at least (a test checks). */
export const HELP_GROUPS: readonly { role: "partners" | "steering" | "coordinators"; topics: readonly Topic[] }[] = [
  { role: "partners", topics: ["overview", "status", "action.list", "action.done", "language", "nudges", "mydata", "partnership.list", "join", "help"] },
  { role: "steering", topics: ["overview", "status", "action.list", "report"] },
  { role: "coordinators", topics: ["partnership.create", "org.add", "member.add", "invite", "checkin.start", "checkin.close", "remind", "digest", "action.add", "meeting", "schedule", "set", "export.csv", "report", "purpose.add", "member.remove", "member.erase", "instrument"] },
];

/** A topic's command words as typed in a language: `runde start`, `aftale tilføj`. */
export function wordsOf(lang: Lang, topic: Topic): string {
  const form = COMMAND_TABLE.find((f) => f.topic === topic)!;
  return form.words.map((w) => spelled(w, lang)).join(" ");
}

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

const code = (text: string): Inline => ({ t: "text", text: `\`${text}\`` });

/** Help in the person's language, for what their platform can show (`can`). */
export function helpMessage(lang: Lang, asked?: string, can: Capabilities = TEXT_ONLY): Message {
  const topics = asked ? topicsFor(asked) : [];
  if (asked && topics.length) {
    // One command: each of its subcommands, how to write it, and an example.
    const blocks: Parameters<typeof message>[1] = [{ type: "header", text: `${t(lang, "help.title")}: ${spelled(COMMAND_TABLE.find((f) => f.topic === topics[0])!.words[0], lang)}` }];
    for (const k of topics) {
      blocks.push({ type: "text", text: [{ t: "strong", text: wordsOf(lang, k) }, { t: "text", text: ` — ${explanation(lang, k, can)}\n` }, code(usageOf(lang, k)), { t: "text", text: `\n${t(lang, "help.example", { example: exampleOf(lang, k) })}` }] });
    }
    return message(topics.map((k) => `${usageOf(lang, k)} — ${explanation(lang, k, can)}`).join("\n"), blocks);
  }
  const blocks: Parameters<typeof message>[1] = [{ type: "header", text: t(lang, "help.title") }];
  if (asked) blocks.push({ type: "text", text: unknownTopic(lang, asked) });
  blocks.push({ type: "text", text: t(lang, "help.intro") });
  for (const group of HELP_GROUPS) {
    const lines = group.topics.map((k) => `• \`${wordsOf(lang, k)}\` — ${explanation(lang, k, can)}`);
    blocks.push({ type: "text", text: [{ t: "strong", text: t(lang, `help.${group.role}`) }, { t: "text", text: `\n${lines.join("\n")}` }] });
  }
  // Without a Home view, `overview` is where a person sees what is open for them.
  blocks.push({ type: "text", text: `${t(lang, "help.more")}${can.home ? "" : ` ${t(lang, "help.no-home")}`} ${t(lang, "help.footer")}`, muted: true });
  return message(t(lang, "help.title"), blocks);
}

/** "I do not know the command …", with what they typed as they typed it (a mention stays one), and the nearest command. */
function unknownTopic(lang: Lang, asked: string): Inline[] {
  const [before, after] = t(lang, "parse.unknown-command", { word: "\u0000" }).split("\u0000");
  const near = nearestWord(asked.trim().split(/\s+/)[0] ?? "", [...new Set(COMMAND_TABLE.map((f) => f.words[0]))] as CommandWord[]);
  const hint = near ? ` ${t(lang, "parse.did-you-mean", { command: `${spelled("help", lang)} ${spelled(near, lang)}` })}` : "";
  return [{ t: "text" as const, text: before ?? "" }, ...userText(asked.slice(0, 40)), { t: "text" as const, text: `${after ?? ""}${hint}` }].filter((n) => n.t !== "text" || n.text);
}

export const HELP_TOPICS: readonly Topic[] = TOPICS;
