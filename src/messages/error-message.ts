// The message a request that went wrong gets: what is wrong, and how to write it instead (the
// command's usage) or where to look (help). A field of the message says it is an error; each
// adapter shows that with its own sign.
import type { Message, RichText } from "./model.ts";
import { message, plainOf } from "./model.ts";
import type { ParseError, Topic } from "../commands/parse.ts";
import { usageOf } from "../commands/help.ts";
import { spelled, type CommandWord } from "../commands/vocabulary.ts";
import { t, tn, hasKey, type Lang, type Key, type NodeParams } from "../i18n/i18n.ts";

/** What the parser could not read, in the person's language, with the nearest command where one is near. */
export function parseErrorMessage(lang: Lang, e: ParseError): Message {
  let text: string;
  switch (e.error) {
    case "empty":
      text = t(lang, "parse.empty");
      break;
    case "unclosed-quote":
      text = t(lang, "parse.unclosed-quote");
      break;
    case "unknown-command":
      text = t(lang, "parse.unknown-command", { word: e.word });
      break;
    case "missing":
      text = t(lang, "parse.missing", { what: whatOf(lang, e.what) });
      break;
    case "invalid":
      text = t(lang, "parse.invalid", { what: whatOf(lang, e.what), value: e.value.slice(0, 60) });
      break;
    case "unknown-option":
      text = t(lang, "parse.unknown-option", { option: e.option.slice(0, 40) });
      break;
    case "too-many":
      text = t(lang, "parse.too-many", { value: e.value.slice(0, 40) });
      break;
  }
  // The nearest command to a mistyped word, written in the person's language.
  if ("suggestion" in e && e.suggestion) text += ` ${t(lang, "parse.did-you-mean", { command: e.suggestion.split(" ").map((w) => spelled(w as CommandWord, lang)).join(" ") })}`;
  const usage = "usage" in e ? usageOf(lang, e.usage) : null;
  return errorMessage(lang, text, usage);
}

function whatOf(lang: Lang, what: string): string {
  const key = `what.${what}`;
  return t(lang, hasKey(key) ? key : "what.value");
}

/** A refusal the person can act on (the core's UserError): its text, and the usage of the command it names. */
export function refusalMessage(lang: Lang, e: { key: Key; params: NodeParams; usage?: Topic }): Message {
  return errorMessage(lang, tn(lang, e.key, e.params), e.usage ? usageOf(lang, e.usage) : null);
}

function errorMessage(lang: Lang, text: RichText, usage: string | null): Message {
  const hint = usage ? t(lang, "parse.usage", { usage }) : t(lang, "parse.see-help");
  return message(`${plainOf(text)} ${hint}`, [{ type: "text", text }, { type: "text", text: hint, muted: true }], { error: true });
}
