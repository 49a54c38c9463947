// Builders of the neutral messages the core sends: poll cards and lists (the digest is digest-message.ts).
import type { Lang } from "../i18n/i18n.ts";
import { t, formatDate } from "../i18n/i18n.ts";
import type { Snapshot } from "../domain/rounds.ts";
import type { PollPage } from "../domain/poll-pages.ts";
import { COMMENT_MAX, commentFieldId } from "../domain/comments.ts";
import type { Block, Message, RichText } from "./model.ts";
import { message, joinLines, plainOf } from "./model.ts";

type BlockIn = Parameters<typeof message>[1][number];

export interface PollView {
  lang: Lang;
  partnershipName: string;
  roundId: string;
  roundNumber: number;
  snapshot: Snapshot;
  /** the sections this round asks, in order */
  sectionIds: string[];
  /** the round's pages (src/domain/poll-pages.ts) */
  pages: PollPage[];
  /** the page to show, or null for the "all done" view */
  page: PollPage | null;
  answers: Map<string, { rating: number | null; choice: string | null }>;
  closesAt: Date;
  /** when it closed, if it did (early, by a coordinator, or at its deadline) */
  closedAt?: Date | null;
  timeZone: string;
  open: boolean;
  /** a line on top, e.g. "Saved: 4" after a click */
  notice?: string;
  /** a nudge: offer "remind me tomorrow" and "no more reminders" */
  withSnooze?: boolean;
  /** the sections that invite a comment, and the person's comments so far (shown on the thank-you card) */
  comments?: { sectionIds: string[]; texts: ReadonlyMap<string, string>; saved?: boolean };
}

/** A button's way to a page: its section, and which page of it when there are several. */
export function pageValue(roundId: string, page: PollPage): string {
  return JSON.stringify({ r: roundId, s: page.sectionId, ...(page.page > 0 ? { p: page.page } : {}) });
}

export function answerValue(roundId: string, itemId: string, v: { rating?: number; choice?: string; dontKnow?: true }): string {
  return JSON.stringify({ r: roundId, i: itemId, ...(v.dontKnow ? { d: 1 } : v.rating !== undefined ? { v: v.rating } : { c: v.choice }) });
}

/** A statement's "don't know" button, where the instrument allows it; chosen when the answer has neither rating nor choice. */
function dontKnowOption(lang: Lang, roundId: string, item: { id: string; dontKnow?: boolean }, current: { rating: number | null; choice: string | null } | undefined) {
  return item.dontKnow ? [{ label: t(lang, "poll.dont-know"), actionId: "poll.answer" as const, value: answerValue(roundId, item.id, { dontKnow: true }), selected: current !== undefined && current.rating === null && current.choice === null }] : [];
}

/**
 * The thank-you card's comment fields, one per section that invites one, each holding what the
 * person wrote so far, and one button that saves them all.
 */
function commentFields(v: PollView): BlockIn[] {
  const c = v.comments;
  if (!c || c.sectionIds.length === 0) return [];
  const { lang, snapshot } = v;
  const blocks: BlockIn[] = [{ type: "text", text: t(lang, "poll.comments"), muted: true }];
  for (const id of c.sectionIds) {
    const section = snapshot.sections.find((s) => s.id === id)!;
    blocks.push({ type: "input", id: commentFieldId(id), label: t(lang, "poll.comment-label", { title: section.title[lang] }), value: c.texts.get(id) ?? "", maxLength: COMMENT_MAX, placeholder: t(lang, "poll.comment-placeholder") });
  }
  if (c.saved) blocks.push({ type: "text", text: t(lang, "poll.comments-saved"), muted: true });
  blocks.push({ type: "buttons", buttons: [{ label: t(lang, "poll.comment-save"), actionId: "poll.comment", value: JSON.stringify({ r: v.roundId }), style: "primary" }] });
  return blocks;
}

export function pollMessage(v: PollView): Message {
  const { lang, snapshot } = v;
  const blocks: BlockIn[] = [];
  const title = t(lang, "poll.title", { partnership: v.partnershipName, n: v.roundNumber });
  blocks.push({ type: "header", text: title });
  // The last click's confirmation belongs to a section card, not to the thank-you card.
  if (v.notice && v.page !== null) blocks.push({ type: "text", text: v.notice, muted: true });
  const deadline = formatDate(lang, v.closesAt, v.timeZone);
  if (!v.open) {
    // The day it closed: a coordinator may have closed it before its deadline.
    const closed = formatDate(lang, v.closedAt && v.closedAt < v.closesAt ? v.closedAt : v.closesAt, v.timeZone);
    blocks.push({ type: "text", text: t(lang, "poll.closed", { date: closed }) });
    return message(`${title}: ${t(lang, "poll.closed", { date: closed })}`, blocks, { lang });
  }
  // Progress counts statements answered in the whole round, not sections reached.
  const asked = snapshot.sections.filter((s) => v.sectionIds.includes(s.id)).flatMap((s) => s.items);
  const done = asked.filter((i) => v.answers.has(i.id)).length;
  if (v.page === null) {
    blocks.push({ type: "progress", current: asked.length, total: Math.max(1, asked.length), label: t(lang, "poll.all-done-progress", { n: v.sectionIds.length }) });
    blocks.push({ type: "text", text: t(lang, "poll.thanks", { date: deadline }) });
    blocks.push(...commentFields(v));
    blocks.push({ type: "buttons", buttons: [{ label: t(lang, "poll.review"), actionId: "poll.section", value: pageValue(v.roundId, v.pages[0]!) }] });
    blocks.push({ type: "text", text: snapshot.credit[lang], muted: true });
    return message(`${title}: ${t(lang, "poll.thanks", { date: deadline })}`, blocks, { lang });
  }
  const { page } = v;
  const index = v.sectionIds.indexOf(page.sectionId);
  const section = snapshot.sections.find((s) => s.id === page.sectionId)!;
  const where = t(lang, "poll.progress", { i: index + 1, n: v.sectionIds.length, title: section.title[lang] });
  const ofPages = page.pages > 1 ? ` · ${t(lang, "poll.page", { i: page.page + 1, n: page.pages })}` : "";
  blocks.push({
    type: "progress",
    current: done,
    total: Math.max(1, asked.length),
    label: `${where}${ofPages} · ${t(lang, "poll.answered", { done, n: asked.length })}`,
  });
  if (section.intro && page.page === 0) blocks.push({ type: "text", text: section.intro[lang], muted: true });
  const scale = snapshot.scale;
  // The scale is explained once, under the card's first rating statement.
  let scaleExplained = false;
  const levelsExplained = new Set<string>();
  for (const item of section.items.filter((i) => page.itemIds.includes(i.id))) {
    const current = v.answers.get(item.id);
    if (item.kind === "rating" && scale) {
      const options = [];
      for (let r = scale.min; r <= scale.max; r++)
        options.push({ label: String(r), actionId: "poll.answer" as const, value: answerValue(v.roundId, item.id, { rating: r }), selected: current?.rating === r });
      options.push(...dontKnowOption(lang, v.roundId, item, current));
      blocks.push({
        type: "question",
        itemId: item.id,
        prompt: item.text[lang],
        options,
        ...(scaleExplained ? {} : { scaleHint: `${scale.min} = ${scale.labels[lang][0]} · ${scale.max} = ${scale.labels[lang][scale.max - scale.min]}` }),
      });
      scaleExplained = true;
    } else if (item.kind === "choice") {
      const choices = snapshot.choiceSets[item.choices] ?? [];
      // What each level means (the continuum, a link's strength), once per card, before the first choice.
      if (!levelsExplained.has(item.choices) && choices.some((c) => c.description)) {
        levelsExplained.add(item.choices);
        const lines: RichText = [{ t: "text", text: t(lang, "poll.levels") }];
        for (const c of choices) lines.push({ t: "text", text: "\n" }, { t: "strong", text: c.label[lang] }, { t: "text", text: c.description ? `: ${c.description[lang]}` : "" });
        blocks.push({ type: "text", text: lines, muted: true });
      }
      blocks.push({
        type: "question",
        itemId: item.id,
        prompt: item.text[lang],
        options: [
          ...choices.map((c) => ({ label: c.label[lang], actionId: "poll.answer" as const, value: answerValue(v.roundId, item.id, { choice: c.value }), selected: current?.choice === c.value })),
          ...dontKnowOption(lang, v.roundId, item, current),
        ],
      });
    }
  }
  const nav = [];
  const at = v.pages.findIndex((p) => p.sectionId === page.sectionId && p.page === page.page);
  const before = v.pages[at - 1];
  const after = v.pages[at + 1];
  // Within a section the buttons say "page", between sections "section".
  if (before) nav.push({ label: t(lang, before.sectionId === page.sectionId ? "poll.previous-page" : "poll.previous"), actionId: "poll.section" as const, value: pageValue(v.roundId, before) });
  if (after) nav.push({ label: t(lang, after.sectionId === page.sectionId ? "poll.next-page" : "poll.next"), actionId: "poll.section" as const, value: pageValue(v.roundId, after) });
  if (v.withSnooze) {
    nav.push({ label: t(lang, "nudge.snooze"), actionId: "poll.snooze" as const, value: JSON.stringify({ r: v.roundId }) });
    nav.push({ label: t(lang, "nudge.optout"), actionId: "nudge.optout" as const, value: JSON.stringify({ r: v.roundId }) });
  }
  if (nav.length) blocks.push({ type: "buttons", buttons: nav });
  blocks.push({ type: "text", text: `${t(lang, "poll.deadline", { date: deadline })} · ${snapshot.credit[lang]}`, muted: true });
  const fallback = `${title} — ${where}${ofPages} (${page.itemIds.filter((id) => v.answers.has(id)).length}/${page.itemIds.length})`;
  return message(fallback, blocks, { lang });
}

/**
 * A form sent with fields that are wrong: nothing was kept. A line per field for every platform,
 * and the problems by input id for a platform that shows each under its field (a Slack modal).
 */
export function formRefusal(lang: Lang, title: string, wrong: { id: string; label: string; problem: string }[]): Message {
  const lines = wrong.map((w) => `• ${w.label}: ${w.problem}`);
  return message(title, [{ type: "text", text: [title, ...lines].join("\n") }], { error: true, lang, problems: Object.fromEntries(wrong.map((w) => [w.id, w.problem])) });
}

export function listMessage(title: string, lines: RichText[], empty: string): Message {
  const text = lines.length ? joinLines(lines) : empty;
  return message(`${title}\n${plainOf(text)}`, [{ type: "header", text: title }, { type: "text", text }]);
}

export type { Block };
