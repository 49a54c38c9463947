// Cards that page: however long a section or a partner map is, every card of a poll fits each
// platform's limits (Slack: 50 blocks; Teams: 28 KB and the Adaptive Cards SDK's validation), and
// a partner reaches every statement by moving through the pages.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { findBuiltIn, CHECKLIST_KEY } from "../../src/instruments/catalogue.ts";
import { snapshotFor, type Snapshot } from "../../src/domain/rounds.ts";
import { pollPages, pageAt, STATEMENTS_PER_PAGE, type PollPage } from "../../src/domain/poll-pages.ts";
import { pollMessage } from "../../src/messages/build.ts";
import type { Message } from "../../src/messages/model.ts";
import { renderMessage, SLACK_LIMITS } from "../../adapters/slack/blocks.ts";
import { renderCard } from "../../adapters/teams/cards.ts";
import { cardProblems } from "../teams/validate-card.ts";
import { validateBlocks } from "../support/fake-slack.ts";
import { t, type Lang } from "../../src/i18n/i18n.ts";
import { askedOf } from "../../src/domain/partner-map.ts";
import { COMMENT_MAX, COMMENT_SECTIONS_MAX } from "../../src/domain/comments.ts";

const ROUND = "00000000-0000-4000-8000-000000000001";

/** The checklist with one section of `n` statements, as a custom instrument would have. */
function longSection(n: number): Snapshot {
  const checklist = findBuiltIn(CHECKLIST_KEY)!;
  const first = checklist.sections[0]!;
  const items = Array.from({ length: n }, (_, i) => ({ id: `long.s${i + 1}`, kind: "rating" as const, text: { en: `Statement ${i + 1}: partners share what they know about the work in this area`, da: `Udsagn ${i + 1}: partnerne deler, hvad de ved om arbejdet på dette område` } }));
  const r = snapshotFor({ ...checklist, sections: [{ ...first, id: "long", items }] }, ["long"], { purposes: [], organisations: [] });
  if (!r.ok) throw new Error(r.reason);
  return r.snapshot;
}

function partnerMap(organisations: number): Snapshot {
  const orgs = Array.from({ length: organisations }, (_, i) => ({ id: `o${i}`, name: `Organisation number ${i + 1} (Region Hovedstaden)` }));
  const map = findBuiltIn("vichealth-map")!;
  const r = snapshotFor(map, map.sections.map((s) => s.id), { purposes: [], organisations: orgs });
  if (!r.ok) throw new Error(r.reason);
  return r.snapshot;
}

function card(snapshot: Snapshot, page: PollPage | null, lang: Lang): Message {
  const sectionIds = snapshot.sections.filter((s) => s.items.length > 0).map((s) => s.id);
  return pollMessage({ lang, partnershipName: "Det Sektorfri Forebyggelseslaboratorium", roundId: ROUND, roundNumber: 3, snapshot, sectionIds, pages: pollPages(snapshot, sectionIds), page, answers: new Map(), closesAt: new Date("2026-12-20T22:59:00Z"), timeZone: "Europe/Copenhagen", open: true, withSnooze: true });
}

/** Every page, reached from the first by its "next" button, with the statements each card asks. */
function walk(snapshot: Snapshot, lang: Lang): { message: Message; asked: string[] }[] {
  const sectionIds = snapshot.sections.filter((s) => s.items.length > 0).map((s) => s.id);
  const pages = pollPages(snapshot, sectionIds);
  const seen: { message: Message; asked: string[] }[] = [];
  let page: PollPage | undefined = pages[0];
  while (page) {
    const message = card(snapshot, page, lang);
    seen.push({ message, asked: message.blocks.flatMap((b) => (b.type === "question" ? [b.itemId] : [])) });
    const next = message.blocks.flatMap((b) => (b.type === "buttons" ? b.buttons : [])).find((b) => b.label === t(lang, "poll.next") || b.label === t(lang, "poll.next-page"));
    if (!next) break;
    const to = JSON.parse(next.value) as { s: string; p?: number };
    page = pageAt(pages, to.s, to.p);
    if (seen.length > 1000) throw new Error("the pages never end");
  }
  return seen;
}

function fitsEverywhere(message: Message, lang: Lang): void {
  const slack = renderMessage(message, { lang });
  expect(slack.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.messageBlocks);
  expect(validateBlocks(slack.blocks, SLACK_LIMITS.messageBlocks)).toBeNull();
  // Every statement of the card is on Slack's card too: one actions block of buttons each.
  const questions = message.blocks.filter((b) => b.type === "question").length;
  expect(slack.blocks.filter((b) => b.type === "actions").length).toBeGreaterThanOrEqual(questions);
  expect(cardProblems(renderCard(message, { lang }))).toEqual([]);
}

describe("poll cards that page", () => {
  it("asks 60 statements of one section on pages that fit, each statement once, in order", () => {
    const snapshot = longSection(60);
    for (const lang of ["en", "da"] as const) {
      const pages = walk(snapshot, lang);
      expect(pages).toHaveLength(Math.ceil(60 / STATEMENTS_PER_PAGE));
      expect(pages.flatMap((p) => p.asked)).toEqual(snapshot.sections.find((s) => s.id === "long")!.items.map((i) => i.id));
      for (const p of pages) fitsEverywhere(p.message, lang);
      expect(pages[1]!.message.fallback).toMatch(lang === "da" ? /side 2 af 8/ : /page 2 of 8/);
    }
  });

  it("fits every section length from 1 to 60, and every partner map from 2 to 20 organisations", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 1, max: 60 }).map((n) => ({ kind: "section" as const, n })), fc.integer({ min: 2, max: 20 }).map((n) => ({ kind: "map" as const, n }))), fc.constantFrom<Lang>("en", "da"), (shape, lang) => {
        const snapshot = shape.kind === "section" ? longSection(shape.n) : partnerMap(shape.n);
        const pages = walk(snapshot, lang);
        const all = snapshot.sections.flatMap((s) => s.items.map((i) => i.id));
        expect(pages.flatMap((p) => p.asked)).toEqual(all);
        for (const p of pages) fitsEverywhere(p.message, lang);
      }),
      { numRuns: 40 },
    );
  });

  it("pages the map as each partner is asked it: their own organisation's links, today and wanted", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 20 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))), fc.constantFrom<Lang>("en", "da"), ([n, own], lang) => {
        const whole = partnerMap(n);
        const view = askedOf(whole, `o${own}`);
        const pages = walk(view, lang);
        const asked = pages.flatMap((p) => p.asked);
        expect(asked).toHaveLength(2 * (n - 1));
        // Every link asked is one of theirs, each once, in the map's order.
        const theirs = whole.sections.flatMap((s) => s.items).filter((i) => i.kind === "choice" && i.link?.between.includes(`o${own}`)).map((i) => i.id);
        expect(asked).toEqual(theirs);
        for (const p of pages) fitsEverywhere(p.message, lang);
      }),
      { numRuns: 30 },
    );
  });

  it("shows the thank-you card, which fits too, when nothing is left", () => {
    fitsEverywhere(card(partnerMap(20), null, "da"), "da");
  });

  it("fits the thank-you card with the most comment fields an instrument may ask, each full", () => {
    const checklist = findBuiltIn(CHECKLIST_KEY)!;
    const first = checklist.sections[0]!;
    const sections = Array.from({ length: COMMENT_SECTIONS_MAX }, (_, i) => ({ ...first, id: `c${i}`, comments: true, title: { en: `Section ${i + 1} with a long title about the work of the partnership`, da: `Afsnit ${i + 1} med en lang titel om partnerskabets arbejde` }, items: first.items.map((it) => ({ ...it, id: `c${i}.${it.id}` })) }));
    const r = snapshotFor({ ...checklist, sections }, sections.map((s) => s.id), { purposes: [], organisations: [] });
    if (!r.ok) throw new Error(r.reason);
    const ids = sections.map((s) => s.id);
    for (const lang of ["en", "da"] as const) {
      const m = pollMessage({ lang, partnershipName: "Det Sektorfri Forebyggelseslaboratorium", roundId: ROUND, roundNumber: 3, snapshot: r.snapshot, sectionIds: ids, pages: pollPages(r.snapshot, ids), page: null, answers: new Map(), closesAt: new Date("2026-12-20T22:59:00Z"), timeZone: "Europe/Copenhagen", open: true, comments: { sectionIds: ids, texts: new Map(ids.map((id) => [id, "æøå ".repeat(COMMENT_MAX / 4)])), saved: true } });
      expect(m.blocks.filter((b) => b.type === "input")).toHaveLength(COMMENT_SECTIONS_MAX);
      fitsEverywhere(m, lang);
      // Slack takes each field's text back as it was written.
      const inputs = renderMessage(m, { lang }).blocks.filter((b) => b.type === "input");
      expect(inputs.map((b) => b.type === "input" && b.element.type === "plain_text_input" && b.element.initial_value)).toEqual(ids.map(() => "æøå ".repeat(COMMENT_MAX / 4)));
    }
  });
});
