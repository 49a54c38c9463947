// Files on Teams arrive whole: with PARTNERPULS_PUBLIC_URL set, an export is a card with a
// download button, and the link gives the file byte for byte until it expires; without it the
// card says plainly that the file is too large to show. Through the real CloudAdapter against
// the fake connector, on both databases; GET /downloads/<id> on the app's own server.
import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { loadConfig } from "../../src/config.ts";
import { startApp } from "../../adapters/main.ts";
import { renderCard } from "../../adapters/teams/cards.ts";
import { teamsConfigFrom } from "../../adapters/teams/config.ts";
import { message, type Message } from "../../src/messages/model.ts";
import { createDownload, deleteExpiredDownloads, DOWNLOAD_TTL_MS } from "../../src/downloads.ts";
import { FakeTeams, TeamsWorld, postActivity, personalConversationId, type Activity, type TeamsPerson } from "../support/fake-teams.ts";
import { seenFromActivity } from "../behaviour/drivers/teams.ts";
import { assertValidCard, messageProblems, MAX_CARD_BYTES } from "./validate-card.ts";

type Node = Record<string, unknown> & { type: string };
const PUBLIC = "https://partnerpuls.example.org/bot";

/** Every Action.OpenUrl in a card, with the text of the container it is in. */
function downloadButtons(card: unknown): { title: string; url: string }[] {
  const found: { title: string; url: string }[] = [];
  const walk = (n: Node) => {
    if (n.type === "Action.OpenUrl") found.push({ title: String(n.title), url: String(n.url) });
    for (const key of ["body", "items", "actions"]) if (Array.isArray(n[key])) for (const c of n[key] as Node[]) walk(c);
  };
  walk(card as Node);
  return found;
}

const cardOf = (activity: Record<string, unknown>) => (activity.attachments as { content: unknown }[])[0]!.content;

describe("PARTNERPULS_PUBLIC_URL", () => {
  const APP = { MicrosoftAppId: "6a0b8c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d", MicrosoftAppPassword: "s3cret", MicrosoftAppTenantId: "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6" };
  it("is optional, and https in production (the link is the only key to the file)", () => {
    expect(teamsConfigFrom(APP)?.publicUrl).toBeNull();
    expect(teamsConfigFrom({ ...APP, PARTNERPULS_PUBLIC_URL: "https://bot.example.org/partnerpuls/" })?.publicUrl).toBe("https://bot.example.org/partnerpuls");
    for (const bad of ["http://bot.example.org", "bot.example.org", "https://bot.example.org/?x=1", "https://bot.example.org/#top", "https://user:pw@bot.example.org"])
      expect(() => teamsConfigFrom({ ...APP, PARTNERPULS_PUBLIC_URL: bad }), bad).toThrow(/PARTNERPULS_PUBLIC_URL must be the bot's public https address/);
    // On this machine, without authentication, plain http is fine.
    expect(teamsConfigFrom({ TEAMS_LOCAL: "1", PARTNERPULS_PUBLIC_URL: "http://localhost:3978" })?.publicUrl).toBe("http://localhost:3978");
  });
});

describeEachDatabase("Teams: files as download links", (db) => {
  let fake: FakeTeams;
  let app: Awaited<ReturnType<typeof startApp>>;
  let world: TeamsWorld;
  const mette = TeamsWorld.person("mette", "Mette Holm", "en-GB");
  const anders = TeamsWorld.person("anders", "Anders Berg", "da-DK");
  const people = [mette, anders];

  const post = async (target: typeof app, a: Activity) => {
    const r = await postActivity(target.server.url, a);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    await target.settle();
    expect(fake.problems).toEqual([]);
    return r;
  };
  /** Typed in the person's 1:1 chat: the card the bot answered with. */
  const command = async (target: typeof app, p: TeamsPerson, text: string) => {
    const a = world.personalMessage(p, text);
    await post(target, a);
    const reply = fake.messages(personalConversationId(p.id)).find((m) => m.replyToId === a.id);
    if (!reply) throw new Error(`no reply to ${text}`);
    return reply;
  };
  /** Typed in the channel with @Partnerpuls (mentions need it); the answer comes privately. */
  const inChannel = async (target: typeof app, p: TeamsPerson, text: string) => {
    const before = fake.lastSeq;
    await post(target, world.channelMessage(p, text, people));
    const reply = fake.messages(personalConversationId(p.id)).filter((m) => m.seq > before).at(-1);
    if (!reply) throw new Error(`no private answer to ${text}`);
    return seenFromActivity(reply.id, reply.activity).text;
  };
  /** The public link as the reverse proxy would pass it on: to this server, without the prefix. */
  const fetchLink = (url: string, init?: RequestInit) => {
    expect(url.startsWith(`${PUBLIC}/downloads/`), url).toBe(true);
    return fetch(`${app.server.url}${url.slice(PUBLIC.length)}`, init);
  };
  const coreFile = async (p: TeamsPerson, text: string, filename: RegExp) => {
    const m: Message = await app.core.command({ workspace: { platform: "teams", externalId: world.tenantId }, userId: p.aadObjectId, displayName: p.name, locale: p.locale }, text);
    const f = m.blocks.find((b) => b.type === "file" && filename.test(b.filename));
    if (f?.type !== "file") throw new Error(`no file ${filename} in ${text}`);
    return f.content;
  };
  let metteCsvUrl = "";

  beforeAll(async () => {
    fake = await FakeTeams.start({ checkMessage: messageProblems });
    for (const p of people) fake.members.set(p.id, { id: p.id, name: p.name, aadObjectId: p.aadObjectId });
    const env = { PORT: "0", TEAMS_LOCAL: "1", PARTNERPULS_PLAYGROUND: "off", PARTNERPULS_PUBLIC_URL: `${PUBLIC}/` };
    app = await startApp(loadConfig(env), db(), env, { clock: false });
    world = new TeamsWorld(fake.url);
    await post(app, world.installTeam(mette));
    await post(app, world.membersAdded(mette, ["bot", ...people]));
    for (const p of people) await post(app, world.installPersonal(p));
    // A partnership with three closed check-ins: 3 × 35 statements, far more than a card shows.
    expect(await inChannel(app, mette, 'partnership create "Sund By" channel=here language=en')).toMatch(/Sund By/);
    expect(await inChannel(app, mette, 'org add "Region Syd" sector=region')).toMatch(/Region Syd/);
    expect(await inChannel(app, mette, `member add <at>${mette.name}</at> org="Region Syd" roles=coordinator`)).toMatch(/coordinator/);
    expect(await inChannel(app, mette, `member add <at>${anders.name}</at> org="Region Syd" roles=partner`)).toMatch(/partner/);
    for (let i = 1; i <= 3; i++) {
      expect(seenFromActivity("s", (await command(app, mette, "checkin start deadline=14d")).activity).text).toMatch(new RegExp(`#${i}`));
      await command(app, mette, "checkin close");
    }
  });
  afterAll(async () => {
    vi.useRealTimers();
    await app?.stop();
    await fake?.close();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a coordinator's export csv arrives as a card with download buttons, and the links give the whole files", async () => {
    const reply = await command(app, mette, "export csv");
    const card = cardOf(reply.activity);
    assertValidCard(card, "export card");
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(MAX_CARD_BYTES);
    const buttons = downloadButtons(card);
    expect(buttons.map((b) => b.title)).toEqual(["Download partnerpuls-Sund-By.csv", "Download partnerpuls-Sund-By.json"]);
    const text = seenFromActivity(reply.id, reply.activity).text;
    expect(text).toMatch(/File: partnerpuls-Sund-By\.csv \(\d+(\.\d)? KB\)/);
    expect(text).toMatch(/The link works for 24 hours/);
    // No row of the file is in the card itself.
    expect(JSON.stringify(card)).not.toMatch(/vichealth-checklist/);

    const [csvUrl, jsonUrl] = buttons.map((b) => b.url) as [string, string];
    metteCsvUrl = csvUrl;
    expect(csvUrl).toMatch(/^https:\/\/partnerpuls\.example\.org\/bot\/downloads\/[A-Za-z0-9_-]{22}$/);
    const res = await fetchLink(csvUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="partnerpuls-Sund-By.csv"');
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const body = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get("content-length"))).toBe(body.length);
    // Byte for byte what the core exported, all 3 × 35 statements.
    const expected = Buffer.from(await coreFile(mette, "export csv", /\.csv$/), "utf8");
    expect(body.equals(expected)).toBe(true);
    const lines = body.toString("utf8").trimEnd().split("\n");
    expect(lines[0]).toBe("round,instrument,version,section,item,statement,n,mean,sd,min,max,divergent,withheld,choices,most_common,dont_know");
    expect(lines).toHaveLength(1 + 3 * 35);

    const json = await fetchLink(jsonUrl);
    expect(json.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const data = JSON.parse(await json.text());
    const again = JSON.parse(await coreFile(mette, "export csv", /\.json$/));
    expect({ ...data, exportedAt: null }).toEqual({ ...again, exportedAt: null });
    expect(data.rounds).toHaveLength(3);

    // The links are Mette's: erasing her would take them with her.
    const person = await db().prisma.person.findFirstOrThrow({ where: { platformUserId: mette.aadObjectId } });
    const rows = await db().prisma.download.findMany({ where: { id: { in: [csvUrl, jsonUrl].map((u) => u.split("/").at(-1)!) } } });
    expect(rows.map((r) => r.personId)).toEqual([person.id, person.id]);
  });

  it("a member's mydata export is a link in the member's language, and erasing the member deletes it", async () => {
    const reply = await command(app, anders, "mydata export");
    const card = cardOf(reply.activity);
    assertValidCard(card, "mydata card");
    const [button] = downloadButtons(card);
    expect(button?.title).toBe("Hent partnerpuls-my-data.json");
    expect(seenFromActivity(reply.id, reply.activity).text).toMatch(/Linket virker i 24 timer/);
    const res = await fetchLink(button!.url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(await coreFile(anders, "mydata export", /\.json$/), "utf8"))).toBe(true);

    await command(app, anders, "mydata erase confirm");
    const gone = await fetchLink(button!.url);
    expect(gone.status).toBe(404);
    expect(await db().prisma.download.count({ where: { id: button!.url.split("/").at(-1)! } })).toBe(0);
  });

  it("a tampered, malformed or unknown id is 404 with nothing said", async () => {
    const id = metteCsvUrl.split("/").at(-1)!;
    const flipped = id.slice(0, -1) + (id.endsWith("A") ? "B" : "A");
    const nowhere = await fetch(`${app.server.url}/no-such-path`);
    const plain = { status: nowhere.status, body: await nowhere.text() };
    for (const path of [flipped, id.slice(0, -1), `${id}A`, `${id}/`, "", "..%2F..%2Fetc%2Fpasswd", encodeURIComponent(`${id}'--`), "A".repeat(22)]) {
      const r = await fetch(`${app.server.url}/downloads/${path}`);
      expect({ status: r.status, body: await r.text() }, path).toEqual(plain);
      expect(r.headers.get("content-disposition")).toBeNull();
    }
    // The real one still works.
    expect((await fetch(`${app.server.url}/downloads/${id}`)).status).toBe(200);
  });

  it("a link stops working when it expires, and the row is deleted", async () => {
    const id = metteCsvUrl.split("/").at(-1)!;
    expect((await fetch(`${app.server.url}/downloads/${id}`)).status).toBe(200);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + DOWNLOAD_TTL_MS + 60_000);
    const r = await fetch(`${app.server.url}/downloads/${id}`);
    expect(r.status).toBe(404);
    vi.useRealTimers();
    expect(await db().prisma.download.count({ where: { id } })).toBe(0);
    // And it stays gone when the clock is right again.
    expect((await fetch(`${app.server.url}/downloads/${id}`)).status).toBe(404);
  });

  it("expired links are swept, live ones stay; a short TTL ends early", async () => {
    const prisma = db().prisma;
    const t0 = new Date();
    const live = await createDownload(prisma, { filename: "a.csv", mimeType: "text/csv", content: "x\n", now: t0 });
    const short = await createDownload(prisma, { filename: "b.json", mimeType: "application/json", content: "{}", ttlMs: 1_000, now: t0 });
    expect(live).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(live).not.toBe(short);
    expect((await fetch(`${app.server.url}/downloads/${short}`)).status).toBe(200);
    const later = new Date(t0.getTime() + 2_000);
    expect(await deleteExpiredDownloads(prisma, later)).toBeGreaterThanOrEqual(1);
    expect(await prisma.download.count({ where: { id: short } })).toBe(0);
    expect(await prisma.download.count({ where: { id: live } })).toBe(1);
    const head = await fetch(`${app.server.url}/downloads/${live}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("2");
    expect((await fetch(`${app.server.url}/downloads/${live}`, { method: "POST" })).status).toBe(405);
  });

  it("without PARTNERPULS_PUBLIC_URL the card says plainly that the file is too large, and how to get it whole", async () => {
    const env = { PORT: "0", TEAMS_LOCAL: "1", PARTNERPULS_PLAYGROUND: "off" };
    const plain = await startApp(loadConfig(env), db(), env, { clock: false });
    try {
      const before = await db().prisma.download.count();
      const reply = await command(plain, mette, "export csv");
      const card = cardOf(reply.activity);
      assertValidCard(card, "export card without links");
      expect(downloadButtons(card)).toEqual([]);
      const text = seenFromActivity(reply.id, reply.activity).text;
      expect(text).toMatch(/Only the first \d+ of 106 lines fit in a Teams message/);
      expect(text).toMatch(/The whole file is too large for a Teams message\. .*PARTNERPULS_PUBLIC_URL/);
      expect(await db().prisma.download.count()).toBe(before);
    } finally {
      await plain.stop();
    }
  });

  it("a file that fits is shown whole in the card; a link that could not be made is said so", () => {
    const rows = Array.from({ length: 120 }, (_, i) => `1,s1.${i},4`).join("\n");
    const small = renderCard(message("export", [{ type: "file", filename: "x.csv", mimeType: "text/csv", content: `round,item,mean\n${rows}\n` }]), { lang: "en" });
    assertValidCard(small);
    const seen = seenFromActivity("m", { attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", content: small }] }).text;
    expect(seen).toContain("1,s1.119,4");
    expect(seen).not.toMatch(/Only the first/);

    const big = Array.from({ length: 600 }, (_, i) => `1,s1.${i},"a statement long enough to fill a card quickly",4`).join("\n");
    for (const lang of ["en", "da"] as const) {
      const failed = renderCard(message("export", [{ type: "file", filename: "x.csv", mimeType: "text/csv", content: big }]), { lang, downloads: new Map([[0, null]]) });
      assertValidCard(failed);
      expect(JSON.stringify(failed)).toMatch(lang === "en" ? /I could not make a download link for x\.csv/ : /Jeg kunne ikke lave et downloadlink til x\.csv/);
    }
  });
});
