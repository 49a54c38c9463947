// A lease: one holder at a time for a name, on either database; a crashed holder's lease lapses.
import { it, expect } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { withLease } from "../../src/store/leases.ts";

describeEachDatabase("leases", (db) => {
  it("runs the work of one name one at a time, and of other names at once", async () => {
    const prisma = db().prisma;
    const log: string[] = [];
    const job = (key: string, id: string) =>
      withLease(prisma, key, async () => {
        log.push(`${id}+`);
        await new Promise((r) => setTimeout(r, 60));
        log.push(`${id}-`);
      }, { pollMs: 5 });
    await Promise.all([job("card:1", "a"), job("card:1", "b"), job("card:1", "c")]);
    // each started only after the one before it ended
    for (let i = 0; i < log.length; i += 2) expect(log[i + 1]).toBe(log[i]!.replace("+", "-"));
    const other: string[] = [];
    const apart = (k: string) =>
      withLease(prisma, `card:${k}`, async () => {
        other.push(`${k}+`);
        await new Promise((r) => setTimeout(r, 60));
        other.push(`${k}-`);
      });
    await Promise.all([apart("x"), apart("y")]);
    // two names: the second started before the first ended
    expect(other.slice(0, 2).sort()).toEqual(["x+", "y+"]);
    expect(await prisma.lease.count()).toBe(0);
  });

  it("takes over a lease whose holder's time ran out (it crashed), and gives up waiting after a while", async () => {
    const prisma = db().prisma;
    await prisma.lease.create({ data: { key: "card:crashed", holder: "gone", until: new Date(Date.now() - 1_000) } });
    expect(await withLease(prisma, "card:crashed", async () => "ran")).toBe("ran");
    await prisma.lease.create({ data: { key: "card:stuck", holder: "slow", until: new Date(Date.now() + 60_000) } });
    const started = Date.now();
    expect(await withLease(prisma, "card:stuck", async () => "ran anyway", { waitMs: 100, pollMs: 10 })).toBe("ran anyway");
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    // the other holder's lease is theirs to give back
    expect(await prisma.lease.findUnique({ where: { key: "card:stuck" } })).toMatchObject({ holder: "slow" });
  });
});
