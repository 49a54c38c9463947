// Trust at every door, on both databases: complete erasure that leaves released results as they
// were, removed members refused at every button, a partnership created in a DM, and no poll for a
// round that closed while its polls were still queued (and the closed card for one that landed as
// it closed).
import { it, expect, beforeAll, afterAll } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { RecordingPort, coreWithCourier } from "../support/recording-port.ts";
import type { Actor, WorkspaceRef } from "../../src/ports.ts";
import { plainOf, type Message } from "../../src/messages/model.ts";
import type { PrismaClient } from "../../src/generated/prisma/client.ts";
import { TEAMS_PEOPLE } from "../../adapters/teams/store.ts";
import { SLACK_PEOPLE } from "../../adapters/slack/installations.ts";

const flat = (m: Message) => m.blocks.map((b) => ("text" in b ? plainOf(b.text) : b.type === "fields" ? b.fields.map((f) => `${f.label}: ${f.value}`).join("\n") : "")).join("\n");

/** Every text, JSON and text-array column of every table that holds `needle`, as "Table.column". */
async function whereIs(prisma: PrismaClient, needle: string): Promise<string[]> {
  const columns = await prisma.$queryRaw<{ table_name: string; column_name: string }[]>`
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name <> '_prisma_migrations'
      AND data_type IN ('text', 'jsonb', 'json', 'ARRAY', 'character varying')`;
  const found: string[] = [];
  for (const c of columns) {
    const rows = await prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${c.table_name}" WHERE strpos("${c.column_name}"::text, $1) > 0`, needle);
    if (Number(rows[0]!.n) > 0) found.push(`${c.table_name}.${c.column_name}`);
  }
  return found;
}

describeEachDatabase("trust", (db) => {
  const port = new RecordingPort();
  let app: ReturnType<typeof coreWithCourier>;
  const ws: WorkspaceRef = { platform: "slack", externalId: "TTRUST" };
  const as = (userId: string, extra: Partial<Actor> = {}): Actor => ({ workspace: ws, userId, displayName: `Person ${userId}`, ...extra });
  const cmd = async (who: string, line: string, extra: Partial<Actor> = {}) => {
    const m = await app.core.command(as(who, extra), line);
    await app.settle();
    return flat(m);
  };
  const answerAll = async (who: string, rating: number) => {
    for (let guard = 0; guard < 50; guard++) {
      const poll = port.lastDm(who)!;
      const q = poll.blocks.find((b) => b.type === "question" && !b.options.some((o) => o.selected));
      if (!q || q.type !== "question") return;
      const opt = q.options.find((o) => o.label === String(rating))!;
      port.dms.push({ ws, userId: who, message: await app.core.action(as(who), opt.actionId, opt.value), id: "reply" });
    }
  };
  beforeAll(async () => {
    app = coreWithCourier(db().prisma, port, { defaultLanguage: "en" });
    await cmd("coord", 'partnership create "Trust" language=en channel=#{CT}');
    for (const p of ["UERIKA01", "UBO", "UCARL", "UDINA"]) await cmd("coord", `member add @{${p}} roles=partner`);
  });
  afterAll(() => app.stop());

  it("erases a person everywhere, and leaves the released results byte for byte as they were", async () => {
    await cmd("coord", "checkin start sections=1");
    for (const [p, r] of [["UERIKA01", 2], ["UBO", 4], ["UCARL", 5], ["UDINA", 3]] as const) await answerAll(p, r);
    await cmd("coord", 'action add "Erika writes the plan with @{UERIKA01}" owner=@{UERIKA01} due=2027-01-15');
    await cmd("coord", "checkin close");
    // A second round she has answered in part: open, so her answers there simply go.
    await cmd("coord", "checkin start sections=2");
    await answerAll("UERIKA01", 1);
    const prisma = db().prisma;
    const round = await prisma.round.findFirstOrThrow({ where: { partnership: { name: "Trust" }, number: 1 } });
    const exportBefore = (await app.core.command(as("coord"), "export csv")).blocks.filter((b) => b.type === "file");
    const digestBefore = JSON.stringify(await app.core.digestFor(round.workspaceId, round.partnershipId, "en", round.id));
    expect(await whereIs(prisma, "UERIKA01")).not.toEqual([]);
    expect(await cmd("UERIKA01", "mydata erase confirm")).toMatch(/has been erased/);
    // Nothing anywhere holds her user id or her name, job payloads and platform stores included.
    expect(await whereIs(prisma, "UERIKA01")).toEqual([]);
    expect(await whereIs(prisma, "Person UERIKA01")).toEqual([]);
    // Released results are exactly what they were; her closed-round answers stay, unlinked.
    const after = await prisma.round.findFirstOrThrow({ where: { id: round.id } });
    expect(after.release).toEqual(round.release);
    const digestAfter = JSON.stringify(await app.core.digestFor(round.workspaceId, round.partnershipId, "en", round.id));
    expect(digestAfter).toBe(digestBefore);
    const exportAfter = (await app.core.command(as("coord"), "export csv")).blocks.filter((b) => b.type === "file");
    expect(exportAfter.map((f) => f.type === "file" && f.content.replace(/"exportedAt": "[^"]+"/, ""))).toEqual(exportBefore.map((f) => f.type === "file" && f.content.replace(/"exportedAt": "[^"]+"/, "")));
    expect(await prisma.answer.count({ where: { roundId: round.id, membershipId: null } })).toBe(5);
    const open = await prisma.round.findFirstOrThrow({ where: { partnershipId: round.partnershipId, number: 2 } });
    expect(await prisma.answer.count({ where: { roundId: open.id } })).toBe(0);
    await cmd("coord", "checkin close");
  });

  it("erases a person from the platforms' stores: Teams conversations, a Slack installation they made", async () => {
    const prisma = db().prisma;
    // The adapters' own tables: each adapter gives the core what it keeps about people.
    app.core.addPlatformStore("teams", TEAMS_PEOPLE);
    app.core.addPlatformStore("slack", SLACK_PEOPLE);
    const teams: WorkspaceRef = { platform: "teams", externalId: "tenant-trust" };
    const aad = "aad-0f3c-erase-me";
    await app.core.command({ workspace: teams, userId: aad, displayName: "Teams Person" }, "language en");
    await prisma.teamsConversation.createMany({
      data: [
        { tenantId: teams.externalId, key: `user:${aad}`, reference: { user: { id: `29:${aad}`, aadObjectId: aad, name: "Teams Person" }, conversation: { id: "a:1" } } },
        { tenantId: teams.externalId, key: "channel:19:abc", reference: { user: { id: `29:${aad}`, aadObjectId: aad }, conversation: { id: "19:abc" } } },
      ],
    });
    await app.core.command({ workspace: ws, userId: "UINSTALLER", displayName: "Installer" }, "language en");
    await prisma.slackInstallation.create({ data: { key: "-:TTRUST", teamId: "TTRUST", botToken: "xoxb-test", installation: { team: { id: "TTRUST" }, user: { id: "UINSTALLER", token: null }, bot: { token: "xoxb-test" } } } });
    await app.core.command({ workspace: teams, userId: aad }, "mydata erase confirm");
    await app.core.command({ workspace: ws, userId: "UINSTALLER" }, "mydata erase confirm");
    expect(await whereIs(prisma, aad)).toEqual([]);
    expect(await whereIs(prisma, "UINSTALLER")).toEqual([]);
    // The channel's reference stays, so the bot can still post there; the installation still works.
    expect(await prisma.teamsConversation.count({ where: { key: "channel:19:abc" } })).toBe(1);
    expect((await prisma.slackInstallation.findFirstOrThrow({ where: { key: "-:TTRUST" } })).botToken).toBe("xoxb-test");
  });

  it("lets a coordinator erase a member who asked by mail", async () => {
    expect(await cmd("coord", "member erase @{UDINA}")).toMatch(/To go ahead, type `member erase` @UDINA `confirm`/);
    const confirm = await app.core.command(as("coord"), "member erase @{UDINA}");
    expect(confirm.blocks[0]).toMatchObject({ type: "text", text: expect.arrayContaining([{ t: "person", id: "UDINA" }]) });
    expect(await db().prisma.person.count({ where: { platformUserId: "UDINA" } })).toBe(1);
    expect(await cmd("UBO", "member erase @{UDINA} confirm")).toMatch(/Only the coordinators/);
    expect(await cmd("coord", "member erase @{UDINA} confirm")).toMatch(/has been erased/);
    expect(await whereIs(db().prisma, "UDINA")).toEqual([]);
  });

  it("refuses a removed member at every button, changing nothing", async () => {
    await cmd("coord", "member add @{UEVE} roles=partner");
    await cmd("coord", "checkin start sections=3");
    const poll = port.lastDm("UEVE")!;
    const q = poll.blocks.find((b) => b.type === "question");
    if (q?.type !== "question") throw new Error("no question");
    const buttons = poll.blocks.flatMap((b) => (b.type === "buttons" ? b.buttons : []));
    await cmd("coord", 'action add "Eve books the room" owner=@{UEVE} due=2027-02-01');
    const action = await db().prisma.action.findFirstOrThrow({ where: { text: "Eve books the room" } });
    await cmd("coord", "member remove @{UEVE}");
    const before = { answers: await db().prisma.answer.count(), nudgesOff: (await db().prisma.person.findFirstOrThrow({ where: { platformUserId: "UEVE" } })).nudgesOff };
    const presses: [string, string][] = [
      [q.options[0]!.actionId, q.options[0]!.value],
      ...buttons.map((b) => [b.actionId, b.value] as [string, string]),
      ["nudge.optout", JSON.stringify({ r: JSON.parse(q.options[0]!.value).r })],
      ["poll.snooze", JSON.stringify({ r: JSON.parse(q.options[0]!.value).r })],
      ["action.done", JSON.stringify({ a: action.id })],
      ["action.postpone", JSON.stringify({ a: action.id, d: 7 })],
    ];
    for (const [id, value] of presses) expect(flat(await app.core.action(as("UEVE"), id, value))).toMatch(/no longer a member|not sent to you|no longer works/);
    expect(await cmd("UEVE", "action done 2")).toMatch(/no longer a member|not a member|not in a partnership/);
    expect(await db().prisma.answer.count()).toBe(before.answers);
    expect((await db().prisma.person.findFirstOrThrow({ where: { platformUserId: "UEVE" } })).nudgesOff).toBe(before.nudgesOff);
    expect((await db().prisma.action.findFirstOrThrow({ where: { id: action.id } })).status).toBe("open");
    expect((await db().prisma.action.findFirstOrThrow({ where: { id: action.id } })).dueDate).toEqual(action.dueDate);
    await cmd("coord", "checkin close");
  });

  it("sends no poll for a round that closed while its polls were queued", async () => {
    await cmd("coord", "member add @{UFAY} roles=partner");
    await app.courier.stop(); // the platform is slow: the polls wait in the outbox
    const sentBefore = port.dms.length;
    await app.core.command(as("coord"), "checkin start sections=4");
    await app.core.command(as("coord"), "checkin close");
    app.courier.start();
    await app.settle();
    const polls = port.dms.slice(sentBefore).filter((d) => d.message.blocks.some((b) => b.type === "question" && b.options.some((o) => o.actionId === "poll.answer")));
    expect(polls.filter((d) => flat(d.message).match(/closed/i) === null)).toEqual([]);
    const skipped = await db().prisma.job.count({ where: { kind: "deliver", status: "skipped", outcome: "round closed before delivery" } });
    expect(skipped).toBeGreaterThanOrEqual(3);
  });

  it("replaces a poll that landed just as its round closed with the closed card, where it landed", async () => {
    const isPoll = (m: Message) => m.blocks.some((b) => b.type === "question" && b.options.some((o) => o.actionId === "poll.answer"));
    const sentBefore = port.dms.length;
    const deliver = port.deliver.bind(port);
    let closing: Promise<unknown> | null = null;
    // The round closes while the first poll is with the platform: that poll, and any other the
    // courier had already built, land after the close.
    port.deliver = async (d) => {
      const ref = await deliver(d);
      if (d.to.kind === "user" && isPoll(d.message)) await (closing ??= app.core.command(as("coord"), "checkin close"));
      return ref;
    };
    try {
      await app.core.command(as("coord"), "checkin start sections=1");
      await app.settle();
    } finally {
      port.deliver = deliver;
    }
    expect(closing).not.toBeNull();
    const landed = port.dms.slice(sentBefore).filter((d) => isPoll(d.message));
    expect(landed.length).toBeGreaterThan(0);
    for (const poll of landed) {
      const replaced = port.updates.filter((u) => u.ref.messageId === poll.id);
      expect(replaced).toHaveLength(1);
      expect(isPoll(replaced[0]!.message)).toBe(false);
      expect(flat(replaced[0]!.message)).toMatch(/closed/i);
    }
  });

  it("lets one coordinator create several partnerships from a DM; their digests go to the steering members", async () => {
    const dm = { channelId: "DCOORD", conversation: "direct" as const };
    expect(await cmd("UMAJA", 'partnership create "From a DM" language=en', dm)).toMatch(/steering members by direct message until you choose a channel/);
    expect(await cmd("UMAJA", 'partnership create "Also from a DM" language=en', dm)).toMatch(/created/);
    const p = await db().prisma.partnership.findFirstOrThrow({ where: { name: "From a DM" } });
    expect(p.homeChannel).toBeNull();
    for (const u of ["UP1", "UP2", "UP3"]) await cmd("UMAJA", `member add @{${u}} roles=partner partnership="From a DM"`);
    await cmd("UMAJA", 'member add @{USTEER} roles=steering partnership="From a DM"');
    await cmd("UMAJA", 'checkin start sections=1 partnership="From a DM"');
    await cmd("UMAJA", 'checkin close partnership="From a DM"');
    const digest = port.dms.filter((d) => d.userId === "USTEER" && flat(d.message).includes("digest of check-in #1"));
    expect(digest).toHaveLength(1);
    expect(port.dms.filter((d) => d.userId === "UMAJA" && flat(d.message).includes("digest of check-in"))).toEqual([]);
  });
});
