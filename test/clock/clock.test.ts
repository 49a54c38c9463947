// The clock on a controllable time (no real waiting) over real databases: deadlines, nudges and
// quiet hours, snooze and opt-out, catch-up after an outage, stale jobs, action reminders,
// recurring schedules across daylight-saving changes, and meetings.
import { it, expect, afterEach } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { RecordingPort, coreWithCourier } from "../support/recording-port.ts";
import { Clock } from "../../src/clock/clock.ts";
import type { Actor, WorkspaceRef } from "../../src/ports.ts";
import { plainOf, type Message } from "../../src/messages/model.ts";
import type { Database } from "../../src/store/database.ts";

const text = (m: Message) => m.blocks.map((b) => ("text" in b ? plainOf(b.text) : b.type === "question" ? b.prompt : b.type === "progress" ? b.label : b.type === "buttons" ? b.buttons.map((x) => `[${x.label}]`).join(" ") : "")).join("\n");

function harness(db: () => Database, workspace: string, start: string) {
  let now = new Date(start);
  const port = new RecordingPort();
  const app = coreWithCourier(db().prisma, port, { now: () => now, defaultLanguage: "en" });
  const clocks = new Map<string, Clock>();
  const clock = (runner = "A") => {
    if (!clocks.has(runner)) clocks.set(runner, new Clock(db().prisma, app.core.clockHandlers(), { now: () => now, runner, log: () => {} }));
    return clocks.get(runner)!;
  };
  const ws: WorkspaceRef = { platform: "slack", externalId: workspace };
  const as = (userId: string): Actor => ({ workspace: ws, userId, displayName: userId[0]!.toUpperCase() + userId.slice(1) });
  const cmd = async (userId: string, line: string) => {
    const reply = text(await app.core.command(as(userId), line));
    await app.settle();
    return reply;
  };
  const press = async (userId: string, m: Message, label: string) => {
    const b = m.blocks.flatMap((x) => (x.type === "buttons" ? x.buttons : x.type === "question" ? x.options : [])).find((x) => x.label === label);
    if (!b) throw new Error(`no button ${label} in ${text(m)}`);
    const reply = await app.core.action(as(userId), b.actionId, b.value);
    await app.settle();
    return reply;
  };
  /** presses `rating` in the first question not answered yet */
  const answer = async (userId: string, m: Message, rating: number) => {
    const q = m.blocks.find((b) => b.type === "question" && !b.options.some((o) => o.selected));
    if (q?.type !== "question") throw new Error(`nothing to answer in ${text(m)}`);
    const b = q.options.find((o) => o.label === String(rating))!;
    const reply = await app.core.action(as(userId), b.actionId, b.value);
    await app.settle();
    return reply;
  };
  const tick = async (runner = "A") => {
    const r = await clock(runner).tick();
    await app.settle();
    return r;
  };
  const at = (iso: string) => (now = new Date(iso));
  const jobs = async (kind: string) =>
    db().prisma.job.findMany({ where: { kind, workspace: { externalId: workspace } }, orderBy: [{ dueAt: "asc" }, { dedupeKey: "asc" }] });
  const dmsTo = (userId: string) => port.dms.filter((d) => d.userId === userId).map((d) => text(d.message));
  const setup = async (partners: string[], extra = "") => {
    await cmd("coord", `partnership create "Clock ${workspace}" language=en timezone=Europe/Copenhagen ${extra}`);
    for (const p of partners) await cmd("coord", `member add @${p} roles=partner`);
  };
  return { port, app, clock, tick, answer, at, jobs, dmsTo, cmd, press, setup, as, now: () => now };
}

describeEachDatabase("the clock", (db) => {
  // Each test's courier is stopped after it: a courier left running would deliver the next
  // test's messages to its own recording port.
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const s of stops.splice(0)) await s();
  });
  const make = (ws: string, start: string) => {
    const h = harness(db, ws, start);
    stops.push(h.app.stop);
    return h;
  };

  it("closes a round at its deadline and posts one digest when two instances tick at once", async () => {
    const h = make("deadline", "2026-11-23T08:00:00Z");
    await h.setup(["anna", "bo"], "channel=#{C9}");
    await h.cmd("coord", "checkin start sections=1 deadline=2d");
    const [close] = await h.jobs("round.close");
    expect(close!.dueAt.toISOString()).toBe("2026-11-25T22:59:00.000Z"); // 23:59 Copenhagen
    h.at("2026-11-25T22:58:00Z");
    expect((await h.tick()).done).toBe(0);
    h.at("2026-11-25T23:00:00Z");
    const [a, b] = await Promise.all([h.tick("A"), h.tick("B")]);
    expect(a.done + b.done).toBe(2 * 0 + 1 + (a.skipped + b.skipped)); // the close ran once; nudges were stale
    expect(h.port.posts).toHaveLength(1);
    expect(text(h.port.posts[0]!.message)).toMatch(/check-in #1/);
    const runs = await db().prisma.jobRun.count({ where: { jobId: close!.id } });
    expect(runs).toBe(1);
    // The partners' cards were replaced with the closed one.
    expect(h.port.updates.map((u) => text(u.message))).toEqual([expect.stringMatching(/closed/), expect.stringMatching(/closed/)]);
  });

  it("nudges at 50 % and 85 % of the window outside quiet hours, never someone who has answered", async () => {
    const h = make("nudges", "2026-11-23T08:00:00Z"); // Monday 09:00 in Copenhagen
    await h.setup(["anna", "bo"]);
    await h.cmd("coord", "checkin start sections=1 deadline=2026-12-07");
    const nudges = await h.jobs("nudge");
    // 50 %: Monday 30 Nov 16:29 local. 85 %: Saturday 5 Dec, a quiet weekend → Monday 7 Dec 08:00.
    expect([...new Set(nudges.map((j) => j.dueAt.toISOString()))]).toEqual(["2026-11-30T15:29:30.000Z", "2026-12-07T07:00:00.000Z"]);
    expect(nudges).toHaveLength(4);
    // Anna answers the whole section before the first nudge.
    let card = h.port.lastDm("anna")!;
    for (let i = 0; i < 5; i++) card = await h.answer("anna", card, 4);
    h.at("2026-11-30T15:30:00Z");
    const r = await h.tick();
    expect(r).toMatchObject({ done: 1, skipped: 1 });
    expect(h.dmsTo("anna")).toHaveLength(1);
    expect(h.dmsTo("bo")).toHaveLength(2);
    expect(h.dmsTo("bo")[1]).toMatch(/reminder[\s\S]*\[Remind me tomorrow\] \[No more reminders\]/i);
    const skipped = await db().prisma.job.findFirstOrThrow({ where: { kind: "nudge", status: "skipped", workspace: { externalId: "nudges" } } });
    expect(skipped.outcome).toBe("answered already");
    // Opting out from the nudge itself: the second nudge is skipped, and the poll stays usable.
    const afterOptOut = await h.press("bo", h.port.lastDm("bo")!, "No more reminders");
    expect(text(afterOptOut)).toMatch(/no more reminders[\s\S]*Section 1 of 1/i);
    h.at("2026-12-07T07:01:00Z");
    await h.tick();
    expect(h.dmsTo("bo")).toHaveLength(2);
    expect((await h.jobs("nudge")).map((j) => j.outcome)).toContain("opted out of nudges");
  });

  it("moves a nudge that comes due in quiet hours to the next allowed minute", async () => {
    const h = make("quiet", "2026-11-23T08:00:00Z");
    await h.setup(["anna"]);
    await h.cmd("coord", "set nudges 50");
    await h.cmd("coord", "checkin start sections=1 deadline=2026-12-07");
    // The clock was down; it comes back on Friday 4 Dec at 19:00 local (quiet).
    h.at("2026-12-04T18:00:00Z");
    const r = await h.tick();
    expect(r.later).toBe(1);
    const [nudge] = await h.jobs("nudge");
    expect(nudge!.status).toBe("pending");
    expect(nudge!.dueAt.toISOString()).toBe("2026-12-07T07:00:00.000Z"); // Monday 08:00
    expect(h.dmsTo("anna")).toHaveLength(1);
    h.at("2026-12-07T07:00:00Z");
    await h.tick();
    expect(h.dmsTo("anna")).toHaveLength(2);
  });

  it("snoozes a nudge until tomorrow, outside quiet hours", async () => {
    const h = make("snooze", "2026-11-23T08:00:00Z");
    await h.setup(["anna"]);
    await h.cmd("coord", "set nudges 50");
    await h.cmd("coord", "checkin start sections=1 deadline=2026-12-07");
    h.at("2026-11-30T15:30:00Z"); // Monday 16:30
    await h.tick();
    const snoozed = await h.press("anna", h.port.lastDm("anna")!, "Remind me tomorrow");
    expect(text(snoozed)).toMatch(/I'll remind you again Tue, 1 Dec 2026, 16:30/);
    h.at("2026-12-01T15:29:00Z");
    await h.tick();
    expect(h.dmsTo("anna")).toHaveLength(2);
    h.at("2026-12-01T15:31:00Z");
    await h.tick();
    expect(h.dmsTo("anna")).toHaveLength(3);
    expect(h.dmsTo("anna")[2]).toMatch(/reminder/i);
  });

  it("catches up after a 3-day outage: what is useful runs once, what is stale is skipped", async () => {
    const h = make("outage", "2026-11-23T08:00:00Z");
    await h.setup(["anna", "bo"], "channel=#{C7}");
    await h.cmd("coord", "checkin start sections=1 deadline=2026-12-07");
    await h.cmd("coord", 'action add "Draft the plan" owner=@anna due=2026-12-03');
    // Down from 29 Nov until 10 Dec: nudges, the close and the action reminders all came due.
    h.at("2026-12-10T09:00:00Z");
    const r = await h.tick();
    expect(r.failed).toBe(0);
    expect(h.port.posts).toHaveLength(1); // one digest
    const outcomes = Object.fromEntries((await db().prisma.job.findMany({ where: { workspace: { externalId: "outage" }, kind: { not: "deliver" } } })).map((j) => [j.dedupeKey.replace(/[0-9a-f-]{36}/g, "…"), `${j.status}${j.outcome ? `: ${j.outcome}` : ""}`]));
    expect(outcomes).toMatchObject({
      "nudge:…:1": "skipped: round closed",
      "nudge:…:2": "skipped: round closed",
      "round.close:…": "done",
      "action:…:2026-12-03:before": "skipped: stale: the due date has come",
      "action:…:2026-12-03:due": "skipped: stale: the due date has passed",
      "action:…:2026-12-03:overdue:1": "done",
    });
    expect(h.dmsTo("anna").filter((m) => /Draft the plan/.test(m))).toEqual([expect.stringMatching(/was due 3 Dec 2026 and is still open/)]);
    // The next weekly reminder is queued once.
    expect((await h.jobs("action.remind")).filter((j) => j.status === "pending").map((j) => j.dueAt.toISOString())).toEqual(["2026-12-17T08:00:00.000Z"]);
  });

  it("reminds an action's owner before and on the due date, and takes a new date from the message", async () => {
    const h = make("actions", "2026-11-23T08:00:00Z");
    await h.setup(["anna"]);
    await h.cmd("coord", 'action add "Book the room" owner=@anna due=2026-11-27');
    h.at("2026-11-25T08:00:00Z"); // Wednesday 09:00: two days before
    await h.tick();
    const reminder = h.port.lastDm("anna")!;
    expect(text(reminder)).toMatch(/Reminder: action #1 "Book the room" is due 27 Nov 2026/);
    await h.press("anna", reminder, "New date: +7 days");
    expect(text(h.port.lastDm("coord")!)).toMatch(/Anna moved action #1 "Book the room" to 4 Dec 2026/);
    h.at("2026-11-27T08:00:00Z");
    await h.tick();
    expect(h.dmsTo("anna")).toHaveLength(1); // the old date's reminder was stale
    h.at("2026-12-04T08:00:00Z");
    await h.tick();
    expect(h.dmsTo("anna")[1]).toMatch(/Action #1 "Book the room" is due today/);
    await h.press("anna", h.port.lastDm("anna")!, "Mark #1 done");
    h.at("2026-12-11T08:00:00Z");
    await h.tick();
    expect(h.dmsTo("anna")).toHaveLength(2);
  });

  it("runs a 02:30 schedule once on the spring-forward and once on the fall-back day (Europe/Copenhagen)", async () => {
    const h = make("dst", "2026-03-27T12:00:00Z");
    await h.setup(["anna"], "channel=#{C5}");
    await h.cmd("coord", "checkin start sections=1 deadline=1d");
    expect(await h.cmd("coord", 'schedule digest "30 2 * * *"')).toMatch(/Next: Sat, 28 Mar 2026, 02:30/);
    const digestsAt = async () => (await db().prisma.digest.findMany({ where: { trigger: "schedule", partnership: { name: "Clock dst" } }, orderBy: { createdAt: "asc" } })).length;
    // Tick every 30 minutes across the spring-forward night and the next day.
    for (let t = Date.parse("2026-03-27T23:00:00Z"); t <= Date.parse("2026-03-30T06:00:00Z"); t += 30 * 60_000) {
      h.at(new Date(t).toISOString());
      await h.tick();
    }
    const spring = (await h.jobs("schedule.digest")).filter((j) => j.status === "done").map((j) => j.dueAt.toISOString());
    expect(spring).toEqual(["2026-03-28T01:30:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"]);
    expect(await digestsAt()).toBe(3);
    // Autumn: 02:30 happens twice on 25 October; it runs at the first.
    h.at("2026-10-24T12:00:00Z");
    await h.cmd("coord", 'schedule digest "30 2 * * *"');
    for (let t = Date.parse("2026-10-24T12:00:00Z"); t <= Date.parse("2026-10-26T06:00:00Z"); t += 30 * 60_000) {
      h.at(new Date(t).toISOString());
      await h.tick();
    }
    const autumn = (await h.jobs("schedule.digest")).filter((j) => j.status === "done" && j.dueAt > new Date("2026-10-01")).map((j) => j.dueAt.toISOString());
    expect(autumn).toEqual(["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
  });

  it("opens recurring rounds on their rhythm, and after an outage opens one only if its window is still open", async () => {
    const h = make("rhythm", "2026-11-18T12:00:00Z");
    await h.setup(["anna"]);
    expect(await h.cmd("coord", 'schedule checkins "every monday at 9:00" sections=2 window=3d')).toMatch(/every Monday at 09:00, open for 3 days each. Next: Mon, 23 Nov 2026, 09:00/);
    expect(await h.cmd("coord", 'schedule checkins "every moonday"')).toMatch(/That rhythm is not valid/);
    h.at("2026-11-23T08:00:00Z");
    await h.tick();
    expect(h.dmsTo("anna")).toHaveLength(1);
    expect(h.dmsTo("anna")[0]).toMatch(/Section 1 of 1/);
    // Down for three weeks: the Mondays of 30 Nov and 7 Dec have passed their windows.
    h.at("2026-12-09T12:00:00Z");
    await h.tick();
    const runs = (await h.jobs("schedule.round")).map((j) => `${j.dueAt.toISOString().slice(0, 10)} ${j.status}`);
    expect(runs).toEqual(["2026-11-23 done", "2026-11-30 skipped", "2026-12-14 pending"]);
    expect(h.dmsTo("anna")).toHaveLength(1);
    expect(await h.cmd("coord", "schedule list")).toMatch(/check-in: every Monday at 09:00 — next Mon, 14 Dec 2026, 09:00/);
    expect(await h.cmd("coord", "schedule stop checkins")).toMatch(/Stopped/);
    expect((await h.jobs("schedule.round")).filter((j) => j.status === "pending")).toHaveLength(0);
  });

  it("sends a meeting's participants the pulse before it, the agenda on its morning, the minutes at its end, and the agreements on request", async () => {
    const h = make("meeting", "2026-11-23T08:00:00Z");
    await h.setup(["anna", "bo", "carl"]);
    expect(await h.cmd("coord", 'meeting add "Steering group" at="2026-11-30 14:00" with=@anna,@bo')).toMatch(/Meeting #1 "Steering group" on Mon, 30 Nov 2026, 14:00 registered with 2 people. The pulse goes out Fri, 27 Nov 2026, 14:00, the agenda Mon, 30 Nov 2026, 08:00/);
    h.at("2026-11-27T13:00:00Z");
    await h.tick();
    expect(h.dmsTo("anna")).toHaveLength(1);
    expect(h.dmsTo("carl")).toHaveLength(0);
    // No channel: the participants get the agenda by DM at 08:00 local (07:00Z), the results first.
    h.at("2026-11-30T07:00:00Z");
    await h.tick();
    expect(h.dmsTo("anna").filter((m) => /Agenda: meeting #1 Steering group/.test(m))).toHaveLength(1);
    expect(h.dmsTo("carl")).toHaveLength(0);
    // The pulse closes when the meeting starts (14:00 local = 13:00Z); two hours later, the minutes.
    h.at("2026-11-30T14:59:00Z");
    await h.tick();
    expect(h.dmsTo("coord").filter((m) => /Minutes/.test(m))).toEqual([]);
    expect(h.dmsTo("coord").filter((m) => /digest of check-in #1/.test(m))).toHaveLength(1);
    h.at("2026-11-30T15:00:00Z");
    await h.tick();
    // With no channel to post in, the coordinators have the minutes by DM.
    expect(h.dmsTo("coord").filter((m) => /Minutes: meeting #1 Steering group/.test(m))).toEqual([expect.stringMatching(/No agreements were recorded/)]);
    await h.cmd("coord", 'action add "Send the minutes" owner=@bo due=2026-12-04 meeting=1');
    await h.cmd("coord", 'action add "Invite the region" owner=@anna due=2026-12-11 meeting=1');
    expect(await h.cmd("coord", "meeting send 1")).toMatch(/Sent the 2 agreements of meeting #1 to 3 people/);
    expect(h.dmsTo("bo").at(-1)).toMatch(/Agreements from "Steering group"[\s\S]*#1 Send the minutes — @bo, due 4 Dec 2026[\s\S]*#2 Invite the region — @anna/);
    // The owners are person nodes (never seen by the bot, so no name): each adapter renders the mention.
    const agreements = h.port.dms.filter((d) => d.userId === "bo").at(-1)!.message;
    expect(agreements.blocks.some((b) => b.type === "text" && typeof b.text !== "string" && b.text.some((n) => n.t === "person" && n.id === "bo"))).toBe(true);
    expect(await h.cmd("coord", "meeting send 2")).toMatch(/There is no meeting #2/);
    expect(await h.cmd("coord", 'meeting add "Past" at="2026-01-01 10:00"')).toMatch(/That time has passed/);
  });
});
