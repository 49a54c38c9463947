// A poll's pages: the round's sections in order, each split so that no card holds more than
// STATEMENTS_PER_PAGE statements. A page of them fits every platform's limits (Slack's 50 blocks:
// two a statement; Teams' 28 KB), and the playground pages the same way, so a partner moves
// through the same cards everywhere, however long a section or a partner map is.
import type { Snapshot } from "./rounds.ts";

export const STATEMENTS_PER_PAGE = 8;

export interface PollPage {
  sectionId: string;
  /** 0-based within its section */
  page: number;
  /** how many pages its section has */
  pages: number;
  itemIds: string[];
}

/** Every page of the round, in the order a partner meets them. */
export function pollPages(snapshot: Snapshot, sectionIds: string[]): PollPage[] {
  const out: PollPage[] = [];
  for (const sectionId of sectionIds) {
    const section = snapshot.sections.find((s) => s.id === sectionId);
    if (!section) continue;
    const ids = section.items.map((i) => i.id);
    const pages = Math.max(1, Math.ceil(ids.length / STATEMENTS_PER_PAGE));
    for (let page = 0; page < pages; page++) out.push({ sectionId, page, pages, itemIds: ids.slice(page * STATEMENTS_PER_PAGE, (page + 1) * STATEMENTS_PER_PAGE) });
  }
  return out;
}

/** The page a button names (a section, and a page of it: the first when left out). */
export function pageAt(pages: PollPage[], sectionId: string, page = 0): PollPage | undefined {
  return pages.find((p) => p.sectionId === sectionId && p.page === page);
}

/** The page a statement is on. */
export function pageOf(pages: PollPage[], itemId: string): PollPage | undefined {
  return pages.find((p) => p.itemIds.includes(itemId));
}

/** The page a partner should see next: the first with an unanswered statement, from `from` on (wrapping). */
export function nextOpenPage(pages: PollPage[], answered: (itemId: string) => boolean, from?: Pick<PollPage, "sectionId" | "page">): PollPage | null {
  const start = from ? Math.max(0, pages.findIndex((p) => p.sectionId === from.sectionId && p.page === from.page)) : 0;
  for (const p of [...pages.slice(start), ...pages.slice(0, start)]) if (p.itemIds.some((id) => !answered(id))) return p;
  return null;
}
