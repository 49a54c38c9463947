// The playground in a real browser: a coordinator sets up the demo partnership and starts a
// check-in, three partners answer all 35 statements by clicking the buttons in their direct
// messages, and the digest lands in the steering group's channel. Runs Debian's Chromium through
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
};

it("runs a whole check-in through the playground page", { timeout: 120_000 }, async (ctx) => {
  if (!HAVE_CHROMIUM) {
    const reason = `no Chromium at ${CHROMIUM} (install it with \`apt-get install chromium\`, or set CHROMIUM_PATH)`;
    if (process.env.CI) throw new Error(`The playground browser test needs Chromium in CI: ${reason}`);
    console.warn(`playground.browser.test: skipped, ${reason}`);
    ctx.skip(reason);
  }

  const checklist = findBuiltIn(CHECKLIST_KEY)!;
  const sections = checklist.sections.length;
  expect(sections).toBe(7);

  const app = await main({ ...process.env, PORT: "0", DATABASE_URL: "memory://", PARTNERPULS_PLAYGROUND: "on" });
  let browser: Browser | undefined;
  const problems: string[] = [];
  try {
    const port = new URL(app.server.url).port;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    // An English browser: the page takes its first language from navigator.language.
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, locale: "en-US" });
    page.setDefaultTimeout(WAIT);
    // CSP violations (an inline style or script) and script errors show up here.
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));

    await page.goto(`http://localhost:${port}/`);
    await page.locator("body[data-ready=true]").waitFor();

    // Mette sets up the demo partnership with the button: each command and its reply is shown.
    const mette = page.locator("#person-mette");
    await mette.getByRole("button", { name: "Set up the demo partnership" }).click();
    const setup = mette.locator(".setup");
    await mette.locator('.setup[data-state="done"], .setup[data-state="failed"]').waitFor();
    expect(await setup.getAttribute("data-state")).toBe("done");
    const log = setup.locator(".setup-log > li");
    expect(await log.count()).toBe(9);
    expect(await setup.locator(".setup-log > li.warn").count()).toBe(0);
    expect(await log.first().innerText()).toContain('partnership create "Sund By"');
    await expect.poll(() => setup.locator(".setup-next").isVisible()).toBe(true);
    expect(await setup.locator(".setup-next").innerText()).toContain("checkin start");

    // … and starts the check-in by typing it (Enter sends).
    await command(page, "mette", "checkin start");
    expect(await reply(page, "mette")).toMatch(/#1/);

    // Each partner, in their own tab, answers every statement in their direct message.
    for (const [who, rate] of Object.entries(ANSWERS)) {
      await page.getByRole("tab", { name: new RegExp(who, "i") }).click();
      const pane = page.locator(`#person-${who}`);
      await pane.waitFor({ state: "visible" });
      const card = pane.locator(".inbox-messages > article.msg").first();
      await card.locator(".question").first().waitFor();
      let item = 0;
      for (let s = 1; s <= sections; s++) {
        await card.locator(`.progress progress[value="${s}"][max="${sections}"]`).waitFor();
        const questions = card.locator(".question");
        expect(await questions.count()).toBe(5);
        for (let q = 0; q < 5; q++) {
          const rating = rate(item++);
          const question = questions.nth(q);
          await question.locator(`button[data-action-id="poll.answer"]`).nth(rating - 1).click();
          // Until the section is complete the card stays on it, with the answer marked.
          if (q < 4) await question.locator("button.selected").getByText(String(rating), { exact: true }).waitFor();
        }
      }
      // All seven answered: the card says so and offers to review.
      await card.locator(`.progress progress[value="${sections}"][max="${sections}"]`).waitFor();
      await card.locator('button[data-action-id="poll.section"]').waitFor();
      // Polled: section 7's own card has a poll.section button too ("‹ Previous section"), so the
      // waits above can pass before the last answer's card replaces it.
      await expect.poll(() => card.locator(".question").count(), { timeout: WAIT }).toBe(0);
      await expect.poll(() => pane.locator(".home-view").innerText(), { timeout: WAIT }).toMatch(/#1/);
    }

    // Mette checks the status: everyone is done.
    await page.getByRole("tab", { name: /mette/i }).click();
    await command(page, "mette", "status");
    expect(await reply(page, "mette")).toMatch(/\b3 (af|of) 3\b/);
    await expect.poll(() => mette.locator(".home-view").innerText(), { timeout: WAIT }).toMatch(/3 (af|of) 3/);

    // She closes the check-in; the digest is posted in #styregruppe.
    await command(page, "mette", "checkin close");
    expect(await reply(page, "mette")).toContain("#styregruppe");
    const digest = page.locator("#channel-messages > article.msg").first();
    await digest.locator(".bars").waitFor();
    expect(await digest.locator(".bars .bar").count()).toBe(sections);
    for (const s of checklist.sections) expect(await digest.locator(".bar .label").allInnerTexts()).toContain(s.title.da);
    // The bars are drawn: widths come from data-width (the page's CSP blocks style attributes).
    const widths = await digest.locator(".bar .fill").evaluateAll((els) => els.map((el) => el.getBoundingClientRect().width));
    expect(widths.every((w) => w > 0)).toBe(true);
    // The band: its label in bold, its range and its advice.
    const bandTexts = await digest.locator("p strong").allInnerTexts();
    const band = checklist.bands.find((b) => bandTexts.includes(b.label.da));
    expect(band, `one of the bands in ${JSON.stringify(bandTexts)}`).toBeDefined();
    expect(await digest.innerText()).toContain(band!.advice.da);

    // The final page, everyone side by side, for people to look at.
    await page.getByRole("button", { name: "Side by side" }).click();
    await page.locator("body[data-busy=false]").waitFor();
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // The page's own words exist in English and Danish, with the same keys and placeholders.
    const strings = await page.evaluate(() => (window as unknown as { __playgroundStrings: Record<"en" | "da", Record<string, string>> }).__playgroundStrings);
    expect(Object.keys(strings.da).sort()).toEqual(Object.keys(strings.en).sort());
    const slots = (s: string) => [...s.matchAll(/\{\w+\}|`/g)].map((m) => m[0]).sort();
    for (const [key, en] of Object.entries(strings.en)) expect(slots(strings.da[key]!), key).toEqual(slots(en));
    // … and they are the bot's catalogue (page.* in src/i18n, served without the prefix), not a copy of it.
    for (const [lang, catalogue] of [["en", catalogueEn], ["da", catalogueDa]] as const)
      for (const [key, text] of Object.entries(catalogue)) if (key.startsWith("page.")) expect(strings[lang][key.slice("page.".length)], key).toBe(text);
    expect(Object.keys(strings.en).length).toBeGreaterThan(40);

    // Switching to Danish redoes the chrome at once (the bot's messages keep each person's language).
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    await page.getByRole("button", { name: "Dansk" }).click();
    expect(await page.locator("html").getAttribute("lang")).toBe("da");
    expect(await mette.locator(".inbox h3").innerText()).toMatch(/^Direkte beskeder\b/);
    expect(await mette.locator(".person-org").innerText()).toBe("Aarhus Kommune · kommune · koordinator");
    await mette.getByRole("textbox", { name: "Kommando som Mette Holm" }).waitFor();
    await page.getByRole("button", { name: "Side om side", pressed: true }).waitFor();
    expect(await page.title()).toBe(strings.da.title);
    expect(await page.evaluate(() => localStorage.getItem("partnerpuls.lang"))).toBe("da");
    await page.screenshot({ path: SCREENSHOT_DA, fullPage: true });
    // … and back.
    await page.getByRole("button", { name: "English" }).click();
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    expect(await mette.locator(".inbox h3").innerText()).toMatch(/^Direct messages\b/);
    await mette.getByRole("textbox", { name: "Command as Mette Holm" }).waitFor();

    expect(problems).toEqual([]);
  } finally {
    await browser?.close();
    await app.shutdown();
  }
});

/** Types a command into a person's command box and waits for the reply. */
async function command(page: Page, who: string, text: string): Promise<void> {
  const pane = page.locator(`#person-${who}`);
  const input = pane.getByRole("textbox", { name: /^Command as / });
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
