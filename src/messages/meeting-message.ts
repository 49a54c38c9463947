// A meeting's messages: the agenda (the latest results in brief, questions for discussion drawn
// from them, open actions, the last meeting's agreements, the coordinator's points, and what has
// been agreed so far, with a button to record more) and the minutes after it.
import type { Lang } from "../i18n/i18n.ts";
import { t, formatDate, formatDateTime, formatDecimal } from "../i18n/i18n.ts";
import type { Inline, Message, RichText } from "./model.ts";
import { message, joinNodes, joinLines } from "./model.ts";
import { userText } from "../commands/parse.ts";
import type { AgreementState } from "../domain/agreements.ts";
import type { DigestView } from "./digest-message.ts";
import type { ItemScore } from "../scoring/score.ts";
import { summedSections, sectionScoreText, totalOf } from "./digest-message.ts";

type BlockIn = Parameters<typeof message>[1][number];

export interface MeetingHead {
  id: string;
  number: number;
  title: string;
  startsAt: Date;
  timeZone: string;
  partnershipName: string;
}

/** An agreement as a meeting's messages list it. */
export interface AgreementLine {
  number: number;
  text: string;
  owner: Inline | null;
  due: Date | null;
  state: AgreementState;
  /** the statement it answers (s3.2) */
  statementId: string | null;
}

export interface AgendaView {
  lang: Lang;
  meeting: MeetingHead;
  /** the latest released results, when there are any */
  results: DigestView | null;
  actions: AgreementLine[];
  previous: { number: number; title: string; agreements: AgreementLine[] } | null;
  points: string[];
  /** recorded at this meeting so far */
  agreed: AgreementLine[];
  /** the minutes went out: the card records nothing more */
  closed: boolean;
}

/** The value of the card's "Record an agreement" button. */
export const recordValue = (meetingId: string) => JSON.stringify({ m: meetingId });

/** One agreement: "#4 Send the plan — @Anders, due 15 Jan (postponed)". */
export function agreementLine(lang: Lang, a: AgreementLine): Inline[] {
  const due = a.due ? t(lang, "action.due", { date: formatDate(lang, a.due, "UTC") }) : t(lang, "action.no-due");
  const state: Inline[] = a.state === "open" ? [] : [{ t: "text", text: " — " }, { t: "strong", text: t(lang, `meeting.state-${a.state}`) }];
  const statement = a.statementId ? ` (${a.statementId})` : "";
  return joinNodes(`• #${a.number} `, userText(a.text), " — ", a.owner ? [a.owner, { t: "text", text: ", " }] : [], due, statement, state);
}

function listText(title: string, lines: RichText[], empty: string): BlockIn {
  return { type: "text", text: lines.length ? joinLines([title, ...lines]) : joinLines([title, empty]) };
}

export const statementText = (v: DigestView, id: string) => v.snapshot.sections.flatMap((s) => s.items).find((x) => x.id === id)!.text[v.lang];

/**
 * The latest results in brief: the total and its band, each section's score, and the sections
 * chart. Posted once, before the agenda card: the card changes as agreements come, the picture does not.
 */
export function resultsBrief(lang: Lang, meeting: MeetingHead, v: DigestView | null): Message {
  const title = t(lang, "agenda.results-title", { title: meeting.title });
  if (!v) return message(title, [{ type: "header", text: title }, { type: "text", text: t(lang, "agenda.no-results") }]);
  const total = totalOf(v);
  const lines = summedSections(v).map((sid) => `• ${v.snapshot.sections.find((s) => s.id === sid)!.title[lang]}: ${sectionScoreText(v, sid)}`);
  const chart = v.charts?.sections;
  return message(title, [
    { type: "header", text: title },
    { type: "text", text: t(lang, "agenda.results-of", { number: v.roundNumber, respondents: v.score.respondents }) },
    ...(total ? [{ type: "text" as const, text: total.band ? `${total.line} — ${total.band.label[lang]}` : total.line }] : []),
    { type: "text", text: lines.join("\n") || t(lang, "agenda.no-results") },
    ...(chart ? [{ type: "image" as const, name: chart.kind, title: chart.title, alt: chart.alt, svg: chart.svg }] : []),
  ]);
}

/** What the meeting discusses: the three lowest-scoring statements, then the three (others) partners see most differently. */
export function discussedStatements(v: DigestView): { low: ItemScore[]; apart: ItemScore[] } {
  const low = v.lowest.slice(0, 3).filter((i) => i.mean !== null);
  return { low, apart: v.divergent.filter((i) => !low.some((l) => l.itemId === i.itemId)).slice(0, 3) };
}

/** The statements above, each as a question for discussion. */
export function discussionQuestions(v: DigestView): string[] {
  const { low, apart } = discussedStatements(v);
  return [
    ...low.map((i) => t(v.lang, "agenda.ask-low", { id: i.itemId, statement: statementText(v, i.itemId), mean: formatDecimal(v.lang, i.mean!) })),
    ...apart.map((i) => t(v.lang, "agenda.ask-divergent", { id: i.itemId, statement: statementText(v, i.itemId), how: i.min !== null ? t(v.lang, "digest.divergent-range", { min: i.min, max: i.max! }) : t(v.lang, "digest.divergent-split") })),
  ];
}

export function agendaMessage(v: AgendaView): Message {
  const { lang, meeting: m } = v;
  const title = t(lang, "agenda.title", { number: m.number, title: m.title });
  const questions = v.results ? discussionQuestions(v.results) : [];
  const blocks: BlockIn[] = [
    { type: "header", text: title },
    { type: "text", text: t(lang, "agenda.when", { partnership: m.partnershipName, date: formatDateTime(lang, m.startsAt, m.timeZone) }) },
    listText(t(lang, "agenda.discuss"), questions.map((q, i) => `${i + 1}. ${q}`), t(lang, "agenda.no-questions")),
  ];
  if (v.points.length) blocks.push(listText(t(lang, "agenda.points"), v.points.map((p) => joinNodes("• ", userText(p))), ""));
  blocks.push(listText(t(lang, "agenda.actions"), v.actions.map((a) => agreementLine(lang, a)), t(lang, "agenda.no-actions")));
  if (v.previous) blocks.push(listText(t(lang, "agenda.previous", { number: v.previous.number, title: v.previous.title }), v.previous.agreements.map((a) => agreementLine(lang, a)), t(lang, "agenda.previous-none")));
  blocks.push({ type: "divider" });
  blocks.push(listText(t(lang, "agenda.agreed"), v.agreed.map((a) => agreementLine(lang, a)), t(lang, "agenda.agreed-none")));
  if (v.closed) blocks.push({ type: "text", text: t(lang, "agenda.closed"), muted: true });
  else blocks.push({ type: "buttons", buttons: [{ label: t(lang, "agenda.record"), actionId: "meeting.record", value: recordValue(m.id), style: "primary" }] });
  return message(title, blocks, { lang });
}

export interface MinutesView {
  lang: Lang;
  meeting: MeetingHead;
  participants: Inline[];
  agreed: AgreementLine[];
  points: string[];
  questions: string[];
}

export function minutesMessage(v: MinutesView): Message {
  const { lang, meeting: m } = v;
  const title = t(lang, "minutes.title", { number: m.number, title: m.title });
  const people: Inline[] = v.participants.flatMap((p, i) => (i === 0 ? [p] : [{ t: "text" as const, text: ", " }, p]));
  const blocks: BlockIn[] = [
    { type: "header", text: title },
    { type: "text", text: t(lang, "agenda.when", { partnership: m.partnershipName, date: formatDateTime(lang, m.startsAt, m.timeZone) }) },
    { type: "text", text: people.length ? joinNodes(t(lang, "minutes.present"), " ", people) : t(lang, "minutes.present-none") },
    listText(t(lang, "minutes.agreed"), v.agreed.map((a) => agreementLine(lang, a)), t(lang, "minutes.agreed-none")),
  ];
  const discussed = [...v.questions, ...v.points];
  if (discussed.length) blocks.push(listText(t(lang, "minutes.discussed"), discussed.map((q) => joinNodes("• ", userText(q))), ""));
  if (v.agreed.some((a) => a.owner && a.due)) blocks.push({ type: "text", text: t(lang, "minutes.reminders"), muted: true });
  return message(title, blocks, { lang });
}
