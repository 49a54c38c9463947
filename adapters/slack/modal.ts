// "Record an agreement": a modal for `action add`. The adapter only translates: the fields go to
// the core as its agreement form (Partnerpuls.agreement), and what the core finds wrong with
// them comes back under the fields, in the person's language.
import type { Message } from "../../src/messages/model.ts";
import type { Lang } from "../../src/i18n/i18n.ts";
import { slackText } from "./words.ts";
import { commandWord } from "../../src/commands/vocabulary.ts";
import { AGREEMENT_LIMITS, type AgreementField, type AgreementForm } from "../../src/domain/agreements.ts";
import { renderMessage, truncate, type SlackBlock } from "./blocks.ts";

export const ACTION_MODAL_ID = "partnerpuls.action.add";

export const MODAL_BLOCKS = { text: "text", owner: "owner", due: "due", meeting: "meeting" } as const;
/** one action id per input; a modal's inputs are read from view.state.values[block][action] */
const INPUT = "value";

/** Slack's limits for modals: title, submit and close 24 characters; private_metadata 3,000. */
export const MODAL_LIMITS = { title: 24, button: 24, privateMetadata: 3000, inputLength: AGREEMENT_LIMITS.text } as const;

/** `/puls action` (or `aftale`, `action add` …) with nothing after it opens the modal. */
export function isActionModalRequest(text: string): boolean {
  const [first, second, ...rest] = text.trim().split(/\s+/);
  return commandWord(first) === "action" && (second === undefined || commandWord(second) === "add") && rest.length === 0;
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
        element: { type: "plain_text_input", action_id: INPUT, max_length: AGREEMENT_LIMITS.meeting },
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

/** The submitted fields as the core's agreement form, as typed: the rules for them are the core's. */
export function agreementFromSubmission(values: StateValues): AgreementForm {
  const get = (block: string) => values[block]?.[INPUT];
  const meeting = get(MODAL_BLOCKS.meeting)?.value ?? "";
  return {
    text: get(MODAL_BLOCKS.text)?.value ?? "",
    ownerId: get(MODAL_BLOCKS.owner)?.selected_user ?? "",
    due: get(MODAL_BLOCKS.due)?.selected_date ?? "",
    ...(meeting ? { meeting } : {}),
  };
}

/** The core's errors by field, under the modal's inputs (Slack's response_action "errors"). */
export function modalErrors(errors: Partial<Record<AgreementField, string>>): Record<string, string> {
  const block: Record<AgreementField, string> = { text: MODAL_BLOCKS.text, ownerId: MODAL_BLOCKS.owner, due: MODAL_BLOCKS.due, meeting: MODAL_BLOCKS.meeting };
  return Object.fromEntries(Object.entries(errors).map(([field, text]) => [block[field as AgreementField], truncate(text!, 300)]));
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
