// The one behaviour suite: a whole partnership check-in driven through an adapter's public face.
// It runs against the local playground now, and unchanged against Slack and Teams.
import { describe, it, expect, beforeAll, afterAll, vi } from "vitest";
import type { BehaviourDriver, DriverFactory, Seen } from "./driver.ts";
import { zonedTimeToUtc, localDate } from "../../src/time/zone.ts";

const ORGS = [
  { name: "Aarhus Kommune", sector: "municipality" },
  { name: "Region Midtjylland", sector: "region" },
  { name: "Diabetesforeningen", sector: "ngo" },
  { name: "Steno Diabetes Center", sector: "research" },
];

/** The poll a partner is looking at: their latest direct message with questions or a thank-you. */
async function latestPoll(d: BehaviourDriver, user: string): Promise<Seen> {
  const dms = await d.dms(user);
  const poll = [...dms].reverse().find((m) => m.questions.length > 0 || /check-in|runde/i.test(m.text));
  if (!poll) throw new Error(`${user} has no poll among ${dms.length} messages`);
  return poll;
}

/** Answers every statement, section after section, choosing ratings with `rate`. */
async function answerAll(d: BehaviourDriver, user: string, rate: (question: number, section: number) => number): Promise<number> {
  let pressed = 0;
  for (let section = 0; section < 20; section++) {
    const poll = await latestPoll(d, user);
    if (poll.questions.length === 0) return pressed;
    const progress = poll.text.match(/(?:Section|Afsnit) (\d+) (?:of|af) (\d+)/);
    expect(progress, poll.text).not.toBeNull();
    for (let q = 0; q < poll.questions.length; q++) {
      await d.press(user, poll, String(rate(q, section)), q);
      pressed++;
    }
  }
  throw new Error("the poll never finished");
}

/** The continuum's and the map's levels, as a button says them in English and in Danish. */
const LEVEL_LABELS: Record<string, [string, string]> = {
  none: ["No link", "Ingen forbindelse"],
  networking: ["Networking", "Netværk"],
  coordinating: ["Coordinating", "Koordinering"],
  cooperating: ["Cooperating", "Samarbejde om ressourcer"],
  collaborating: ["Collaborating", "Kollaboration"],
};

/** Answers every question of a person's poll, page after page: `choose` gives a level or a rating for each prompt. */
async function answerWith(d: BehaviourDriver, user: string, choose: (prompt: string) => string): Promise<number> {
  let pressed = 0;
  for (let page = 0; page < 20; page++) {
    const poll = await latestPoll(d, user);
    if (poll.questions.length === 0) return pressed;
    for (let q = 0; q < poll.questions.length; q++) {
      const answer = choose(poll.questions[q]!.prompt);
      const labels = LEVEL_LABELS[answer] ?? [answer, answer];
      const label = poll.questions[q]!.options.map((o) => o.label).find((l) => labels.includes(l));
      if (!label) throw new Error(`${user}: no option ${answer} for "${poll.questions[q]!.prompt}"`);
      await d.press(user, poll, label, q);
      pressed++;
    }
  }
  throw new Error("the poll never finished");
}

const MORE_ORGS = [
  { name: "Aarhus Universitet", sector: "research" },
  { name: "DGI Østjylland", sector: "ngo" },
  { name: "Falck", sector: "private" },
];

/** A picture as a client gets it: a PNG (uploaded or fetched), or an SVG shown inline. */
function expectPicture(bytes: Buffer): void {
  const png = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const svg = bytes.subarray(0, 4).toString("utf8") === "<svg";
  expect(png || svg, bytes.subarray(0, 16).toString("hex")).toBe(true);
  expect(bytes.length).toBeGreaterThan(2000);
}

export function behaviourSuite(factory: DriverFactory) {
  let d: BehaviourDriver;
  let coordinator: string;
  let partners: [string, string, string];

  beforeAll(async () => {
    d = await factory();
    ({ coordinator, partners } = d.people);
  });
  afterAll(async () => {
    await d?.close();
  });

  describe("before a partnership exists", () => {
    it("answers help in the person's language", async () => {
      const en = await d.command(partners[2], "language en");
      expect(en.text).toMatch(/English/);
      expect((await d.command(partners[2], "help")).text).toMatch(/checkin start/);
      await d.command(partners[1], "sprog da");
      expect((await d.command(partners[1], "hjælp")).text).toMatch(/For koordinatorer/);
    });

    it("explains a malformed command and changes nothing", async () => {
      const r = await d.command(coordinator, 'partnership create "Sund By');
      expect(r.text).toMatch(/quote|anførselstegn/i);
      const again = await d.command(coordinator, "partnership list");
      expect(again.text).not.toMatch(/Sund By/);
      expect((await d.command(coordinator, "org add Foo sector=spaceship")).text).toMatch(/spaceship/);
    });
  });

  describe("a whole check-in round", () => {
    it("a coordinator sets up the partnership with commands", async () => {
      // She runs it in English, her own choice over her platform's Danish.
      expect((await d.command(coordinator, "language en")).text).toMatch(/English/);
      const created = await d.command(coordinator, `partnership create "Sund By" channel=${d.channelRef} anonymity=confidential language=en`);
      expect(created.text).toMatch(/Sund By/);
      for (const o of ORGS) expect((await d.command(coordinator, `org add "${o.name}" sector=${o.sector}`)).text).toMatch(o.name);
      await d.command(coordinator, `member add ${d.mention(coordinator)} org="${ORGS[0]!.name}" roles=coordinator,steering`);
      for (let i = 0; i < 3; i++) {
        const r = await d.command(coordinator, `member add ${d.mention(partners[i]!)} org="${ORGS[i + 1]!.name}" roles=partner`);
        expect(r.text).toMatch(/partner/);
      }
      expect((await d.command(coordinator, "member list")).text).toMatch(/4/);
    });

    it("only coordinators may change the partnership", async () => {
      const r = await d.command(partners[0], "checkin start");
      expect(r.text).toMatch(/coordinator|koordinator/i);
      expect(await d.dms(partners[1])).toHaveLength(0);
    });

    it("starting a check-in sends each partner the first section as a poll", async () => {
      const r = await d.command(coordinator, "checkin start deadline=14d");
      expect(r.text).toMatch(/#1/);
      for (const p of partners) {
        const poll = await latestPoll(d, p);
        expect(poll.questions).toHaveLength(5);
        expect(poll.text).toMatch(/(Section|Afsnit) 1 (of|af) 7/);
        expect(poll.questions[0]!.options.map((o) => o.label)).toEqual(["1", "2", "3", "4", "5"]);
      }
      // The language rule: a person's own choice (Danish, English), else their platform's locale
      // (Danish here), before the partnership's English.
      expect((await latestPoll(d, partners[0])).text).toMatch(/Afsnit 1 af 7/);
      expect((await latestPoll(d, partners[1])).text).toMatch(/Afsnit 1 af 7/);
      expect((await latestPoll(d, partners[2])).text).toMatch(/Section 1 of 7/);
    });

    it("an answer can be changed, and a double press records once", async () => {
      const p = partners[0];
      let poll = await latestPoll(d, p);
      await d.press(p, poll, "2", 0);
      poll = await latestPoll(d, p);
      expect(poll.questions[0]!.options.find((o) => o.selected)?.label).toBe("2");
      await d.press(p, poll, "4", 0);
      await d.press(p, poll, "4", 0);
      poll = await latestPoll(d, p);
      expect(poll.questions[0]!.options.filter((o) => o.selected).map((o) => o.label)).toEqual(["4"]);
      const status = await d.command(coordinator, "status");
      expect(status.text).toMatch(/0 of 3 people have answered everything \(1 partly\)/);
    });

    let twoCopies: string[] = [];
    it("every copy of a poll shows the answers: the first one and a reminder's", { timeout: 60_000 }, async () => {
      const p = partners[1];
      const r = await d.command(coordinator, "remind");
      expect(r.text).toMatch(/3/);
      const copies = (await d.dms(p)).filter((m) => m.questions.length > 0);
      expect(copies).toHaveLength(2);
      const [older, newer] = copies as [Seen, Seen];
      twoCopies = [older.id, newer.id];
      const selected = async (id: string, q: number) => (await d.dms(p)).find((m) => m.id === id)!.questions[q]!.options.filter((o) => o.selected).map((o) => o.label);
      // Answered on the older copy: the reminder shows it too (a few seconds later, one update for a
      // run of clicks), and the other way round.
      const later = { timeout: 20_000, interval: 250 };
      await d.press(p, older, "5", 1);
      await vi.waitFor(async () => expect(await selected(newer.id, 1)).toEqual(["5"]), later);
      await d.press(p, newer, "2", 2);
      await vi.waitFor(async () => expect(await selected(older.id, 2)).toEqual(["2"]), later);
      expect(await selected(older.id, 1)).toEqual(["5"]);
    });

    it("partners answer all seven sections with buttons", async () => {
      // Partner A rates 4 throughout, B 3, C 5 except a 1 on each section's first statement.
      await answerAll(d, partners[0], () => 4);
      await answerAll(d, partners[1], () => 3);
      await answerAll(d, partners[2], (q) => (q === 0 ? 1 : 5));
      for (const p of partners) expect((await latestPoll(d, p)).text).toMatch(/Thank you|Tak/);
    });

    it("partners add comments on the thank-you card; one too long is refused and changes nothing", async () => {
      const card = async (p: string) => [...(await d.dms(p))].reverse().find((m) => m.fields.length > 0)!;
      const danish = await card(partners[0]);
      expect(danish.fields).toHaveLength(7);
      expect(danish.fields[0]!.label).toBe("Afklaring af behovet for partnerskabet: hvad ville hjælpe? (valgfrit)");
      await d.press(partners[0], danish, "Gem kommentarer", undefined, { [danish.fields[0]!.label]: "A shared calendar", [danish.fields[4]!.label]: "Navngiv, hvem der gør hvad" });
      expect((await card(partners[0])).fields.map((f) => f.value)).toEqual(["A shared calendar", "", "", "", "Navngiv, hvem der gør hvad", "", ""]);
      const english = await card(partners[2]);
      expect(english.fields[0]!.label).toBe("Determining the need for the partnership: what would help? (optional)");
      await d.press(partners[2], english, "Save comments", undefined, { [english.fields[0]!.label]: "Agendas a week ahead" });
      const saved = await card(partners[2]);
      expect(saved.fields[0]!.value).toBe("Agendas a week ahead");
      await d.press(partners[2], saved, "Save comments", undefined, { [saved.fields[0]!.label]: "x".repeat(501) });
      expect((await card(partners[2])).fields[0]!.value).toBe("Agendas a week ahead");
    });

    it("status says who has answered in numbers only, in a confidential partnership", async () => {
      const status = await d.command(coordinator, "status");
      expect(status.text).toMatch(/3 of 3 people have answered everything/);
      expect(status.text).toMatch(/confidential/);
      expect(status.text).not.toMatch(/Fatima|Anders|Lars/);
    });

    let beforeClose: Seen;
    it("closing posts a digest with section bars, a band and the disagreements", async () => {
      // The poll card (an error said apart may have come after it).
      beforeClose = [...(await d.dms(partners[2]))].reverse().find((m) => m.fields.length > 0)!;
      const r = await d.command(coordinator, "checkin close");
      expect(r.text).toMatch(/closed/);
      const posted = await d.channelMessages();
      const digest = posted.at(-1)!;
      expect(digest.bars).toHaveLength(7);
      // Per section: 20 (A) + 15 (B) + 21 (C: 1 + 4×5) → mean 18.7 of 25.
      for (const bar of digest.bars) expect(bar.display).toMatch(/^18\.7 \/ 25/);
      expect(digest.text).toMatch(/Total: 130\.7 \(range 35–175\)/);
      expect(digest.text).toMatch(/Genuine collaboration/i);
      expect(digest.text).toMatch(/3 of 3 \(100 %\)/);
      expect(digest.text).toMatch(/disagree most/);
      // The comments, with the results, without names and sorted.
      expect(digest.text).toMatch(/What partners say would help[^\n]*\n\*?Determining the need for the partnership\*?\n• A shared calendar\n• Agendas a week ahead\n/);
      expect(digest.text).toMatch(/Implementing collaborative action\*?\n• Navngiv, hvem der gør hvad/);
    });

    it("a closed round replaces the poll cards and takes no more answers", async () => {
      const p = partners[2];
      // The card the partner had was replaced in place when the round closed.
      const card = (await d.dms(p)).find((m) => m.id === beforeClose.id)!;
      expect(card.text).toMatch(/closed|lukkede/);
      expect(card.questions).toHaveLength(0);
      // A button pressed on a copy from before the close changes nothing.
      await d.press(p, beforeClose, beforeClose.buttons[0]!.label);
      const after = (await d.dms(p)).find((m) => m.id === beforeClose.id)!;
      expect(after.text).toMatch(/closed|lukkede/);
      // Every copy a partner was sent, the first poll and the reminder alike, is the closed card now.
      const copies = (await d.dms(partners[1])).filter((m) => twoCopies.includes(m.id));
      expect(copies).toHaveLength(2);
      for (const copy of copies) {
        expect(copy.text).toMatch(/lukkede/);
        expect(copy.questions).toHaveLength(0);
      }
    });
  });

  describe("follow-up actions", () => {
    it("records agreements with owner and due date, and lets the owner mark them done", async () => {
      const add = await d.command(coordinator, `action add "Send the action plan to the board" owner=${d.mention(partners[0])} due=2026-01-15 meeting="Steering group"`);
      expect(add.text).toMatch(/#1/);
      const list = await d.command(partners[0], "action list");
      expect(list.text).toMatch(/Send the action plan/);
      expect(list.text).toMatch(/overdue|forsinket/);
      const done = await d.command(partners[0], "action done 1");
      expect(done.text).toMatch(/#1/);
      expect((await d.command(partners[1], "action done 1")).text).toMatch(/owner|ansvarlige/);
    });

    it("a coordinator makes one of the digest's lowest statements an action with a press and a pre-filled form", async () => {
      const digest = (await d.channelMessages()).find((m) => /digest of check-in #1/.test(m.text))!;
      const button = digest.buttons.find((b) => /^Make s\d\.\d an action$/.test(b.label))!;
      expect(button).toBeDefined();
      const id = /^Make (s\d\.\d)/.exec(button.label)![1]!;
      // Only coordinators may: a partner's press is refused, to them alone.
      expect((await d.press(partners[0], digest, button.label))?.text).toMatch(/koordinator/i);
      const form = (await d.press(coordinator, digest, button.label))!;
      expect(form.text).toContain(`From the digest of Sund By: ${id}`);
      expect(form.fields.map((f) => f.label)).toEqual(["What is to be done", "Owner", "Due date"]);
      expect(form.fields[0]!.value).toMatch(new RegExp(`^Follow up on ${id.replace(".", "\\.")}: `));
      // Without an owner nothing is recorded, and the form says what is missing.
      const missing = await d.press(coordinator, form, "Record the action", undefined, { "Due date": "2027-01-15" });
      expect(missing?.text).toMatch(/• Owner: Please fill this in/);
      expect((await d.command(coordinator, "action list")).text).not.toMatch(/#2/);
      await d.press(coordinator, form, "Record the action", undefined, { "What is to be done": "Agree on shared goals at the next meeting", Owner: "Anders Berg", "Due date": "2027-01-15" });
      const list = await d.command(coordinator, "action list");
      expect(list.text).toMatch(/#2 Agree on shared goals at the next meeting — .*Anders/);
    });
  });

  describe("the Indig et al. instrument", () => {
    it("runs a round of its five domains, scored and digested", { timeout: 120_000 }, async () => {
      const r = await d.command(coordinator, "checkin start instrument=indig-domains deadline=7d");
      expect(r.text).toMatch(/#2/);
      for (const p of partners) expect((await latestPoll(d, p)).text).toMatch(/(Section|Afsnit) 1 (of|af) 5/);
      // Partner A rates 5 throughout, B 4, C 3: each domain sums 25, 20 and 15, a mean of 20.0 of 25.
      await answerAll(d, partners[0], () => 5);
      await answerAll(d, partners[1], () => 4);
      await answerAll(d, partners[2], () => 3);
      await d.command(coordinator, "checkin close");
      const digest = (await d.channelMessages()).at(-1)!;
      expect(digest.text).toMatch(/check-in #2/);
      expect(digest.text).toMatch(/Indig/);
      expect(digest.bars.map((b) => b.label)).toEqual(["Leadership", "Governance", "Resources", "Collaboration", "Engagement and motivation"]);
      for (const bar of digest.bars) expect(bar.display).toMatch(/^20\.0 \/ 25$/);
      expect(digest.text).toMatch(/3 of 3 \(100 %\)/);
      // The same numbers as a picture, delivered as the platform delivers pictures: no bands, so no totals chart.
      expect(digest.images.map((i) => i.alt)).toEqual(["Bar chart of each section's mean score out of 25: Leadership: 20.0; Governance: 20.0; Resources: 20.0; Collaboration: 20.0; Engagement and motivation: 20.0."]);
      expectPicture(digest.images[0]!.bytes);
    });
  });

  describe("VicHealth activities 1 and 2 with seven organisations, two people in one of them", () => {
    let everyone: string[] = [];
    it("the coordinator adds three organisations and five people, two of them in her own", async () => {
      const [aarhus1, aarhus2, ...others] = d.people.more;
      for (const o of MORE_ORGS) expect((await d.command(coordinator, `org add "${o.name}" sector=${o.sector}`)).text).toMatch(o.name);
      for (const p of [aarhus1, aarhus2]) expect((await d.command(coordinator, `member add ${d.mention(p)} org="${ORGS[0]!.name}" roles=partner`)).text).toMatch(/partner/);
      for (const [i, p] of others.entries()) expect((await d.command(coordinator, `member add ${d.mention(p)} org="${MORE_ORGS[i]!.name}" roles=partner`)).text).toMatch(/partner/);
      everyone = [...partners, ...d.people.more];
      expect((await d.command(coordinator, "member list")).text).toMatch(/9/);
    });

    it("activity 1: each partner chooses a level per purpose, and the digest counts them", { timeout: 180_000 }, async () => {
      await d.command(coordinator, 'purpose add "Share data on children\'s health"');
      await d.command(coordinator, 'purpose add "Run a joint walking programme"');
      expect((await d.command(coordinator, "checkin start instrument=vichealth-purpose deadline=7d")).text).toMatch(/#3/);
      // The first purpose: five say coordinating, two networking, one cooperating. The second:
      // four networking, four collaborating. Every fit statement is rated 4.
      const first = ["coordinating", "coordinating", "networking", "coordinating", "networking", "coordinating", "cooperating", "coordinating"];
      const second = ["networking", "collaborating", "networking", "collaborating", "networking", "collaborating", "networking", "collaborating"];
      for (const [i, p] of everyone.entries()) {
        const poll = await latestPoll(d, p);
        // The four levels are explained before anyone chooses.
        expect(poll.text).toMatch(/\*?(Networking|Netværk)\*?: \S/);
        await answerWith(d, p, (prompt) => (/children|børn/.test(prompt) ? first[i]! : /walking|gå/.test(prompt) ? second[i]! : "4"));
      }
      await d.command(coordinator, "checkin close");
      const digest = (await d.channelMessages()).at(-1)!;
      expect(digest.text).toMatch(/8 of 8 \(100 %\)/);
      expect(digest.text).toMatch(/Why we partner/);
      expect(digest.text).toContain("Share data on children's health: most often Coordinating (5 of 8) · Networking 2, Coordinating 5, Cooperating 1, Collaborating 0");
      expect(digest.text).toContain("Run a joint walking programme: most often Networking / Collaborating (4 of 8) · Networking 4, Coordinating 0, Cooperating 0, Collaborating 4 — partners differ, from Networking to Collaborating");
      const purposes = digest.images.find((i) => i.alt.startsWith("Table of how many partners chose each level for each purpose"))!;
      expect(purposes.alt).toContain("Share data on children's health: Networking 2, Coordinating 5, Cooperating 1, Collaborating 0");
      expectPicture(purposes.bytes);
    });

    it("activity 2: each partner is asked their own organisation's six links, and pairs below minimum-n are withheld", { timeout: 180_000 }, async () => {
      const [aarhus1, aarhus2] = d.people.more;
      expect((await d.command(coordinator, "checkin start instrument=vichealth-map deadline=7d")).text).toMatch(/#4/);
      // Six other organisations, today and wanted: twelve questions, on two pages.
      const first = await latestPoll(d, aarhus1);
      expect(first.text).toMatch(/Region Midtjylland: (our link today|vores forbindelse i dag)/);
      expect(first.text).not.toMatch(/Aarhus Kommune:/);
      const region = partners[0];
      const steno = partners[2];
      // Aarhus–Region: today networking, coordinating (Aarhus) and coordinating (Region) → coordinating;
      // wanted cooperating, cooperating, collaborating → cooperating. Aarhus–Steno: nobody has contact
      // today, all three want networking. Every other link: networking, as wanted.
      const plan: Record<string, Record<string, [string, string]>> = {
        [aarhus1]: { "Region Midtjylland": ["networking", "cooperating"], "Steno Diabetes Center": ["none", "networking"] },
        [aarhus2]: { "Region Midtjylland": ["coordinating", "cooperating"], "Steno Diabetes Center": ["none", "networking"] },
        [region]: { "Aarhus Kommune": ["coordinating", "collaborating"] },
        [steno]: { "Aarhus Kommune": ["none", "networking"] },
      };
      let asked = 0;
      for (const p of everyone)
        asked += await answerWith(d, p, (prompt) => {
          const [org, aspect] = prompt.split(": ");
          const [now, want] = plan[p]?.[org!] ?? ["networking", "networking"];
          return /today|i dag/.test(aspect!) ? now : want;
        });
      expect(asked).toBe(8 * 12);
      await d.command(coordinator, "checkin close");
      const digest = (await d.channelMessages()).at(-1)!;
      expect(digest.text).toMatch(/Links between the organisations/);
      // The missing link first, then the widest gap; a pair of two one-person organisations is withheld.
      const lines = digest.text.split("\n").filter((l) => l.startsWith("• ") && l.includes("↔"));
      expect(lines[0]).toBe("• Aarhus Kommune ↔ Steno Diabetes Center: No link → Networking (no contact today; 1 step closer wanted)");
      expect(lines[1]).toMatch(/^• Aarhus Kommune ↔ Region Midtjylland: Coordinating → Cooperating \(1 step closer wanted/);
      expect(lines).toHaveLength(6);
      for (const l of lines) expect(l).toMatch(/^• Aarhus Kommune ↔ /);
      expect(digest.text).toMatch(/15 pairs not shown: fewer than 3 people of their two organisations answered/);
      // The map's picture has the six pairs shown, and none of those withheld.
      const map = digest.images.find((i) => i.alt.startsWith("Network of"))!;
      expect(map.alt).toMatch(/^Network of 7 organisations\. Links today: /);
      expect(map.alt).toContain("Aarhus Kommune–Region Midtjylland: Coordinating (wanted: Cooperating)");
      expect(map.alt.split("; ")).toHaveLength(6);
      expectPicture(map.bytes);
    });
  });

  describe("a meeting, from its agenda to its minutes, on the bot's clock", () => {
    const zone = "Europe/Copenhagen";
    // Ten days from now or a few more, at 14:00 in Copenhagen, for 90 minutes: a Wednesday, Thursday
    // or Friday, so that the reminder two days before an agreement due 14 days later falls on a
    // weekday too (reminders keep weekends quiet; on a Monday it would move past the due date).
    const day = (() => {
      for (let k = 10; ; k++) {
        const d = localDate(Date.now() + k * 86_400_000, zone);
        if ([3, 4, 5].includes(new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay())) return d;
      }
    })();
    const iso = (d: { year: number; month: number; day: number }) => `${d.year}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;
    const startsAt = zonedTimeToUtc(day.year, day.month, day.day, 14, 0, zone);
    const dueIn = (days: number) => iso(localDate(startsAt.getTime() + days * 86_400_000, zone));
    let card: Seen;

    it("the coordinator registers it with a point of her own, and the agenda comes on the morning of the day", async () => {
      const added = await d.command(coordinator, `meeting add "Steering group" at="${iso(day)} 14:00" length=90m pulse=0`);
      expect(added.text).toMatch(/Meeting #1 "Steering group" .* registered with 9 people/);
      expect((await d.command(coordinator, 'meeting point 1 "Budget for 2027"')).text).toMatch(/Budget for 2027 \(1 point\)/);
      const before = (await d.channelMessages()).length;
      await d.at(zonedTimeToUtc(day.year, day.month, day.day, 7, 59, zone));
      expect((await d.channelMessages()).length).toBe(before);
      await d.at(zonedTimeToUtc(day.year, day.month, day.day, 8, 0, zone));
      const posted = (await d.channelMessages()).slice(before);
      const brief = posted.find((m) => /Before "Steering group": the latest results/.test(m.text))!;
      expect(brief.text).toMatch(/Check-in #\d, \d+ answered/);
      expect(brief.images).toHaveLength(1);
      expectPicture(brief.images[0]!.bytes);
      card = posted.find((m) => /Agenda: meeting #1 Steering group/.test(m.text))!;
      expect(card.text).toMatch(/For discussion:/);
      expect(card.text).toMatch(/Points:\n• Budget for 2027/);
      expect(card.buttons.map((b) => b.label)).toEqual(["Record an agreement"]);
      // Those not in the channel get it as a direct message, in their own language; those in it do not.
      for (const p of d.people.more) expect((await d.dms(p)).some((m) => /(Agenda|Dagsorden): (meeting|møde) #1/.test(m.text))).toBe(true);
      for (const p of partners) expect((await d.dms(p)).some((m) => /(Agenda|Dagsorden): (meeting|møde) #1/.test(m.text))).toBe(false);
    });

    it("two people record agreements from the card at once, and the card keeps every one", { timeout: 60_000 }, async () => {
      const record = async (who: string, what: string, owner: string, due: string) => {
        // The card is in the partnership's language; the form in the presser's.
        const form = (await d.press(who, card, "Record an agreement"))!;
        expect(form.fields.map((f) => f.label).slice(0, 3)).toEqual(who === coordinator ? ["What is to be done", "Owner", "Due date"] : ["Hvad skal gøres", "Ansvarlig", "Frist"]);
        return d.press(who, form, who === coordinator ? "Record the agreement" : "Notér aftalen", undefined, who === coordinator ? { "What is to be done": what, Owner: owner, "Due date": due } : { "Hvad skal gøres": what, Ansvarlig: owner, Frist: due });
      };
      await Promise.all([record(coordinator, "Share the walking data", "Anders Berg", dueIn(14)), record(partners[0], "Invite the region's dietitians", "Fatima Ali", dueIn(21))]);
      await record(coordinator, "Book the next network meeting", "Mette Holm", dueIn(7));
      const now = (await d.channelMessages()).find((m) => m.id === card.id)!;
      for (const what of ["Share the walking data", "Invite the region's dietitians", "Book the next network meeting"]) expect(now.text).toContain(what);
      expect(now.text).toMatch(/Agreed at this meeting:\n• #\d+ .*\n• #\d+ .*\n• #\d+ /);
    });

    it("the minutes go to the channel and each owner, in their language, when it ends; reminders follow", { timeout: 60_000 }, async () => {
      await d.at(new Date(startsAt.getTime() + 90 * 60_000));
      const minutes = (await d.channelMessages()).filter((m) => /Minutes: meeting #1 Steering group/.test(m.text));
      expect(minutes).toHaveLength(1);
      expect(minutes[0]!.text).toMatch(/Agreed:[\s\S]*Share the walking data[\s\S]*Discussed:[\s\S]*Budget for 2027/);
      // Anders reads Danish (his platform's locale), Lars English.
      expect((await d.dms(partners[0])).some((m) => /Referat: møde #1/.test(m.text))).toBe(true);
      expect((await d.dms(partners[1])).some((m) => /Referat: møde #1/.test(m.text))).toBe(true);
      expect((await d.dms(partners[2])).some((m) => /(Minutes|Referat): (meeting|møde) #1/.test(m.text))).toBe(false);
      // The card takes no more agreements.
      const closed = (await d.channelMessages()).find((m) => m.id === card.id)!;
      expect(closed.text).toMatch(/The meeting is closed/);
      expect(closed.buttons).toHaveLength(0);
      // Two days before the walking data is due, at 09:00, Anders is reminded.
      const due = localDate(startsAt.getTime() + 12 * 86_400_000, zone);
      await d.at(zonedTimeToUtc(due.year, due.month, due.day, 9, 0, zone));
      expect((await d.dms(partners[0])).some((m) => /Påmindelse: aftale #\d+ "Share the walking data"/.test(m.text))).toBe(true);
    });
  });
}
