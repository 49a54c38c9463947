// One partnership across organisations, on both databases: a coordinator in one Slack workspace
// invites people who work in another Slack workspace and in a Teams tenant; they join from there,
// answer from there, and are reached there. Codes that are stolen, used up, expired or revoked
// fail alike; a forged approval changes nothing; a stranger in the other workspace sees nothing.
import { it, expect, beforeAll, afterAll, describe } from "vitest";
import fc from "fast-check";
import { describeEachDatabase } from "../support/databases.ts";
import { RecordingPort, coreWithCourier } from "../support/recording-port.ts";
import { text } from "../support/core-harness.ts";
import type { Actor, WorkspaceRef } from "../../src/ports.ts";
import type { Message } from "../../src/messages/model.ts";
import { CODE_BITS, CODE_LENGTH, JOIN_ATTEMPTS_PER_HOUR, joinCodeHash, newJoinCode, normaliseJoinCode } from "../../src/domain/join-codes.ts";

const A: WorkspaceRef = { platform: "slack", externalId: "TCOUNCIL", name: "Kommunen" };
const B: WorkspaceRef = { platform: "slack", externalId: "TREGION", name: "Region Hovedstaden" };
const T: WorkspaceRef = { platform: "teams", externalId: "tenant-research", name: "Forskningscenter" };

const buttonsOf = (m: Message) => m.blocks.flatMap((b) => (b.type === "buttons" ? b.buttons : []));
const codeOf = (m: Message) => {
  const fields = m.blocks.find((b) => b.type === "fields");
  if (fields?.type !== "fields") throw new Error(`no code in: ${text(m)}`);
  return fields.fields[0]!.value;
};

describe("join codes", () => {
  it("carry 100 random bits in 20 characters that read aloud", () => {
    expect(CODE_BITS).toBeGreaterThanOrEqual(80);
    const codes = Array.from({ length: 2000 }, () => newJoinCode());
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$/);
    // Every character of the alphabet turns up in every position: no position is fixed.
    for (let i = 0; i < CODE_LENGTH; i++) expect(new Set(codes.map((c) => c.replace(/-/g, "")[i])).size).toBe(32);
  });

  it("are read however they are retyped: case, spaces, dashes, O for 0 and I or L for 1", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("", " ", "-", "  "), { minLength: 21, maxLength: 21 }), fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }), (gaps, lower) => {
        const code = newJoinCode().replace(/-/g, "");
        const typed = [...code].map((ch, i) => gaps[i] + (lower[i] ? ch.toLowerCase() : ch)).join("") + gaps[20];
        expect(normaliseJoinCode(typed)).toBe(code);
        const confusable = code.replace(/0/g, "O").replace(/1/g, lower[0] ? "l" : "I");
        expect(normaliseJoinCode(confusable)).toBe(code);
      }),
    );
  });

  it("are nothing but codes: any other text reads as none, or as a code of its own hash", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (typed) => {
        const n = normaliseJoinCode(typed);
        if (n === null) return;
        expect(n).toMatch(/^[0-9A-HJKMNP-TV-Z]{20}$/);
        expect(joinCodeHash(n)).toMatch(/^[0-9a-f]{64}$/);
      }),
    );
  });
});

describeEachDatabase("a partnership across organisations", (db) => {
  const slack = new RecordingPort("slack");
  const teams = new RecordingPort("teams");
  let app: ReturnType<typeof coreWithCourier>;
  let now = new Date("2026-12-01T09:00:00Z");
  const as = (ws: WorkspaceRef, userId: string): Actor => ({ workspace: ws, userId, displayName: userId[0]!.toUpperCase() + userId.slice(1) });
  const say = async (ws: WorkspaceRef, userId: string, line: string) => {
    const m = await app.core.command(as(ws, userId), line);
    await app.settle();
    return m;
  };
  const cmd = async (ws: WorkspaceRef, userId: string, line: string) => text(await say(ws, userId, line));
  const press = async (ws: WorkspaceRef, userId: string, actionId: string, value: string) => {
    const m = await app.core.action(as(ws, userId), actionId, value);
    await app.settle();
    return text(m);
  };
  const dmsTo = (port: RecordingPort, ws: WorkspaceRef, userId: string) => port.dms.filter((d) => d.ws.externalId === ws.externalId && d.userId === userId);
  const lastDm = (port: RecordingPort, ws: WorkspaceRef, userId: string) => dmsTo(port, ws, userId).at(-1)?.message;
  let code = "";

  beforeAll(async () => {
    app = coreWithCourier(db().prisma, [slack, teams], { defaultLanguage: "en", now: () => now });
    await cmd(A, "coord", 'partnership create "Sund By" language=en channel=#{CSUND}');
    await cmd(A, "coord", 'org add "Region Hovedstaden" sector=region');
    await cmd(A, "coord", 'org add "Forskningscenter" sector=research');
    await cmd(A, "coord", "member add @{lone} roles=partner");
  });
  afterAll(() => app.stop());

  it("makes a code to pass on, shown once and stored only as its hash", async () => {
    const reply = await say(A, "coord", 'partnership invite org="Region Hovedstaden" roles=partner uses=2 valid=3d');
    code = codeOf(reply);
    expect(text(reply)).toMatch(/Invitation #1 to Sund By is ready/);
    expect(text(reply)).toContain(`write \`join ${code}\` to the Partnerpuls app in your own workspace`);
    expect(text(reply)).toMatch(/until .*4.*2026, for up to 2 people/);
    const stored = await db().prisma.joinCode.findFirstOrThrow();
    expect(stored.codeHash).toBe(joinCodeHash(normaliseJoinCode(code)!));
    expect(JSON.stringify(stored)).not.toContain(code.replace(/-/g, "").slice(0, 10));
    // A partner cannot make one.
    expect(await cmd(A, "lone", "partnership invite")).toMatch(/Only the coordinators/);
  });

  it("lets a person of another workspace ask, and asks the coordinators on a card", async () => {
    expect(await cmd(B, "mette", `join ${code.toLowerCase().replace(/-/g, " ")}`)).toMatch(/coordinators of Sund By have been asked/);
    expect(await cmd(B, "mette", `join ${code}`)).toMatch(/waiting for its coordinators/);
    const card = lastDm(slack, A, "coord")!;
    expect(text(card)).toMatch(/Mette \(Region Hovedstaden\) asks to join Sund By with invitation #1, as partner · Region Hovedstaden/);
    expect(buttonsOf(card).map((b) => b.actionId)).toEqual(["join.approve", "join.decline"]);
    // Until a coordinator approves, she is nobody there.
    expect(await cmd(B, "mette", "status")).toMatch(/not in a partnership|no partnership/i);
  });

  it("refuses a forged approval: from a stranger, from a partner, or for a request that is not there", async () => {
    const approve = buttonsOf(lastDm(slack, A, "coord")!)[0]!;
    expect(await press(B, "mette", approve.actionId, approve.value)).toMatch(/no longer works/);
    expect(await press(B, "stranger", approve.actionId, approve.value)).toMatch(/no longer works/);
    expect(await press(A, "lone", approve.actionId, approve.value)).toMatch(/no longer works/);
    expect(await press(A, "coord", "join.approve", JSON.stringify({ j: "00000000-0000-4000-8000-000000000000" }))).toMatch(/no longer works/);
    expect(await press(A, "coord", "join.approve", '{"j":"not-a-uuid"}')).toMatch(/no longer works/);
    expect(await db().prisma.joinRequest.findFirstOrThrow()).toMatchObject({ status: "pending", decidedById: null });
    expect(await db().prisma.membership.count({ where: { person: { platformUserId: "mette" } } })).toBe(0);
  });

  it("lets her in when a coordinator approves, and tells her where she works", async () => {
    const approve = buttonsOf(lastDm(slack, A, "coord")!)[0]!;
    expect(await press(A, "coord", approve.actionId, approve.value)).toMatch(/Mette is now a member of Sund By/);
    expect(await press(A, "coord", approve.actionId, approve.value)).toMatch(/approved already/);
    expect(text(lastDm(slack, B, "mette")!)).toMatch(/You are now a member of Sund By, as partner/);
    const m = await db().prisma.membership.findFirstOrThrow({ where: { person: { platformUserId: "mette" } }, include: { person: { include: { workspace: true } }, organisation: true, partnership: true } });
    expect(m.person.workspace.externalId).toBe(B.externalId);
    expect(m.workspaceId).toBe(m.partnership.workspaceId);
    expect(m.organisation?.name).toBe("Region Hovedstaden");
    expect(await cmd(A, "coord", "member list")).toMatch(/Mette — Region Hovedstaden \(partner\)/);
  });

  it("takes a person in a Teams tenant on the same code, and no one past its uses", async () => {
    expect(await cmd(T, "tanja", `join ${code}`)).toMatch(/have been asked/);
    const card = dmsTo(slack, A, "coord").map((d) => d.message).reverse().find((msg) => text(msg).includes("Tanja"))!;
    expect(text(card)).toMatch(/Tanja \(Forskningscenter\) asks/);
    const decline = buttonsOf(card)[1]!;
    expect(await press(A, "coord", decline.actionId, decline.value)).toMatch(/You declined the request of Tanja/);
    expect(text(lastDm(teams, T, "tanja")!)).toMatch(/declined your request/);
    // Both uses are spent: the code now fails for anyone, as a wrong one does.
    const wrong = await cmd(T, "ulla", "join 00000-00000-00000-00000");
    expect(wrong).toMatch(/That code does not work/);
    expect(await cmd(T, "ulla2", `join ${code}`)).toBe(wrong);
    expect(await cmd(T, "tanja", `join ${code}`)).toBe(wrong);
    expect(await db().prisma.joinRequest.count()).toBe(2);
  });

  it("fails a code past its days, or revoked, exactly as a wrong one", async () => {
    const fresh = codeOf(await say(A, "coord", 'partnership invite org="Forskningscenter" valid=1d'));
    const revoked = codeOf(await say(A, "coord", "partnership invite"));
    expect(await cmd(A, "coord", "invite revoke 3")).toMatch(/Invitation #3 to Sund By no longer works/);
    expect(await cmd(A, "coord", "invite revoke 3")).toMatch(/revoked already/);
    expect(await cmd(A, "coord", "invite revoke 9")).toMatch(/There is no invitation #9/);
    expect(await cmd(T, "rune", `join ${revoked}`)).toMatch(/That code does not work/);
    now = new Date(now.getTime() + 2 * 86_400_000);
    expect(await cmd(T, "rune", `join ${fresh}`)).toMatch(/That code does not work/);
    const list = await cmd(A, "coord", "invite list");
    expect(list).toMatch(/#1 partner · Region Hovedstaden · 2 of 2 used · used up/);
    expect(list).toMatch(/#2 partner · Forskningscenter · 0 of 10 used · expired/);
    expect(list).toMatch(/#3 partner · 0 of 10 used · revoked/);
    // A working code lets Tanja in after all. Someone declined on it cannot ask again with it.
    const again = codeOf(await say(A, "coord", 'partnership invite org="Forskningscenter" roles=partner,steering'));
    const cardFor = (who: string) => dmsTo(slack, A, "coord").map((d) => d.message).reverse().find((msg) => text(msg).startsWith(who) && text(msg).includes("invitation #4"))!;
    await cmd(T, "tanja", `join ${again}`);
    await press(A, "coord", "join.approve", buttonsOf(cardFor("Tanja"))[0]!.value);
    expect(text(lastDm(teams, T, "tanja")!)).toMatch(/You are now a member of Sund By, as partner and steering group/);
    await cmd(T, "rune", `join ${again}`);
    await press(A, "coord", "join.decline", buttonsOf(cardFor("Rune"))[1]!.value);
    expect(await cmd(T, "rune", `join ${again}`)).toMatch(/The coordinators of Sund By declined your request/);
    expect(await cmd(T, "tanja", `join ${again}`)).toMatch(/You are a member of Sund By already/);
  });

  it("sends each member's poll to their own workspace, and takes their answers from there", async () => {
    const before = { a: slack.dms.length, t: teams.dms.length };
    expect(await cmd(A, "coord", "checkin start sections=1")).toMatch(/started|sent/i);
    const polls = [...slack.dms.slice(before.a), ...teams.dms.slice(before.t)].filter((d) => d.message.blocks.some((b) => b.type === "question"));
    expect(polls.map((d) => `${d.ws.platform}:${d.ws.externalId}:${d.userId}`).sort()).toEqual(["slack:TCOUNCIL:lone", "slack:TREGION:mette", "teams:tenant-research:tanja"]);
    for (const [ws, port, who] of [[B, slack, "mette"], [T, teams, "tanja"]] as const) {
      const poll = lastDm(port, ws, who)!;
      const q = poll.blocks.find((b) => b.type === "question");
      if (q?.type !== "question") throw new Error("no question");
      expect(await press(ws, who, q.options[3]!.actionId, q.options[3]!.value)).toMatch(/Saved: 4/);
    }
    expect(await db().prisma.answer.count()).toBe(2);
    expect(await cmd(A, "coord", "status")).toMatch(/0 of 3|2 started|answered/);
  });

  it("works from where each member is: status, actions, the overview and the digest", async () => {
    expect(await cmd(B, "mette", "status")).toMatch(/Sund By – check-in #1|Sund By/);
    await cmd(A, "coord", 'action add "Region writes the summary" due=2027-01-20');
    expect(await cmd(B, "mette", "action list")).toMatch(/Region writes the summary/);
    expect(await cmd(B, "mette", "overview")).toMatch(/Sund By\*? \(partner\)/);
    expect(await cmd(T, "tanja", "partnership list")).toMatch(/Sund By \(partner and steering group\)/);
    // The digest goes to the home channel, and to the steering member who cannot read it, in her tenant.
    await cmd(A, "coord", "checkin close");
    expect(slack.posts.some((p) => p.ws.externalId === A.externalId && p.channelId === "CSUND")).toBe(true);
    expect(dmsTo(teams, T, "tanja").some((d) => /digest|check-in #1/i.test(text(d.message)) && !d.message.blocks.some((b) => b.type === "question"))).toBe(true);
  });

  it("shows a stranger of the other workspace nothing of it, by any door", async () => {
    const round = await db().prisma.round.findFirstOrThrow();
    const action = await db().prisma.action.findFirstOrThrow();
    const p = await db().prisma.partnership.findFirstOrThrow();
    const replies = [
      await cmd(B, "stranger", "status"),
      await cmd(B, "stranger", 'status partnership="Sund By"'),
      await cmd(B, "stranger", 'member list partnership="Sund By"'),
      await cmd(B, "stranger", 'report partnership="Sund By"'),
      await cmd(B, "stranger", "action list"),
      await cmd(B, "stranger", "overview"),
      await press(B, "stranger", "poll.open", JSON.stringify({ r: round.id })),
      await press(B, "stranger", "action.done", JSON.stringify({ a: action.id })),
      await press(B, "stranger", "action.postpone", JSON.stringify({ a: action.id, d: 7 })),
      await press(B, "stranger", "action.from-statement", JSON.stringify({ p: p.id, s: "1.1" })),
    ];
    // Named, it answers as for a partnership that does not exist; else it names none.
    const unknown = text(await say(B, "stranger", 'status partnership="No Such Thing"')).replace("No Such Thing", "Sund By");
    expect(unknown).toMatch(/There is no partnership called "Sund By"/);
    for (const r of replies.slice(1, 4)) expect(r).toBe(unknown);
    for (const r of [replies[0], ...replies.slice(4)]) expect(r).not.toMatch(/Sund By/);
    expect((await db().prisma.action.findFirstOrThrow()).status).toBe("open");
  });

  it("limits tries per person and per workspace, and a limited try changes nothing", async () => {
    const C: WorkspaceRef = { platform: "slack", externalId: "TGUESS" };
    for (let i = 0; i < JOIN_ATTEMPTS_PER_HOUR.person; i++) expect(await cmd(C, "guesser", `join ${newJoinCode()}`)).toMatch(/does not work/);
    expect(await cmd(C, "guesser", `join ${newJoinCode()}`)).toMatch(/Too many tries/);
    for (let i = JOIN_ATTEMPTS_PER_HOUR.person; i < JOIN_ATTEMPTS_PER_HOUR.workspace; i++) await cmd(C, `guesser${i}`, `join ${newJoinCode()}`);
    const attempts = await db().prisma.joinAttempt.count({ where: { workspaceKey: "slack:TGUESS" } });
    expect(attempts).toBe(JOIN_ATTEMPTS_PER_HOUR.workspace);
    expect(await cmd(C, "newcomer", `join ${newJoinCode()}`)).toMatch(/Too many tries/);
    expect(await db().prisma.joinAttempt.count({ where: { workspaceKey: "slack:TGUESS" } })).toBe(attempts);
    // An hour on, they may try again.
    now = new Date(now.getTime() + 3600_000 + 1000);
    expect(await cmd(C, "guesser", `join ${newJoinCode()}`)).toMatch(/does not work/);
  });

  it("lets nothing but a working code make a request, whatever is typed", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), async (typed) => {
        const ws: WorkspaceRef = { platform: "teams", externalId: `tenant-prop-${n++}` };
        const before = await db().prisma.joinRequest.count();
        const reply = text(await app.core.command(as(ws, "prober"), `join "${typed.replace(/"/g, "")}x"`));
        expect(reply).not.toMatch(/Sund By/);
        expect(await db().prisma.joinRequest.count()).toBe(before);
      }),
      { numRuns: 25 },
    );
  });

  it("sends nothing more to a workspace that removed the app, tells the coordinator, and resumes when it is back", async () => {
    expect(await app.core.workspaceRemoved(B)).toBe(1);
    expect(await app.core.workspaceRemoved(B)).toBe(0);
    await app.settle();
    expect(text(lastDm(slack, A, "coord")!)).toMatch(/Partnerpuls was removed from the workspace Region Hovedstaden\. The member of Sund By who works there will get nothing more/);
    const sentTo = () => slack.dms.filter((d) => d.ws.externalId === B.externalId).length;
    const before = sentTo();
    await cmd(A, "coord", "checkin start sections=2");
    await cmd(A, "coord", "remind");
    expect(sentTo()).toBe(before);
    expect(dmsTo(teams, T, "tanja").at(-1)!.message.blocks.some((b) => b.type === "question")).toBe(true);
    // Her first request from there says it is installed again: her poll comes with the next reminder.
    expect(await cmd(B, "mette", "status")).toMatch(/Sund By/);
    await cmd(A, "coord", "remind");
    expect(sentTo()).toBe(before + 1);
    expect(lastDm(slack, B, "mette")!.blocks.some((b) => b.type === "question")).toBe(true);
  });

  it("erases a member of another workspace from the partnership too", async () => {
    expect(await cmd(B, "mette", "mydata erase confirm")).toMatch(/has been erased/);
    expect(await db().prisma.person.count({ where: { platformUserId: "mette" } })).toBe(0);
    expect(await db().prisma.membership.count({ where: { person: { platformUserId: "mette" } } })).toBe(0);
    expect(await db().prisma.answer.count({ where: { membershipId: null } })).toBe(1);
    expect(await db().prisma.joinRequest.count({ where: { person: { platformUserId: "mette" } } })).toBe(0);
  });
});
