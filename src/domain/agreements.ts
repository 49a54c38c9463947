// An agreement recorded at a meeting, as a form asks for it (a modal, a card): what was agreed,
// who owns it and when it is due. The rules are the core's, so every platform's form follows the
// same ones: the form's three fields are required, and the text and meeting fit what an action holds.
import { z } from "zod";

export const AGREEMENT_LIMITS = { text: 500, meeting: 200 } as const;

/** The input ids of an agreement form, whichever form it is (a digest's statement, a meeting's card). */
export const AGREEMENT_FIELDS = { text: "agreement.text", ownerId: "agreement.owner", due: "agreement.due", statement: "agreement.statement" } as const;

/** Where an agreement stands: done; open past its due date; open with a later due date than was agreed; or open. */
export type AgreementState = "done" | "open" | "overdue" | "postponed";

export function agreementState(a: { status: string; dueDate: Date | null; agreedDue: Date | null }, overdue: boolean): AgreementState {
  if (a.status === "done") return "done";
  if (overdue) return "overdue";
  return a.agreedDue && a.dueDate && a.dueDate > a.agreedDue ? "postponed" : "open";
}

/** The fields of the form, as the platform handed them over (nothing checked yet). */
export const AgreementForm = z.object({
  text: z.string(),
  /** the owner's platform user id */
  ownerId: z.string(),
  /** YYYY-MM-DD, as date pickers give it */
  due: z.string(),
  meeting: z.string().optional(),
});
export type AgreementForm = z.infer<typeof AgreementForm>;
export type AgreementField = keyof AgreementForm;

export type AgreementProblem = "required" | "not-a-date" | "too-long";

/** Spaces and line breaks folded, as in a one-line command. */
const folded = (s: string | undefined) => (s ?? "").replace(/\s+/g, " ").trim();

/** The form's fields tidied, or what is wrong with each field that is wrong. */
export function readAgreement(form: AgreementForm): { ok: true; text: string; ownerId: string; due: { year: number; month: number; day: number }; meeting?: string } | { ok: false; problems: Partial<Record<AgreementField, AgreementProblem>> } {
  const problems: Partial<Record<AgreementField, AgreementProblem>> = {};
  const text = folded(form.text);
  const meeting = folded(form.meeting);
  if (!text) problems.text = "required";
  else if (text.length > AGREEMENT_LIMITS.text) problems.text = "too-long";
  if (!form.ownerId.trim()) problems.ownerId = "required";
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(form.due.trim());
  const due = m ? { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) } : null;
  // A real calendar day, in the years a due date can have (as for `due=` in a command).
  const real = due && due.year >= 2000 && due.year <= 2200 && new Date(Date.UTC(due.year, due.month - 1, due.day)).getUTCMonth() === due.month - 1 && new Date(Date.UTC(due.year, due.month - 1, due.day)).getUTCDate() === due.day;
  if (!form.due.trim()) problems.due = "required";
  else if (!real) problems.due = "not-a-date";
  if (meeting.length > AGREEMENT_LIMITS.meeting) problems.meeting = "too-long";
  if (Object.keys(problems).length || !due) return { ok: false, problems };
  return { ok: true, text, ownerId: form.ownerId.trim(), due, ...(meeting ? { meeting } : {}) };
}
