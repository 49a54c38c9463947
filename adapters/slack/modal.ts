// "Record an agreement": a modal that writes the `action add` command for the person. The adapter
// only translates (text, owner, due date, meeting → the command line); whether the owner is a
// member, or the date makes sense, is the core's to say, and its answer comes back into the modal.
import type { Message } from "../../src/messages/model.ts";
import type { Lang } from "../../src/i18n/i18n.ts";
import { slackText } from "./words.ts";
import { renderMessage, plainText, truncate, type SlackBlock } from "./blocks.ts";

export const ACTION_MODAL_ID = "partnerpuls.action.add";

export const MODAL_BLOCKS = { text: "text", owner: "owner", due: "due", meeting: "meeting" } as const;
/** one action id per input; a modal's inputs are read from view.state.values[block][action] */
const INPUT = "value";

/** Slack's limits for modals: title, submit and close 24 characters; private_metadata 3,000. */
export const MODAL_LIMITS = { title: 24, button: 24, privateMetadata: 3000, inputLength: 500 } as const;

/** `/puls action` (or `aftale`, `action add` …) with nothing after it opens the modal. */
export function isActionModalRequest(text: string): boolean {
  return /^(action|actions|aftale|aftaler|opfølgning)(\s+(add|tilføj|tilfoej))?$/iu.test(text.trim());
}

export interface ModalMeta {
  /** where the command was typed: a partnership's home channel selects the partnership */
  channelId?: string;
  lang: Lang;
}

const plain = (text: string, max: number) => ({ type: "plain_text" as const, text: truncate(text, max), emoji: true });

export function actionModal(meta: ModalMeta) {
  const { lang } = meta;
  return {
    type: "modal" as const,
    callback_id: ACTION_MODAL_ID,
    private_metadata: JSON.stringify(meta).slice(0, MODAL_LIMITS.privateMetadata),
    title: plain(slackText(lang, "modal.title"), MODAL_LIMITS.title),
    submit: plain(slackText(lang, "modal.submit"), MODAL_LIMITS.button),
    close: plain(slackText(lang, "modal.close"), MODAL_LIMITS.button),
    blocks: [
      {
        type: "input",
        block_id: MODAL_BLOCKS.text,
        label: plain(slackText(lang, "modal.text"), 2000),
        element: { type: "plain_text_input", action_id: INPUT, max_length: MODAL_LIMITS.inputLength },
      },
      { type: "input", block_id: MODAL_BLOCKS.owner, label: plain(slackText(lang, "modal.owner"), 2000), element: { type: "users_select", action_id: INPUT } },
      { type: "input", block_id: MODAL_BLOCKS.due, label: plain(slackText(lang, "modal.due"), 2000), element: { type: "datepicker", action_id: INPUT } },
      {
        type: "input",
        block_id: MODAL_BLOCKS.meeting,
        optional: true,
        label: plain(slackText(lang, "modal.meeting"), 2000),
        element: { type: "plain_text_input", action_id: INPUT, max_length: 120 },
      },
    ],
  };
}

export function modalMeta(privateMetadata: string | undefined, fallback: Lang): ModalMeta {
  try {
    const m = JSON.parse(privateMetadata ?? "") as Partial<ModalMeta>;
    return { lang: m.lang === "da" || m.lang === "en" ? m.lang : fallback, ...(typeof m.channelId === "string" ? { channelId: m.channelId } : {}) };
  } catch {
    return { lang: fallback };
  }
}

type StateValues = Record<string, Record<string, { value?: string | null; selected_user?: string | null; selected_date?: string | null }>>;

/** Quotes a value for the command line with a quote character it does not contain. */
function quoted(text: string): string | null {
  if (!text.includes('"')) return `"${text}"`;
  if (!text.includes("»")) return `«${text}»`;
  return null;
}

/** The command line a submitted modal stands for, or the errors to show under its fields. */
export function commandFromSubmission(values: StateValues, lang: Lang): { ok: true; command: string } | { ok: false; errors: Record<string, string> } {
  const get = (block: string) => values[block]?.[INPUT];
  const text = (get(MODAL_BLOCKS.text)?.value ?? "").replace(/\s+/g, " ").trim();
  const owner = get(MODAL_BLOCKS.owner)?.selected_user ?? "";
  const due = get(MODAL_BLOCKS.due)?.selected_date ?? "";
  const meeting = (get(MODAL_BLOCKS.meeting)?.value ?? "").replace(/\s+/g, " ").trim();
  const errors: Record<string, string> = {};
  const q = quoted(text);
  if (!text) errors[MODAL_BLOCKS.text] = slackText(lang, "modal.required");
  else if (!q) errors[MODAL_BLOCKS.text] = slackText(lang, "modal.quotes");
  if (!/^[UW][A-Z0-9]+$/.test(owner)) errors[MODAL_BLOCKS.owner] = slackText(lang, "modal.required");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(due)) errors[MODAL_BLOCKS.due] = slackText(lang, "modal.required");
  const m = meeting ? quoted(meeting) : "";
  if (m === null) errors[MODAL_BLOCKS.meeting] = slackText(lang, "modal.quotes");
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, command: `action add ${q} owner=<@${owner}> due=${due}${m ? ` meeting=${m}` : ""}` };
}

/** The field an error from the core belongs under: the owner's if it names them, else the text's. */
export function errorsFromReply(reply: Message, ownerId: string | undefined): Record<string, string> {
  const mentionsOwner =
    ownerId !== undefined &&
    reply.blocks.some((b) => b.type === "text" && (typeof b.text === "string" ? b.text.includes(`<@${ownerId}`) : b.text.some((n) => n.t === "person" && n.id === ownerId)));
  return { [mentionsOwner ? MODAL_BLOCKS.owner : MODAL_BLOCKS.text]: plainText(reply, 300) };
}

/** After a successful submission the modal shows what the core said, with a Close button. */
export function resultModal(asked: Lang, reply: Message) {
  const lang = reply.lang ?? asked;
  const { blocks } = renderMessage(reply, { lang, surface: "modal", files: "inline" });
  return {
    type: "modal" as const,
    callback_id: `${ACTION_MODAL_ID}.done`,
    title: plain(slackText(lang, "modal.title"), MODAL_LIMITS.title),
    close: plain(slackText(lang, "modal.done"), MODAL_LIMITS.button),
    blocks: blocks as SlackBlock[],
  };
}
