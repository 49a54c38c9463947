// Schedules: rounds and digests on a rhythm, and the clock jobs that run them.
import type { Message } from "../messages/model.ts";
import { textMessage, plainOf } from "../messages/model.ts";
import { type Command } from "../commands/parse.ts";
import { t, tn, formatDateTime } from "../i18n/i18n.ts";
import { deadlineFrom } from "../domain/rounds.ts";
import { listMessage } from "../messages/build.ts";
import { z } from "zod";
import { JobQueue, type NewJob } from "../jobs/queue.ts";
import type { JobOutcome } from "../clock/clock.ts";
import type { ClaimedJob } from "../jobs/queue.ts";
import { parseRhythm, rhythmErrorText, nextOccurrence, describeRhythm, RhythmSchema } from "../clock/recurrence.ts";
import { UserError, type Tx, type PartnershipRow, type Context, type CoreContext } from "./context.ts";

export class Schedules {
  constructor(readonly c: CoreContext) {}

  async setSchedule(ctx: Context, p: PartnershipRow, cmd: Extract<Command, { name: "schedule.set" }>): Promise<Message> {
    const parsed = parseRhythm(cmd.rhythm);
    if (!parsed.ok) throw new UserError("err.rhythm", { reason: rhythmErrorText(parsed.error, ctx.lang) }, "schedule");
    if (cmd.kind === "round") await this.c.rounds.planRound(p, cmd.instrument, cmd.sections ?? "all", new Date(8.64e15), null); // checks instrument, sections, partners now, not at 09:00 next quarter
    const now = this.c.now();
    const next = nextOccurrence(parsed.rhythm, now, p.timeZone);
    if (!next) throw new UserError("err.rhythm", { reason: rhythmErrorText({ code: "never" }, ctx.lang) }, "schedule");
    const data = {
      rhythm: parsed.rhythm as object, rhythmText: cmd.rhythm, instrumentKey: cmd.instrument ?? null,
      sectionIds: cmd.sections && cmd.sections !== "all" ? cmd.sections.map(String) : [], windowDays: cmd.windowDays ?? 14,
    };
    await this.c.db.$transaction(async (tx) => {
      const existing = await tx.schedule.findUnique({ where: { partnershipId_kind: { partnershipId: p.id, kind: cmd.kind } } });
      if (existing) await tx.job.deleteMany({ where: { workspaceId: p.workspaceId, status: "pending", dedupeKey: { startsWith: `schedule:${existing.id}:` } } });
      const sch = existing
        ? await tx.schedule.update({ where: { id: existing.id }, data })
        : await tx.schedule.create({ data: { ...data, workspaceId: p.workspaceId, partnershipId: p.id, kind: cmd.kind } });
      await JobQueue.enqueue(tx, [this.scheduleJob(sch, next)]);
    });
    const when = formatDateTime(ctx.lang, next, p.timeZone);
    const rhythm = describeRhythm(parsed.rhythm, ctx.lang);
    return textMessage(cmd.kind === "round" ? t(ctx.lang, "ok.schedule-round", { partnership: p.name, rhythm, n: data.windowDays, date: when }) : t(ctx.lang, "ok.schedule-digest", { partnership: p.name, rhythm, date: when }));
  }


  scheduleJob(sch: { id: string; workspaceId: string; kind: string }, at: Date): NewJob {
    return { workspaceId: sch.workspaceId, kind: sch.kind === "round" ? "schedule.round" : "schedule.digest", dueAt: at, dedupeKey: `schedule:${sch.id}:${at.toISOString()}`, payload: { scheduleId: sch.id, at: at.toISOString() } };
  }


  async listSchedules(ctx: Context, p: PartnershipRow): Promise<Message> {
    const schedules = await this.c.db.schedule.findMany({ where: { workspaceId: ctx.workspaceId, partnershipId: p.id }, orderBy: { kind: "desc" } });
    const lines = [];
    for (const s of schedules) {
      const next = await this.c.db.job.findFirst({ where: { workspaceId: ctx.workspaceId, status: "pending", dedupeKey: { startsWith: `schedule:${s.id}:` } }, orderBy: { dueAt: "asc" } });
      lines.push(t(ctx.lang, "schedule.line", { kind: t(ctx.lang, s.kind === "round" ? "schedule.kind.round" : "schedule.kind.digest"), rhythm: describeRhythm(RhythmSchema.parse(s.rhythm), ctx.lang), date: next ? formatDateTime(ctx.lang, next.dueAt, p.timeZone) : "–" }));
    }
    return listMessage(t(ctx.lang, "list.schedules", { partnership: p.name }), lines, t(ctx.lang, "list.no-schedules"));
  }


  async stopSchedule(ctx: Context, p: PartnershipRow, kind: "round" | "digest"): Promise<Message> {
    const kindText = t(ctx.lang, kind === "round" ? "schedule.kind.round" : "schedule.kind.digest");
    const sch = await this.c.db.schedule.findUnique({ where: { partnershipId_kind: { partnershipId: p.id, kind } } });
    if (!sch || sch.workspaceId !== ctx.workspaceId) throw new UserError("err.no-schedule", { kind: kindText }, "schedule");
    await this.c.db.$transaction([
      this.c.db.job.deleteMany({ where: { workspaceId: p.workspaceId, status: "pending", dedupeKey: { startsWith: `schedule:${sch.id}:` } } }),
      this.c.db.schedule.delete({ where: { id: sch.id } }),
    ]);
    return textMessage(t(ctx.lang, "ok.schedule-stopped", { kind: kindText, partnership: p.name }));
  }


  /** The next occurrence after the one that ran (or after now, when catching up: one run, no burst). */
  nextScheduleJobs(sch: { id: string; workspaceId: string; kind: string; rhythm: unknown }, occurrence: Date, now: Date, timeZone: string): NewJob[] {
    const next = nextOccurrence(RhythmSchema.parse(sch.rhythm), occurrence > now ? occurrence : now, timeZone);
    return next ? [this.scheduleJob(sch, next)] : [];
  }


  async runScheduledRound(job: ClaimedJob, now: Date): Promise<JobOutcome> {
    const pl = z.object({ scheduleId: z.string(), at: z.string() }).parse(job.payload);
    const sch = await this.c.db.schedule.findFirst({ where: { id: pl.scheduleId, workspaceId: job.workspaceId }, include: { partnership: true, workspace: true } });
    if (!sch) return { status: "skipped", note: "schedule stopped" };
    const p = sch.partnership;
    const occurrence = new Date(pl.at);
    const next = this.nextScheduleJobs(sch, occurrence, now, p.timeZone);
    // The window counts from the occurrence, not from a late run: catch-up never stretches it.
    const closesAt = deadlineFrom({ kind: "days", days: sch.windowDays }, occurrence, p.timeZone);
    const enqueueNext = async (tx: Tx) => void (await JobQueue.enqueue(tx, next));
    // After downtime: a round whose answer window has passed is not worth opening.
    if (closesAt <= now) return { status: "skipped", note: `missed: its window closed ${closesAt.toISOString()}`, effect: enqueueNext };
    let plan;
    try {
      plan = await this.c.rounds.planRound(p, sch.instrumentKey ?? undefined, sch.sectionIds.length ? sch.sectionIds.map(Number) : "all", closesAt, null);
    } catch (e) {
      if (e instanceof UserError) return { status: "skipped", note: `cannot open: ${plainOf(tn("en", e.key, e.params))}`, effect: enqueueNext };
      throw e;
    }
    const ws = this.c.wsRefOf(sch.workspace);
    const open = await this.c.openRound(p.workspaceId, p.id, now);
    if (open) return { status: "skipped", note: `round ${open.number} is still open`, effect: enqueueNext };
    return {
      status: "done",
      effect: async (tx) => {
        await this.c.rounds.createRoundTx(tx, p, plan, now);
        await enqueueNext(tx);
      },
    };
  }


  async runScheduledDigest(job: ClaimedJob, now: Date): Promise<JobOutcome> {
    const pl = z.object({ scheduleId: z.string(), at: z.string() }).parse(job.payload);
    const sch = await this.c.db.schedule.findFirst({ where: { id: pl.scheduleId, workspaceId: job.workspaceId }, include: { partnership: true, workspace: true } });
    if (!sch) return { status: "skipped", note: "schedule stopped" };
    const next = this.nextScheduleJobs(sch, new Date(pl.at), now, sch.partnership.timeZone);
    const enqueueNext = async (tx: Tx) => void (await JobQueue.enqueue(tx, next));
    // The digest's id is the job's: a retried job cannot record or send it twice.
    const prepared = await this.c.digests.prepareDigest(this.c.db, this.c.wsRefOf(sch.workspace), sch.partnership, undefined, "schedule", job.id);
    if (!prepared) return { status: "skipped", note: "no rounds yet", effect: enqueueNext };
    return {
      status: "done",
      effect: async (tx) => {
        await prepared.write(tx);
        await enqueueNext(tx);
      },
    };
  }


}
