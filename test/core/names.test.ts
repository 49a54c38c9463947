// Partnership and organisation names are compared as names: the same letters in any case, and
// nothing in them read as a pattern. "%", "_" and "\" are LIKE's metacharacters, quotes and »
// are the command syntax's: a name made of them selects itself and nothing else.
import { it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { describeEachDatabase } from "../support/databases.ts";
import { Partnerpuls } from "../../src/core.ts";
import type { Actor, WorkspaceRef } from "../../src/ports.ts";
import { plainOf, shownBlocks, type Message } from "../../src/messages/model.ts";
import { nameKey } from "../../src/domain/names.ts";

// An error shows with the sign every adapter gives it (the core sets only `error`).
const textOf = (m: Message) => shownBlocks(m).map((b) => ("text" in b ? plainOf(b.text) : "")).join("\n");

/** A name as the command syntax needs it: in straight quotes, or in «» when it holds a straight quote. */
function quoted(name: string): string {
  if (!name.includes('"')) return `"${name}"`;
  if (!name.includes("»")) return `«${name}»`;
  throw new Error(`a name with both " and » cannot be written: ${name}`);
}

const PARTNERSHIPS = ["50%", "50_x", "Sund\\", 'Vores "Sunde" Hverdag', "Børn & Unge's » Netværk"];

describeEachDatabase("names compared as names", (db) => {
  let core: Partnerpuls;
  const ws: WorkspaceRef = { platform: "slack", externalId: "TNAMES" };
  const coord: Actor = { workspace: ws, userId: "UCOORD", displayName: "Coordinator" };
  const say = async (line: string, actor: Actor = coord) => textOf(await core.command(actor, line));
  /** Which partnership `p=<name>` selects, read from the title of its organisation list. */
  const selected = async (name: string) => {
    const reply = await say(`org list p=${quoted(name)}`);
    const hit = PARTNERSHIPS.find((p) => reply.startsWith(`Organisations in ${p}\n`));
    return hit ?? reply;
  };

  beforeAll(async () => {
    core = new Partnerpuls(db().prisma, { defaultLanguage: "en" });
    for (const name of PARTNERSHIPS) expect(await say(`partnership create ${quoted(name)}`), name).toMatch(/created/);
  });

  it("stores each name as it was written", async () => {
    const names = (await db().prisma.partnership.findMany({ where: { workspace: { externalId: "TNAMES" } } })).map((p) => p.name).sort();
    expect(names).toEqual([...PARTNERSHIPS].sort());
  });

  it('selects exactly the partnership named, in any case, with partnership="…"', async () => {
    for (const name of PARTNERSHIPS) {
      expect(await selected(name), name).toBe(name);
      expect(await selected(name.toUpperCase()), name.toUpperCase()).toBe(name);
      expect(await selected(`  ${name.toLowerCase()} `), name.toLowerCase()).toBe(name);
    }
  });

  it("reads no character as a pattern: a name that would match as LIKE selects nothing, and says so", async () => {
    const before = await db().prisma.partnership.count();
    for (const pattern of ["5%", "%", "50_", "5__", "_0%", "50\\%", "Sund", "Sund\\\\", "sund%", "Vores", '%"Sunde"%', "Børn%"]) {
      const reply = await say(`org list p=${quoted(pattern)}`);
      expect(reply.split("\n")[0], pattern).toBe(`⚠️ There is no partnership called "${pattern}".`);
    }
    expect(await db().prisma.partnership.count()).toBe(before);
  });

  it("status with partnership=\"50%\" is that partnership's, and \"5%\" is none", async () => {
    expect(await say('member add @{UPARTNER} roles=partner p="50%"')).toMatch(/added to 50%/);
    expect(await say('checkin start p="50%"')).toMatch(/#1/);
    expect(await say('status partnership="50%"')).toMatch(/^50% — check-in #1/);
    expect(await say('status partnership="50_x"')).toMatch(/no check-in yet/);
    expect(await say('status partnership="5%"')).toMatch(/There is no partnership called "5%"/);
  });

  it("refuses a second partnership whose name differs only in case", async () => {
    for (const name of ["50%", "SUND\\", 'vores "sunde" hverdag']) expect(await say(`partnership create ${quoted(name)}`), name).toMatch(/already exists/);
    // …but one that would only match as a pattern is a different name
    expect(await say('partnership create "5%"')).toMatch(/created/);
    expect(await selected("5%")).toMatch(/^Organisations in 5%\n/);
    expect(await selected("50%")).toBe("50%");
  });

  it('finds an organisation by its name in any case, never by a pattern: org add "A_B", then org="a_b"', async () => {
    const p = 'p="50_x"';
    expect(await say(`org add "A_B" sector=ngo ${p}`)).toMatch(/A_B \(NGO\) added to 50_x/);
    expect(await say(`org add "Kommune\\" sector=municipality ${p}`)).toMatch(/added/);
    expect(await say(`org add «Vores "Sted"» sector=other ${p}`)).toMatch(/added/);
    expect(await say(`org add "a_b" sector=ngo ${p}`)).toMatch(/already an organisation/);
    const membersBefore = await db().prisma.membership.count();
    for (const [user, org] of [["U2", '"a_b"'], ["U3", '"KOMMUNE\\"'], ["U4", '«vores "sted"»']] as const) {
      expect(await say(`member add @{${user}} org=${org} ${p}`), org).toMatch(new RegExp(`@${user} added to 50_x`));
      expect((await core.command(coord, `member add @{${user}} org=${org} ${p}`)).blocks[0]).toMatchObject({ type: "text", text: [{ t: "person", id: user }, { t: "text" }] });
    }
    for (const org of ['"A%"', '"A_"', '"%"', '"a\\_b"', '"Kommune"', '"_ommune\\"', '"Vores"']) {
      const reply = await say(`member add @{U9} org=${org} ${p}`);
      expect(reply, org).toMatch(/There is no organisation called/);
      expect(reply, org).toContain(org.slice(1, -1));
    }
    expect(await db().prisma.membership.count()).toBe(membersBefore + 3);
    const byUser = await db().prisma.membership.findMany({ where: { person: { platformUserId: { in: ["U2", "U3", "U4", "U9"] } } }, include: { person: true, organisation: true } });
    expect(Object.fromEntries(byUser.map((m) => [m.person.platformUserId, m.organisation?.name]))).toEqual({ U2: "A_B", U3: "Kommune\\", U4: 'Vores "Sted"' });
  });

  it("round-trips any name: created, then selected by itself in any case, and by no pattern (property)", async () => {
    let n = 0;
    const alphabet = fc.constantFrom(..."aAbBzZæÆøØåÅ019 %_\\\"»'-&.");
    const name = fc
      .array(alphabet, { minLength: 1, maxLength: 24 })
      .map((cs) => cs.join("").trim())
      .filter((s) => s.length > 0 && !(s.includes('"') && s.includes("»")));
    await fc.assert(
      fc.asyncProperty(name, fc.nat(), async (title, at) => {
        // A workspace per run: names are unique only within one.
        const actor: Actor = { workspace: { platform: "slack", externalId: `TPROP${++n}` }, userId: "UCOORD" };
        expect(await say(`partnership create ${quoted(title)}`, actor)).toContain(`Partnership "${title}" created`);
        for (const form of [title, title.toUpperCase(), title.toLowerCase()]) expect(await say(`org list p=${quoted(form)}`, actor)).toMatch(/^Organisations in /);
        expect(await say(`org list p=${quoted(title)}`, actor)).toContain(`Organisations in ${title}\n`);
        // One character turned into a wildcard: the same name only if it was that character already.
        const i = at % title.length;
        for (const wildcard of ["%", "_"]) {
          const pattern = `${title.slice(0, i)}${wildcard}${title.slice(i + 1)}`.trim();
          if (pattern.length === 0 || nameKey(pattern) === nameKey(title) || (pattern.includes('"') && pattern.includes("»"))) continue;
          expect(await say(`org list p=${quoted(pattern)}`, actor), pattern).toMatch(/There is no partnership called/);
        }
      }),
      { numRuns: 40 },
    );
  });
});
