// A round of 2,000 partners who answered every statement opens and closes, by command, on both
// databases: each transaction stays short and linear (no message is built inside it), and the
// close records one digest and queues one closed card per delivered poll.
import { it, expect, beforeAll, afterAll } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { Partnerpuls } from "../../src/core.ts";
import type { Actor } from "../../src/ports.ts";
import { plainOf, type Message } from "../../src/messages/model.ts";
import { seedPartners } from "../../bench/seed.ts";

const PARTNERS = 2_000;
const flat = (m: Message) => m.blocks.map((b) => ("text" in b ? plainOf(b.text) : b.type === "fields" ? b.fields.map((f) => `${f.label}: ${f.value}`).join("\n") : "")).join("\n");

describeEachDatabase("a round of 2,000 partners", (db) => {
  let core: Partnerpuls;
  const coord: Actor = { workspace: { platform: "slack", externalId: "TBIG" }, userId: "UCOORD", displayName: "Coordinator" };
  const ids = Array.from({ length: PARTNERS }, (_, i) => `UP${String(i).padStart(5, "0")}`);
  beforeAll(async () => {
    core = new Partnerpuls(db().prisma, { defaultLanguage: "en" });
    await seedPartners(db().prisma, coord, ids, core);
    await core.command(coord, "set channel #{CBIG}");
  }, 120_000);
  afterAll(() => undefined);

  it("opens, takes every answer and closes, with one digest and a closed card per delivered poll", async () => {
    const prisma = db().prisma;
    const started = flat(await core.command(coord, "checkin start"));
    expect(started).toMatch(/2,000 people|2000 people/);
    const round = await prisma.round.findFirstOrThrow({ where: { partnership: { name: "Big round" } } });
    expect(await prisma.job.count({ where: { kind: "deliver", status: "pending", dedupeKey: { startsWith: "deliver:poll:" } } })).toBe(PARTNERS);
    // Every partner answers every statement (seeded in bulk: the path under test is the close),
    // and their polls are recorded as delivered, as the courier would.
    const invitations = await prisma.invitation.findMany({ where: { roundId: round.id } });
    const items = (round.snapshot as { sections: { items: { id: string }[] }[] }).sections.flatMap((s) => s.items.map((i) => i.id));
    for (let k = 0; k < invitations.length; k += 200) {
      const batch = invitations.slice(k, k + 200);
      await prisma.answer.createMany({ data: batch.flatMap((inv, j) => items.map((itemId, n) => ({ workspaceId: round.workspaceId, roundId: round.id, membershipId: inv.membershipId, itemId, rating: 1 + ((j + n) % 5) }))) });
    }
    await prisma.invitation.updateMany({ where: { roundId: round.id }, data: { completedAt: new Date(), sentAt: new Date(), pollRefs: [{ conversationId: "D1", messageId: "1" }] } });
    await prisma.job.updateMany({ where: { kind: "deliver", status: "pending" }, data: { status: "done" } });
    const t0 = Date.now();
    const closed = flat(await core.command(coord, "checkin close"));
    const ms = Date.now() - t0;
    expect(closed).toMatch(/closed/);
    console.log(`close of ${PARTNERS} partners × ${items.length} statements on ${db().kind}: ${ms} ms`);
    const after = await prisma.round.findFirstOrThrow({ where: { id: round.id } });
    expect(after.closedAt).not.toBeNull();
    expect((after.release as { score: { completeRespondents: number } }).score.completeRespondents).toBe(PARTNERS);
    expect(await prisma.digest.count({ where: { roundId: round.id } })).toBe(1);
    expect(await prisma.job.count({ where: { kind: "deliver", status: "pending", dedupeKey: { startsWith: "deliver:closed:" } } })).toBe(PARTNERS);
    const digest = await core.digestFor(round.workspaceId, round.partnershipId, "en", round.id);
    expect(flat(digest!)).toMatch(/2,000 of 2,000|2000 of 2000/);
  }, 300_000);
});
