// The neutral message model. The core builds these; each adapter renders them (Block Kit,
// Adaptive Cards, HTML). The core never builds platform JSON.
import { z } from "zod";

/** Stable action ids: adapters route button presses back by these, never by label. */
export const ActionId = z.enum([
  "poll.answer", // value: {roundId, itemId, rating | choice}
  "poll.section", // value: {roundId, sectionId} — open a section (to change answers)
  "poll.open", // value: {roundId} — show the next unanswered section
  "poll.snooze", // value: {roundId} — "remind me tomorrow"
  "poll.comment", // value: {roundId}; the card's comment fields carry the texts
  "nudge.optout", // value: {roundId} — no more nudges for me (the poll stays)
  "action.done", // value: {actionId}
  "action.postpone", // value: {actionId, days} — the owner asks for a new due date
  "action.from-statement", // value: {partnershipId, statementId} — a form for an action on a digest's statement
  "action.record", // value: {partnershipId, statementId}; the form's fields carry text, owner and due date
  "meeting.record", // value: {m: meetingId} — the "Record an agreement" form, from a meeting's agenda card
  "meeting.agree", // value: {m: meetingId}; the form's fields carry text, owner, due date and statement
  "join.approve", // value: {j: joinRequestId} — a coordinator lets a person of another workspace in
  "join.decline", // value: {j: joinRequestId}
  "invite.make", // value: {m: membershipId} — a code for a member the platform will not let the bot reach from here
  "help.topic", // value: {topic}
]);
export type ActionId = z.infer<typeof ActionId>;

export const Button = z.object({
  label: z.string().min(1),
  actionId: ActionId,
  value: z.string().max(2000), // JSON payload, kept short: Slack allows 2,000 characters
  style: z.enum(["primary", "danger", "default"]).default("default"),
  selected: z.boolean().default(false),
});
export type Button = z.infer<typeof Button>;

/**
 * Inline nodes: what a text says, typed, so each adapter writes its own markup (a mention, a
 * channel link, escaped HTML) and nobody parses markup back out of text.
 */
export const Inline = z.discriminatedUnion("t", [
  z.object({ t: z.literal("text"), text: z.string() }),
  z.object({ t: z.literal("strong"), text: z.string().min(1) }),
  /** a platform user id; `name` when the core knows one (adapters may know a better one) */
  z.object({ t: z.literal("person"), id: z.string().min(1), name: z.string().optional() }),
  z.object({ t: z.literal("channel"), id: z.string().min(1), name: z.string().optional() }),
  /** a web address the core made (a report page), with the words shown for it */
  z.object({ t: z.literal("link"), url: z.string().regex(/^https?:\/\/[^\s<>|"]+$/).max(2000), text: z.string().min(1) }),
]);
export type Inline = z.infer<typeof Inline>;

/** A text: a plain string (no markup of people or channels), or inline nodes. */
export const RichText = z.union([z.string().min(1), z.array(Inline).min(1)]);
export type RichText = z.infer<typeof RichText>;

/** The nodes of a text; a plain string is one text node. */
export function nodesOf(text: RichText): Inline[] {
  return typeof text === "string" ? [{ t: "text", text }] : text;
}

/** A text without markup, for notifications and places that take none: @name, #channel. */
export function plainOf(text: RichText, names: ReadonlyMap<string, string> = new Map()): string {
  if (typeof text === "string") return text;
  return text
    .map((n) => {
      switch (n.t) {
        case "text":
        case "strong":
          return n.text;
        case "person":
          return `@${names.get(n.id) ?? n.name ?? n.id}`;
        case "channel":
          return `#${names.get(n.id) ?? n.name ?? n.id}`;
        case "link":
          return `${n.text}: ${n.url}`;
      }
    })
    .join("");
}

/** Joins texts and nodes into one text of nodes (strings become text nodes). */
export function joinNodes(...parts: (RichText | Inline | Inline[])[]): Inline[] {
  const out: Inline[] = [];
  for (const p of parts) {
    if (typeof p === "string") out.push({ t: "text", text: p });
    else if (Array.isArray(p)) out.push(...p);
    else out.push(p);
  }
  return out;
}

export const Block = z.discriminatedUnion("type", [
  z.object({ type: z.literal("header"), text: z.string().min(1) }),
  z.object({ type: z.literal("text"), text: RichText, muted: z.boolean().default(false) }),
  z.object({
    type: z.literal("fields"),
    fields: z.array(z.object({ label: z.string(), value: z.string() })).min(1),
  }),
  z.object({
    type: z.literal("question"),
    itemId: z.string(),
    prompt: z.string().min(1),
    /** one button per scale point or choice; `selected` marks the current answer */
    options: z.array(Button).min(2),
    /** a 1–5 scale shows its anchor labels under the buttons */
    scaleHint: z.string().optional(),
  }),
  z.object({ type: z.literal("buttons"), buttons: z.array(Button).min(1) }),
  /**
   * A free-text field, optional to fill in. The values of a message's fields travel with the next
   * button pressed on it (Partnerpuls.action's `fields`): that is how Slack's input blocks, Teams'
   * Input.Text and a web form all hand over what was typed beside a button.
   */
  z.object({
    type: z.literal("input"),
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/),
    label: z.string().min(1),
    /** text: free text; choice: one of `options` (a member, say), by value; date: a day, YYYY-MM-DD */
    kind: z.enum(["text", "choice", "date"]).default("text"),
    value: z.string().default(""),
    options: z.array(z.object({ value: z.string().min(1).max(150), label: z.string().min(1) })).max(100).default([]),
    maxLength: z.number().int().min(1).max(3000).default(3000),
    multiline: z.boolean().default(true),
    /** whether it may be left empty (the core checks either way, and says what is missing) */
    optional: z.boolean().default(true),
    placeholder: z.string().optional(),
  }),
  z.object({
    type: z.literal("progress"),
    current: z.number().int().min(0),
    total: z.number().int().min(1),
    label: z.string(),
  }),
  z.object({
    type: z.literal("bars"),
    title: z.string().optional(),
    bars: z
      .array(
        z.object({
          label: z.string(),
          value: z.number().nullable(), // null: withheld (below minimum-n) or no answers
          min: z.number(),
          max: z.number(),
          display: z.string(), // what to print beside the bar, e.g. "18.4 / 25 (+1.2)"
        }),
      )
      .min(1),
  }),
  z.object({ type: z.literal("divider") }),
  /**
   * A chart, drawn by the core as SVG (src/charts/): Slack uploads it as a PNG beside the message,
   * Teams shows it from the bot's /media/ address, a browser inline. The text around it says the
   * same in words, so a message is complete without its pictures.
   */
  z.object({
    type: z.literal("image"),
    /** a file name's stem: sections, totals, map, purposes, spread */
    name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/),
    title: z.string().min(1),
    alt: z.string().min(1),
    svg: z.string().startsWith("<svg"),
  }),
  /** a file to hand over (CSV export, personal data); adapters upload or offer a download */
  z.object({
    type: z.literal("file"),
    filename: z.string().regex(/^[\w.\-]+$/),
    mimeType: z.string(),
    content: z.string(),
  }),
]);
export type Block = z.infer<typeof Block>;

/** What was typed into a message's input fields, as a platform hands it over with a press: by field id. */
export const FieldValues = z.record(z.string().max(120), z.string().max(20_000));

export const Message = z.object({
  /** plain text for notifications and clients that cannot show blocks */
  fallback: z.string().min(1),
  blocks: z.array(Block),
  /** the reply reports something that went wrong (adapters show it apart, with their own sign) */
  error: z.literal(true).optional(),
  /** the reply to a press is for the presser alone, beside the card pressed (a form), never in its place */
  apart: z.literal(true).optional(),
  /** the language the core chose for the recipient: adapters use it for their own words */
  lang: z.enum(["en", "da"]).optional(),
  /** what is wrong with a form, by input id: a platform that shows forms in a dialog puts each under its field */
  problems: z.record(z.string(), z.string()).optional(),
});
export type Message = z.infer<typeof Message>;
export type MessageInput = z.input<typeof Message>;

/** Builds a validated message: a malformed message is a bug in the core, caught here. */
export function message(fallback: string, blocks: z.input<typeof Block>[], extra: { error?: true; apart?: true; lang?: "en" | "da"; problems?: Record<string, string> } = {}): Message {
  return Message.parse({ fallback, blocks, ...extra });
}

export function textMessage(text: RichText): Message {
  return message(plainOf(text), [{ type: "text", text }]);
}

/** A reply shown beside the card pressed, never in its place: an error, or a reply meant apart (a form). */
export function isSaidApart(m: Message): boolean {
  return m.error === true || m.apart === true;
}

/**
 * The blocks as shown: an error's first text carries the warning sign an adapter chooses (the
 * core only sets `error`), so no adapter has to recognise an error by its text.
 */
export function shownBlocks(m: Message, sign = "⚠️ "): Block[] {
  if (!m.error) return m.blocks;
  const i = m.blocks.findIndex((b) => b.type === "text");
  if (i < 0) return m.blocks;
  const first = m.blocks[i] as Extract<Block, { type: "text" }>;
  const text: RichText = typeof first.text === "string" ? `${sign}${first.text}` : [{ t: "text", text: sign }, ...first.text];
  return m.blocks.map((b, k) => (k === i ? { ...first, text } : b));
}

/** Lines of text (strings or nodes) as one text, a newline between each. */
export function joinLines(lines: RichText[]): RichText {
  if (lines.every((l) => typeof l === "string")) return lines.join("\n");
  return lines.flatMap((l, i) => (i === 0 ? nodesOf(l) : [{ t: "text" as const, text: "\n" }, ...nodesOf(l)]));
}
