// The report link: only coordinators and the steering group get one; it opens the page until it
// expires or is revoked, and a link changed in any way opens nothing. The page shows what the
// releases show and nothing below minimum-n, in the reader's language. On both databases, over
// the shared HTTP server.
import { it, expect, describe, beforeAll, afterAll } from "vitest";
import fc from "fast-check";
import { describeEachDatabase } from "../support/databases.ts";
import { setup } from "../support/core-harness.ts";
import { startServer } from "../../src/server.ts";
import { reportMount } from "../../src/report/mount.ts";
import { signReport, verifyReport } from "../../src/report/link.ts";
import { randomBytes } from "node:crypto";

const START = new Date("2026-11-23T09:00:00Z");

describeEachDatabase("the report page", (db) => {
  let h: ReturnType<typeof setup>;
  let server: Awaited<ReturnType<typeof startServer>>;
  let url = "";
  const linkIn = (reply: string) => /(https?:\/\/\S+\/report\/[A-Za-z0-9_.-]+)/.exec(reply)?.[1] ?? "";
  const get = (u: string) => fetch(u.replace("http://report.test", server.url));

  beforeAll(async () => {
    h = setup(db, START, { publicUrl: () => "http://report.test", reportDays: 14 });
    server = await startServer({ port: 0, host: "127.0.0.1", mounts: [reportMount(h.core())], health: async () => ({ ok: true }) });
    await h.cmd("coord", 'partnership create "Sund By" channel=#{C9} language=en');
    for (const [who, org] of [["anna", "Aarhus Kommune"], ["bo", "Region Midtjylland"], ["cai", "Kræftens Bekæmpelse"]]) {
      await h.cmd("coord", `org add "${org}" sector=ngo`);
      await h.cmd("coord", `member add @${who} org="${org}" roles=partner`);
    }
    await h.cmd("coord", "member add @stine roles=steering");
    // Round 1: all three answer (4, 3, 5 throughout); round 2: only two answer, below minimum-n.
    await h.cmd("coord", "checkin start");
    for (const [who, r] of [["anna", 4], ["bo", 3], ["cai", 5]] as const) await h.answerAll(who, () => r);
    await h.cmd("coord", "checkin close");
    await h.cmd("coord", 'action add "Agree on shared goals" owner=@anna due=2026-12-20 statement=s2.1');
    await h.cmd("coord", "checkin start");
    for (const [who, r] of [["anna", 1], ["bo", 2]] as const) await h.answerAll(who, () => r);
    await h.cmd("coord", "checkin close");
  });
  afterAll(async () => {
    await server?.close(0);
    await h?.stop();
  });

  it("gives a coordinator and a steering member a link, and refuses a partner in their language", async () => {
    const reply = await h.cmd("coord", "report");
    expect(reply).toMatch(/^The report of Sund By, for its coordinators and steering group: Open the report: http:\/\/report\.test\/report\//);
    expect(reply).toMatch(/Anyone with the link can read it until 7 Dec 2026|until 7 December 2026/);
    url = linkIn(reply);
    expect(linkIn(await h.cmd("stine", "report"))).toMatch(/\/report\//);
    expect(await h.cmd("anna", "report")).toMatch(/Only the coordinators and steering group of Sund By can open its report/);
    expect(await h.cmd("anna", "language da").then(() => h.cmd("anna", "rapport"))).toMatch(/Kun koordinatorerne og styregruppen i Sund By kan åbne rapporten/);
    // Only a coordinator may revoke.
    expect(await h.cmd("stine", "report revoke")).toMatch(/Only the coordinators of Sund By/);
  });

  it("opens a read-only page of every round, the agreements, and nothing below minimum-n", async () => {
    const res = await get(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    expect(html).not.toMatch(/<script|<form|<input/i);
    expect(html).toContain("<h1>Sund By: partnership report</h1>");
    expect(html).toMatch(/For the coordinators and steering group of Sund By\. Anyone with this link can read this page until/);
    expect(html).toContain("Check-in #1");
    expect(html).toContain("Check-in #2");
    // Round 1: 140.0 of 175, its sections and statements; round 2 (two answers) withheld whole.
    expect(html).toContain("Total: 140.0 (range 35–175)");
    const round2 = html.slice(html.indexOf("<h3>Check-in #2</h3>"), html.indexOf("<h3>Check-in #1</h3>"));
    expect(round2).toMatch(/Fewer than 3 people answered every statement/);
    expect(round2).not.toMatch(/<table/);
    // Nothing of round 2's answers (1 and 2 throughout: totals of 35 and 70, a mean of 52.5) anywhere.
    expect(html).not.toMatch(/52[.,]5/);
    // Charts as images with alt text, and the agreement with the statement it came from.
    expect(html).toMatch(/<img alt="Line chart of the total score per round: Round 1: 140\.0/);
    expect(html).toMatch(/#1<\/td><td>Agree on shared goals<\/td><td>Anna<\/td>/);
    expect(html).toMatch(/s2\.1 /);
    // Downloads: the export's CSV in the reader's language.
    const csv = /href="([^"]+\.csv\?lang=en)"/.exec(html)![1]!.replace(/&amp;/g, "&");
    // Relative to the page, so that it holds behind a proxy's path prefix.
    const file = await fetch(new URL(csv, `${server.url}/report/${url.split("/report/")[1]}`));
    expect(file.status).toBe(200);
    expect(file.headers.get("content-disposition")).toMatch(/^attachment; filename="partnerpuls-Sund-By\.csv"$/);
    expect((await file.text()).split("\n")[0]).toMatch(/^round,instrument,version,section,item,statement/);
  });

  it("is in Danish for ?lang=da, and for a link a Danish reader made", async () => {
    const html = await (await get(`${url}?lang=da`)).text();
    expect(html).toContain('<html lang="da">');
    expect(html).toContain("Sund By: rapport om partnerskabet");
    expect(html).toContain("Runde 1");
    expect(html).toMatch(/Samlet: 140,0/);
    await h.cmd("stine", "language da");
    const danish = linkIn(await h.cmd("stine", "rapport"));
    expect(await (await get(danish)).text()).toContain("Til koordinatorerne og styregruppen i Sund By");
  });

  it("answers 404, as for any unknown path, to a tampered, expired or revoked link", async () => {
    const plain = await fetch(`${server.url}/report/nothing-here`);
    const nothing = { status: plain.status, body: await plain.text() };
    expect(nothing.status).toBe(404);
    const token = url.split("/report/")[1]!;
    const [payload, sig] = token.split(".") as [string, string];
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
    for (const bad of [flip(sig, 3), flip(payload, 5), `${payload}.${sig}x`, payload, `${token}/../x`]) {
      const r = await fetch(`${server.url}/report/${bad}`);
      expect({ status: r.status, body: await r.text() }, bad).toEqual(nothing);
    }
    // Expired: 14 days later it opens nothing.
    h.setNow(new Date(START.getTime() + 15 * 24 * 60 * 60_000));
    expect((await get(url)).status).toBe(404);
    h.setNow(START);
    expect((await get(url)).status).toBe(200);
    // Revoked: every link made so far, the files with them; a new one works.
    expect(await h.cmd("coord", "report revoke")).toMatch(/Every report link of Sund By made so far has stopped working/);
    expect((await get(url)).status).toBe(404);
    expect((await fetch(`${server.url}/report/${token}/files/partnerpuls-Sund-By.csv`)).status).toBe(404);
    expect((await get(linkIn(await h.cmd("coord", "report")))).status).toBe(200);
  });
});

describe("report link signatures", () => {
  const key = randomBytes(32);
  const claims = { p: "3f1c2a9e-0d7b-4b8e-9a51-2c6f7d8e9a0b", e: 1_800_000_000, g: 2, l: "da" as const };

  it("verify what they signed, and nothing else: any change to any character is refused", () => {
    const token = signReport(key, claims);
    expect(verifyReport(key, token)).toEqual(claims);
    expect(verifyReport(randomBytes(32), token)).toBeNull();
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."), (i, ch) => {
        fc.pre(token[i] !== ch);
        const changed = token.slice(0, i) + ch + token.slice(i + 1);
        // A base64url's last character can carry unused bits: a change there may decode alike.
        const same = verifyReport(key, changed);
        if (same) expect(Buffer.from(changed.split(".")[1] ?? "", "base64url").equals(Buffer.from(token.split(".")[1]!, "base64url"))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("refuse whatever is not a token", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        expect(verifyReport(key, s)).toBeNull();
      }),
    );
  });
});
