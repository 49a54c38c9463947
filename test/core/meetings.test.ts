// A whole meeting in the core, on a clock the test sets, over both databases: the agenda on the
// morning of the day (to the home channel, and to participants not in it), agreements recorded
// from its card by two people at once, the card kept up to date, and the minutes at its end.
import { it, expect } from "vitest";
import fc from "fast-check";
import { describeEachDatabase } from "../support/databases.ts";
import { RecordingPort, coreWithCourier } from "../support/recording-port.ts";
import { Clock } from "../../src/clock/clock.ts";
import type { Actor, WorkspaceRef } from "../../src/ports.ts";
import { plainOf, type Message } from "../../src/messages/model.ts";
import type { Database } from "../../src/store/database.ts";

const text = (m: Message) => m.blocks.map((b) => ("text" in b ? plainOf(b.text) : b.type === "input" ? `[${b.label}]` : b.type === "buttons" ? b.buttons.map((x) => `[${x.label}]`).join(" ") : "")).join("\n");
const button = (m: Message, label: string) => {
  const b = m.blocks.flatMap((x) => (x.type === "buttons" ? x.buttons : x.type === "question" ? x.options : [])).find((x) => x.label === label);
  if (!b) throw new Error(`no button ${label} in ${text(m)}`);
  return b;
};

function harness(db: () => Database, workspace: string, start: string, inChannel: string[]) {
  let now = new Date(start);
  const port = new RecordingPort();
  const ws: WorkspaceRef = { platform: "slack", externalId: workspace };
  const app = coreWithCourier(db().prisma, port, { now: () => now, defaultLanguage: "en", conversationMembers: async (_w, channel) => (channel === "C1" ? inChannel : null) });
  const clock = new Clock(db().prisma, app.core.clockHandlers(), { now: () => now, runner: "A", log: () => {} });
  const as = (userId: string, extra: Partial<Actor> = {}): Actor => ({ workspace: ws, userId, displayName: userId[0]!.toUpperCase() + userId.slice(1), ...extra });
  const cmd = async (userId: string, line: string, extra: Partial<Actor> = {}) => {
    const reply = await app.core.command(as(userId, extra), line);
    await app.settle();
    return reply;
  };
  const tick = async () => {
    await clock.tick();
    await app.settle();
  };
  return { port, app, as, cmd, tick, at: (iso: string) => (now = new Date(iso)), stop: () => app.stop() };
}

describeEachDatabase("a meeting in its chat", (db) => {
  it("posts the agenda, records agreements from its card by two people at once, and sends the minutes", async () => {
    const h = harness(db, "TM1", "2026-11-23T08:00:00Z", ["coord", "anna"]);
    try {
      await h.cmd("coord", 'partnership create "Sund By" language=en timezone=Europe/Copenhagen channel=#C1');
      for (const p of ["anna", "bo", "carl"]) await h.cmd("coord", `member add @${p} roles=partner`);
      await h.cmd("coord", "member add @coord roles=coordinator,steering");
      const added = await h.cmd("coord", 'meeting add "Steering group" at="2026-11-30 14:00" length=90m pulse=0');
      expect(text(added)).toMatch(/Meeting #1 "Steering group" on Mon, 30 Nov 2026, 14:00 registered with 4 people\. The pulse goes out –, the agenda Mon, 30 Nov 2026, 08:00/);
      const ics = added.blocks.find((b) => b.type === "file");
      expect(ics?.type === "file" && ics.filename).toBe("meeting-1.ics");
      expect(text(await h.cmd("coord", 'meeting point 1 "Budget for 2027"'))).toMatch(/Budget for 2027 \(1 point\)/);
      // The preview shows what will be posted, with nothing to press.
      const preview = await h.cmd("coord", "meeting agenda 1");
      expect(text(preview)).toMatch(/Agenda: meeting #1 Steering group[\s\S]*Points:\n• Budget for 2027[\s\S]*Agreed at this meeting:\nNothing recorded yet/);
      expect(preview.blocks.some((b) => b.type === "buttons")).toBe(false);
      expect(text(await h.cmd("anna", "meeting agenda 1"))).toMatch(/coordinator/);

      // 08:00 local on the day is 07:00Z: the agenda goes to the channel, and to bo and carl, who are not in it.
      h.at("2026-11-30T06:59:00Z");
      await h.tick();
      expect(h.port.posts).toHaveLength(0);
      h.at("2026-11-30T07:00:00Z");
      await h.tick();
      const card = h.port.posts.find((p) => /Agenda: meeting #1/.test(text(p.message)))!;
      expect(card.channelId).toBe("C1");
      expect(h.port.posts.filter((p) => /the latest results/.test(text(p.message)))).toHaveLength(1);
      expect(h.port.dms.filter((d) => /Agenda: meeting #1/.test(text(d.message))).map((d) => d.userId).sort()).toEqual(["bo", "carl"]);
      await h.tick();
      expect(h.port.posts.filter((p) => /Agenda: meeting #1/.test(text(p.message)))).toHaveLength(1);

      // Anna and Bo record at once; the form asks what, who and when.
      const record = button(card.message, "Record an agreement");
      const form = await h.app.core.action(h.as("anna"), record.actionId, record.value);
      expect(text(form)).toMatch(/\[What is to be done\]\n\[Owner\]\n\[Due date\]/);
      const submit = button(form, "Record the agreement");
      const bad = await h.app.core.action(h.as("bo"), submit.actionId, submit.value, undefined, { "agreement.text": "", "agreement.owner": "bo", "agreement.due": "2026-12-20" });
      expect(bad.error).toBe(true);
      expect(bad.problems).toEqual({ "agreement.text": "Please fill this in." });
      const agree = (who: string, what: string, owner: string, due: string) => h.app.core.action(h.as(who), submit.actionId, submit.value, undefined, { "agreement.text": what, "agreement.owner": owner, "agreement.due": due });
      const replies = await Promise.all([agree("anna", "Share the walking data", "anna", "2026-12-18"), agree("bo", "Invite the region", "bo", "2027-01-08"), agree("anna", "Book the next meeting", "coord", "2026-12-04")]);
      for (const r of replies) expect(text(r)).toMatch(/Agreement #\d recorded at meeting #1/);
      await h.app.settle();
      const latest = h.port.updates.filter((u) => u.ref.messageId === card.id).at(-1)!;
      expect(text(latest.message)).toMatch(/Agreed at this meeting:\n• #1 .*\n• #2 .*\n• #3 /);
      for (const what of ["Share the walking data", "Invite the region", "Book the next meeting"]) expect(text(latest.message)).toContain(what);
      // Someone not in the partnership is refused, and nothing is kept.
      expect(text(await agree("eve", "Sneak in", "anna", "2026-12-20"))).toMatch(/not a member|member/);

      // 14:00 + 90 minutes = 14:30Z: the minutes, to the channel and each owner, and reminders are set.
      h.at("2026-11-30T14:30:00Z");
      await h.tick();
      const minutes = h.port.posts.filter((p) => /Minutes: meeting #1/.test(text(p.message)));
      expect(minutes).toHaveLength(1);
      expect(text(minutes[0]!.message)).toMatch(/Taking part: Coord, Anna, Bo, @carl/);
      expect(text(minutes[0]!.message)).toMatch(/Agreed:\n• #1[\s\S]*#3[\s\S]*Discussed:\n[\s\S]*Budget for 2027/);
      expect(h.port.dms.filter((d) => /Minutes: meeting #1/.test(text(d.message))).map((d) => d.userId).sort()).toEqual(["anna", "bo", "coord"]);
      const reminders = await db().prisma.job.findMany({ where: { kind: "action.remind", workspace: { externalId: "TM1" } } });
      expect(reminders.length).toBeGreaterThanOrEqual(6);
      const closed = h.port.updates.filter((u) => u.ref.messageId === card.id).at(-1)!;
      expect(text(closed.message)).toMatch(/The meeting is closed/);
      expect(closed.message.blocks.some((b) => b.type === "buttons")).toBe(false);
      expect(text(await agree("anna", "Too late", "anna", "2026-12-20"))).toMatch(/closed/);
      expect(text(await h.cmd("coord", "meeting close 1"))).toMatch(/closed/);

      // The next meeting opens with these three: done, postponed, open.
      const walking = /#(\d) Share the walking data/.exec(text(minutes[0]!.message))![1];
      await h.cmd("anna", `action done ${walking}`);
      const region = await db().prisma.action.findFirstOrThrow({ where: { text: "Invite the region", workspace: { externalId: "TM1" } } });
      await h.app.core.action(h.as("bo"), "action.postpone", JSON.stringify({ a: region.id, d: 14 }));
      await h.cmd("coord", 'meeting add "Network meeting" at="2027-01-20 10:00"');
      const next = text(await h.cmd("coord", "meeting agenda 2"));
      expect(next).toMatch(/Agreed at meeting #1 Steering group:\n(• #\d .*\n){0,2}• #\d Share the walking data — Anna, due 18 Dec 2026 — done/);
      expect(next).toMatch(/• #\d Invite the region — Bo, due 22 Jan 2027 — postponed\n/);
    } finally {
      await h.stop();
    }
  });

  it("moves a meeting: the same calendar entry one revision on, and its agenda at the new time only", async () => {
    const h = harness(db, "TM2", "2026-11-23T08:00:00Z", []);
    try {
      await h.cmd("coord", 'partnership create "Moved" language=en timezone=Europe/Copenhagen');
      await h.cmd("coord", "member add @anna roles=partner");
      const file = (m: Message) => {
        const f = m.blocks.find((b) => b.type === "file");
        return f?.type === "file" ? f.content : "";
      };
      const first = file(await h.cmd("coord", 'meeting add "Network" at="2026-12-01 10:00" pulse=0'));
      const moved = await h.cmd("coord", 'meeting move 1 at="2026-12-08 10:00"');
      expect(text(moved)).toMatch(/Meeting #1 "Network" is moved to Tue, 8 Dec 2026, 10:00/);
      const uid = (ics: string) => /UID:(.*)/.exec(ics)![1];
      expect(uid(file(moved))).toBe(uid(first));
      expect(first).toContain("SEQUENCE:0");
      expect(file(moved)).toContain("SEQUENCE:1");
      expect(file(moved)).toContain("DTSTART;TZID=Europe/Copenhagen:20261208T100000");
      // The old time passes without an agenda; the new one brings it.
      h.at("2026-12-01T07:00:00Z");
      await h.tick();
      expect(h.port.dms.filter((d) => /Agenda/.test(text(d.message)))).toHaveLength(0);
      h.at("2026-12-08T07:00:00Z");
      await h.tick();
      expect(h.port.dms.filter((d) => /Agenda: meeting #1 Network/.test(text(d.message))).map((d) => d.userId).sort()).toEqual(["anna", "coord"]);
      expect(text(await h.cmd("coord", 'meeting move 1 at="2026-01-01 10:00"'))).toMatch(/That time has passed/);
    } finally {
      await h.stop();
    }
  });

  it("keeps every agreement recorded at once, numbered once each, and the card ends with all of them (property)", { timeout: 120_000 }, async () => {
    const h = harness(db, "TM3", "2026-11-23T08:00:00Z", ["coord", "anna", "bo", "carl"]);
    try {
      await h.cmd("coord", 'partnership create "Many" language=en timezone=Europe/Copenhagen channel=#C1');
      for (const p of ["anna", "bo", "carl"]) await h.cmd("coord", `member add @${p} roles=partner`);
      let meeting = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.record({ who: fc.constantFrom("coord", "anna", "bo", "carl"), owner: fc.constantFrom("coord", "anna", "bo", "carl"), days: fc.integer({ min: 1, max: 60 }) }), { minLength: 1, maxLength: 6 }), async (agreements) => {
          meeting++;
          const day = `2026-12-${String(meeting).padStart(2, "0")}`;
          await h.cmd("coord", `meeting add "Meeting ${meeting}" at="${day} 14:00" pulse=0`);
          h.at(`${day}T07:00:00Z`);
          await h.tick();
          const card = h.port.posts.filter((p) => new RegExp(`Agenda: meeting #${meeting} `).test(text(p.message))).at(-1)!;
          const record = button(card.message, "Record an agreement");
          const before = await db().prisma.action.count({ where: { workspace: { externalId: "TM3" } } });
          const replies = await Promise.all(agreements.map((a, i) => h.app.core.action(h.as(a.who), "meeting.agree", record.value, undefined, { "agreement.text": `M${meeting} A${i}`, "agreement.owner": a.owner, "agreement.due": new Date(Date.UTC(2027, 0, a.days)).toISOString().slice(0, 10) })));
          await h.app.settle();
          for (const r of replies) expect(r.error).toBeUndefined();
          const rows = await db().prisma.action.findMany({ where: { workspace: { externalId: "TM3" }, meeting: { number: meeting } }, orderBy: { number: "asc" } });
          expect(rows.map((r) => r.text).sort()).toEqual(agreements.map((_, i) => `M${meeting} A${i}`).sort());
          expect(rows.map((r) => r.number)).toEqual(agreements.map((_, i) => before + i + 1));
          const last = h.port.updates.filter((u) => u.ref.messageId === card.id).at(-1)!;
          for (const r of rows) expect(text(last.message)).toContain(`#${r.number} ${r.text}`);
        }),
        { numRuns: 8 },
      );
    } finally {
      await h.stop();
    }
  });
});
