// `help`: every command, how to write it, and what it does, in the person's language.
import { USAGE, type UsageKey } from "./parse.ts";
import { t, type Lang, type Key } from "../i18n/i18n.ts";
import { message, type Message } from "../messages/model.ts";

const EVERYONE: UsageKey[] = ["help", "partnership.create", "partnership.list", "status", "action.list", "action.done", "language", "nudges", "mydata", "instrument"];
const COORDINATORS: UsageKey[] = ["purpose.add", "org.add", "member.add", "member.remove", "member.erase", "checkin.start", "checkin.close", "remind", "digest", "action.add", "schedule", "meeting", "set", "export.csv"];

// A Map, and an own-property check on USAGE: a topic someone typed ("constructor", "__proto__")
// names a command or nothing, never something inherited from Object.prototype.
const TOPIC_ALIASES: ReadonlyMap<string, UsageKey> = new Map(Object.entries<UsageKey>({
  partnership: "partnership.create", partnerskab: "partnership.create",
  purpose: "purpose.add", formål: "purpose.add",
  org: "org.add", organisation: "org.add",
  member: "member.add", medlem: "member.add",
  checkin: "checkin.start", runde: "checkin.start", round: "checkin.start",
  action: "action.add", aftale: "action.add",
  set: "set", sæt: "set", language: "language", sprog: "language",
  export: "export.csv", eksport: "export.csv", mydata: "mydata", "mine-data": "mydata",
  schedule: "schedule", planlæg: "schedule", meeting: "meeting", møde: "meeting", nudges: "nudges", påmindelser: "nudges",
  status: "status", remind: "remind", påmind: "remind", digest: "digest", opsummering: "digest", instrument: "instrument",
}));

/** The command a help topic names: a word above, or a usage key as written ("action.done"). */
function topicKey(topic: string): UsageKey | undefined {
  const first = topic.split(/\s+/)[0]!.toLowerCase();
  return TOPIC_ALIASES.get(first) ?? (Object.hasOwn(USAGE, topic) ? (topic as UsageKey) : undefined);
}

export function helpMessage(lang: Lang, topic?: string): Message {
  const key = topic ? topicKey(topic) : undefined;
  if (topic && key) {
    const text = `\`${USAGE[key]}\`\n${t(lang, `help.${key}` as Key)}`;
    return message(text, [{ type: "header", text: t(lang, "help.title") }, { type: "text", text }]);
  }
  const line = (k: UsageKey) => `• \`${USAGE[k]}\`\n   ${t(lang, `help.${k}` as Key)}`;
  const blocks: Parameters<typeof message>[1] = [{ type: "header", text: t(lang, "help.title") }];
  if (topic) blocks.push({ type: "text", text: t(lang, "parse.unknown-command", { word: topic.slice(0, 40) }) });
  blocks.push({ type: "text", text: t(lang, "help.intro") });
  blocks.push({ type: "text", text: `*${t(lang, "help.everyone")}*\n${EVERYONE.map(line).join("\n")}` });
  blocks.push({ type: "text", text: `*${t(lang, "help.coordinators")}*\n${COORDINATORS.map(line).join("\n")}` });
  blocks.push({ type: "text", text: t(lang, "help.footer"), muted: true });
  return message(t(lang, "help.title"), blocks);
}

export const HELP_TOPICS: readonly UsageKey[] = [...EVERYONE, ...COORDINATORS];
