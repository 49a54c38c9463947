// Partners' comments on a round's sections ("what would help?"). The disclosure rule holds for
// them as for the figures: a comment is read only into the round's release when it closes, from the
// frozen set of respondents, and only for a section at least minimum-n of them were asked; there it
// carries no name and no order of arrival (the texts are sorted), so neither when nor who shows.
import type { Snapshot } from "./rounds.ts";

/** A comment can say a lot; a chat card and a printed report still need it short. */
export const COMMENT_MAX = 500;

/** Slack's 50 blocks and Teams' 28 KB leave room for this many comment fields on one card. */
export const COMMENT_SECTIONS_MAX = 10;

/** The id of a section's comment field on a card: `comment.<section id>`. */
export function commentFieldId(sectionId: string): string {
  return `comment.${sectionId}`;
}

export function sectionOfField(fieldId: string): string | null {
  return fieldId.startsWith("comment.") ? fieldId.slice("comment.".length) : null;
}

/** The sections of a round (as a person is asked it) that invite a comment, in order. */
export function commentSectionIds(view: Snapshot, sectionIds: readonly string[]): string[] {
  return view.sections.filter((s) => s.comments && sectionIds.includes(s.id) && s.items.length > 0).map((s) => s.id);
}

/** A comment as typed, tidied: trailing spaces and blank lines go, line breaks inside stay. */
export function tidyComment(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/**
 * The released comments per section: those of the frozen respondents, for each section that at
 * least `minimumN` of them were asked, sorted so that their order says nothing.
 */
export function releasedComments(
  comments: readonly { respondent: string; sectionId: string; text: string }[],
  frozen: ReadonlySet<string>,
  sections: readonly { id: string; askedOf: number }[],
  minimumN: number,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of sections) {
    if (s.askedOf < minimumN) continue;
    const texts = comments.filter((c) => c.sectionId === s.id && frozen.has(c.respondent)).map((c) => c.text);
    if (texts.length) out[s.id] = texts.sort((a, b) => a.localeCompare(b, "da") || (a < b ? -1 : a > b ? 1 : 0));
  }
  return out;
}
