// The calendar link `meeting add` gives: the entry as it stands, served by the bot, for the partners
// to add to Outlook or Google Calendar. A moved meeting's link serves the same UID one revision on;
// a link changed in any way, another meeting's file name, a report link and an expired link open
// nothing. Parsed by ical.js, an iCalendar parser independent of the one that writes it.
import { it, expect, beforeAll, afterAll } from "vitest";
import ICAL from "ical.js";
import { describeEachDatabase } from "../support/databases.ts";
import { setup } from "../support/core-harness.ts";
import { startServer } from "../../src/server.ts";
import { calendarMount } from "../../src/report/mount.ts";

describeEachDatabase("a meeting's calendar link", (db) => {
  let h: ReturnType<typeof setup>;
  let server: Awaited<ReturnType<typeof startServer>>;
  const linkIn = (reply: string) => /(https?:\/\/\S+\/calendar\/\S+\.ics)/.exec(reply)?.[1] ?? "";
  const get = (u: string) => fetch(u.replace("http://bot.test", server.url));
  const event = (ics: string) => {
    const cal = new ICAL.Component(ICAL.parse(ics));
    for (const tz of cal.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(new ICAL.Timezone(tz));
    return new ICAL.Event(cal.getFirstSubcomponent("vevent")!);
  };

  beforeAll(async () => {
    h = setup(db, new Date("2026-11-23T09:00:00Z"), { publicUrl: () => "http://bot.test" });
    server = await startServer({ port: 0, host: "127.0.0.1", mounts: [calendarMount(h.core())], health: async () => ({ ok: true }) });
    await h.cmd("coord", 'partnership create "Sund By" language=en timezone=Europe/Copenhagen');
  });
  afterAll(async () => {
    await server?.close(0);
    await h?.stop();
  });

  it("serves the entry as it stands, and nothing for a link changed in any way", async () => {
    const url = linkIn(await h.cmd("coord", 'meeting add "Styregruppe" at="2027-03-29 14:00" length=90m'));
    expect(url).toMatch(/^http:\/\/bot\.test\/calendar\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}\/meeting-1\.ics$/);
    const res = await get(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    const first = event(await res.text());
    expect(first.summary).toBe("Styregruppe");
    // 14:00 in Copenhagen the day after the change to summer time: 12:00 UTC.
    expect(first.startDate.toJSDate().toISOString()).toBe("2027-03-29T12:00:00.000Z");

    await h.cmd("coord", 'meeting move 1 at="2027-03-26 14:00"');
    const moved = event(await (await get(url)).text());
    expect(moved.uid).toBe(first.uid);
    expect(moved.sequence).toBe(first.sequence + 1);
    expect(moved.startDate.toJSDate().toISOString()).toBe("2027-03-26T13:00:00.000Z");

    const [, token] = /\/calendar\/([^/]+)\//.exec(url)!;
    const flipped = token!.slice(0, -1) + (token!.endsWith("A") ? "B" : "A");
    for (const bad of [url.replace(token!, flipped), url.replace("meeting-1.ics", "meeting-2.ics"), url.replace("/calendar/", "/calendar/x")]) expect((await get(bad)).status).toBe(404);
    // A report link's token is no calendar link.
    const report = /\/report\/([A-Za-z0-9_.-]+)/.exec(await h.cmd("coord", "report"))![1]!;
    expect((await get(`http://bot.test/calendar/${report}/meeting-1.ics`)).status).toBe(404);
    // 90 days after the meeting the link opens nothing.
    h.setNow(new Date("2027-06-30T00:00:00Z"));
    expect((await get(url)).status).toBe(404);
  });
});
