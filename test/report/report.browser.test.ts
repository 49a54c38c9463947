// The report page as the steering group opens it, in Debian's Chromium: what it says, that its
// charts load with no script and no network, that it prints to a few clean A4 pages, that it
// looks as it did (a screenshot against a golden image, within a tolerance), and that a tampered,
// expired or revoked link shows nothing. UPDATE_GOLDEN=1 writes the golden image anew.
import { it, expect, describe, beforeAll, afterAll } from "vitest";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { PNG } from "pngjs";
import pixelmatch from "pixelmatch";
import { testDatabases } from "../support/databases.ts";
import { setup } from "../support/core-harness.ts";
import { startServer } from "../../src/server.ts";
import { reportMount } from "../../src/report/mount.ts";
import type { Database } from "../../src/store/database.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), "golden", "report-top.png");
/** Share of pixels that may differ before the page counts as changed (font hinting, anti-aliasing). */
const TOLERANCE = 0.01;
const START = new Date("2026-11-23T09:00:00Z");

if (!HAVE_CHROMIUM && process.env.CI) throw new Error(`The report browser test needs Chromium in CI: no Chromium at ${CHROMIUM}`);

describe.skipIf(!HAVE_CHROMIUM)("the report page in Chromium", () => {
  let database: Database;
  let h: ReturnType<typeof setup>;
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let url = "";
  const linkIn = (reply: string) => /(https?:\/\/\S+\/report\/[A-Za-z0-9_.-]+)/.exec(reply)![1]!;

  beforeAll(async () => {
    database = await testDatabases[0]!.open();
    h = setup(() => database, START, { publicUrl: () => server.url, reportDays: 14 });
    server = await startServer({ port: 0, host: "127.0.0.1", mounts: [reportMount(h.core())], health: async () => ({ ok: true }) });
    await h.cmd("coord", 'partnership create "Sund By" channel=#{C9} language=en');
    const people = [["anna", "Aarhus Kommune", "municipality"], ["bo", "Region Midtjylland", "region"], ["cai", "Kræftens Bekæmpelse", "ngo"], ["dan", "Aarhus Universitet", "research"]] as const;
    for (const [who, org, sector] of people) {
      await h.cmd("coord", `org add "${org}" sector=${sector}`);
      await h.cmd("coord", `member add @${who} org="${org}" roles=partner`);
    }
    // Two rounds of the checklist: partners differ on the first section's statements.
    const rounds = [
      { anna: 4, bo: 3, cai: 5, dan: 2 },
      { anna: 5, bo: 4, cai: 5, dan: 4 },
    ];
    for (const ratings of rounds) {
      await h.cmd("coord", "checkin start");
      for (const [who, r] of Object.entries(ratings)) await h.answerAll(who, (item) => (item.startsWith("s1.") && who === "dan" ? 1 : r));
      await h.cmd("coord", "checkin close");
    }
    await h.cmd("coord", 'action add "Agree on shared goals" owner=@anna due=2026-12-20 statement=s1.2');
    await h.cmd("coord", 'action add "Invite the region to the working group" owner=@bo due=2026-12-10');
    await h.cmd("bo", "action done 2");
    url = linkIn(await h.cmd("coord", "report"));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--font-render-hinting=none"],
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close(0);
    await h?.stop();
    await database?.close();
  });

  it("shows every round, its charts and the agreements, with no script, no error and no request elsewhere", async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("request", (r) => requests.push(r.url()));
    const res = await page.goto(url);
    expect(res?.status()).toBe(200);
    await expect(page.locator("h1").textContent()).resolves.toBe("Sund By: partnership report");
    expect(await page.locator("h3").allTextContents()).toEqual(expect.arrayContaining(["Total per check-in", "Check-in #2", "Check-in #1", "Open", "Done"]));
    expect(await page.locator(".audience").textContent()).toMatch(/^For the coordinators and steering group of Sund By\. Anyone with this link can read this page until 7 Dec 2026/);
    // Every chart is an image that loaded, with its words beside it.
    const charts = page.locator("figure.chart img");
    expect(await charts.count()).toBeGreaterThanOrEqual(3);
    for (const img of await charts.all()) {
      expect(await img.evaluate((e: HTMLImageElement) => e.complete && e.naturalWidth > 0)).toBe(true);
      expect((await img.getAttribute("alt"))!.length).toBeGreaterThan(20);
    }
    expect(await page.locator("table.statements").first().locator("tbody tr").count()).toBe(35);
    expect(await page.locator("section.actions").textContent()).toMatch(/Agree on shared goals.*Anna.*s1\.2/s);
    expect(await page.locator("script").count()).toBe(0);
    expect(problems).toEqual([]);
    expect(requests.every((r) => r.startsWith(server.url) || r.startsWith("data:"))).toBe(true);
    await page.close();
  });

  it("prints to a few A4 pages without the navigation", async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.emulateMedia({ media: "print" });
    expect(await page.locator(".downloads").isVisible()).toBe(false);
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    const pages = pdf.toString("latin1").match(/\/Type\s*\/Page(?!s)/g)?.length ?? 0;
    // A title page with the totals and round 2, round 1, then the agreements on a page of their own.
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(pages).toBeLessThanOrEqual(10);
    // A4 is 595 × 842 points, on every page.
    const boxes = [...pdf.toString("latin1").matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)].map((m) => [Math.round(Number(m[1])), Math.round(Number(m[2]))]);
    expect(boxes).toHaveLength(pages);
    for (const box of boxes) expect(box).toEqual([595, 842]);
    await page.close();
  });

  it("looks as it did: the top of the page against its golden image", async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 1200 } });
    await page.goto(url);
    const shot = PNG.sync.read(await page.screenshot({ animations: "disabled" }));
    await page.close();
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(GOLDEN, PNG.sync.write(shot));
    expect(existsSync(GOLDEN), `${GOLDEN} is missing: run with UPDATE_GOLDEN=1 and look at it`).toBe(true);
    const want = PNG.sync.read(readFileSync(GOLDEN));
    expect([shot.width, shot.height]).toEqual([want.width, want.height]);
    expect(pixelmatch(shot.data, want.data, undefined, shot.width, shot.height, { threshold: 0.1 }) / (shot.width * shot.height)).toBeLessThanOrEqual(TOLERANCE);
  });

  it("shows nothing for a tampered, expired or revoked link: 404", async () => {
    const page = await browser.newPage();
    const token = url.split("/report/")[1]!;
    const tampered = `${token.slice(0, -2)}${token.at(-2) === "A" ? "B" : "A"}${token.at(-1)}`;
    expect((await page.goto(`${server.url}/report/${tampered}`))?.status()).toBe(404);
    h.setNow(new Date(START.getTime() + 15 * 24 * 60 * 60_000));
    expect((await page.goto(url))?.status()).toBe(404);
    h.setNow(START);
    expect((await page.goto(url))?.status()).toBe(200);
    await h.cmd("coord", "report revoke");
    expect((await page.goto(url))?.status()).toBe(404);
    expect(await page.locator("body").textContent()).not.toMatch(/Sund By/);
    await page.close();
  });
});
