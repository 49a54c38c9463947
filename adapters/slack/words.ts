// Slack's own words: what only the Slack adapter says (files it attaches or sends, a reply cut
// short to fit one message, its failure replies, the agreement modal). The core's catalogue
// (src/i18n) names no platform; these entries are formatted by its rules, via format().
import { catalogue, type Entry } from "../../src/i18n/i18n.ts";

const en = {
  "file-attached": "📎 {filename} is attached below.",
  "file-sent-dm": "📎 I have sent you {filename} as a direct message.",
  "file-inline": "📎 The file {filename}:",
  "file-too-large": "📎 I could not send you {filename} ({size} characters), and it is too long to show here. Please try again in a moment.",
  "truncated": { one: "… and {n} more part that does not fit in one Slack message.", other: "… and {n} more parts that do not fit in one Slack message." },
  "error": "Something went wrong on my side, and I could not finish that. Please try again in a moment.",
  "busy": "Too much is happening at once right now, and I could not get to that in time. Nothing was changed. Please try again in a minute.",
  "modal.title": "Record an agreement",
  "modal.submit": "Save",
  "modal.close": "Cancel",
  "modal.done": "Close",
  "modal.text": "What was agreed",
  "modal.owner": "Owner",
  "modal.due": "Due date",
  "modal.meeting": "Meeting (optional)",
} satisfies Record<string, Entry>;

export type SlackKey = keyof typeof en;

const da: Record<SlackKey, Entry> = {
  "file-attached": "📎 {filename} er vedhæftet herunder.",
  "file-sent-dm": "📎 Jeg har sendt dig {filename} som en direkte besked.",
  "file-inline": "📎 Filen {filename}:",
  "file-too-large": "📎 Jeg kunne ikke sende dig {filename} ({size} tegn), og den er for lang til at vise her. Prøv igen om lidt.",
  "truncated": { one: "… og {n} del mere, der ikke kan være i én Slack-besked.", other: "… og {n} dele mere, der ikke kan være i én Slack-besked." },
  "error": "Noget gik galt hos mig, og jeg kunne ikke gøre det færdigt. Prøv igen om lidt.",
  "busy": "Der sker for meget på én gang lige nu, så jeg nåede det ikke i tide. Intet er blevet ændret. Prøv igen om et minut.",
  "modal.title": "Notér en aftale",
  "modal.submit": "Gem",
  "modal.close": "Annullér",
  "modal.done": "Luk",
  "modal.text": "Hvad blev aftalt",
  "modal.owner": "Ansvarlig",
  "modal.due": "Frist",
  "modal.meeting": "Møde (valgfrit)",
};

/** Both languages, the same keys and placeholders in each (checked by test/core/i18n.test.ts), and the lookup. */
export const { words: slackWords, text: slackText } = catalogue<SlackKey>(en, da);
