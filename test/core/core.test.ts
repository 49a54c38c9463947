// The core on a real database (embedded and server): permissions, workspaces, anonymity,
// digests over several rounds, actions, exports, personal data and malformed input.
import { it, expect } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { Partnerpuls } from "../../src/core.ts";
import type { Actor } from "../../src/ports.ts";
import { RecordingPort, coreWithCourier } from "../support/recording-port.ts";
import { Courier } from "../../src/outbox/courier.ts";
import { JobQueue } from "../../src/jobs/queue.ts";
import { RateLimitedError, PermanentDeliveryError } from "../../src/ports.ts";
import { Message } from "../../src/messages/model.ts";
import { parseCommand } from "../../src/commands/parse.ts";
import { ownInstrument, partnershipFor, text } from "../support/core-harness.ts";

describeEachDatabase("the core", (db) => {
  const h = partnershipFor(db, "Sund By", ["anna", "bo", "carl", "dina"], "channel=#{C1} language=en");

  it("lets only coordinators change a partnership, and anyone ask for help", async () => {
    expect(await h().cmd("anna", 'org add "X" sector=ngo')).toMatch(/Only the coordinators of Sund By/);
    expect(await h().cmd("anna", "set anonymity attributed")).toMatch(/Only the coordinators/);
    expect(await h().cmd("anna", "help")).toMatch(/checkin start/);
    expect(await h().cmd("stranger", "status")).toMatch(/not in a partnership/);
    const orgs = await db().prisma.organisation.count();
    expect(orgs).toBeGreaterThanOrEqual(4);
  });

  it("says in every reply which language it chose for the person, and flags errors", async () => {
    const who = h().as("lang-probe", { locale: "da-DK" });
    const help = await h().core().command(who, "help");
    expect(help.lang).toBe("da");
    const wrong = await h().core().command(who, "checkin sart");
    expect(wrong).toMatchObject({ lang: "da", error: true });
    expect((await h().core().command(who, "language en")).lang).toBe("en");
    expect((await h().core().command(who, "partnership list")).lang).toBe("en");
    expect((await h().core().action(who, "poll.open", "not json")).lang).toBe("en");
    expect((await h().core().home(who)).lang).toBe("en");
  });

  it("keeps workspaces apart: the same names in another workspace see nothing of this one", async () => {
    const other = new Partnerpuls(db().prisma);
    const t2: Actor = { workspace: { platform: "slack", externalId: "T2" }, userId: "coord" };
    expect(text(await other.command(t2, "status"))).toMatch(/not in a partnership/);
    expect(text(await other.command(t2, 'partnership create "Sund By"'))).toMatch(/created/);
    expect(text(await other.command(t2, "member list"))).toMatch(/1 member/);
    expect(text(await other.command(t2, "org list"))).toMatch(/No organisations/);
    expect(await h().cmd("coord", "member list")).toMatch(/5 members/);
    // a button from one workspace does nothing in another
    await h().cmd("coord", "checkin start sections=1");
    const poll = h().port.lastDm("anna")!;
    const q = poll.blocks.find((b) => b.type === "question")!;
    if (q.type !== "question") throw new Error();
    const stolen = await other.action({ workspace: { platform: "slack", externalId: "T2" }, userId: "anna" }, "poll.answer", q.options[0]!.value);
    expect(text(stolen)).toMatch(/no longer works/);
    expect(await db().prisma.answer.count()).toBe(0);
    await h().cmd("coord", "checkin close");
  });

  it("stores nothing about someone who only asks for help or mistypes", async () => {
    const p = db().prisma;
    const before = [await p.workspace.count(), await p.person.count()];
    const stranger: Actor = { workspace: { platform: "teams", externalId: "tenant-9" }, userId: "visitor", displayName: "Visitor", locale: "da-DK" };
    const core = h().core();
    expect(text(await core.command(stranger, "help"))).toMatch(/For koordinatorer/);
    expect(text(await core.command(stranger, "status"))).toMatch(/ikke med i et partnerskab/);
    expect(text(await core.command(stranger, "mydata erase confirm"))).toMatch(/slettet/);
    expect(text(await core.home(stranger))).toMatch(/ikke med i et partnerskab/);
    expect([await p.workspace.count(), await p.person.count()]).toEqual(before);
    expect(text(await core.command(stranger, "language en"))).toMatch(/English/);
    expect([await p.workspace.count(), await p.person.count()]).toEqual([before[0]! + 1, before[1]! + 1]);
  });

  it("answers 1,000 random command strings with a clear message each, and malformed ones change nothing", async () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const vocab = ["partnership", "create", "org", "add", "member", "remove", "checkin", "start", "close", "status", "action", "done", "list", "set", "language", "export", "mydata", "erase", "help", "hjælp", "sæt", "instrument", '"', "“", "=", "sector=", "roles=", "due=", "deadline=", "@{anna}", "@bo", "#{C9}", "2026-02-31", "1-9", "da", "xx", "{", "💥", "p=\"Nope\""];
    const lines = Array.from({ length: 1000 }, () => Array.from({ length: Math.floor(rnd() * 7) }, () => (rnd() < 0.85 ? vocab[Math.floor(rnd() * vocab.length)] : String.fromCharCode(32 + Math.floor(rnd() * 500)))).join(" "));
    const counts = async () => {
      const p = db().prisma;
      return [await p.partnership.count(), await p.organisation.count(), await p.membership.count(), await p.round.count(), await p.action.count(), await p.person.count(), await p.answer.count()];
    };
    const malformed = lines.filter((l) => !parseCommand(l).ok);
    expect(malformed.length).toBeGreaterThan(700);
    const before = await counts();
    for (const line of malformed) {
      const reply = await h().core().command(h().as("coord"), line);
      expect(Message.safeParse(reply).success).toBe(true);
      expect(reply.fallback.length).toBeGreaterThan(10);
      expect(reply.fallback).toMatch(/Type `help`|Write it like this/);
    }
    expect(await counts()).toEqual(before);
    for (const line of lines.filter((l) => parseCommand(l).ok)) {
      const reply = await h().core().command(h().as("anna"), line); // a partner: may not change anything
      expect(Message.safeParse(reply).success).toBe(true);
    }
    expect(await counts()).toEqual(before);
    await h().cmd("anna", "language en"); // the random lines may have changed her own language
  });

  it("keeps confidential answers unattributed, and a round keeps the mode it opened with", async () => {
    await h().cmd("coord", "checkin start sections=2");
    await h().answerAll("anna", () => 4);
    await h().answerAll("bo", () => 2);
    const conf = await h().cmd("coord", "status");
    expect(conf).toMatch(/2 of 4 people have answered everything/);
    expect(conf).not.toMatch(/Anna|Bo\b/);
    // Switching to attributed mid-round names nobody in this round: it applies from the next one.
    expect(await h().cmd("coord", "set anonymity attributed")).toMatch(/applies from the next check-in; check-in #\d+ keeps/);
    const still = await h().cmd("coord", "status");
    expect(still).not.toMatch(/Anna|Bo\b|Answered: /);
    expect(await h().cmd("coord", "set minimum-n 1")).toMatch(/cannot be below 3/);
    await h().cmd("coord", "set anonymity confidential");
    // While the round is open, the digest has counts and no numbers at all.
    await h().cmd("coord", "digest");
    const open = text(h().port.posts.at(-1)!.message);
    expect(open).toMatch(/Check-in #\d+ is open until .*: 2 of 4 have answered everything so far\. Its results come when it closes\./);
    expect(open).not.toMatch(/\/ 25/);
    await h().cmd("coord", "checkin close");
    // Below minimum-n (2 < 3): the digest shows no numbers.
    const digest = text(h().port.posts.at(-1)!.message);
    expect(digest).toMatch(/Fewer than 3 people answered every statement/);
    expect(digest).not.toMatch(/\/ 25/);
  });

  it("names who answered a round opened in attributed mode, to coordinators only", async () => {
    await h().cmd("coord", "set anonymity attributed");
    await h().cmd("coord", "checkin start sections=2");
    await h().answerAll("anna", () => 4);
    await h().answerAll("bo", () => 2);
    const attr = await h().cmd("coord", "status");
    expect(attr).toMatch(/Answered: Anna, Bo/);
    // Never seen by the bot: shown as a person node, which each adapter renders as a mention.
    const status = await h().core().command(h().as("coord"), "status");
    const nodes = status.blocks.flatMap((b) => (b.type === "text" && typeof b.text !== "string" ? b.text : []));
    const notYet = nodes.findIndex((n) => n.t === "text" && n.text.endsWith("Not yet: "));
    expect(nodes.slice(notYet + 1, notYet + 4)).toEqual([{ t: "person", id: "carl" }, { t: "text", text: ", " }, { t: "person", id: "dina" }]);
    expect(attr).toMatch(/Not yet: @carl, @dina/);
    expect(await h().cmd("anna", "status")).not.toMatch(/Answered: /); // partners see counts only
    await h().cmd("coord", "checkin close");
    // Attributed mode applies minimum-n too: two respondents show no numbers.
    const digest = text(h().port.posts.at(-1)!.message);
    expect(digest).toMatch(/Fewer than 3 people answered every statement/);
    expect(digest).not.toMatch(/\/ 25/);
    await h().cmd("coord", "set anonymity confidential");
  });

  it("digests a partial round with section means and says why there is no band", async () => {
    await h().cmd("coord", "checkin start sections=1,3");
    for (const [p, r] of [["anna", 5], ["bo", 4], ["carl", 3]] as const) await h().answerAll(p, () => r);
    await h().cmd("coord", "checkin close");
    const digest = h().port.posts.at(-1)!;
    expect(digest.channelId).toBe("C1");
    const m = digest.message;
    const bars = m.blocks.find((b) => b.type === "bars");
    expect(bars?.type === "bars" && bars.bars.map((b) => [b.value, b.display])).toEqual([
      [20, "20.0 / 25"],
      [20, "20.0 / 25"],
    ]);
    expect(text(m)).toMatch(/No band: this check-in covered only some sections/);
    expect(text(m)).toMatch(/3 of 4 \(75 %\)/);
  });

  it("shows the trend over three complete rounds", async () => {
    const totals: string[] = [];
    for (const rating of [3, 4, 5]) {
      await h().cmd("coord", "checkin start");
      for (const p of ["anna", "bo", "carl", "dina"]) await h().answerAll(p, (item) => (p === "dina" && item === "s4.2" ? 1 : rating));
      await h().cmd("coord", "checkin close");
      totals.push(text(h().port.posts.at(-1)!.message));
    }
    // Three partners rate everything r, Dina the same but 1 on one statement of section 4:
    // r = 3: (3 × 105 + 103) / 4 = 104.5; r = 4: (3 × 140 + 137) / 4 = 139.25; r = 5: (3 × 175 + 171) / 4 = 174.
    expect(totals[0]).toMatch(/Total: 104\.5 \(range 35–175\)\n\*Moving in the right direction\*/);
    expect(totals[1]).toMatch(/Total: 139\.3 \(range 35–175\) \(\+34\.8\)\n\*Genuine collaboration\*/);
    expect(totals[2]).toMatch(/Total: 174\.0 \(range 35–175\) \(\+34\.8\)/);
    expect(totals[2]).toMatch(/Trend: #\d+: 104\.5 → #\d+: 139\.3 → #\d+: 174\.0/);
    // Section 4: r = 4 → (3 × 20 + 17) / 4 = 19.25; r = 5 → (3 × 25 + 21) / 4 = 24: +4.75.
    expect(totals[2]).toMatch(/Planning collaborative action: 24\.0 \/ 25 \(\+4\.8\)/);
    expect(totals[2]).toMatch(/Choosing partners: 25\.0 \/ 25 \(\+5\.0\)/);
    expect(totals[2]).toMatch(/disagree most:\n• Partners make the partnership known .* — answers from 1 to 5/);
  });

  it("records follow-up actions and reports overdue ones in the digest", async () => {
    expect(await h().cmd("coord", 'action add "Write the plan" owner=@bo due=2026-11-01 meeting="Steering group"')).toMatch(/Action #1 recorded/);
    expect(await h().cmd("coord", 'action add "Book a room" due=30.11.2026')).toMatch(/#2/);
    expect(await h().cmd("coord", 'action add "Ghost" owner=@nobody')).toMatch(/not a member/);
    const list = await h().cmd("anna", "action list");
    expect(list).toMatch(/#1 Write the plan — Bo, due 1 Nov 2026 — \*overdue\* \(Steering group\)/);
    expect(list).toMatch(/#2 Book a room — due 30 Nov 2026/);
    expect(list).not.toMatch(/#2 Book a room.*overdue/);
    await h().cmd("coord", "digest");
    expect(text(h().port.posts.at(-1)!.message)).toMatch(/2 open, 1 overdue[\s\S]*#1 Write the plan — Bo/);
    expect(await h().cmd("anna", "action done 1")).toMatch(/Only the action's owner or a coordinator/);
    expect(await h().cmd("bo", "action done 1")).toMatch(/Action #1 done/);
    expect(await h().cmd("coord", "action done 9")).toMatch(/no action #9/);
  });

  it("exports aggregates only, never who answered what", async () => {
    const m = await h().core().command(h().as("coord"), "export csv");
    const file = m.blocks.find((b) => b.type === "file");
    if (file?.type !== "file") throw new Error("no file");
    const rows = file.content.trim().split("\n");
    expect(rows[0]).toBe("round,instrument,version,section,item,statement,n,mean,sd,min,max,divergent,withheld,choices,most_common,dont_know");
    expect(rows.length).toBeGreaterThan(35 * 3);
    expect(file.content).not.toMatch(/anna|Anna|bo\b/);
    // rounds 2 and 3 (section 2, two respondents, minimum-n 3, confidential and attributed) are withheld; round 4 is shown
    for (const n of ["2,", "3,"]) {
      const withheld = rows.filter((r) => r.startsWith(n));
      expect(withheld).toHaveLength(5);
      for (const r of withheld) expect(r).toMatch(/,,,,,,0,1,,,$/);
    }
    // round 4 (partial; 5, 4, 3): n 3, mean 4, sd √(2/3), min 3, max 5
    expect(rows.find((r) => r.startsWith("4,vichealth-checklist,1,s1,s1.1,"))).toMatch(/,3,4,0\.82,3,5,0,0,,,$/);
  });

  it("speaks Danish to people who choose it, with Danish plurals and decimals", async () => {
    expect(await h().cmd("carl", "sprog da")).toMatch(/Jeg skriver til dig på dansk/);
    expect(await h().cmd("carl", "hjælp")).toMatch(/For koordinatorer/);
    expect(await h().cmd("carl", "aftale liste")).toMatch(/frist 30\. nov\. 2026|frist 30\. nov 2026/);
    expect(await h().cmd("carl", "org tilføj X sektor=ngo")).toMatch(/Kun koordinatorerne i Sund By/);
    expect(await h().cmd("carl", "runde start frist=30.02.2027")).toMatch(/ikke gyldig som fristen/);
  });

  it("exports and erases a person's own data", async () => {
    const m = await h().core().command(h().as("dina"), "mydata export");
    const file = m.blocks.find((b) => b.type === "file");
    if (file?.type !== "file") throw new Error("no file");
    const data = JSON.parse(file.content);
    expect(data.person.platformUserId).toBe("dina");
    expect(data.memberships[0].answers.length).toBeGreaterThan(100);
    expect(await h().cmd("dina", "mydata erase")).toMatch(/cannot be undone/);
    const person = await db().prisma.person.findFirst({ where: { platformUserId: "dina" } });
    expect(await db().prisma.answer.count({ where: { membership: { personId: person!.id } } })).toBeGreaterThan(0);
    expect(await h().cmd("dina", "mydata erase confirm")).toMatch(/erased/);
    expect(await db().prisma.answer.count({ where: { membership: { personId: person!.id } } })).toBe(0);
    expect(await db().prisma.person.findFirst({ where: { id: person!.id } })).toBeNull();
    expect(await h().cmd("coord", "mydata erase confirm")).toMatch(/only coordinator of Sund By/);
  });

  it("runs the purpose and map instruments with questions built from the partnership", async () => {
    expect(await h().cmd("coord", "checkin start instrument=vichealth-purpose")).toMatch(/Add the partnership's purposes first/);
    await h().cmd("coord", 'purpose add "Share knowledge about diabetes prevention"');
    await h().cmd("coord", 'purpose add "Run a joint walking programme"');
    expect(await h().cmd("coord", "checkin start instrument=vichealth-purpose")).toMatch(/started/);
    const poll = h().port.lastDm("anna")!;
    const q = poll.blocks.find((b) => b.type === "question");
    expect(q?.type === "question" && [q.prompt, q.options.map((o) => o.label)]).toEqual(["Share knowledge about diabetes prevention", ["Networking", "Coordinating", "Cooperating", "Collaborating"]]);
    // The levels are explained on the card before a partner chooses.
    expect(text(poll)).toMatch(/What the levels mean:\n\*Networking\*: Exchanging information for mutual benefit\./);
    // Activity 1 by hand: each partner's level per purpose (the fit statements all rated 4).
    const chosen: Record<string, [string, string]> = { anna: ["Coordinating", "Networking"], bo: ["Coordinating", "Collaborating"], carl: ["Networking", "Coordinating"] };
    for (const [who, [first, second]] of Object.entries(chosen)) {
      for (let guard = 0; guard < 50; guard++) {
        const card = h().port.lastDm(who)!;
        const open = card.blocks.find((b) => b.type === "question" && !b.options.some((o) => o.selected));
        if (!open || open.type !== "question") break;
        const label = open.prompt.startsWith("Share knowledge") ? first : open.prompt.startsWith("Run a joint") ? second : "4";
        // Carl reads Danish.
        const danish: Record<string, string> = { Networking: "Netværk", Coordinating: "Koordinering", Collaborating: "Kollaboration" };
        const option = open.options.find((o) => o.label === label || o.label === danish[label]);
        if (!option) throw new Error(`${who}: no option ${label} for "${open.prompt}" among ${open.options.map((o) => o.label).join(", ")}`);
        h().port.dms.push({ ws: h().ws, userId: who, message: await h().core().action(h().as(who), option.actionId, option.value), id: "reply" });
      }
    }
    await h().cmd("coord", "checkin close");
    const digest = text(h().port.posts.at(-1)!.message);
    expect(digest).toMatch(/Why we partner: the level of working together each purpose calls for/);
    expect(digest).toContain("• Share knowledge about diabetes prevention: most often Coordinating (2 of 3) · Networking 1, Coordinating 2, Cooperating 0, Collaborating 0\n");
    expect(digest).toContain("• Run a joint walking programme: most often Networking / Coordinating / Collaborating (1 of 3) · Networking 1, Coordinating 1, Cooperating 0, Collaborating 1 — partners differ, from Networking to Collaborating");
    // A section of choices only has no bar, and so no "fewer than 3 answers" beside it.
    expect(digest).not.toMatch(/Purposes of the partnership:/);
    expect(await h().cmd("coord", "checkin start instrument=vichealth-map")).toMatch(/started/);
    const map = h().port.lastDm("anna")!;
    // Each partner is asked their own organisation's links only, worded from their side.
    expect(text(map)).toMatch(/Org bo: our link today/);
    expect(text(map)).not.toMatch(/↔/);
    for (const who of ["anna", "bo", "carl"])
      for (let guard = 0; guard < 20; guard++) {
        const open = h().port.lastDm(who)!.blocks.find((b) => b.type === "question" && !b.options.some((o) => o.selected));
        if (!open || open.type !== "question") break;
        h().port.dms.push({ ws: h().ws, userId: who, message: await h().core().action(h().as(who), open.options[1]!.actionId, open.options[1]!.value), id: "reply" });
      }
    await h().cmd("coord", "checkin close");
    // One person per organisation: each pair was answered by two people, so every pair is withheld,
    // in the export as in the digest.
    const mapDigest = text(h().port.posts.at(-1)!.message);
    expect(mapDigest).toMatch(/6 pairs not shown: fewer than 3 people of their two organisations answered/);
    expect(mapDigest).not.toMatch(/broadly agree/);
    const exported = await h().core().command(h().as("coord"), "export csv");
    const json = exported.blocks.find((b) => b.type === "file" && b.filename.endsWith(".json"));
    if (json?.type !== "file") throw new Error("no JSON");
    const rounds = (JSON.parse(json.content) as { rounds: { instrument: string; map?: { organisations: string[]; pairs: { between: string[]; withheld: boolean; now: unknown; counts: object }[] } }[] }).rounds;
    expect(rounds.find((r) => r.instrument === "vichealth-purpose")?.map).toBeUndefined();
    const exportedMap = rounds.find((r) => r.instrument === "vichealth-map")!.map!;
    expect(exportedMap.organisations).toEqual(["Org anna", "Org bo", "Org carl", "Org dina"]);
    expect(exportedMap.pairs.find((p) => p.between.join() === "Org anna,Org bo")).toMatchObject({ withheld: true, now: null, counts: { now: {}, want: {} } });
    expect(exportedMap.pairs.every((p) => p.withheld)).toBe(true);
    const matrix = exported.blocks.find((b) => b.type === "file" && /^partnerpuls-Sund-By-map-round-\d+\.csv$/.test(b.filename));
    expect(matrix?.type === "file" && matrix.content.trim().split("\n")).toEqual([",Org anna,Org bo,Org carl,Org dina", "Org anna,,,,", "Org bo,,,,", "Org carl,,,,", "Org dina,,,,"]);
  });

  it("accepts a custom instrument an organisation adds, and refuses a broken one", async () => {
    const custom = {
      key: "local-wellbeing",
      version: 1,
      title: { en: "Our own pulse", da: "Vores egen puls" },
      description: { en: "Three questions", da: "Tre spørgsmål" },
      credit: { en: "Our own", da: "Vores egen" },
      scale: { min: 1, max: 5, labels: { en: ["a", "b", "c", "d", "e"], da: ["a", "b", "c", "d", "e"] } },
      sections: [{ id: "one", title: { en: "One", da: "En" }, items: [{ id: "one.1", kind: "rating", text: { en: "We meet often enough", da: "Vi mødes ofte nok" } }] }],
    };
    expect(await h().cmd("coord", `instrument add ${JSON.stringify(custom)}`)).toMatch(/local-wellbeing v1 added/);
    expect(await h().cmd("coord", `instrument add ${JSON.stringify(custom)}`)).toMatch(/already exists/);
    expect(await h().cmd("coord", 'instrument add {"key": "x"')).toMatch(/not valid JSON/);
    expect(await h().cmd("coord", 'instrument add {"key": "x"}')).toMatch(/has errors/);
    expect(await h().cmd("anna", `instrument add ${JSON.stringify({ ...custom, version: 2 })}`)).toMatch(/Only a partnership coordinator/);
    expect(await h().cmd("coord", "instrument list")).toMatch(/local-wellbeing/);
    expect(await h().cmd("coord", "checkin start instrument=local-wellbeing")).toMatch(/started: Our own pulse/);
    await h().cmd("coord", "checkin close");
  });

  it("pages a section longer than one card, and takes a partner through every page of it", async () => {
    const items = Array.from({ length: 20 }, (_, i) => ({ id: `long.${i + 1}`, kind: "rating", text: { en: `Statement ${i + 1}`, da: `Udsagn ${i + 1}` } }));
    const long = ownInstrument("long-section", 1, "A long section", [{ id: "long", title: { en: "Long", da: "Lang" }, items }]);
    expect(await h().cmd("coord", `instrument add ${JSON.stringify(long)}`)).toMatch(/long-section v1 added/);
    expect(await h().cmd("coord", 'checkin start instrument=long-section p="Sund By"')).toMatch(/started/);
    const first = h().port.lastDm("anna")!;
    expect(first.blocks.filter((b) => b.type === "question")).toHaveLength(8);
    expect(text(first)).toMatch(/page 1 of 3 · 0 of 20 answered/);
    await h().answerAll("anna", () => 4);
    const pagesSeen = new Set(h().port.dms.filter((d) => d.userId === "anna").map((d) => /page (\d) of 3/.exec(text(d.message))?.[1]).filter(Boolean));
    expect([...pagesSeen].sort()).toEqual(["1", "2", "3"]);
    expect(text(h().port.lastDm("anna")!)).toMatch(/Thank you/);
    expect(await h().cmd("coord", 'status p="Sund By"')).toMatch(/1 of \d people have answered everything/);
    await h().cmd("coord", 'checkin close p="Sund By"');
  });

  it("asks which partnership when a person is in several", async () => {
    await h().cmd("coord", 'partnership create "Aktiv Hverdag"');
    expect(await h().cmd("coord", "status")).toMatch(/several partnerships: add partnership="Name" \(one of "Sund By", "Aktiv Hverdag"\)/);
    expect(await h().cmd("coord", 'status p="Sund By"')).toMatch(/Sund By — check-in/);
    expect(await h().cmd("coord", "status", { channelId: "C1" })).toMatch(/Sund By — check-in/);
    expect(await h().cmd("coord", 'partnership create "sund by"')).toMatch(/already exists/);
    expect(await h().cmd("coord", "set channel #{C1} p=\"Aktiv Hverdag\"")).toMatch(/already the home channel of Sund By/);
  });
});

describeEachDatabase("series of rounds", (db) => {
  const h = partnershipFor(db, "Serien", ["p1", "p2", "p3"], "channel=#{C9} language=en");
  const pulse = (version: number, wording: string) =>
    ownInstrument("team-pulse", version, "Team pulse", [{ id: "one", title: { en: "One", da: "En" }, items: [{ id: "one.1", kind: "rating", text: { en: wording, da: wording } }, { id: "one.2", kind: "rating", text: { en: "We share the work", da: "Vi deler arbejdet" } }] }]);
  const round = async (instrument: string, rating: number) => {
    expect(await h().cmd("coord", `checkin start instrument=${instrument}`)).toMatch(/started/);
    for (const p of ["p1", "p2", "p3"]) await h().answerAll(p, () => rating);
    await h().cmd("coord", "checkin close");
    return text(h().port.posts.at(-1)!.message);
  };

  it("keeps a round's statements as they were when it opened, whatever happens to the instrument", async () => {
    expect(await h().cmd("coord", `instrument add ${JSON.stringify(pulse(1, "We meet often enough"))}`)).toMatch(/added/);
    expect(await h().cmd("coord", "checkin start instrument=team-pulse")).toMatch(/started/);
    // The stored definition is changed behind the round's back (no command does this).
    const stored = await db().prisma.customInstrument.findFirstOrThrow({ where: { key: "team-pulse", version: 1 } });
    await db().prisma.customInstrument.update({ where: { id: stored.id }, data: { definition: pulse(1, "Rewritten afterwards") } });
    expect(text(h().port.lastDm("p1")!)).toMatch(/We meet often enough/);
    await h().answerAll("p1", () => 3);
    expect(h().port.dms.filter((d) => d.userId === "p1").map((d) => text(d.message)).join("\n")).not.toMatch(/Rewritten afterwards/);
    for (const p of ["p2", "p3"]) await h().answerAll(p, () => 3);
    await h().cmd("coord", "checkin close");
    // No bands in this instrument: the section's bar carries the figures.
    expect(text(h().port.posts.at(-1)!.message)).toMatch(/One: 6\.0 \/ 10\n/);
    await db().prisma.customInstrument.update({ where: { id: stored.id }, data: { definition: pulse(1, "We meet often enough") } });
  });

  it("compares like with like: the same version's rounds show a trend, a new version starts a new series", async () => {
    const second = await round("team-pulse", 4);
    expect(second).toMatch(/One: 8\.0 \/ 10 \(\+2\.0\)/);
    // The same version with other wording (here, a definition changed in the database) is not compared.
    const stored = await db().prisma.customInstrument.findFirstOrThrow({ where: { key: "team-pulse", version: 1 } });
    await db().prisma.customInstrument.update({ where: { id: stored.id }, data: { definition: pulse(1, "Reworded") } });
    expect(await round("team-pulse", 5)).toMatch(/One: 10\.0 \/ 10\n/);
    expect(await h().cmd("coord", `instrument add ${JSON.stringify(pulse(2, "We meet as often as the work needs"))}`)).toMatch(/added/);
    const third = await round("team-pulse", 5);
    expect(third).toMatch(/first round of version 2 of Team pulse: it starts a new series, and is not compared with the rounds of version 1/);
    expect(third).toMatch(/One: 10\.0 \/ 10\n/);
  });

  it("turns a low statement into an agreement, and the next digest says whether it moved", async () => {
    const latest = text(h().port.posts.at(-1)!.message);
    expect(latest).toMatch(/Lowest-scoring statements:\n• one\.1 We meet as often as the work needs — 5\.0\n• one\.2 We share the work — 5\.0/);
    expect(latest).toMatch(/To act on one: action add "What we will do" statement=one\.1 owner=@person/);
    expect(await h().cmd("coord", 'action add "Plan the meetings for spring" statement=s9.9 owner=@{p1} due=2027-01-31')).toMatch(/No closed round of this partnership has a statement s9\.9/);
    expect(await h().cmd("coord", 'action add "Plan the meetings for spring" statement=one.1 owner=@{p1} due=2027-01-31')).toMatch(/#1/);
    // Or with one press: a form for the presser alone, pre-filled with the statement.
    const digest = h().port.posts.at(-1)!.message;
    const press = digest.blocks.flatMap((b) => (b.type === "buttons" ? b.buttons : [])).find((b) => b.label === "Make one.2 an action")!;
    expect(text(await h().core().action(h().as("p1"), press.actionId, press.value))).toMatch(/Only the coordinators of Serien/);
    const form = await h().core().action(h().as("coord"), press.actionId, press.value);
    expect(form.apart).toBe(true);
    const inputs = form.blocks.flatMap((b) => (b.type === "input" ? [b] : []));
    expect(inputs.map((i) => [i.id, i.kind, i.value])).toEqual([["agreement.text", "text", "Follow up on one.2: We share the work"], ["agreement.owner", "choice", ""], ["agreement.due", "date", expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/)]]);
    expect(inputs[1]!.options.map((o) => o.value)).toContain("p1");
    const record = form.blocks.flatMap((b) => (b.type === "buttons" ? b.buttons : [])).find((b) => b.actionId === "action.record")!;
    const bad = await h().core().action(h().as("coord"), record.actionId, record.value, undefined, { "agreement.text": "Share the work fairly", "agreement.owner": "", "agreement.due": "2027-02-30" });
    expect(text(bad)).toBe("The action was not recorded:\n• Owner: Please fill this in.\n• Due date: Please choose a date from the calendar.");
    expect(text(await h().core().action(h().as("coord"), record.actionId, record.value, undefined, { "agreement.text": "Share the work fairly", "agreement.owner": "p2", "agreement.due": "2027-02-28" }))).toMatch(/#2/);
    const next = await round("team-pulse", 3);
    expect(next).toMatch(/Agreements on statements, and whether they moved:\n• #2 Share the work fairly \(one\.2\): 5\.0 → 3\.0\n• #1 Plan the meetings for spring \(one\.1\): 5\.0 → 3\.0/);
  });
});

describeEachDatabase("\"don't know\"", (db) => {
  const h = partnershipFor(db, "Usikker", ["q1", "q2", "q3", "q4"], "channel=#{C8} language=en");

  it("is offered where the instrument allows it, completes a partner's answers, and is counted apart in the export", async () => {
    const unsure = ownInstrument("unsure", 1, "Unsure", [{ id: "one", title: { en: "One", da: "En" }, items: [{ id: "one.1", kind: "rating", dontKnow: true, text: { en: "Our funding is secure", da: "Vores finansiering er sikker" } }, { id: "one.2", kind: "rating", text: { en: "We meet often enough", da: "Vi mødes ofte nok" } }] }]);
    expect(await h().cmd("coord", `instrument add ${JSON.stringify(unsure)}`)).toMatch(/added/);
    expect(await h().cmd("coord", "checkin start instrument=unsure")).toMatch(/started/);
    const card = h().port.lastDm("q1")!;
    const [first, second] = card.blocks.filter((b) => b.type === "question") as Extract<(typeof card.blocks)[number], { type: "question" }>[];
    expect(first!.options.map((o) => o.label)).toEqual(["1", "2", "3", "4", "5", "Don't know"]);
    expect(second!.options.map((o) => o.label)).toEqual(["1", "2", "3", "4", "5"]);
    // q1 does not know; the others rate 4, 4 and 5.
    const dontKnow = first!.options.at(-1)!;
    const reply = await h().core().action(h().as("q1"), dontKnow.actionId, dontKnow.value);
    expect(text(reply)).toMatch(/Saved: Don't know for “Our funding is secure”/);
    h().port.dms.push({ ws: h().ws, userId: "q1", message: reply, id: "reply" });
    await h().answerAll("q1", () => 3);
    // A forged "don't know" for a statement that does not allow it changes nothing.
    const forged = JSON.stringify({ ...JSON.parse(dontKnow.value), i: "one.2" });
    expect(text(await h().core().action(h().as("q1"), "poll.answer", forged))).toMatch(/no longer works|button/i);
    expect(await h().cmd("coord", "status")).toMatch(/1 of 4 people have answered everything/);
    for (const [p, r] of [["q2", 4], ["q3", 4], ["q4", 5]] as const) await h().answerAll(p, () => r);
    await h().cmd("coord", "checkin close");
    const exported = await h().core().command(h().as("coord"), "export csv");
    const file = exported.blocks.find((b) => b.type === "file" && b.filename.endsWith(".csv"));
    if (file?.type !== "file") throw new Error("no CSV");
    const rows = file.content.trim().split("\n");
    // one.1: three ratings (4, 4, 5), one "don't know"; one.2: four ratings (3, 4, 4, 5), and no such column.
    expect(rows.find((r) => r.includes(",one.1,"))).toMatch(/,3,4\.33,0\.47,4,5,0,0,,,1$/);
    expect(rows.find((r) => r.includes(",one.2,"))).toMatch(/,4,4,0\.71,3,5,0,0,,,$/);
  });
});

describeEachDatabase("concurrency", (db) => {
  it("numbers actions and rounds uniquely when coordinators write at the same moment", async () => {
    const core = new Partnerpuls(db().prisma);
    const coord: Actor = { workspace: { platform: "local", externalId: "busy" }, userId: "c" };
    await core.command(coord, 'partnership create "Busy" language=en');
    await core.command(coord, "member add @a roles=partner");
    const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => core.command(coord, `action add "Task ${i}"`)));
    expect(replies.every((r) => /recorded/.test(r.fallback))).toBe(true);
    const numbers = (await db().prisma.action.findMany({ where: { partnership: { name: "Busy" } } })).map((a) => a.number).sort((a, b) => a - b);
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const starts = await Promise.all([core.command(coord, "checkin start"), core.command(coord, "checkin start")]);
    expect(starts.map((r) => /started/.test(r.fallback)).sort()).toEqual([false, true]);
    expect(starts.some((r) => /still open/.test(r.fallback))).toBe(true);
    expect(await db().prisma.round.count({ where: { partnership: { name: "Busy" } } })).toBe(1);
  });

  it("records a double click once, even when both clicks arrive together", async () => {
    const port = new RecordingPort("local");
    const { core, settle, stop } = coreWithCourier(db().prisma, port);
    const coord: Actor = { workspace: { platform: "local", externalId: "clicks" }, userId: "c" };
    await core.command(coord, 'partnership create "Clicks" language=en');
    await core.command(coord, "member add @a roles=partner");
    await core.command(coord, "checkin start sections=1");
    await settle();
    await stop();
    const q = port.lastDm("a")!.blocks.find((b) => b.type === "question");
    if (q?.type !== "question") throw new Error("no question");
    const a: Actor = { workspace: coord.workspace, userId: "a" };
    const replies = await Promise.all(Array.from({ length: 6 }, () => core.action(a, q.options[3]!.actionId, q.options[3]!.value)));
    expect(replies.every((r) => /Saved: 4/.test(JSON.stringify(r)))).toBe(true);
    expect(await db().prisma.answer.count({ where: { round: { partnership: { name: "Clicks" } } } })).toBe(1);
  });
});

describeEachDatabase("delivery through the outbox", (db) => {
  async function round(name: string, port: RecordingPort, partners: string[], options: ConstructorParameters<typeof Courier>[2] = {}) {
    const core = new Partnerpuls(db().prisma);
    const coord: Actor = { workspace: { platform: "slack", externalId: name }, userId: "c" };
    await core.command(coord, `partnership create "${name}" language=en`);
    for (const p of partners) await core.command(coord, `member add @${p} roles=partner`);
    const started = text(await core.command(coord, "checkin start"));
    const courier = new Courier(db().prisma, [port], { onDelivered: (tx, after, ref) => core.recordDelivery(tx, after, ref), render: (ref) => core.renderDelivery(ref), log: () => {}, ...options });
    return { core, courier, started, workspaceId: (await db().prisma.workspace.findFirstOrThrow({ where: { externalId: name } })).id };
  }
  const dmCounts = (port: RecordingPort) => port.dms.reduce<Record<string, number>>((m, d) => ((m[d.userId] = (m[d.userId] ?? 0) + 1), m), {});

  it("keeps polls through a platform outage and sends each once when it is back", async () => {
    const port = new RecordingPort();
    port.failWith = new Error("platform unavailable");
    const { courier, started, workspaceId } = await round("Outage", port, ["a", "b"], { backoffMs: 20 });
    expect(started).toMatch(/on its way to 2 people/);
    await courier.pass();
    expect(port.dms).toHaveLength(0);
    const waiting = await db().prisma.job.findMany({ where: { workspaceId, kind: "deliver" } });
    expect(waiting.map((j) => [j.status, j.attempts, j.outcome])).toEqual([["pending", 1, "platform unavailable"], ["pending", 1, "platform unavailable"]]);
    port.failWith = null;
    await new Promise((r) => setTimeout(r, 60));
    await courier.settle();
    expect(dmCounts(port)).toEqual({ a: 1, b: 1 });
    const invitations = await db().prisma.invitation.findMany({ where: { workspaceId } });
    expect(invitations.every((i) => i.sentAt !== null && (i.pollRefs as { messageId: string }[])[0]?.messageId)).toBe(true);
  });

  it("resumes a crashed instance's claimed deliveries after its lease, without losing or repeating anyone", async () => {
    const port = new RecordingPort();
    const { courier, workspaceId, started } = await round("Crash", port, ["a", "b", "d"]);
    expect(started).toMatch(/on its way to 3 people/);
    // Another instance claims two deliveries and dies before sending them.
    const crashed = new JobQueue(db().prisma, { runner: "crashed", leaseMs: 50 });
    expect(await crashed.claim(["deliver"], 2)).toHaveLength(2);
    await courier.pass();
    expect(port.dms).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 80));
    await courier.settle();
    expect(dmCounts(port)).toEqual({ a: 1, b: 1, d: 1 });
    const runs = await db().prisma.jobRun.groupBy({ by: ["jobId"], _count: true, where: { job: { workspaceId } } });
    expect(runs.map((r) => r._count)).toEqual([1, 1, 1]);
  });

  it("tells coordinators in status how many polls have not reached their partners", async () => {
    let now = new Date();
    const port = new RecordingPort();
    port.failWith = new PermanentDeliveryError("user_not_found");
    const { core, settle, stop } = coreWithCourier(db().prisma, port, { now: () => now, defaultLanguage: "en" });
    const coord: Actor = { workspace: { platform: "slack", externalId: "undelivered" }, userId: "c" };
    await core.command(coord, 'partnership create "U" language=en');
    await core.command(coord, "member add @x roles=partner");
    await core.command(coord, "checkin start");
    await settle();
    await stop();
    expect(text(await core.command(coord, "status"))).not.toMatch(/not reached/);
    now = new Date(now.getTime() + 120_000);
    expect(text(await core.command(coord, "status"))).toMatch(/1 poll has not reached its partner yet .*`remind` sends it again/);
  });

  it("paces deliveries under the platform's limit, and hands unsent ones back when it stops", async () => {
    const port = new RecordingPort();
    (port as { limits: unknown }).limits = { perConversation: [], perWorkspace: [{ count: 1, perMs: 30_000 }] };
    const { courier, workspaceId } = await round("Paced", port, ["a", "b"]);
    courier.start();
    for (let i = 0; i < 100 && port.dms.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(port.dms).toHaveLength(1);
    // The second must wait half a minute for the budget; stopping does not wait with it.
    await courier.stop();
    expect(port.dms).toHaveLength(1);
    const waiting = await db().prisma.job.findFirstOrThrow({ where: { workspaceId, kind: "deliver", status: "pending" } });
    expect(waiting.outcome).toBe("instance stopped before sending");
    expect(waiting.leasedBy).toBeNull();
    await db().prisma.job.delete({ where: { id: waiting.id } }); // not for the next test's courier
  });

  it("waits out a 429 and records a permanent failure without retrying it", async () => {
    const port = new RecordingPort();
    let calls = 0;
    const deliver = port.deliver.bind(port);
    port.deliver = async (d) => {
      calls++;
      if (calls === 1) throw new RateLimitedError(30);
      if (d.to.kind === "user" && d.to.userId === "gone") throw new PermanentDeliveryError("user_not_found");
      return deliver(d);
    };
    const { courier, workspaceId } = await round("Limits", port, ["a", "gone"]);
    const t0 = Date.now();
    await courier.settle();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    expect(dmCounts(port)).toEqual({ a: 1 });
    expect(courier.stats).toMatchObject({ delivered: 1, rateLimited: 1, failed: 1 });
    const failed = await db().prisma.job.findFirstOrThrow({ where: { workspaceId, status: "failed" } });
    expect(failed.outcome).toBe("user_not_found");
    expect(calls).toBe(3);
  });
});
