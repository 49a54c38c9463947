// The playground in a real browser, as the README's walkthrough goes, in English and in Danish: a
// coordinator sets up the demo partnership and starts a check-in, four partners (one in her own
// workspace, joined with an invitation) answer all 35
// statements by clicking the buttons in their direct messages, and the digest lands in the
// steering group's channel, every message of the bot in the language chosen. Runs Debian's Chromium through
// playwright-core; without a Chromium the test is skipped, except in CI where it fails.
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { it, expect } from "vitest";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { main } from "../adapters/main.ts";
import { findBuiltIn, CHECKLIST_KEY } from "../src/instruments/catalogue.ts";
import { en as catalogueEn } from "../src/i18n/en.ts";
import { da as catalogueDa } from "../src/i18n/da.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOT = path.resolve("test-results/playground.png");
const SCREENSHOT_DA = path.resolve("test-results/playground-da.png");
const WAIT = 20_000;

/** What each partner answers, statement by statement (35 each): different, so the digest has spread. */
const ANSWERS: Record<string, (item: number) => number> = {
  anders: () => 4,
  fatima: (i) => (i % 3 === 0 ? 5 : 3),
  lars: (i) => (i % 7 === 2 ? 2 : 5),
  // in her university's own workspace, drawn like Teams: she joined with an invitation's code
  rikke: (i) => (i % 4 === 1 ? 2 : 4),
};

/** The README's walkthrough, as typed in each language. */
const WORDS = {
  en: { start: "checkin start", close: "checkin close", of: "of", create: 'partnership create "Sund By"', other: /\b(Afsnit|besvaret|runde|Gemt|Jeg kender)\b/ },
  da: { start: "runde start", close: "runde luk", of: "af", create: 'partnerskab opret "Sund By"', other: /\b(Section|answered|check-in|Saved|I don't)\b/ },
} as const;
const catalogues = { en: catalogueEn, da: catalogueDa } as const;

for (const lang of ["en", "da"] as const)
  it(`runs the README's walkthrough through the playground page, in ${lang === "en" ? "English" : "Danish"}`, { timeout: 180_000 }, async (ctx) => {
    if (!HAVE_CHROMIUM) {
      const reason = `no Chromium at ${CHROMIUM} (install it with \`apt-get install chromium\`, or set CHROMIUM_PATH)`;
      if (process.env.CI) throw new Error(`The playground browser test needs Chromium in CI: ${reason}`);
      console.warn(`playground.browser.test: skipped, ${reason}`);
      ctx.skip(reason);
    }
    const words = WORDS[lang];
    const page_ = (key: string) => catalogues[lang][`page.${key}` as keyof typeof catalogueEn] as string;

    const checklist = findBuiltIn(CHECKLIST_KEY)!;
    const sections = checklist.sections.length;
    expect(sections).toBe(7);
    const statements = checklist.sections.reduce((n, s) => n + s.items.length, 0);

    const app = await main({ ...process.env, PORT: "0", DATABASE_URL: "memory://", PARTNERPULS_PLAYGROUND: "on" });
    let browser: Browser | undefined;
    const problems: string[] = [];
    try {
      const port = new URL(app.server.url).port;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
      });
      // The page takes its first language from navigator.language, and the bot follows the page.
      const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, locale: lang === "en" ? "en-US" : "da-DK" });
      page.setDefaultTimeout(WAIT);
      // CSP violations (an inline style or script) and script errors show up here.
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(m.text());
      });
      page.on("pageerror", (e) => problems.push(e.message));

      await page.goto(`http://localhost:${port}/`);
      await page.locator("body[data-ready=true]").waitFor();
      expect(await page.locator("html").getAttribute("lang")).toBe(lang);

      // Mette sets up the demo partnership with the button, in the page's command words.
      const mette = page.locator("#person-mette");
      await mette.getByRole("button", { name: page_("setup.run") }).click();
      const setup = mette.locator(".setup");
      await mette.locator('.setup[data-state="done"], .setup[data-state="failed"]').waitFor();
      expect(await setup.getAttribute("data-state")).toBe("done");
      const log = setup.locator(".setup-log > li");
      expect(await log.count()).toBe(11);
      expect(await setup.locator(".setup-log > li.warn").count()).toBe(0);
      expect(await log.first().innerText()).toContain(words.create);
      await expect.poll(() => setup.locator(".setup-next").isVisible()).toBe(true);
      expect(await setup.locator(".setup-next").innerText()).toContain(words.start);

      // … and starts the check-in by typing it (Enter sends); the page says what to do next.
      await command(page, "mette", words.start, lang);
      expect(await reply(page, "mette")).toMatch(/#1/);
      await expect.poll(() => page.locator("#hint").innerText()).toBe(page_("hint.answer"));

      // Each partner, in their own tab, answers every statement in their direct message.
      for (const [who, rate] of Object.entries(ANSWERS)) {
        await page.getByRole("tab", { name: new RegExp(who, "i") }).click();
        const pane = page.locator(`#person-${who}`);
        await pane.waitFor({ state: "visible" });
        const card = pane.locator(".inbox-messages > article.msg").first();
        await card.locator(".question").first().waitFor();
        expect(await card.locator("h3").first().innerText()).toBe((catalogues[lang]["poll.title"] as string).replace("{partnership}", "Sund By").replace("{n}", "1"));
        let item = 0;
        for (let s = 1; s <= sections; s++) {
          // Progress counts statements answered in the round.
          await card.locator(`.progress progress[value="${item}"][max="${statements}"]`).waitFor();
          expect(await card.locator(".progress").innerText()).toContain(checklist.sections[s - 1]!.title[lang]);
          const questions = card.locator(".question");
          expect(await questions.count()).toBe(5);
          // The scale is explained once per card.
          expect(await card.locator(".question .hint").count()).toBe(1);
          for (let q = 0; q < 5; q++) {
            const rating = rate(item++);
            const question = questions.nth(q);
            await question.locator(`button[data-action-id="poll.answer"]`).nth(rating - 1).click();
            // Until the section is complete the card stays on it, with the answer marked.
            if (q < 4) await question.locator("button.selected").getByText(String(rating), { exact: true }).waitFor();
          }
        }
        // All answered: the card says so and offers to review.
        await card.locator(`.progress progress[value="${statements}"][max="${statements}"]`).waitFor();
        await card.locator('button[data-action-id="poll.section"]').waitFor();
        // Polled: section 7's own card has a poll.section button too ("‹ Previous section"), so the
        // waits above can pass before the last answer's card replaces it.
        await expect.poll(() => card.locator(".question").count(), { timeout: WAIT }).toBe(0);
        await expect.poll(() => pane.locator(".home-view").innerText(), { timeout: WAIT }).toMatch(/#1/);
      }

      // Mette checks the status: everyone is done.
      await page.getByRole("tab", { name: /mette/i }).click();
      await command(page, "mette", "status", lang);
      expect(await reply(page, "mette")).toMatch(new RegExp(`\\b4 ${words.of} 4\\b`));
      await expect.poll(() => mette.locator(".home-view").innerText(), { timeout: WAIT }).toMatch(new RegExp(`4 ${words.of} 4`));

      // She closes the check-in; the digest is posted in #styregruppe.
      await command(page, "mette", words.close, lang);
      expect(await reply(page, "mette")).toContain("#styregruppe");
      const digest = page.locator("#channel-messages > article.msg").first();
      await digest.locator(".bars").waitFor();
      expect(await digest.locator(".bars .bar").count()).toBe(sections);
      for (const s of checklist.sections) expect(await digest.locator(".bar .label").allInnerTexts()).toContain(s.title[lang]);
      // The bars are drawn: widths come from data-width (the page's CSP blocks style attributes).
      const widths = await digest.locator(".bar .fill").evaluateAll((els) => els.map((el) => el.getBoundingClientRect().width));
      expect(widths.every((w) => w > 0)).toBe(true);
      // The band: its label in bold, its range and its advice.
      const bandTexts = await digest.locator("p strong").allInnerTexts();
      const band = checklist.bands.find((b) => bandTexts.includes(b.label[lang]));
      expect(band, `one of the bands in ${JSON.stringify(bandTexts)}`).toBeDefined();
      expect(await digest.innerText()).toContain(band!.advice[lang]);

      // The digest is seen whole: wide enough, and in no pane of its own to scroll inside.
      const channel = page.locator("#channel");
      expect(await channel.evaluate((el) => getComputedStyle(el).overflowY)).toBe("visible");
      const box = await digest.evaluate((el) => ({ width: el.getBoundingClientRect().width, clipped: el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1 }));
      expect(box.clipped).toBe(false);
      expect(box.width).toBeGreaterThanOrEqual(480);

      // Every message of the bot on the page is in the chosen language.
      for (const text of await page.locator("article.msg").allInnerTexts()) expect(text, text.slice(0, 120)).not.toMatch(words.other);

      // The final page, everyone side by side, for people to look at.
      await page.getByRole("button", { name: page_("layout.side") }).click();
      await page.locator("body[data-busy=false]").waitFor();
      mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: lang === "en" ? SCREENSHOT : SCREENSHOT_DA, fullPage: true });

      if (lang === "en") {
        // The page's own words exist in English and Danish, with the same keys and placeholders.
        const strings = await page.evaluate(() => (window as unknown as { __playgroundStrings: Record<"en" | "da", Record<string, string>> }).__playgroundStrings);
        expect(Object.keys(strings.da).sort()).toEqual(Object.keys(strings.en).sort());
        const slots = (x: string) => [...x.matchAll(/\{\w+\}|`/g)].map((m) => m[0]).sort();
        for (const [key, en] of Object.entries(strings.en)) expect(slots(strings.da[key]!), key).toEqual(slots(en));
        // … and they are the bot's catalogue (page.* in src/i18n, served without the prefix), not a copy of it.
        for (const [l, catalogue] of [["en", catalogueEn], ["da", catalogueDa]] as const)
          for (const [key, text] of Object.entries(catalogue)) if (key.startsWith("page.")) expect(strings[l][key.slice("page.".length)], key).toBe(text);
        expect(Object.keys(strings.en).length).toBeGreaterThan(40);

        // Switching to Danish redoes the page at once, and the whole cast now reads the bot in Danish: the page says so.
        await page.getByRole("button", { name: "Dansk" }).click();
        expect(await page.locator("html").getAttribute("lang")).toBe("da");
        await expect.poll(() => page.locator("#lang-note").innerText()).toBe(catalogueDa["page.lang.all-set"]);
        expect(await mette.locator(".inbox h3").innerText()).toMatch(/^Direkte beskeder\b/);
        expect(await mette.locator(".person-org").innerText()).toBe("Aarhus Kommune · kommune · koordinator");
        await mette.getByRole("textbox", { name: "Kommando som Mette Holm" }).waitFor();
        await page.getByRole("button", { name: "Side om side", pressed: true }).waitFor();
        expect(await page.title()).toBe(strings.da.title);
        expect(await page.evaluate(() => localStorage.getItem("partnerpuls.lang"))).toBe("da");
        await page.getByRole("button", { name: "Én person" }).click();
        await command(page, "lars", "status", "da");
        expect(await reply(page, "lars")).toMatch(/runde/i);
        // … and back.
        await page.getByRole("tab", { name: /mette/i }).click();
        await page.getByRole("button", { name: "English" }).click();
        expect(await page.locator("html").getAttribute("lang")).toBe("en");
        expect(await mette.locator(".inbox h3").innerText()).toMatch(/^Direct messages\b/);
        await mette.getByRole("textbox", { name: "Command as Mette Holm" }).waitFor();
      }

      expect(problems).toEqual([]);
    } finally {
      await browser?.close();
      await app.shutdown();
    }
  });

/** Types a command into a person's command box and waits for the reply. */
async function command(page: Page, who: string, text: string, lang: "en" | "da" = "en"): Promise<void> {
  const pane = page.locator(`#person-${who}`);
  if (!(await pane.isVisible())) await page.getByRole("tab", { name: new RegExp(who, "i") }).click();
  const input = pane.getByRole("textbox", { name: lang === "en" ? /^Command as / : /^Kommando som / });
  await input.fill(text);
  await input.press("Enter");
  await replyFor(pane, text).waitFor();
}

function replyFor(pane: Locator, text: string): Locator {
  return pane.locator(".reply").filter({ has: pane.page().locator(".echo code", { hasText: text }) }).locator("article.msg");
}

async function reply(page: Page, who: string): Promise<string> {
  return page.locator(`#person-${who} .reply article.msg`).innerText();
}
