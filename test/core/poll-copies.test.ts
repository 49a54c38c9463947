// Every copy of a poll a person was sent (the first one, each reminder) tells the truth: it shows
// the answers given on any copy, one update per run of clicks, and the closed card at the end.
import { it, expect, beforeAll, afterAll } from "vitest";
import fc from "fast-check";
import { describeEachDatabase } from "../support/databases.ts";
import { RecordingPort, coreWithCourier } from "../support/recording-port.ts";
import type { Actor, MessageRef, WorkspaceRef } from "../../src/ports.ts";
import type { Message } from "../../src/messages/model.ts";

const ws: WorkspaceRef = { platform: "slack", externalId: "T-copies" };
const as = (userId: string): Actor => ({ workspace: ws, userId, displayName: userId });

/** The rating selected for each statement on a card, by item id. */
function selected(m: Message): Record<string, string> {
  const out: Record<string, string> = {};
  for (const b of m.blocks) if (b.type === "question") for (const o of b.options) if (o.selected) out[b.itemId] = o.label;
  return out;
}

describeEachDatabase("every copy of a poll", (db) => {
  const port = new RecordingPort();
  let app: ReturnType<typeof coreWithCourier>;
  let copies: MessageRef[] = [];
  const cardAt = (ref: MessageRef): Message => {
    const updated = [...port.updates].reverse().find((u) => u.ref.messageId === ref.messageId);
    return updated?.message ?? port.dms.find((d) => d.id === ref.messageId)!.message;
  };
  /** The updates still waiting for `ref`, made due now, then delivered. */
  const deliverWaiting = async () => {
    await db().prisma.$executeRaw`UPDATE "Job" SET "dueAt" = now() WHERE kind = 'deliver' AND status = 'pending' AND "dedupeKey" LIKE 'deliver:copy:%'`;
    await app.settle();
  };
  const waitingFor = (ref: MessageRef) =>
    db().prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "Job" WHERE kind = 'deliver' AND status = 'pending' AND payload->'to'->'ref'->>'messageId' = ${ref.messageId}`.then((r) => r[0]!.n);

  beforeAll(async () => {
    app = coreWithCourier(db().prisma, port, { defaultLanguage: "en" });
    const run = async (line: string) => {
      await app.core.command(as("coord"), line);
      await app.settle();
    };
    await run('partnership create "Copies" language=en');
    await run('org add "Org P" sector=ngo');
    await run("member add @{pia} org=\"Org P\" roles=partner");
    await run("checkin start deadline=14d");
    await run("remind");
    copies = port.dms.filter((d) => d.userId === "pia").map((d) => ({ conversationId: "pia", messageId: d.id }));
  });
  afterAll(() => app.stop());

  it("are two after a reminder, each with live buttons", () => {
    expect(copies).toHaveLength(2);
    for (const ref of copies) expect(cardAt(ref).blocks.some((b) => b.type === "question")).toBe(true);
  });

  it("show every answer, whichever copy it was given on, with at most one update waiting per copy", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ on: fc.integer({ min: 0, max: 1 }), q: fc.integer({ min: 0, max: 3 }), v: fc.integer({ min: 1, max: 5 }) }), { minLength: 1, maxLength: 8 }), async (clicks) => {
        const expected: Record<string, string> = {};
        for (const click of clicks) {
          const ref = copies[click.on]!;
          const card = cardAt(ref);
          const question = card.blocks.filter((b) => b.type === "question")[click.q];
          if (!question || question.type !== "question") continue;
          const option = question.options.find((o) => o.label === String(click.v))!;
          const reply = await app.core.action(as("pia"), option.actionId, option.value, ref);
          // The card pressed is replaced by the reply, as each adapter does.
          port.updates.push({ ref, message: reply });
          expected[question.itemId] = String(click.v);
          for (const other of copies) expect(await waitingFor(other)).toBeLessThanOrEqual(1);
        }
        await deliverWaiting();
        for (const ref of copies) expect(selected(cardAt(ref))).toMatchObject(expected);
      }),
      { numRuns: 12 },
    );
  });

  it("all become the closed card when the round closes", async () => {
    await app.core.command(as("coord"), "checkin close");
    await app.settle();
    await deliverWaiting();
    for (const ref of copies) {
      const card = cardAt(ref);
      expect(card.blocks.some((b) => b.type === "question")).toBe(false);
      expect(card.fallback).toMatch(/closed on/);
    }
  });
});
