// An agreement from a form (the Slack modal, any platform's) follows the core's rules: its three
// fields are required, what is wrong comes back by field in the person's language and changes
// nothing, and a valid one is the same agreement `action add` records.
import { it, expect, beforeAll, afterAll } from "vitest";
import fc from "fast-check";
import { describeEachDatabase } from "../support/databases.ts";
import { RecordingPort, coreWithCourier } from "../support/recording-port.ts";
import type { Actor, WorkspaceRef } from "../../src/ports.ts";
import { plainOf, type Message } from "../../src/messages/model.ts";
import { readAgreement } from "../../src/domain/agreements.ts";

const flat = (m: Message) => m.blocks.map((b) => ("text" in b ? plainOf(b.text) : "")).join("\n");

describeEachDatabase("agreements from a form", (db) => {
  const port = new RecordingPort();
  let app: ReturnType<typeof coreWithCourier>;
  const ws: WorkspaceRef = { platform: "slack", externalId: "TAGREE" };
  const as = (userId: string, locale = "en-GB"): Actor => ({ workspace: ws, userId, displayName: `Person ${userId}`, locale });
  const actions = () => db().prisma.action.count({ where: { workspace: { externalId: "TAGREE" } } });
  beforeAll(async () => {
    app = coreWithCourier(db().prisma, port, { defaultLanguage: "en" });
    await app.core.command(as("UCOORD"), 'partnership create "Aftaler" language=da channel=#{CAGREE}');
    await app.core.command(as("UCOORD"), "member add @{UMETTE} roles=partner");
    await app.core.command(as("UCOORD"), "language da");
  });
  afterAll(() => app.stop());

  it("says which fields are missing, in the person's language, and records nothing", async () => {
    const before = await actions();
    const r = await app.core.agreement(as("UCOORD"), { text: "  ", ownerId: "", due: "soon" });
    expect(r).toEqual({ ok: false, lang: "da", errors: { text: "Udfyld venligst dette felt.", ownerId: "Udfyld venligst dette felt.", due: "Vælg venligst en dato i kalenderen." } });
    expect(await actions()).toBe(before);
  });

  it("puts the core's refusal under the owner when the owner is not a member", async () => {
    const before = await actions();
    const r = await app.core.agreement(as("UCOORD"), { text: "Send the plan", ownerId: "UNOBODY", due: "2030-01-15" });
    expect(r.ok).toBe(false);
    expect(Object.keys((r as { errors: object }).errors)).toEqual(["ownerId"]);
    expect(await actions()).toBe(before);
  });

  it("records a valid one as `action add` does, quotes and all", async () => {
    const r = await app.core.agreement(as("UCOORD"), { text: 'Invite the "Sund By" board and «them»', ownerId: "UMETTE", due: "2030-01-15", meeting: "Styregruppe 20. nov" });
    expect(r.ok).toBe(true);
    expect(flat((r as { reply: Message }).reply)).toMatch(/Invite the "Sund By" board and «them»/);
    const a = await db().prisma.action.findFirst({ where: { workspace: { externalId: "TAGREE" } }, orderBy: { number: "desc" } });
    expect(a).toMatchObject({ text: 'Invite the "Sund By" board and «them»', sourceMeeting: "Styregruppe 20. nov", dueDate: new Date("2030-01-15T00:00:00.000Z") });
  });

  it("refuses a partner, as `action add` does", async () => {
    const r = await app.core.agreement(as("UMETTE"), { text: "Mine", ownerId: "UMETTE", due: "2030-01-15" });
    expect(r.ok).toBe(false);
  });
});

it("reads every form either as a tidy agreement or as problems by field, never both, never throwing (property)", () => {
  fc.assert(
    fc.property(fc.record({ text: fc.string(), ownerId: fc.string(), due: fc.oneof(fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10))), meeting: fc.option(fc.string(), { nil: undefined }) }), (form) => {
      const r = readAgreement(form);
      if (r.ok) {
        expect(r.text).toBe(r.text.trim());
        expect(r.text.length).toBeGreaterThan(0);
        expect(r.ownerId.length).toBeGreaterThan(0);
        expect(`${String(r.due.year).padStart(4, "0")}-${String(r.due.month).padStart(2, "0")}-${String(r.due.day).padStart(2, "0")}`).toBe(form.due.trim());
      } else expect(Object.keys(r.problems).length).toBeGreaterThan(0);
    }),
    { numRuns: 500 },
  );
});
