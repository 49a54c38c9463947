// Checks an Adaptive Card with the Adaptive Cards SDK itself (the `adaptivecards` package): its
// parser reports unknown element and action types and invalid property values, its validator
// too many actions, unsupported versions and duplicate ids. Parsing and validating need no DOM,
// so no shim: the package's UMD bundle loads in Node as it is (its ESM build does not: it imports
// without file extensions). On top, what the SDK lets pass but Teams would not show well.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
interface ACModule {
  AdaptiveCard: new () => { parse(json: unknown, context: unknown): void; validateProperties(): { validationEvents: { message: string }[] } };
  SerializationContext: new () => { eventCount: number; getEventAt(i: number): { message: string } };
  GlobalSettings: { enableFullJsonRoundTrip: boolean };
}
const AC = require("adaptivecards/dist/adaptivecards.js") as ACModule;

/** Teams refuses cards larger than about 28 KB. */
export const MAX_CARD_BYTES = 28 * 1024;

type Node = Record<string, unknown> & { type?: string };

export function cardProblems(card: unknown): string[] {
  const problems: string[] = [];
  const sdkCard = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  sdkCard.parse(card, context);
  for (let i = 0; i < context.eventCount; i++) problems.push(`parse: ${context.getEventAt(i).message}`);
  for (const e of sdkCard.validateProperties().validationEvents) problems.push(`validate: ${e.message}`);

  const c = card as Node;
  if (c.type !== "AdaptiveCard") problems.push("not an AdaptiveCard");
  if (c.version !== "1.5") problems.push(`version ${String(c.version)}, expected 1.5`);
  const bytes = Buffer.byteLength(JSON.stringify(card));
  if (bytes > MAX_CARD_BYTES) problems.push(`${bytes} bytes: Teams takes at most ${MAX_CARD_BYTES}`);
  const ids = new Set<string>();
  const walk = (n: Node, path: string) => {
    if (typeof n.id === "string") {
      if (ids.has(n.id)) problems.push(`${path}: duplicate id ${n.id}`);
      ids.add(n.id);
    }
    if (n.type === "TextBlock" && (typeof n.text !== "string" || n.text === "")) problems.push(`${path}: TextBlock without text`);
    if (n.type === "TextBlock" && n.wrap !== true) problems.push(`${path}: TextBlock without wrap (Teams would cut it off)`);
    if (n.type === "Action.Execute") {
      if (!n.title) problems.push(`${path}: action without title`);
      if (typeof n.verb !== "string" || !n.verb) problems.push(`${path}: Action.Execute without verb`);
      const fb = n.fallback as Node | undefined;
      const data = fb?.data as { actionId?: unknown; value?: unknown } | undefined;
      if (fb?.type !== "Action.Submit" || data?.actionId !== n.verb || typeof data?.value !== "string")
        problems.push(`${path}: Action.Execute without an Action.Submit fallback carrying {actionId, value}`);
      if (typeof (n.data as { value?: unknown } | undefined)?.value !== "string") problems.push(`${path}: Action.Execute data without a value`);
    }
    for (const key of ["body", "items", "actions", "columns", "facts"]) {
      const children = n[key];
      if (Array.isArray(children)) children.forEach((ch, i) => typeof ch === "object" && ch && walk(ch as Node, `${path}.${key}[${i}]`));
    }
  };
  walk(c, "card");
  return problems;
}

/** Throws with every problem of the card, if it has any. */
export function assertValidCard(card: unknown, where = "card"): void {
  const problems = cardProblems(card);
  if (problems.length) throw new Error(`${where} is not a valid Adaptive Card:\n  ${problems.join("\n  ")}\n${JSON.stringify(card).slice(0, 2000)}`);
}

/** Every card in a message activity's attachments. */
export function cardsOf(activity: Record<string, unknown>): unknown[] {
  return ((activity.attachments as { contentType: string; content: unknown }[] | undefined) ?? [])
    .filter((a) => a.contentType === "application/vnd.microsoft.card.adaptive")
    .map((a) => a.content);
}

/** What is wrong with the cards of a message activity (for FakeTeams' checkMessage). */
export function messageProblems(activity: Record<string, unknown>): string[] {
  return cardsOf(activity).flatMap((card) => cardProblems(card));
}
