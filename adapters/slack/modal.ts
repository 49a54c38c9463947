// "Record an agreement": a modal for `action add`. The adapter only translates: the fields go to
// the core as its agreement form (Partnerpuls.agreement), and what the core finds wrong with
// them comes back under the fields, in the person's language.
import { plainOf, type Message } from "../../src/messages/model.ts";
import type { Lang } from "../../src/i18n/i18n.ts";
import { slackText } from "./words.ts";
import { commandWord } from "../../src/commands/vocabulary.ts";
import { AGREEMENT_LIMITS, type AgreementField, type AgreementForm } from "../../src/domain/agreements.ts";
import { FIELD_PREFIX, renderMessage, truncate, type SlackBlock } from "./blocks.ts";

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

// ---- a form from the core, as a modal ----------------------------------------------------------
// A press that answers with a form (fields and a button to send them, such as "Record an
// agreement" on a meeting's card) opens it as a modal. Sending it is the press of that button,
// with the fields: the core checks them, and what it finds wrong shows under each field.

export const FORM_MODAL_ID = "partnerpuls.form";

/** What the modal remembers of the form: the button that sends it and where it came from. */
interface FormMeta {
  a: string;
  v: string;
  l: Lang;
  c?: string;
}

/** Whether a reply is a form to open as a modal: said apart, with fields and one button to send them. */
export function isForm(m: Message): boolean {
  return m.apart === true && m.blocks.some((b) => b.type === "input") && m.blocks.filter((b) => b.type === "buttons").length === 1;
}

export function formModal(form: Message, lang: Lang, channelId?: string) {
  const send = form.blocks.find((b) => b.type === "buttons")!.buttons[0]!;
  // The modal's own title is short (24 characters): the form's header stays in its body, whole.
  const rest = { ...form, blocks: form.blocks.filter((b) => b.type !== "buttons") };
  const { blocks } = renderMessage(rest, { lang, surface: "modal", files: "inline" });
  const meta: FormMeta = { a: send.actionId, v: send.value, l: form.lang ?? lang, ...(channelId ? { c: channelId } : {}) };
  return {
    type: "modal" as const,
    callback_id: FORM_MODAL_ID,
    private_metadata: JSON.stringify(meta).slice(0, MODAL_LIMITS.privateMetadata),
    title: plain(slackText(meta.l, "modal.title"), MODAL_LIMITS.title),
    submit: plain(send.label, MODAL_LIMITS.button),
    close: plain(slackText(meta.l, "modal.close"), MODAL_LIMITS.button),
    blocks: blocks as SlackBlock[],
  };
}

export function formMeta(privateMetadata: string | undefined): FormMeta | null {
  try {
    const m = JSON.parse(privateMetadata ?? "") as Partial<FormMeta>;
    if (typeof m.a !== "string" || typeof m.v !== "string") return null;
    return { a: m.a, v: m.v, l: m.l === "en" ? "en" : "da", ...(typeof m.c === "string" ? { c: m.c } : {}) };
  } catch {
    return null;
  }
}

/** The core's problems by field id, under the modal's inputs; a refusal without fields goes under the first. */
export function formErrors(reply: Message, blocks: readonly { type: string; block_id?: string; element?: { action_id?: string } }[]): Record<string, string> {
  const inputs = blocks.filter((b) => b.type === "input" && b.block_id);
  const blockOf = (field: string) => inputs.find((b) => b.element?.action_id === `${FIELD_PREFIX}${field}`)?.block_id;
  const out: Record<string, string> = {};
  for (const [field, text] of Object.entries(reply.problems ?? {})) {
    const block = blockOf(field);
    if (block) out[block] = truncate(text, 300);
  }
  if (Object.keys(out).length === 0 && inputs[0]?.block_id) out[inputs[0].block_id] = truncate(plainOf(reply.fallback), 300);
  return out;
}
