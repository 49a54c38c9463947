// Renders the core's neutral Message as Block Kit, within Slack's published limits: a message the
// API would reject is a message nobody gets. Long text is split into several blocks (never cut
// silently); what must be shortened (a header, a button label) says so with "…" and, for headers,
// the whole text follows in a section.
//
// Limits (Block Kit reference, docs.slack.dev/reference/block-kit): 50 blocks in a message, 100 in
// a modal or Home tab; section text 3,000 characters; header 150 (plain text); button text 75,
// value 2,000; action_id and block_id 255; 25 elements in an actions block (it was 5 until 2022;
// some SDKs still say 5); 10 fields per section, 2,000 characters each; 10 elements per context.
import { createHash } from "node:crypto";
import type { Message, Block, Button, RichText } from "../../src/messages/model.ts";
import { plainOf, shownBlocks } from "../../src/messages/model.ts";
import { personToken, channelToken } from "../../src/commands/mentions.ts";
import type { Lang } from "../../src/i18n/i18n.ts";
import { slackText } from "./words.ts";

export const SLACK_LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  actionsElements: 25,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  inputLabel: 2000,
  placeholder: 150,
  optionText: 75,
  contextText: 3000,
  /** the notification text beside the blocks; Slack truncates at 40,000, we keep it readable */
  fallbackText: 3000,
} as const;

export interface PlainText {
  type: "plain_text";
  text: string;
  emoji?: boolean;
}
export interface Mrkdwn {
  type: "mrkdwn";
  text: string;
}
export interface SlackButton {
  type: "button";
  text: PlainText;
  action_id: string;
  value: string;
  style?: "primary" | "danger";
}
export type SlackBlock =
  | { type: "header"; block_id: string; text: PlainText }
  | { type: "section"; block_id: string; text?: Mrkdwn; fields?: Mrkdwn[] }
  | { type: "actions"; block_id: string; elements: SlackButton[] }
  | { type: "context"; block_id: string; elements: Mrkdwn[] }
  | { type: "divider"; block_id: string }
  | { type: "input"; block_id: string; optional: boolean; label: PlainText; element: PlainTextInput | StaticSelect | DatePicker };

/** A field in a message. What it holds travels in the next block_actions' state.values. */
export interface PlainTextInput {
  type: "plain_text_input";
  action_id: string;
  multiline: boolean;
  max_length: number;
  initial_value?: string;
  placeholder?: PlainText;
}
export interface StaticSelect {
  type: "static_select";
  action_id: string;
  options: { text: PlainText; value: string }[];
  initial_option?: { text: PlainText; value: string };
  placeholder?: PlainText;
}
export interface DatePicker {
  type: "datepicker";
  action_id: string;
  initial_date?: string;
  placeholder?: PlainText;
}

/** An input's action_id: the core's field id after this prefix (state.values is keyed by it). */
export const FIELD_PREFIX = "field:";

type StateValues = Record<string, Record<string, { type?: string; value?: string | null; selected_option?: { value?: string } | null; selected_date?: string | null }>>;

/** The fields of a pressed message as the core takes them: by field id, as typed ("" for empty). */
export function fieldsFromState(values: StateValues | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const block of Object.values(values ?? {}))
    for (const [actionId, v] of Object.entries(block ?? {})) if (actionId.startsWith(FIELD_PREFIX)) out[actionId.slice(FIELD_PREFIX.length)] = v?.value ?? v?.selected_option?.value ?? v?.selected_date ?? "";
  return out;
}

export type FileBlock = Extract<Block, { type: "file" }>;
export type ImageBlock = Extract<Block, { type: "image" }>;

export type Surface = "message" | "home" | "modal";

export interface RenderOptions {
  /** the language of the adapter's own words (the message itself comes localised) */
  lang: Lang;
  surface?: Surface;
  /**
   * What to do with file blocks: "upload" — the caller uploads them beside the message (a note
   * says so); "dm" — the caller has sent them to the person's direct messages; "inline" — no upload
   * is possible (an ephemeral reply): small files are shown in a code block, large ones explained.
   */
  files?: "upload" | "dm" | "inline";
}

export interface Rendered {
  text: string;
  blocks: SlackBlock[];
  /** file blocks the caller should upload ("upload" and "dm" modes) */
  files: FileBlock[];
  /** charts the caller uploads as PNGs beside a message ("upload" mode); elsewhere the text says it all */
  images: ImageBlock[];
}

// ---- text ----------------------------------------------------------------------------------------

const escapeEntities = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * A plain text of the core as mrkdwn: every &, < and > escaped, so nothing in it (a name someone
 * chose, an echoed word) becomes a Slack mention or link; a stray **bold** becomes *bold*.
 * People and channels arrive as nodes (richToMrkdwn).
 */
export function toMrkdwn(text: string): string {
  return escapeEntities(text).replace(/\*\*(\S(?:[^*]*\S)?)\*\*/g, "*$1*");
}

/** Slack's tokens in what a person typed: mentions, channel links, special mentions, links. */
const TYPED_TOKEN = /<([@#!])([^<>|\s]+)(?:\|([^<>]*))?>|<((?:https?|mailto):[^<>|\s]+)(?:\|[^<>]*)?>/g;

/**
 * What a person typed in Slack, as the core reads it: mentions and channel links become the core's
 * neutral tokens, special mentions (@here, a user group, a date) and links their plain text, and
 * Slack's entities are unescaped.
 */
export function fromSlackText(text: string): string {
  return fromMrkdwn(
    text.replace(TYPED_TOKEN, (_m, sigil?: string, id?: string, label?: string, url?: string) => {
      if (url) return url;
      if (sigil === "@") return personToken(id!);
      if (sigil === "#") return channelToken(id!);
      return label ?? `@${id!.split("^")[0]}`;
    }),
  );
}

/** A text of the core as mrkdwn: a string as above; nodes become Slack's own tokens and *bold*. */
export function richToMrkdwn(text: RichText): string {
  if (typeof text === "string") return toMrkdwn(text);
  return text
    .map((n) => {
      switch (n.t) {
        case "text":
          return toMrkdwn(n.text);
        case "strong":
          return `*${escapeEntities(n.text)}*`;
        case "person":
          return `<@${n.id}>`;
        case "channel":
          return `<#${n.id}>`;
        case "link":
          return `<${n.url}|${escapeEntities(n.text).replace(/\|/g, "¦")}>`;
      }
    })
    .join("");
}

/** The reverse of the entity escaping, for reading what Slack shows. */
export function fromMrkdwn(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** Shortens to `max` characters, ending in "…" when it had to (never splits a surrogate pair). */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  if (isHighSurrogate(text.charCodeAt(cut - 1))) cut--;
  return `${text.slice(0, cut)}…`;
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

/**
 * Splits text into pieces of at most `max` characters, at a blank line, a line break or a space
 * where possible; never inside an entity (&amp;), a Slack token (<@U1>) or a surrogate pair.
 * Nothing is dropped but the one separator at each cut.
 */
export function splitText(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    let cut = -1;
    let skip = 0;
    for (const sep of ["\n\n", "\n", " "]) {
      const i = window.lastIndexOf(sep, max - sep.length + 1);
      if (i >= max / 3) {
        cut = i;
        skip = sep.length;
        break;
      }
    }
    if (cut < 0) {
      cut = max;
      // Do not split an entity or a token: back off to where it starts.
      const amp = rest.lastIndexOf("&", cut - 1);
      if (amp >= 0 && amp > cut - 6 && !rest.slice(amp, cut).includes(";")) cut = amp;
      const lt = rest.lastIndexOf("<", cut - 1);
      if (lt >= 0 && rest.indexOf(">", lt) >= cut && cut - lt < max / 2) cut = lt;
      if (isHighSurrogate(rest.charCodeAt(cut - 1))) cut--;
      if (cut <= 0) cut = max;
    }
    const piece = rest.slice(0, cut);
    if (piece.trim()) out.push(piece);
    rest = rest.slice(cut + skip);
  }
  if (rest.trim() || out.length === 0) out.push(rest);
  return out;
}

// ---- ids -------------------------------------------------------------------------------------------

/** A button's action_id: the neutral action id and its index in the message (Slack wants them unique). */
export function encodeActionId(actionId: string, index: number): string {
  const id = `${actionId}:${index}`;
  if (id.length > SLACK_LIMITS.actionId) throw new Error(`action_id "${id.slice(0, 40)}…" is longer than Slack's ${SLACK_LIMITS.actionId}`);
  return id;
}

/** The neutral action id back from an action_id: "poll.answer:3" → "poll.answer". */
export function decodeActionId(actionId: string): string {
  return actionId.replace(/:\d+$/, "");
}

export type BlockKind =
  | "hdr" // header
  | "txt" // text (and a long header's full text)
  | "mut" // muted text (context)
  | "fld" // fields
  | "q" // a question's prompt
  | "qa" // a question's buttons
  | "qh" // a question's scale hint
  | "btn" // other buttons
  | "prg" // progress
  | "bar" // bars
  | "div" // divider
  | "in" // an input field
  | "file" // a file's note or inline content
  | "more"; // "n more not shown"

/**
 * block_id = kind:index[.part]:revision. The index is the neutral block's, so a reader can tell which
 * blocks belong together (a question's prompt and its buttons); the revision changes with the
 * content, as Slack asks for updated messages.
 */
function blockId(kind: BlockKind, index: number, part: number, rev: string): string {
  return `${kind}:${index}${part ? `.${part}` : ""}:${rev}`;
}

export function parseBlockId(id: string | undefined): { kind: BlockKind; index: number; part: number } | null {
  const m = /^([a-z]+):(\d+)(?:\.(\d+))?:[0-9a-f]+$/.exec(id ?? "");
  return m ? { kind: m[1] as BlockKind, index: Number(m[2]), part: Number(m[3] ?? 0) } : null;
}

// ---- rendering -------------------------------------------------------------------------------------

const BAR_WIDTH = 10;

/** A text bar, e.g. 18.4 of 5–25 → "███████░░░"; null (withheld, no answers) is all empty. */
export function textBar(value: number | null, min: number, max: number, width = BAR_WIDTH): string {
  if (value === null || !(max > min)) return "░".repeat(width);
  const filled = Math.round(Math.min(1, Math.max(0, (value - min) / (max - min))) * width);
  return "█".repeat(filled) + "░".repeat(width - filled);
}

function progressBar(current: number, total: number): string {
  const width = Math.min(total, BAR_WIDTH);
  const filled = Math.round((Math.min(current, total) / total) * width);
  return "▰".repeat(filled) + "▱".repeat(width - filled);
}

export function renderMessage(m: Message, options: RenderOptions): Rendered {
  // The adapter's own words follow the language the core chose for the recipient, when it says.
  const opts = { ...options, lang: m.lang ?? options.lang };
  const surface = opts.surface ?? "message";
  const fileMode = opts.files ?? "upload";
  const rev = createHash("sha1").update(JSON.stringify(m)).digest("hex").slice(0, 8);
  const blocks: SlackBlock[] = [];
  const files: FileBlock[] = [];
  const images: ImageBlock[] = [];
  let buttonIndex = 0;

  const sections = (kind: BlockKind, i: number, text: string, firstPart = 0) => {
    splitText(text, SLACK_LIMITS.sectionText).forEach((piece, k) =>
      blocks.push({ type: "section", block_id: blockId(kind, i, firstPart + k, rev), text: { type: "mrkdwn", text: piece } }),
    );
  };
  const contexts = (kind: BlockKind, i: number, text: string) => {
    const pieces = splitText(text, SLACK_LIMITS.contextText);
    for (let k = 0; k * SLACK_LIMITS.contextElements < pieces.length; k++)
      blocks.push({
        type: "context",
        block_id: blockId(kind, i, k, rev),
        elements: pieces.slice(k * SLACK_LIMITS.contextElements, (k + 1) * SLACK_LIMITS.contextElements).map((p) => ({ type: "mrkdwn" as const, text: p })),
      });
  };
  const button = (b: Button, selected: boolean): SlackButton => {
    if (b.value.length > SLACK_LIMITS.buttonValue)
      throw new Error(`the value of a ${b.actionId} button is ${b.value.length} characters; Slack allows ${SLACK_LIMITS.buttonValue}`);
    const style = selected ? "primary" : b.style === "primary" || b.style === "danger" ? b.style : undefined;
    return {
      type: "button",
      text: { type: "plain_text", text: truncate(b.label, SLACK_LIMITS.buttonText), emoji: true },
      action_id: encodeActionId(b.actionId, buttonIndex++),
      value: b.value,
      ...(style ? { style } : {}),
    };
  };
  const actions = (kind: BlockKind, i: number, elements: SlackButton[]) => {
    for (let k = 0; k * SLACK_LIMITS.actionsElements < elements.length; k++)
      blocks.push({ type: "actions", block_id: blockId(kind, i, k, rev), elements: elements.slice(k * SLACK_LIMITS.actionsElements, (k + 1) * SLACK_LIMITS.actionsElements) });
  };

  shownBlocks(m).forEach((b, i) => {
    switch (b.type) {
      case "header": {
        blocks.push({ type: "header", block_id: blockId("hdr", i, 0, rev), text: { type: "plain_text", text: truncate(b.text, SLACK_LIMITS.headerText), emoji: true } });
        // A header cut short is followed by the whole of it.
        if (b.text.length > SLACK_LIMITS.headerText) sections("txt", i, `*${toMrkdwn(b.text)}*`, 1);
        break;
      }
      case "text":
        if (b.muted) contexts("mut", i, richToMrkdwn(b.text));
        else sections("txt", i, richToMrkdwn(b.text));
        break;
      case "fields": {
        const fits: Mrkdwn[] = [];
        let part = 0;
        for (const f of b.fields) {
          const text = f.label ? `*${toMrkdwn(f.label)}*\n${toMrkdwn(f.value)}` : toMrkdwn(f.value);
          if (text.length <= SLACK_LIMITS.fieldText) fits.push({ type: "mrkdwn", text });
          else {
            // Too long for a field: it becomes text of its own, in as many sections as it needs.
            const before = blocks.length;
            sections("fld", i, text, 100 + part);
            part += blocks.length - before;
          }
        }
        for (let k = 0; k * SLACK_LIMITS.sectionFields < fits.length; k++)
          blocks.push({ type: "section", block_id: blockId("fld", i, k, rev), fields: fits.slice(k * SLACK_LIMITS.sectionFields, (k + 1) * SLACK_LIMITS.sectionFields) });
        break;
      }
      case "question": {
        sections("q", i, toMrkdwn(b.prompt));
        actions("qa", i, b.options.map((o) => button(o, o.selected)));
        if (b.scaleHint) contexts("qh", i, toMrkdwn(b.scaleHint));
        break;
      }
      case "buttons":
        actions("btn", i, b.buttons.map((o) => button(o, o.selected)));
        break;
      case "input": {
        const action_id = `${FIELD_PREFIX}${b.id}`;
        const placeholder = b.placeholder ? { placeholder: { type: "plain_text" as const, text: truncate(b.placeholder, SLACK_LIMITS.placeholder), emoji: true } } : {};
        const option = (o: { value: string; label: string }) => ({ text: { type: "plain_text" as const, text: truncate(o.label, SLACK_LIMITS.optionText), emoji: true }, value: o.value });
        const chosen = b.options.find((o) => o.value === b.value);
        // Slack refuses an empty initial value, option or date.
        const element =
          b.kind === "choice"
            ? { type: "static_select" as const, action_id, options: b.options.map(option), ...(chosen ? { initial_option: option(chosen) } : {}), ...placeholder }
            : b.kind === "date"
              ? { type: "datepicker" as const, action_id, ...(/^\d{4}-\d{2}-\d{2}$/.test(b.value) ? { initial_date: b.value } : {}), ...placeholder }
              : { type: "plain_text_input" as const, action_id, multiline: b.multiline, max_length: b.maxLength, ...(b.value ? { initial_value: b.value.slice(0, b.maxLength) } : {}), ...placeholder };
        blocks.push({ type: "input", block_id: blockId("in", i, 0, rev), optional: b.optional, label: { type: "plain_text", text: truncate(b.label, SLACK_LIMITS.inputLabel), emoji: true }, element });
        break;
      }
      case "progress":
        contexts("prg", i, `${progressBar(b.current, b.total)}  ${toMrkdwn(b.label)}`);
        break;
      case "bars": {
        // One entry per bar: its label, then the bar in monospace and the figure beside it.
        const entries = b.bars.map((bar) => `${toMrkdwn(bar.label)}\n\`${textBar(bar.value, bar.min, bar.max)}\` ${toMrkdwn(bar.display)}`);
        if (b.title) entries.unshift(`*${toMrkdwn(b.title)}*`);
        const packed: string[] = [];
        for (const e of entries) {
          const lastPack = packed[packed.length - 1];
          if (lastPack !== undefined && lastPack.length + 1 + e.length <= SLACK_LIMITS.sectionText) packed[packed.length - 1] = `${lastPack}\n${e}`;
          else packed.push(e);
        }
        let part = 0;
        for (const p of packed)
          for (const piece of splitText(p, SLACK_LIMITS.sectionText))
            blocks.push({ type: "section", block_id: blockId("bar", i, part++, rev), text: { type: "mrkdwn", text: piece } });
        break;
      }
      case "divider":
        blocks.push({ type: "divider", block_id: blockId("div", i, 0, rev) });
        break;
      case "image":
        // Uploaded beside the message, where Slack shows it large; the blocks keep the words.
        if (fileMode === "upload" && surface === "message") images.push(b);
        break;
      case "file": {
        if (fileMode === "upload" || fileMode === "dm") {
          files.push(b);
          contexts("file", i, toMrkdwn(slackText(opts.lang, fileMode === "dm" ? "file-sent-dm" : "file-attached", { filename: b.filename })));
          break;
        }
        const label = toMrkdwn(slackText(opts.lang, "file-inline", { filename: b.filename }));
        // A code block cannot contain its own fence; a zero-width space breaks one up.
        const body = toMrkdwn(b.content.replace(/```/g, "``\u200b`")).replace(/\n+$/, "");
        const inline = `${label}\n\`\`\`\n${body}\n\`\`\``;
        if (inline.length <= SLACK_LIMITS.sectionText) sections("file", i, inline);
        else sections("file", i, toMrkdwn(slackText(opts.lang, "file-too-large", { filename: b.filename, size: b.content.length })));
        break;
      }
    }
  });

  const max = surface === "message" ? SLACK_LIMITS.messageBlocks : SLACK_LIMITS.viewBlocks;
  return { text: truncate(toMrkdwn(m.fallback), SLACK_LIMITS.fallbackText), blocks: fitBlocks(blocks, max, opts.lang, rev), files, images };
}

/**
 * At most `max` blocks: first adjacent text sections and context blocks are merged where they fit
 * together; if that is not enough, the last block says how many more there were.
 */
export function fitBlocks(blocks: SlackBlock[], max: number, lang: Lang, rev = "0"): SlackBlock[] {
  if (blocks.length <= max) return blocks;
  const merged: SlackBlock[] = [];
  for (const b of blocks) {
    const prev = merged[merged.length - 1];
    const kind = parseBlockId(b.block_id)?.kind;
    const prevKind = parseBlockId(prev?.block_id)?.kind;
    if (prev && b.type === "section" && prev.type === "section" && kind === "txt" && prevKind === "txt" && b.text && prev.text && !b.fields && !prev.fields) {
      const joined = `${prev.text.text}\n\n${b.text.text}`;
      if (joined.length <= SLACK_LIMITS.sectionText) {
        prev.text = { type: "mrkdwn", text: joined };
        continue;
      }
    }
    if (prev && b.type === "context" && prev.type === "context" && kind === prevKind && prev.elements.length + b.elements.length <= SLACK_LIMITS.contextElements) {
      prev.elements = [...prev.elements, ...b.elements];
      continue;
    }
    merged.push(b.type === "section" && b.text ? { ...b, text: { ...b.text } } : b.type === "context" ? { ...b, elements: [...b.elements] } : b);
  }
  if (merged.length <= max) return merged;
  const kept = merged.slice(0, max - 1);
  const dropped = merged.length - kept.length;
  kept.push({ type: "context", block_id: `more:0:${rev}`, elements: [{ type: "mrkdwn", text: toMrkdwn(slackText(lang, "truncated", { n: dropped })) }] });
  return kept;
}


/** Plain text of a message, for places that take no markup (a modal's error under a field). */
export function plainText(m: Message, max: number): string {
  const text = m.blocks
    .map((b) => (b.type === "text" ? plainOf(b.text) : b.type === "header" ? b.text : ""))
    .filter(Boolean)
    .join(" ")
    .replace(/^⚠️\s*/, "")
    .replace(/[*`]/g, "");
  return truncate(text || m.fallback, max);
}
