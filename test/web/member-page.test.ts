// A member with no chat platform, on both databases: the coordinator adds them by name with `web`
// and gets a signed link; on that page, served by the shared HTTP server with no script, they see
// their overview, open the poll and answer it. Any link that was changed opens nothing.
import { it, expect, beforeAll, afterAll } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { loadConfig } from "../../src/config.ts";
import { startApp } from "../../adapters/main.ts";
import type { Actor } from "../../src/ports.ts";
import type { Message } from "../../src/messages/model.ts";

describeEachDatabase("a member's own page", (db) => {
  let app: Awaited<ReturnType<typeof startApp>>;
  let link = "";
  const coord: Actor = { workspace: { platform: "local", externalId: "playground" }, userId: "coord", displayName: "Coord" };
  const say = async (line: string) => {
    const m = await app.core.command(coord, line);
    await app.settle();
    return m;
  };
  /** The buttons of a page, as its forms post them: [actionId, value] by label. */
  const buttons = (html: string) => [...html.matchAll(/<button[^>]*name="press" value="([^"]*)"[^>]*>([^<]*)<\/button>/g)].map((m) => ({ label: m[2]!, press: m[1]!.replace(/&quot;/g, '"').replace(/&amp;/g, "&") }));
  const post = (url: string, press: string) => fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ press }).toString() });

  beforeAll(async () => {
    const env = { PORT: "0", PARTNERPULS_LANGUAGE: "en" };
    app = await startApp(loadConfig(env), db(), env);
    await say('partnership create "Sund By" language=en');
    await say('org add "Patientforeningen" sector=ngo');
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("gives the coordinator a link to pass on, for a member with no chat account", async () => {
    const reply: Message = await say('member add "Inge Lund" org="Patientforeningen" web');
    const node = reply.blocks.flatMap((b) => (b.type === "text" && Array.isArray(b.text) ? b.text : [])).find((n) => n.t === "link");
    if (node?.t !== "link") throw new Error("no link in the reply");
    link = node.url.replace(/^https?:\/\/[^/]+/, app.server.url);
    expect(link).toMatch(/\/me\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const members = await say("member list");
    expect(JSON.stringify(members)).toMatch(/Inge Lund — Patientforeningen \(partner\)/);
    // Nothing is pushed to her: she has no chat.
    expect(await db().prisma.job.count({ where: { kind: "deliver", lane: { startsWith: "web:" } } })).toBe(0);
  });

  it("opens her page with her overview, privately and with nothing from elsewhere", async () => {
    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'.*form-action 'self'/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    expect(html).toContain("Partnerpuls: Inge Lund");
    expect(html).toMatch(/Sund By<\/strong> \(partner\)/);
    expect(html).not.toMatch(/<script/i);
  });

  it("lets her open the poll and answer it there", async () => {
    await say("checkin start sections=1");
    expect(await db().prisma.job.count({ where: { kind: "deliver", lane: { startsWith: "web:" } } })).toBe(0);
    const overview = await (await fetch(link)).text();
    const open = buttons(overview).find((b) => b.label === "Answer now");
    expect(open, overview).toBeDefined();
    const poll = await (await post(link, open!.press)).text();
    const four = buttons(poll).find((b) => b.label === "4")!;
    expect(four).toBeDefined();
    const saved = await (await post(link, four.press)).text();
    expect(saved).toMatch(/Saved: 4/);
    expect(await db().prisma.answer.count()).toBe(1);
    expect(JSON.stringify(await say("status"))).toMatch(/check-in #1/);
  });

  it("opens nothing for a changed, truncated or missing link, and takes no other method", async () => {
    const last = link.at(-1) === "A" ? "B" : "A";
    for (const url of [link.slice(0, -1) + last, link.slice(0, -10), `${app.server.url}/me/`, `${app.server.url}/me/x.y`]) {
      expect((await fetch(url)).status).toBe(404);
      expect((await post(url, '["poll.open","{}"]')).status).toBe(404);
    }
    expect((await fetch(link, { method: "PUT" })).status).toBe(405);
    // A malformed press changes nothing, and the page still opens.
    const bad = await post(link, "not json");
    expect(bad.status).toBe(200);
    expect(await db().prisma.answer.count()).toBe(1);
  });
});
