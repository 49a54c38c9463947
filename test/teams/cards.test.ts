// The neutral message model as Adaptive Cards 1.5, each card checked with the Adaptive Cards SDK.
import { describe, it, expect } from "vitest";
import { renderCard, inline, richInline, textBar, FILE_PREVIEW_LINES, type MentionEntity } from "../../adapters/teams/cards.ts";
import { message } from "../../src/messages/model.ts";
import { helpMessage } from "../../src/commands/help.ts";
import { assertValidCard, cardProblems } from "./validate-card.ts";
import { seenFromActivity } from "../behaviour/drivers/teams.ts";

const asActivity = (card: unknown) => ({ type: "message", attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", content: card }] });

const everything = message("A bit of everything", [
  { type: "header", text: "Sund By — check-in #2" },
  { type: "text", text: "Saved: 4", muted: true },
  { type: "progress", current: 2, total: 7, label: "Section 3 of 7" },
  { type: "fields", fields: [{ label: "Total", value: "130.7 (range 35–175)" }, { label: "Response rate", value: "3 of 3 (100 %)" }] },
  {
    type: "question",
    itemId: "s3.1",
    prompt: "Roles are *clear*.",
    options: [1, 2, 3, 4, 5].map((n) => ({ label: String(n), actionId: "poll.answer" as const, value: JSON.stringify({ r: "x", i: "s3.1", v: n }), selected: n === 4 })),
    scaleHint: "1 = disagree · 5 = agree",
  },
  { type: "divider" },
  { type: "bars", title: "Per section", bars: [{ label: "1. Need", value: 18.7, min: 5, max: 25, display: "18.7 / 25 (+1.2)" }, { label: "2. Choosing partners", value: null, min: 5, max: 25, display: "withheld (fewer than 3)" }] },
  { type: "buttons", buttons: [{ label: "Remind me tomorrow", actionId: "poll.snooze", value: "{}", style: "default" }, { label: "Stop", actionId: "nudge.optout", value: "{}", style: "danger" }] },
  { type: "file", filename: "results.csv", mimeType: "text/csv", content: "round,section,score\n1,1,18.7\n" },
]);

describe("Adaptive Cards from the neutral model", () => {
  it("renders every kind of block as a valid card 1.5", () => {
    const card = renderCard(everything, { lang: "en" });
    assertValidCard(card);
    expect(card).toMatchObject({ type: "AdaptiveCard", version: "1.5", fallbackText: "A bit of everything" });
    const seen = seenFromActivity("m1", asActivity(card));
    expect(seen.text).toMatch(/Sund By — check-in #2/);
    expect(seen.text).toMatch(/Total: 130\.7 \(range 35–175\)/);
    expect(seen.questions).toEqual([{ prompt: "Roles are clear.", options: [1, 2, 3, 4, 5].map((n) => ({ label: String(n), selected: n === 4 })) }]);
    expect(seen.bars).toEqual([
      { label: "1. Need", display: "18.7 / 25 (+1.2)" },
      { label: "2. Choosing partners", display: "withheld (fewer than 3)" },
    ]);
    expect(seen.buttons.map((b) => b.label)).toEqual(["Remind me tomorrow", "Stop"]);
  });

  it("gives every button Action.Execute with the action id as verb, and an Action.Submit fallback", () => {
    const card = renderCard(everything, { lang: "en" });
    const question = card.body.find((e) => e.id === "question:s3.1") as unknown as { items: { type: string; actions?: Record<string, unknown>[] }[] };
    const four = question.items.find((i) => i.type === "ActionSet")!.actions![3]!;
    expect(four).toEqual({
      type: "Action.Execute",
      title: "✓ 4",
      verb: "poll.answer",
      data: { value: '{"r":"x","i":"s3.1","v":4}' },
      style: "positive",
      fallback: { type: "Action.Submit", title: "✓ 4", data: { actionId: "poll.answer", value: '{"r":"x","i":"s3.1","v":4}' }, style: "positive" },
    });
    const buttons = card.body.filter((e) => e.type === "ActionSet").flatMap((e) => e.actions as { title: string; style?: string }[]);
    expect(buttons.map((b) => [b.title, b.style])).toEqual([
      ["Remind me tomorrow", undefined],
      ["Stop", "destructive"],
    ]);
  });

  it("splits more options than fit in a row over several rows", () => {
    const many = message("Choose", [
      { type: "question", itemId: "q", prompt: "Which?", options: Array.from({ length: 12 }, (_, i) => ({ label: `Option ${i + 1}`, actionId: "poll.answer" as const, value: String(i) })) },
    ]);
    const card = renderCard(many, { lang: "en" });
    assertValidCard(card);
    const sets = (card.body[0] as unknown as { items: { type: string; actions?: unknown[] }[] }).items.filter((i) => i.type === "ActionSet");
    expect(sets.map((s) => s.actions!.length)).toEqual([5, 5, 2]);
    expect(seenFromActivity("m", asActivity(card)).questions[0]!.options).toHaveLength(12);
  });

  it("writes the core's text as Teams markdown, with names for mentions, and no links from typed names", () => {
    const names = new Map([
      ["aad-1", "Anders Berg"],
      ["19:c@thread.tacv2", "Styregruppe"],
    ]);
    expect(inline("*Sund By* (coordinator)")).toBe("**Sund By** (coordinator)");
    const mentions: MentionEntity[] = [];
    expect(richInline([{ t: "text", text: "Owner " }, { t: "person", id: "aad-1" }, { t: "text", text: ", digests to " }, { t: "channel", id: "19:c@thread.tacv2" }], names, mentions)).toBe("Owner <at>Anders Berg</at>, digests to #Styregruppe");
    expect(mentions).toEqual([{ type: "mention", text: "<at>Anders Berg</at>", mentioned: { id: "aad-1", name: "Anders Berg" } }]);
    expect(richInline([{ t: "person", id: "unknown", name: "Somebody" }, { t: "text", text: " and " }, { t: "person", id: "gone" }], names)).toBe("<at>Somebody</at> and <at>gone</at>");
    // A plain text is never read for mentions: what looks like one is shown as typed.
    expect(inline("<@aad-1> is text")).toBe("<@aad-1> is text");
    expect(inline("[click](https://evil.example)")).not.toMatch(/\]\(/);
    expect(inline("2 * 3 * 4 = 24")).toBe("2 * 3 * 4 = 24");
  });

  it("puts each line of a text in its own TextBlock (a newline is not a line break in every client)", () => {
    const card = renderCard(message("list", [{ type: "text", text: "Members:\n• Anders\n• Fatima" }]), { lang: "en" });
    expect(card.body.map((b) => b.text)).toEqual(["Members:", "• Anders", "• Fatima"]);
  });

  it("shows a text file in the card, and says how much of a long one it left out", () => {
    const rows = Array.from({ length: 500 }, (_, i) => `1,${i},${(i % 25) + 0.5}`).join("\n");
    for (const lang of ["en", "da"] as const) {
      const card = renderCard(message("export", [{ type: "file", filename: "export.csv", mimeType: "text/csv", content: `round,item,score\n${rows}\n` }]), { lang });
      assertValidCard(card);
      const text = seenFromActivity("m", asActivity(card)).text;
      expect(text).toMatch(lang === "en" ? /File: export\.csv \(\d+(\.\d)? KB\)/ : /Fil: export\.csv \(\d+(,\d)? KB\)/);
      expect(text).toMatch(lang === "en" ? new RegExp(`Only the first ${FILE_PREVIEW_LINES} of 501 lines`) : /Kun de første 80 af 501 linjer/);
    }
    const json = renderCard(message("mine", [{ type: "file", filename: "me.json", mimeType: "application/json", content: '{\n  "a": 1\n}' }]), { lang: "en" });
    expect(JSON.stringify(json)).toContain('"\\u00a0\\u00a0\\"a\\": 1"'.replace(/\\u00a0/g, "\u00a0"));
  });

  it("draws bars from the scale's minimum to its maximum", () => {
    expect(textBar(5, 5, 25)).toBe("░░░░░░░░░░");
    expect(textBar(25, 5, 25)).toBe("██████████");
    expect(textBar(15, 5, 25)).toBe("█████░░░░░");
    expect(textBar(null, 5, 25)).toBe("░░░░░░░░░░");
  });

  it("renders the help in both languages within Teams' card size", () => {
    for (const lang of ["en", "da"] as const) assertValidCard(renderCard(helpMessage(lang), { lang }), `help (${lang})`);
  });

  it("the check itself catches cards Teams could not show", () => {
    expect(cardProblems({ type: "AdaptiveCard", version: "1.5", body: [{ type: "Bogus" }] }).join()).toMatch(/Unknown element type "Bogus"/);
    expect(cardProblems({ type: "AdaptiveCard", version: "1.5", body: [{ type: "TextBlock", text: "x", wrap: true, size: "Huge" }] }).join()).toMatch(/Invalid value "Huge"/);
    expect(cardProblems({ type: "AdaptiveCard", version: "1.5", body: [{ type: "ActionSet", actions: Array.from({ length: 6 }, (_, i) => ({ type: "Action.Submit", title: String(i) })) }] }).join()).toMatch(/Maximum number of actions/);
    expect(cardProblems({ type: "AdaptiveCard", version: "1.5", body: [{ type: "ActionSet", actions: [{ type: "Action.Execute", title: "x", verb: "v", data: { value: "1" } }] }] }).join()).toMatch(/Action.Submit fallback/);
    expect(cardProblems({ type: "AdaptiveCard", version: "1.5", body: [{ type: "TextBlock", text: "x".repeat(30_000), wrap: true }] }).join()).toMatch(/bytes/);
  });
});

describe("inline nodes", () => {
  it("renders a person as <at>name</at> with a mention entity, a channel by name, strong as bold", () => {
    const m = message("x", [{ type: "text", text: [{ t: "text", text: "Not yet: " }, { t: "person", id: "aad-carl", name: "carl" }, { t: "text", text: ", " }, { t: "person", id: "aad-dina" }, { t: "text", text: " in " }, { t: "channel", id: "19:abc" }, { t: "text", text: " " }, { t: "strong", text: "late" }] }]);
    const card = renderCard(m, { lang: "en", names: new Map([["aad-carl", "Carl Holm"], ["19:abc", "Styregruppe"]]) });
    assertValidCard(card);
    expect(card.body[0]).toMatchObject({ type: "TextBlock", text: "Not yet: <at>Carl Holm</at>, <at>aad-dina</at> in #Styregruppe **late**" });
    expect(card.msteams?.entities).toEqual([
      { type: "mention", text: "<at>Carl Holm</at>", mentioned: { id: "aad-carl", name: "Carl Holm" } },
      { type: "mention", text: "<at>aad-dina</at>", mentioned: { id: "aad-dina", name: "aad-dina" } },
    ]);
  });
});
