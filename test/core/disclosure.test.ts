// The disclosure rule as a property: whatever partners answer, whatever coordinators change
// meanwhile (anonymity, minimum-n, removals, erasures) and whenever they look (digest, export,
// status), no two releases of a round differ, and none shows numbers from fewer than minimum-n
// respondents. So no pair of releases can be subtracted to solve one person's rating.
import { it, expect, beforeAll, afterAll } from "vitest";
import fc from "fast-check";
import { describeEachDatabase } from "../support/databases.ts";
import { RecordingPort, coreWithCourier } from "../support/recording-port.ts";
import type { Actor, WorkspaceRef } from "../../src/ports.ts";
import { plainOf, type Message } from "../../src/messages/model.ts";

const PEOPLE = ["p1", "p2", "p3", "p4", "p5", "p6"] as const;
type Person = (typeof PEOPLE)[number];

type Step =
  | { op: "answer"; who: Person; rating: number; items: number }
  | { op: "anonymity"; value: "confidential" | "attributed" }
  | { op: "minimum-n"; value: number }
  | { op: "remove"; who: Person }
  | { op: "erase"; who: Person }
  | { op: "look" }
  | { op: "close-and-reopen" };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant("answer" as const), who: fc.constantFrom(...PEOPLE), rating: fc.integer({ min: 1, max: 5 }), items: fc.oneof({ weight: 3, arbitrary: fc.constant(5) }, fc.integer({ min: 1, max: 4 })) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("anonymity" as const), value: fc.constantFrom("confidential" as const, "attributed" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("minimum-n" as const), value: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("remove" as const), who: fc.constantFrom(...PEOPLE) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("erase" as const), who: fc.constantFrom(...PEOPLE) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("look" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("close-and-reopen" as const) }) },
);

const flat = (m: Message) => m.blocks.map((b) => ("text" in b ? plainOf(b.text) : b.type === "bars" ? b.bars.map((x) => `${x.label}: ${x.display}`).join("\n") : b.type === "fields" ? b.fields.map((f) => `${f.label}: ${f.value}`).join("\n") : "")).join("\n");

describeEachDatabase("the disclosure rule", (db) => {
  const port = new RecordingPort();
  let app: ReturnType<typeof coreWithCourier>;
  let run = 0;
  /** export rows with numbers seen over all runs: the property must meet real releases, not only withheld ones */
  let released = 0;
  beforeAll(() => {
    app = coreWithCourier(db().prisma, port, { defaultLanguage: "en" });
  });
  afterAll(() => app.stop());

  it("never releases two different results of one round, nor any from fewer than minimum-n people", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 28 }), async (steps) => {
        const ws: WorkspaceRef = { platform: "slack", externalId: `TD${++run}` };
        const as = (userId: string): Actor => ({ workspace: ws, userId, displayName: `Name ${userId}` });
        const core = app.core;
        const cmd = async (who: string, line: string) => {
          const m = await core.command(as(who), line);
          await app.settle();
          return m;
        };
        await cmd("coord", 'partnership create "Disclosure" language=en channel=#{CD}');
        for (const p of PEOPLE) await cmd("coord", `member add @{${p}} roles=partner`);
        await cmd("coord", "checkin start sections=1");
        const gone = new Set<Person>();
        /** every export row and digest bar the coordinator has been shown, by round and statement */
        const seen = new Map<string, string>();
        const observe = async () => {
          const exp = await cmd("coord", "export csv");
          const csv = exp.blocks.find((b) => b.type === "file" && b.filename.endsWith(".csv"));
          if (csv?.type !== "file") throw new Error("no CSV");
          for (const row of csv.content.trim().split("\n").slice(1)) {
            // The statement may hold commas (quoted): the numbers are n…max of the last ten cells
            // (n, mean, sd, min, max, divergent, withheld, choices, most common, don't know).
            const cells = row.split(",");
            const key = `export:${cells[0]}:${cells[4]}`;
            const tail = cells.slice(-10);
            const numbers = [...tail.slice(0, 5), ...tail.slice(7)].join(",");
            if (tail[0] !== "") {
              expect(Number(tail[0])).toBeGreaterThanOrEqual(3);
              released++;
            }
            if (seen.has(key)) expect(numbers, `${key} was released twice, differently`).toBe(seen.get(key));
            seen.set(key, numbers);
          }
          // The digest on demand, and every digest posted so far (the close's among them).
          await cmd("coord", "digest");
          const rounds = await db().prisma.round.findMany({ where: { partnership: { workspace: { externalId: ws.externalId } } } });
          for (const r of rounds) {
            const d = await core.digestFor(r.workspaceId, r.partnershipId, "en", r.id);
            const body = flat(d!);
            if (!r.closedAt) {
              // An open round shows who-many, never what: counts change, numbers do not exist.
              expect(body, "an open round shows no numbers").not.toMatch(/\/ 25|Total:|disagree/);
              continue;
            }
            const key = `digest:${r.number}`;
            // Actions and the round open now are today's news; everything else must stay as released.
            const numbers = body.split("\n").filter((l) => l && !/^Follow-up actions:|^Check-in #\d+ is open until/.test(l)).join("\n");
            if (seen.has(key)) expect(numbers, `digest of round ${r.number} changed`).toBe(seen.get(key));
            seen.set(key, numbers);
          }
          const status = flat(await cmd("coord", "status"));
          expect(status).not.toMatch(/\/ 25|mean/i);
        };
        for (const s of steps) {
          switch (s.op) {
            case "answer": {
              if (gone.has(s.who)) break;
              for (let k = 0; k < s.items; k++) {
                const poll = port.lastDm(s.who);
                const q = poll?.blocks.find((b) => b.type === "question" && !b.options.some((o) => o.selected));
                if (!q || q.type !== "question") break;
                const opt = q.options.find((o) => o.label === String(s.rating))!;
                port.dms.push({ ws, userId: s.who, message: await core.action(as(s.who), opt.actionId, opt.value), id: "reply" });
              }
              break;
            }
            case "anonymity":
              await cmd("coord", `set anonymity ${s.value}`);
              break;
            case "minimum-n":
              await cmd("coord", `set minimum-n ${s.value}`);
              break;
            case "remove":
              await cmd("coord", `member remove @{${s.who}}`);
              gone.add(s.who);
              break;
            case "erase":
              await cmd(s.who, "mydata erase confirm");
              gone.add(s.who);
              break;
            case "look":
              await observe();
              break;
            case "close-and-reopen":
              await cmd("coord", "checkin close");
              await observe();
              await cmd("coord", "checkin start sections=1");
              break;
          }
        }
        await cmd("coord", "checkin close");
        await observe();
      }),
      { numRuns: 12, endOnFailure: true, seed: 20261201 },
    );
    expect(released).toBeGreaterThan(0);
  }, 300_000);
});
