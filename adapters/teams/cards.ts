// Renders the neutral message model as an Adaptive Card 1.5 (what Teams shows in chats and
// channels). Buttons are Action.Execute (Universal Actions: the press arrives as an
// `adaptiveCard/action` invoke and the card is replaced by the response), each with an
// Action.Submit fallback for clients without Universal Actions (the press arrives as a message
// whose `value` is the submit data). No botbuilder types here: a card is plain JSON.
import type { Message, Block, Button, RichText } from "../../src/messages/model.ts";
import { shownBlocks } from "../../src/messages/model.ts";
import type { Lang } from "../../src/i18n/i18n.ts";
import { teamsText } from "./words.ts";
import { DOWNLOAD_TTL_MS } from "../../src/downloads.ts";

export const CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive";
export const CARD_VERSION = "1.5";

export type CardElement = Record<string, unknown> & { type: string };
export interface AdaptiveCard {
  type: "AdaptiveCard";
  $schema: string;
  version: string;
  fallbackText: string;
  body: CardElement[];
  msteams?: { entities: MentionEntity[] };
}

/** A mention in a card: the text carries <at>name</at>, the entity says who it is. */
export interface MentionEntity {
  type: "mention";
  text: string;
  mentioned: { id: string; name: string };
}

/** An Input.Text's id: the core's field id after this prefix. */
const FIELD_PREFIX = "field:";

/** The inputs a press carried (merged into its data by Teams), by the core's field id. */
export function fieldsOf(data: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!data || typeof data !== "object") return out;
  for (const [key, v] of Object.entries(data)) if (key.startsWith(FIELD_PREFIX)) out[key.slice(FIELD_PREFIX.length)] = typeof v === "string" ? v : "";
  return out;
}

/** What an Action.Submit fallback sends back as the message's `value`. */
export interface SubmitData {
  actionId: string;
  value: string;
}

export interface RenderOptions {
  /** language of the few words the renderer adds itself (file notes) */
  lang: Lang;
  /** display names for `<@id>` and `<#id>` tokens the core writes */
  names?: ReadonlyMap<string, string>;
  /**
   * Download links for file blocks, by block index (PARTNERPULS_PUBLIC_URL set); null where a link
   * was wanted but could not be made. Without one a file is shown in the card.
   */
  downloads?: ReadonlyMap<number, string | null>;
}

/** Makes download links for a message's file blocks, for the person (platform user id) it goes to. */
export type FileLinks = (tenantId: string, userId: string | null, message: Message) => Promise<ReadonlyMap<number, string | null>>;

/** Actions per ActionSet: the default host config allows 5 and Teams shows no more in a row. */
const ACTIONS_PER_ROW = 5;
/**
 * A Teams card must stay under ~28 KB. A file shown in the card is shown whole when its lines
 * take no more than FILE_INLINE_BYTES of card JSON (what is left is for the rest of the message);
 * otherwise only its start, FILE_PREVIEW_LINES and FILE_PREVIEW_CHARS at most, said plainly.
 */
export const FILE_INLINE_BYTES = 16 * 1024;
export const FILE_PREVIEW_LINES = 80;
export const FILE_PREVIEW_CHARS = 8_000;
const BAR_WIDTH = 10;
export const SELECTED_MARK = "✓ ";

/** The ids of the people and channels a message mentions, to look their names up before rendering. */
export function mentionedIds(message: Message): { users: string[]; channels: string[] } {
  const users = new Set<string>();
  const channels = new Set<string>();
  for (const b of message.blocks)
    if (b.type === "text" && typeof b.text !== "string")
      for (const n of b.text) {
        if (n.t === "person") users.add(n.id);
        else if (n.t === "channel") channels.add(n.id);
      }
  return { users: [...users], channels: [...channels] };
}

/** A plain text of the core (with *bold* and `code`) as Adaptive Card markdown. People and channels come as nodes (richInline). */
export function inline(text: string): string {
  return (
    text
      // Slack-style *bold* is italic in Markdown; Adaptive Cards want **bold**.
      .replace(/(^|[^*\w])\*([^*\s](?:[^*\n]*[^*\s])?)\*(?=[^*\w]|$)/g, "$1**$2**")
      // Names people typed must not become links.
      .replace(/\]\(/g, "]\u200b(")
  );
}

/**
 * A text of the core as card markdown. A string goes through inline(); nodes are written as they
 * are: **strong**, a person as <at>name</at> with a mention entity (collected in `mentions`), a
 * channel as #name.
 */
export function richInline(text: RichText, names: ReadonlyMap<string, string> = new Map(), mentions: MentionEntity[] = []): string {
  if (typeof text === "string") return inline(text);
  // Names people typed must not become links.
  const safe = (s: string) => s.replace(/\]\(/g, "]\u200b(");
  return text
    .map((n) => {
      switch (n.t) {
        case "text":
          return safe(n.text);
        case "strong":
          return `**${safe(n.text)}**`;
        case "person": {
          const name = safe(names.get(n.id) ?? n.name ?? n.id).replace(/[<>]/g, "");
          const at = `<at>${name}</at>`;
          if (!mentions.some((m) => m.mentioned.id === n.id)) mentions.push({ type: "mention", text: at, mentioned: { id: n.id, name } });
          return at;
        }
        case "channel":
          return `#${safe(names.get(n.id) ?? n.name ?? n.id)}`;
        case "link":
          return `[${safe(n.text).replace(/[[\]]/g, "")}](${n.url})`;
      }
    })
    .join("");
}

function textBlocks(text: RichText, names: ReadonlyMap<string, string>, extra: Record<string, unknown> = {}, mentions: MentionEntity[] = []): CardElement[] {
  // One TextBlock per line: a single newline inside a TextBlock is not a line break in every client.
  // A string is split before inline() (as it always was); nodes are rendered first, then split.
  const lines = typeof text === "string" ? text.split("\n") : richInline(text, names, mentions).split("\n");
  const render = typeof text === "string" ? (line: string) => inline(line) : (line: string) => line;
  return lines
    .filter((line, i, all) => line.trim() !== "" || (i > 0 && i < all.length - 1))
    .map((line, i) => ({ type: "TextBlock", text: line.trim() === "" ? "\u200b" : render(line), wrap: true, ...(i > 0 ? { spacing: "None" } : {}), ...extra }));
}

const STYLE: Record<Button["style"], string> = { primary: "positive", danger: "destructive", default: "default" };

function action(b: Button): CardElement {
  const title = b.selected ? `${SELECTED_MARK}${b.label}` : b.label;
  const style = b.selected ? "positive" : STYLE[b.style];
  const submit: SubmitData = { actionId: b.actionId, value: b.value };
  return {
    type: "Action.Execute",
    title,
    verb: b.actionId,
    data: { value: b.value },
    ...(style !== "default" ? { style } : {}),
    fallback: { type: "Action.Submit", title, data: submit, ...(style !== "default" ? { style } : {}) },
  };
}

function actionSets(buttons: Button[]): CardElement[] {
  const sets: CardElement[] = [];
  for (let i = 0; i < buttons.length; i += ACTIONS_PER_ROW)
    sets.push({ type: "ActionSet", actions: buttons.slice(i, i + ACTIONS_PER_ROW).map(action), ...(i > 0 ? { spacing: "Small" } : {}) });
  return sets;
}

export function textBar(value: number | null, min: number, max: number, width = BAR_WIDTH): string {
  if (value === null) return "░".repeat(width);
  const filled = Math.round(Math.max(0, Math.min(1, (value - min) / (max - min || 1))) * width);
  return "█".repeat(filled) + "░".repeat(width - filled);
}

function formatSize(lang: Lang, bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toLocaleString(lang === "da" ? "da-DK" : "en-GB", { maximumFractionDigits: 1 })} KB`;
}

interface RenderState {
  lang: Lang;
  names: ReadonlyMap<string, string>;
  downloads: ReadonlyMap<number, string | null>;
  /** what is left of FILE_INLINE_BYTES for files shown whole in this card */
  inlineBudget: { bytes: number };
  /** the people the card mentions, for msteams.entities */
  mentions: MentionEntity[];
}

function block(b: Block, index: number, opts: RenderState): CardElement[] {
  const { names } = opts;
  switch (b.type) {
    case "header":
      return [{ type: "TextBlock", text: inline(b.text), wrap: true, size: "Medium", weight: "Bolder" }];
    case "text":
      return textBlocks(b.text, names, b.muted ? { isSubtle: true } : {}, opts.mentions);
    case "fields":
      return [{ type: "FactSet", facts: b.fields.map((f) => ({ title: inline(f.label), value: inline(f.value) })) }];
    case "question":
      return [
        {
          type: "Container",
          // The item id makes the question findable (tests, screen readers' landmarks); unique per card.
          id: `question:${b.itemId}`,
          spacing: "Medium",
          items: [
            { type: "TextBlock", text: inline(b.prompt), wrap: true },
            ...actionSets(b.options),
            ...(b.scaleHint ? [{ type: "TextBlock", text: b.scaleHint, wrap: true, isSubtle: true, size: "Small", spacing: "None" }] : []),
          ],
        },
      ];
    case "buttons":
      return actionSets(b.buttons);
    case "input": {
      // Every input of the card goes with an Action.Execute or Action.Submit pressed on it.
      const common = { id: `${FIELD_PREFIX}${b.id}`, label: b.label, ...(b.value ? { value: b.value } : {}), ...(b.placeholder ? { placeholder: b.placeholder } : {}) };
      if (b.kind === "choice") return [{ type: "Input.ChoiceSet", ...common, style: "compact", choices: b.options.map((o) => ({ title: o.label, value: o.value })) }];
      if (b.kind === "date") return [{ type: "Input.Date", ...common }];
      return [{ type: "Input.Text", ...common, isMultiline: b.multiline, maxLength: b.maxLength }];
    }
    case "progress":
      return [{ type: "TextBlock", text: `${textBar(b.current, 0, b.total)}  ${b.label}`, wrap: true, isSubtle: true }];
    case "bars":
      return [
        ...(b.title ? [{ type: "TextBlock", text: inline(b.title), wrap: true, isSubtle: true } as CardElement] : []),
        // A FactSet lines the labels up; the bar is drawn with block characters (cards have no charts).
        { type: "FactSet", id: `bars-${index}`, facts: b.bars.map((bar) => ({ title: bar.label, value: `${textBar(bar.value, bar.min, bar.max)}  ${bar.display}` })) },
      ];
    case "divider":
      return [];
    case "file":
      return fileBlock(b, index, opts);
    case "image": {
      // Teams fetches a card's pictures by address: the chart's PNG at /media/ (src/downloads.ts).
      // Without one (no public address) the card keeps its words, which say the same.
      const url = opts.downloads.get(index);
      return url ? [{ type: "Image", id: `chart-${b.name}`, url, altText: b.alt, size: "Stretch", spacing: "Medium" }] : [];
    }
  }
}

/**
 * A file: with a download link, a line and a button (the file itself never travels in the card,
 * so it arrives complete at any size). Without one (no PARTNERPULS_PUBLIC_URL), the file is shown
 * in the card, line by line (a newline inside a TextBlock is not a line break in every client):
 * whole when it fits, and otherwise its start with a plain statement that this is not the whole
 * file and how to get it whole. Splitting a large file over several messages was not chosen:
 * a CSV copied together from pieces of cards is no file anyone should trust.
 */
function fileBlock(b: Extract<Block, { type: "file" }>, index: number, opts: RenderState): CardElement[] {
  const { lang } = opts;
  const bytes = Buffer.byteLength(b.content, "utf8");
  const title: CardElement = { type: "TextBlock", text: teamsText(lang, "file", { filename: b.filename, size: formatSize(lang, bytes) }), wrap: true, weight: "Bolder" };
  const url = opts.downloads.get(index);
  if (url) {
    const hours = Math.round(DOWNLOAD_TTL_MS / 3_600_000);
    return [
      {
        type: "Container",
        id: `file-${index}`,
        style: "emphasis",
        items: [
          title,
          { type: "TextBlock", text: teamsText(lang, "file-link-note", { n: hours }), wrap: true, isSubtle: true, size: "Small", spacing: "None" },
          { type: "ActionSet", actions: [{ type: "Action.OpenUrl", title: teamsText(lang, "file-download", { filename: b.filename }), url, style: "positive" }] },
        ],
      },
    ];
  }
  const lines = b.content.replace(/\r\n/g, "\n").replace(/\n$/, "").split("\n");
  const lineBlock = (line: string): CardElement => ({
    type: "TextBlock",
    // Leading spaces would be dropped: keep the indentation with no-break spaces.
    text: line.replace(/^ +/, (m) => "\u00a0".repeat(m.length)) || "\u200b",
    wrap: true,
    fontType: "Monospace",
    size: "Small",
    spacing: "None",
  });
  const all = lines.map(lineBlock);
  const sizes = all.map((el) => Buffer.byteLength(JSON.stringify(el)) + 1);
  const total = sizes.reduce((sum, x) => sum + x, 0);
  const budget = opts.inlineBudget;
  if (total <= budget.bytes) {
    budget.bytes -= total;
    return [{ type: "Container", id: `file-${index}`, style: "emphasis", items: [title, ...all] }];
  }
  let chars = 0;
  let used = 0;
  let n = 0;
  while (n < lines.length && n < FILE_PREVIEW_LINES && chars + lines[n]!.length <= FILE_PREVIEW_CHARS && used + sizes[n]! <= budget.bytes) {
    chars += lines[n]!.length;
    used += sizes[n]!;
    n++;
  }
  budget.bytes -= used;
  const notes: CardElement[] = [
    { type: "TextBlock", text: teamsText(lang, "file-truncated", { shown: n, n: lines.length }), wrap: true, isSubtle: true },
    { type: "TextBlock", text: url === null ? teamsText(lang, "file-link-failed", { filename: b.filename }) : teamsText(lang, "file-no-link"), wrap: true, isSubtle: true, spacing: "None" },
  ];
  return [{ type: "Container", id: `file-${index}`, style: "emphasis", items: [title, ...all.slice(0, n), ...notes] }];
}

/** The card for a message. Dividers become separators on the element that follows them. */
export function renderCard(message: Message, options: RenderOptions): AdaptiveCard {
  // The renderer's own words follow the language the core chose for the recipient, when it says.
  const opts: RenderState = { lang: message.lang ?? options.lang, names: options.names ?? new Map<string, string>(), downloads: options.downloads ?? new Map(), inlineBudget: { bytes: FILE_INLINE_BYTES }, mentions: [] };
  const body: CardElement[] = [];
  let separate = false;
  shownBlocks(message).forEach((b, i) => {
    if (b.type === "divider") {
      separate = body.length > 0;
      return;
    }
    const els = block(b, i, opts);
    if (separate && els[0]) els[0] = { ...els[0], separator: true, spacing: "Medium" };
    separate = false;
    body.push(...els);
  });
  if (body.length === 0) body.push(...textBlocks(message.fallback, opts.names));
  return {
    type: "AdaptiveCard",
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    version: CARD_VERSION,
    fallbackText: message.fallback,
    body,
    // Mentions only: "width": "Full" is not supported everywhere (Microsoft 365 Agents Playground flags it).
    ...(opts.mentions.length ? { msteams: { entities: opts.mentions } } : {}),
  };
}

/** The message activity that carries a card; `summary` is what notifications show. */
export function cardActivity(card: AdaptiveCard): { type: "message"; summary: string; attachments: { contentType: string; content: AdaptiveCard }[] } {
  return { type: "message", summary: card.fallbackText.slice(0, 200), attachments: [{ contentType: CARD_CONTENT_TYPE, content: card }] };
}

/** The invoke response Universal Actions expect: the card that replaces the pressed one. */
export function cardInvokeResponse(card: AdaptiveCard) {
  return { statusCode: 200, type: CARD_CONTENT_TYPE, value: card };
}
