// What a parsed command is: one zod schema for every command the core runs. The parser builds a
// candidate from the words typed, and this schema is the last check before the core sees it.
import { z } from "zod";
import { SECTORS, ROLES, type DateSpec } from "./values.ts";
import { AGREEMENT_LIMITS } from "../domain/agreements.ts";
import { JOIN_CODE_LIMITS } from "../domain/join-codes.ts";

const Name = z.string().trim().min(1).max(100);
const PartnershipOpt = z.object({ partnership: Name.optional() });
const DateTimeParts = z.object({ year: z.number(), month: z.number(), day: z.number(), hour: z.number(), minute: z.number() });
/** When a meeting's agenda goes out: at a time on its day, or so many minutes before it. */
const AgendaTime = z.union([z.object({ kind: z.literal("time"), hour: z.number().int().min(0).max(23), minute: z.number().int().min(0).max(59) }), z.object({ kind: z.literal("before"), minutes: z.number().int().min(0).max(14 * 24 * 60) })]);
export type AgendaTime = z.infer<typeof AgendaTime>;

export const Command = z.discriminatedUnion("name", [
  z.object({ name: z.literal("help"), topic: z.string().optional() }),
  PartnershipOpt.extend({
    name: z.literal("partnership.create"),
    title: Name,
    purpose: z.string().max(1000).optional(),
    language: z.enum(["en", "da"]).optional(),
    timezone: z.string().optional(),
    anonymity: z.enum(["confidential", "attributed"]).optional(),
    channel: z.string().optional(),
  }),
  z.object({ name: z.literal("partnership.list") }),
  z.object({ name: z.literal("overview") }),
  PartnershipOpt.extend({ name: z.literal("purpose.add"), text: z.string().trim().min(1).max(300) }),
  PartnershipOpt.extend({ name: z.literal("purpose.list") }),
  PartnershipOpt.extend({ name: z.literal("org.add"), title: Name, sector: z.enum(SECTORS) }),
  PartnershipOpt.extend({ name: z.literal("org.list") }),
  PartnershipOpt.extend({
    name: z.literal("member.add"),
    /** a person of the coordinator's workspace, by mention; or */
    userId: z.string().min(1).optional(),
    /** the name of someone with no chat account, who gets a page of their own */
    webName: Name.optional(),
    org: Name.optional(),
    roles: z.array(z.enum(ROLES)).min(1),
  }).refine((c) => (c.userId === undefined) !== (c.webName === undefined)),
  PartnershipOpt.extend({ name: z.literal("member.remove"), userId: z.string().min(1) }),
  PartnershipOpt.extend({ name: z.literal("member.erase"), userId: z.string().min(1), confirmed: z.boolean() }),
  PartnershipOpt.extend({ name: z.literal("member.list") }),
  PartnershipOpt.extend({
    name: z.literal("partnership.invite"),
    org: Name.optional(),
    roles: z.array(z.enum(ROLES)).min(1),
    days: z.number().int().min(1).max(JOIN_CODE_LIMITS.days),
    uses: z.number().int().min(1).max(JOIN_CODE_LIMITS.uses),
  }),
  PartnershipOpt.extend({ name: z.literal("invite.list") }),
  PartnershipOpt.extend({ name: z.literal("invite.revoke"), number: z.number().int().positive() }),
  z.object({ name: z.literal("join"), code: z.string().min(1).max(80) }),
  PartnershipOpt.extend({
    name: z.literal("checkin.start"),
    instrument: z.string().optional(),
    sections: z.union([z.literal("all"), z.array(z.number().int().min(1))]),
    deadline: z.custom<DateSpec>(),
  }),
  PartnershipOpt.extend({ name: z.literal("checkin.close") }),
  PartnershipOpt.extend({ name: z.literal("status") }),
  PartnershipOpt.extend({ name: z.literal("remind") }),
  PartnershipOpt.extend({ name: z.literal("digest") }),
  PartnershipOpt.extend({
    name: z.literal("action.add"),
    text: z.string().trim().min(1).max(AGREEMENT_LIMITS.text),
    ownerId: z.string().optional(),
    due: z.custom<DateSpec>().optional(),
    meeting: z.string().max(AGREEMENT_LIMITS.meeting).optional(),
    /** the digest's statement the agreement answers (s3.2) */
    statementId: z.string().max(64).optional(),
  }),
  PartnershipOpt.extend({ name: z.literal("action.list") }),
  PartnershipOpt.extend({ name: z.literal("action.done"), number: z.number().int().positive() }),
  PartnershipOpt.extend({
    name: z.literal("set"),
    setting: z.discriminatedUnion("key", [
      z.object({ key: z.literal("language"), value: z.enum(["en", "da"]) }),
      z.object({ key: z.literal("timezone"), value: z.string() }),
      z.object({ key: z.literal("anonymity"), value: z.enum(["confidential", "attributed"]) }),
      z.object({ key: z.literal("minimum-n"), value: z.number().int().min(1).max(50) }),
      z.object({ key: z.literal("channel"), value: z.string().min(1) }),
      z.object({ key: z.literal("purpose"), value: z.string().max(1000) }),
      z.object({ key: z.literal("quiet"), from: z.number().int().min(0).max(23), to: z.number().int().min(0).max(23) }),
      z.object({ key: z.literal("quiet-weekends"), value: z.boolean() }),
      z.object({ key: z.literal("by-sector"), value: z.boolean() }),
      z.object({ key: z.literal("nudges"), value: z.array(z.number().int().min(1).max(99)).max(5) }),
    ]),
  }),
  z.object({ name: z.literal("language"), value: z.enum(["en", "da"]) }),
  PartnershipOpt.extend({ name: z.literal("export.csv") }),
  PartnershipOpt.extend({ name: z.literal("report.link") }),
  PartnershipOpt.extend({ name: z.literal("report.revoke") }),
  z.object({ name: z.literal("mydata.export") }),
  z.object({ name: z.literal("mydata.erase"), confirmed: z.boolean() }),
  z.object({ name: z.literal("instrument.list") }),
  z.object({ name: z.literal("instrument.add"), json: z.string() }),
  PartnershipOpt.extend({
    name: z.literal("schedule.set"),
    kind: z.enum(["round", "digest"]),
    rhythm: z.string().min(1).max(200),
    instrument: z.string().optional(),
    sections: z.union([z.literal("all"), z.array(z.number().int().min(1))]).optional(),
    windowDays: z.number().int().min(1).max(90).optional(),
  }),
  PartnershipOpt.extend({ name: z.literal("schedule.list") }),
  PartnershipOpt.extend({ name: z.literal("schedule.stop"), kind: z.enum(["round", "digest"]) }),
  PartnershipOpt.extend({
    name: z.literal("meeting.add"),
    title: z.string().trim().min(1).max(200),
    at: DateTimeParts,
    with: z.array(z.string().min(1)).optional(),
    sections: z.array(z.number().int().min(1)).optional(),
    pulseDays: z.number().int().min(0).max(30).optional(),
    /** how long it lasts, in minutes (default 120): the minutes go out at its end */
    minutes: z.number().int().min(5).max(24 * 60).optional(),
    agenda: AgendaTime.optional(),
  }),
  PartnershipOpt.extend({ name: z.literal("meeting.list") }),
  PartnershipOpt.extend({ name: z.literal("meeting.send"), number: z.number().int().positive() }),
  PartnershipOpt.extend({ name: z.literal("meeting.move"), number: z.number().int().positive(), at: DateTimeParts }),
  PartnershipOpt.extend({ name: z.literal("meeting.agenda"), number: z.number().int().positive() }),
  PartnershipOpt.extend({ name: z.literal("meeting.point"), number: z.number().int().positive(), text: z.string().trim().min(1).max(AGREEMENT_LIMITS.text) }),
  PartnershipOpt.extend({ name: z.literal("meeting.close"), number: z.number().int().positive() }),
  PartnershipOpt.extend({ name: z.literal("meeting.link"), number: z.number().int().positive() }),
  z.object({ name: z.literal("nudges"), on: z.boolean() }),
]);
export type Command = z.infer<typeof Command>;
export type CommandName = Command["name"];
