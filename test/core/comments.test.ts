// Comments per section ("what would help?"): typed on the thank-you card, shown only with the
// round's released results, unattributed, in no order of arrival, and never for a section fewer
// than minimum-n respondents were asked. On a real database, and the release rule as a property.
import { it, expect, describe } from "vitest";
import fc from "fast-check";
import { describeEachDatabase } from "../support/databases.ts";
import { partnershipFor, text } from "../support/core-harness.ts";
import type { Message } from "../../src/messages/model.ts";
import { releasedComments, tidyComment, COMMENT_MAX } from "../../src/domain/comments.ts";

/** The comment fields of a card, by field id, with what they hold. */
function fieldsOf(card: Message): Record<string, string> {
  return Object.fromEntries(card.blocks.flatMap((b) => (b.type === "input" ? [[b.id, b.value]] : [])));
}

describeEachDatabase("comments", (db) => {
  const h = partnershipFor(db, "Sund By", ["anna", "bo", "carl", "dina"], "channel=#{C1} language=en");
  let roundId = "";

  /** Presses "Save comments" on the person's latest card with these fields typed. */
  const save = async (who: string, fields: Record<string, string>) => {
    const card = h().port.lastDm(who)!;
    const button = card.blocks.flatMap((b) => (b.type === "buttons" ? b.buttons : [])).find((b) => b.actionId === "poll.comment");
    const value = button?.value ?? JSON.stringify({ r: roundId });
    const reply = await h().core().action(h().as(who), "poll.comment", value, undefined, fields);
    if (!reply.error) h().port.dms.push({ ws: h().ws, userId: who, message: reply, id: "reply" });
    return reply;
  };
  const stored = async () => (await db().prisma.comment.findMany({ orderBy: { sectionId: "asc" }, include: { membership: { include: { person: true } } } })).map((c) => [c.membership.person.platformUserId, c.sectionId, c.text]);

  it("asks for one optional comment per section on the thank-you card, and saves, changes and removes them", async () => {
    expect(await h().cmd("coord", "checkin start")).toMatch(/started/);
    roundId = (await db().prisma.round.findFirstOrThrow({ where: { partnership: { name: "Sund By" } } })).id;
    // No comment fields while questions are left.
    expect(Object.keys(fieldsOf(h().port.lastDm("anna")!))).toEqual([]);
    await h().answerAll("anna", () => 4);
    const done = h().port.lastDm("anna")!;
    expect(Object.keys(fieldsOf(done))).toEqual(["s1", "s2", "s3", "s4", "s5", "s6", "s7"].map((s) => `comment.${s}`));
    expect(text(done)).toMatch(/Anything to add\? You may write one comment per section/);
    const labels = done.blocks.flatMap((b) => (b.type === "input" ? [b.label] : []));
    expect(labels[0]).toBe("Determining the need for the partnership: what would help? (optional)");

    await save("anna", { "comment.s1": "  A shared calendar  \n\n\n\nplease ", "comment.s3": "Fewer, shorter meetings" });
    expect(await stored()).toEqual([["anna", "s1", "A shared calendar\n\nplease"], ["anna", "s3", "Fewer, shorter meetings"]]);
    const after = h().port.lastDm("anna")!;
    expect(fieldsOf(after)["comment.s1"]).toBe("A shared calendar\n\nplease");
    expect(text(after)).toMatch(/Your comments are saved/);
    // An emptied field removes its comment; the others stay.
    await save("anna", { ...fieldsOf(after), "comment.s3": "   " });
    expect(await stored()).toEqual([["anna", "s1", "A shared calendar\n\nplease"]]);
  });

  it("refuses a comment that is too long or for a section the round does not ask, and saves nothing of it", async () => {
    const long = await save("anna", { "comment.s1": "Changed", "comment.s2": "x".repeat(COMMENT_MAX + 1) });
    expect(long.error).toBe(true);
    expect(text(long)).toMatch(new RegExp(`is ${COMMENT_MAX + 1} characters long; a comment can be at most ${COMMENT_MAX}. Nothing was saved`));
    const forged = await save("anna", { "comment.s1": "Changed", "comment.nope": "Hi" });
    expect(text(forged)).toMatch(/button no longer works/);
    expect(await stored()).toEqual([["anna", "s1", "A shared calendar\n\nplease"]]);
    // In Danish for a partner who reads Danish.
    await h().cmd("bo", "sprog da");
    const da = await save("bo", { "comment.s1": "æ".repeat(COMMENT_MAX + 1) });
    expect(text(da)).toMatch(/en kommentar må højst være 500 tegn\. Intet blev gemt/);
  });

  it("shows comments with the released results only: unattributed, sorted, of complete respondents", async () => {
    await h().answerAll("bo", () => 3);
    await save("bo", { "comment.s1": "Meet in person twice a year", "comment.s5": "Name who does what" });
    await h().answerAll("carl", () => 5);
    await save("carl", { "comment.s1": "Agendas a week in advance" });
    // Dina answers nothing, so she is not in the release, and nor is her comment.
    await save("dina", { "comment.s1": "Zealous but unfinished" });
    expect((await stored()).length).toBe(5);
    // While the round is open nothing of them shows.
    await h().cmd("coord", "digest");
    expect(text(h().port.posts.at(-1)!.message)).toMatch(/check-in #1/);
    expect(text(h().port.posts.at(-1)!.message)).not.toMatch(/calendar|Agendas|would help/);
    await h().cmd("coord", "checkin close");
    const digest = text(h().port.posts.at(-1)!.message);
    expect(digest).toMatch(/What partners say would help \(without names, and not in the order written\):\n\*Determining the need for the partnership\*\n• A shared calendar \/ please\n• Agendas a week in advance\n• Meet in person twice a year\n\*Implementing collaborative action\*\n• Name who does what/);
    expect(digest).toMatch(/• Name who does what/);
    expect(digest).not.toMatch(/Zealous|anna|Anna|Bo\b|Carl/);
    const round = await db().prisma.round.findFirstOrThrow({ where: { id: roundId } });
    expect((round.release as { comments: Record<string, string[]> }).comments).toEqual({ s1: ["A shared calendar\n\nplease", "Agendas a week in advance", "Meet in person twice a year"], s5: ["Name who does what"] });
    // After the close a comment is refused, and nothing changes.
    expect(text(await save("anna", { "comment.s1": "Too late" }))).toMatch(/The round has closed/);
    expect((await stored()).find(([who]) => who === "anna")?.[2]).toBe("A shared calendar\n\nplease");
  });

  it("exports the released comments as their own CSV and in the JSON, and gives a person their own", async () => {
    const exported = await h().core().command(h().as("coord"), "export csv");
    const files = exported.blocks.flatMap((b) => (b.type === "file" ? [b] : []));
    expect(files.map((f) => f.filename)).toEqual(["partnerpuls-Sund-By.csv", "partnerpuls-Sund-By-comments.csv", "partnerpuls-Sund-By.json"]);
    expect(files[1]!.content.trim().split("\n")).toEqual(["round,instrument,version,section,comment", '1,vichealth-checklist,1,s1,"A shared calendar', "", 'please"', "1,vichealth-checklist,1,s1,Agendas a week in advance", "1,vichealth-checklist,1,s1,Meet in person twice a year", "1,vichealth-checklist,1,s5,Name who does what"]);
    expect(JSON.parse(files[2]!.content).rounds[0].comments).toEqual({ s1: ["A shared calendar\n\nplease", "Agendas a week in advance", "Meet in person twice a year"], s5: ["Name who does what"] });
    const mine = (await h().core().command(h().as("bo"), "mydata export")).blocks.find((b) => b.type === "file");
    if (mine?.type !== "file") throw new Error("no file");
    expect(JSON.parse(mine.content).memberships[0].comments.map((c: { section: string; text: string }) => [c.section, c.text])).toEqual([["s1", "Meet in person twice a year"], ["s5", "Name who does what"]]);
    // Erasure takes a person's comments; the release keeps its copy, which names nobody.
    await h().cmd("bo", "mydata erase confirm");
    expect((await stored()).some(([, , t]) => t === "Meet in person twice a year")).toBe(false);
  });

  describe("below minimum-n", () => {
    const small = partnershipFor(db, "Lille By", ["eva", "finn", "gry"], "channel=#{C2} language=en");
    it("shows no comment of a round that fewer than minimum-n people completed", async () => {
      await small().cmd("coord", `checkin start p="Lille By"`);
      await small().answerAll("eva", () => 4);
      await small().answerAll("finn", () => 2);
      const card = small().port.lastDm("eva")!;
      const button = card.blocks.flatMap((b) => (b.type === "buttons" ? b.buttons : [])).find((b) => b.actionId === "poll.comment")!;
      await small().core().action(small().as("eva"), "poll.comment", button.value, undefined, { "comment.s2": "Only two of us answered" });
      expect(await db().prisma.comment.count({ where: { text: "Only two of us answered" } })).toBe(1);
      await small().cmd("coord", `checkin close p="Lille By"`);
      const digest = text(small().port.posts.at(-1)!.message);
      expect(digest).not.toMatch(/Only two|would help/);
      const files = (await small().core().command(small().as("coord"), `export csv p="Lille By"`)).blocks.flatMap((b) => (b.type === "file" ? [b] : []));
      expect(files.map((f) => f.filename)).not.toContain("partnerpuls-Lille-By-comments.csv");
      expect(files.map((f) => f.content).join("\n")).not.toMatch(/Only two/);
    });
  });
});

describe("the release of comments", () => {
  const comment = fc.record({ respondent: fc.constantFrom("p1", "p2", "p3", "p4", "p5", "p6"), sectionId: fc.constantFrom("s1", "s2", "s3"), text: fc.string({ minLength: 1, maxLength: 12 }) });
  const sections = fc.uniqueArray(fc.record({ id: fc.constantFrom("s1", "s2", "s3"), askedOf: fc.integer({ min: 0, max: 6 }) }), { selector: (s) => s.id });
  const frozen = fc.subarray(["p1", "p2", "p3", "p4", "p5", "p6"]).map((a) => new Set(a));

  it("shows exactly the frozen respondents' comments of sections asked of at least minimum-n, in an order that says nothing", () => {
    fc.assert(
      fc.property(fc.array(comment, { maxLength: 20 }), frozen, sections, fc.integer({ min: 3, max: 5 }), (comments, set, secs, minimumN) => {
        const released = releasedComments(comments, set, secs, minimumN);
        for (const s of secs) {
          const expected = comments.filter((c) => c.sectionId === s.id && set.has(c.respondent)).map((c) => c.text);
          if (s.askedOf < minimumN || expected.length === 0) expect(released[s.id]).toBeUndefined();
          else expect([...released[s.id]!].sort()).toEqual([...expected].sort());
        }
        for (const id of Object.keys(released)) expect(secs.some((s) => s.id === id)).toBe(true);
        // The same comments arriving in any other order give the same release.
        expect(releasedComments([...comments].reverse(), set, secs, minimumN)).toEqual(released);
      }),
    );
  });

  it("tidies what was typed: line endings, trailing spaces and runs of blank lines", () => {
    expect(tidyComment("  One\r\nTwo   \r\n\r\n\r\n\r\nThree  ")).toBe("One\nTwo\n\nThree");
    expect(tidyComment(" \n \t ")).toBe("");
  });
});
