// The Block Kit renderer against every Slack limit, with inputs well past each one: what Slack
// would refuse is never sent, and nothing is cut silently.
import { describe, it, expect } from "vitest";
import { message, isSaidApart, type Message, type MessageInput } from "../../src/messages/model.ts";
import { helpMessage } from "../../src/commands/help.ts";
import {
  renderMessage,
  splitText,
  toMrkdwn,
  richToMrkdwn,
  fromMrkdwn,
  fromSlackText,
  decodeActionId,
  parseBlockId,
  textBar,
  SLACK_LIMITS,
  type SlackBlock,
} from "../../adapters/slack/blocks.ts";
import { validateBlocks } from "../support/fake-slack.ts";

const words = (n: number, w = "partnership") => Array.from({ length: n }, (_, i) => `${w}${i}`).join(" ");
const button = (label: string, i = 0, extra: object = {}) => ({ label, actionId: "poll.answer" as const, value: JSON.stringify({ i }), ...extra });
const of = <T extends SlackBlock["type"]>(blocks: SlackBlock[], type: T) => blocks.filter((b): b is Extract<SlackBlock, { type: T }> => b.type === type);
const render = (m: Message, surface: "message" | "home" = "message") => {
  const r = renderMessage(m, { lang: "en", surface });
  // Everything rendered passes the same checks the fake Slack applies (as Slack would).
  expect(validateBlocks(r.blocks, surface === "message" ? 50 : 100)).toBeNull();
  return r;
};
const allText = (blocks: SlackBlock[]) =>
  blocks
    .flatMap((b) => (b.type === "section" ? [b.text?.text ?? "", ...(b.fields ?? []).map((f) => f.text)] : b.type === "context" ? b.elements.map((e) => e.text) : b.type === "header" ? [b.text.text] : []))
    .join(" ");

describe("the Block Kit renderer", () => {
  it("splits text longer than 3,000 characters into sections, losing no word", () => {
    const text = words(2_000); // ~25,000 characters
    const r = render(message("long", [{ type: "text", text }]));
    const sections = of(r.blocks, "section");
    expect(sections.length).toBeGreaterThanOrEqual(Math.ceil(text.length / 3000));
    for (const s of sections) expect(s.text!.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(sections.map((s) => s.text!.text).join(" ").split(/\s+/)).toEqual(text.split(" "));
  });

  it("splits a text without spaces too, and never inside an entity, a mention or an emoji", () => {
    const raw = "x".repeat(2998) + "&" + "y".repeat(10) + "<@U123>" + "🙂".repeat(3000);
    // The mention as the core writes one: a node, which the renderer turns into Slack's token.
    const pieces = splitText(richToMrkdwn([{ t: "text", text: "x".repeat(2998) + "&" + "y".repeat(10) }, { t: "person", id: "U123" }, { t: "text", text: "🙂".repeat(3000) }]), 3000);
    for (const p of pieces) {
      expect(p.length).toBeLessThanOrEqual(3000);
      expect(p).not.toMatch(/&(?!amp;|lt;|gt;)/);
      expect(p).not.toMatch(/[\ud800-\udbff]$/);
      expect(p).not.toMatch(/^[\udc00-\udfff]/);
    }
    expect(fromMrkdwn(pieces.join(""))).toBe(raw);
    expect(pieces.join("")).toContain("<@U123>");
  });

  it("escapes &, < and > everywhere in a plain text, so nothing in it becomes a Slack mention or link", () => {
    expect(toMrkdwn("A & B <script> <@U1> <@U2|anne> <#C1|styregruppe> <!here> <https://x.org|site> **bold**")).toBe(
      "A &amp; B &lt;script&gt; &lt;@U1&gt; &lt;@U2|anne&gt; &lt;#C1|styregruppe&gt; &lt;!here&gt; &lt;https://x.org|site&gt; *bold*",
    );
  });

  it("reads what a person typed into the core's neutral tokens: mentions and channels kept, the rest plain", () => {
    expect(fromSlackText("member add <@U1> org=<#C1|styregruppe> &lt;x&gt; &amp; <!here> <!subteam^S1|@board> <https://x.org|site> <mailto:a@b.dk|a@b.dk>")).toBe(
      "member add @{U1} org=#{C1} <x> & @here @board https://x.org mailto:a@b.dk",
    );
    expect(fromSlackText("<@U2|anne>")).toBe("@{U2}");
  });

  it("shortens a header to 150 characters and shows the whole of it below", () => {
    const title = words(40, "Sundhedspartnerskab");
    const r = render(message("t", [{ type: "header", text: title }]));
    const header = of(r.blocks, "header")[0]!;
    expect(header.text.type).toBe("plain_text");
    expect(header.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    expect(header.text.text.endsWith("…")).toBe(true);
    expect(allText(r.blocks.slice(1)).replace(/[*\s]/g, "")).toBe(title.replace(/\s/g, ""));
  });

  it("keeps buttons within 75 characters, 25 per actions block, with unique action_ids it can read back", () => {
    const long = "A very long answer option label that goes on and on well past the limit of Slack buttons";
    const options = Array.from({ length: 60 }, (_, i) => button(i === 7 ? long : String(i + 1), i, { selected: i === 2 }));
    const r = render(message("q", [{ type: "question", itemId: "i1", prompt: "Rate this", options, scaleHint: "1 = no · 5 = yes" }, { type: "buttons", buttons: [button("Next", 99)] }]));
    const actions = of(r.blocks, "actions");
    const elements = actions.flatMap((a) => a.elements);
    expect(elements).toHaveLength(61);
    for (const a of actions) expect(a.elements.length).toBeLessThanOrEqual(SLACK_LIMITS.actionsElements);
    for (const e of elements) {
      expect(e.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
      expect(e.action_id.length).toBeLessThanOrEqual(SLACK_LIMITS.actionId);
      expect(decodeActionId(e.action_id)).toBe("poll.answer");
    }
    expect(new Set(elements.map((e) => e.action_id)).size).toBe(61);
    expect(elements[7]!.text.text.endsWith("…")).toBe(true);
    // The chosen answer is the primary button, and only it.
    expect(elements.filter((e) => e.style === "primary").map((e) => e.text.text)).toEqual(["3"]);
    // The scale hint is a context block under the buttons.
    const hint = r.blocks.find((b) => parseBlockId(b.block_id)?.kind === "qh");
    expect(hint?.type).toBe("context");
  });

  it("refuses a button value over 2,000 characters rather than send a broken one", () => {
    const m = { fallback: "x", blocks: [{ type: "buttons", buttons: [{ label: "x", actionId: "poll.answer", value: "v".repeat(2001), style: "default", selected: false }] }] } as Message;
    expect(() => renderMessage(m, { lang: "en" })).toThrow(/2,?000/);
  });

  it("puts at most 10 fields in a section, each at most 2,000 characters; a longer one becomes text", () => {
    const fields = Array.from({ length: 23 }, (_, i) => ({ label: `Field ${i}`, value: `value ${i}` }));
    fields.push({ label: "Long", value: words(600) });
    const r = render(message("f", [{ type: "fields", fields }]));
    const withFields = of(r.blocks, "section").filter((s) => s.fields);
    expect(withFields.flatMap((s) => s.fields!)).toHaveLength(23);
    for (const s of withFields) {
      expect(s.fields!.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionFields);
      for (const f of s.fields!) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    }
    expect(allText(r.blocks)).toContain("partnership599");
  });

  it("puts long muted text in context blocks of at most 10 elements of 3,000 characters", () => {
    const r = render(message("m", [{ type: "text", text: words(4_000), muted: true }]));
    const contexts = of(r.blocks, "context");
    expect(contexts.length).toBeGreaterThan(1);
    for (const c of contexts) {
      expect(c.elements.length).toBeLessThanOrEqual(SLACK_LIMITS.contextElements);
      for (const e of c.elements) expect(e.text.length).toBeLessThanOrEqual(SLACK_LIMITS.contextText);
    }
    expect(allText(r.blocks)).toContain("partnership3999");
  });

  it("keeps a message within 50 blocks and a Home tab within 100, merging text first, then saying what is left out", () => {
    const texts: MessageInput["blocks"] = Array.from({ length: 120 }, (_, i) => ({ type: "text", text: `Line ${i}` }));
    const merged = render(message("many", texts));
    expect(merged.blocks.length).toBeLessThanOrEqual(50);
    expect(allText(merged.blocks)).toContain("Line 119"); // merged, nothing dropped

    const questions: MessageInput["blocks"] = Array.from({ length: 40 }, (_, i) => ({ type: "question", itemId: `i${i}`, prompt: `Statement ${i}`, options: [button("1", 1), button("2", 2)], scaleHint: "1–2" }));
    const message50 = render(message("q", questions));
    expect(message50.blocks).toHaveLength(50);
    const last = message50.blocks.at(-1)!;
    expect(last.type).toBe("context");
    expect(allText([last])).toMatch(/\d+ more parts/);

    const home = render(message("q", questions), "home");
    expect(home.blocks.length).toBeLessThanOrEqual(100);
    expect(home.blocks.length).toBeGreaterThan(50);
  });

  it("draws bars as monospace text with the figure beside them, splitting many long ones", () => {
    expect(textBar(18.4, 5, 25)).toBe("███████░░░");
    expect(textBar(null, 5, 25)).toBe("░░░░░░░░░░");
    const bars = Array.from({ length: 60 }, (_, i) => ({ label: `Section ${i} ${"long ".repeat(20)}`.trim(), value: i % 7 ? 18.4 : null, min: 5, max: 25, display: i % 7 ? "18.4 / 25 (+1.2)" : "withheld (fewer than 3)" }));
    const r = render(message("bars", [{ type: "bars", title: "Section scores", bars }]));
    const sections = of(r.blocks, "section");
    expect(sections.length).toBeGreaterThan(1);
    for (const s of sections) expect(s.text!.text.length).toBeLessThanOrEqual(3000);
    const text = sections.map((s) => s.text!.text).join("\n");
    expect(text).toContain("*Section scores*");
    expect(text).toContain("`███████░░░` 18.4 / 25 (+1.2)");
    expect(text.match(/^`[█░]{10}` /gm)).toHaveLength(60);
  });

  it("shows a small file inline where nothing can be uploaded, explains a large one, and lists files to upload", () => {
    const small = message("export", [{ type: "file", filename: "a.csv", mimeType: "text/csv", content: "round,mean\n1,3.5\n```x```\n" }]);
    const inline = renderMessage(small, { lang: "en", files: "inline" });
    expect(inline.files).toHaveLength(0);
    expect(allText(inline.blocks)).toContain("```\nround,mean\n1,3.5");
    expect(allText(inline.blocks)).not.toContain("```x```");

    const large = message("export", [{ type: "file", filename: "b.csv", mimeType: "text/csv", content: "x,".repeat(5000) }]);
    const explained = renderMessage(large, { lang: "da", files: "inline" });
    expect(allText(explained.blocks)).toMatch(/b\.csv.*10000 tegn/);

    const upload = renderMessage(large, { lang: "en", files: "upload" });
    expect(upload.files.map((f) => f.filename)).toEqual(["b.csv"]);
    expect(allText(upload.blocks)).toMatch(/b\.csv is attached/);
  });

  it("renders the core's real messages within the limits (help, in both languages)", () => {
    for (const lang of ["en", "da"] as const) {
      const r = render(helpMessage(lang));
      expect(r.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
      expect(allText(r.blocks)).toContain(lang === "en" ? "checkin start" : "runde start");
    }
  });

  it("recognises the core's error replies", () => {
    expect(isSaidApart(message("x", [{ type: "text", text: "No." }, { type: "text", text: "See help", muted: true }], { error: true }))).toBe(true);
    expect(isSaidApart(message("x", [{ type: "text", text: "Fine." }]))).toBe(false);
  });
});

describe("inline nodes", () => {
  it("renders each node kind as Slack's own markup, escaping the text around it", () => {
    const m = message("x", [{ type: "text", text: [{ t: "text", text: "Not yet: a<b " }, { t: "person", id: "carl" }, { t: "text", text: " in " }, { t: "channel", id: "C1", name: "styregruppe" }, { t: "text", text: " — " }, { t: "strong", text: "Overdue & late" }] }]);
    const r = renderMessage(m, { lang: "en" });
    expect(r.blocks[0]).toMatchObject({ type: "section", text: { type: "mrkdwn", text: "Not yet: a&lt;b <@carl> in <#C1> — *Overdue &amp; late*" } });
  });
});

describe("the adapter's own words", () => {
  it("follow the language the core chose for the recipient, over the platform's", () => {
    const m = message("x", [{ type: "file", filename: "a.csv", mimeType: "text/csv", content: "a" }], { lang: "da" });
    const en = renderMessage({ ...m, lang: undefined }, { lang: "en", files: "upload" });
    const da = renderMessage(m, { lang: "en", files: "upload" });
    // block ids carry a hash of the message, so compare what is shown
    const shown = (r: ReturnType<typeof renderMessage>) => r.blocks.map((b) => (b.type === "context" ? b.elements.map((e) => e.text) : b.type));
    expect(shown(da)).not.toEqual(shown(en));
    expect(shown(da)).toEqual(shown(renderMessage({ ...m, lang: undefined }, { lang: "da", files: "upload" })));
  });
});
