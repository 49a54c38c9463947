// The Partnerpuls core: commands and button presses in, messages out. Platform-neutral: an
// adapter authenticates the request, builds an Actor and renders what comes back. The work is
// done in rooms, one per part of the domain (src/core/), over one shared context.
import type { PrismaClient } from "./generated/prisma/client.ts";
import type { Actor, MessageRef, Platform, PlatformStore, WorkspaceRef } from "./ports.ts";
import type { Message } from "./messages/model.ts";
import type { Lang } from "./i18n/i18n.ts";
import type { AgreementForm } from "./domain/agreements.ts";
import type { AgreementResult } from "./core/commands.ts";
import type { AfterDelivery, RenderRef } from "./outbox/outbox.ts";
import type { Tx as QueueTx } from "./jobs/queue.ts";
import type { JobHandler } from "./clock/clock.ts";
import { CoreContext, type CoreOptions, type DigestTarget, type DigestTrigger, type PartnershipRow } from "./core/context.ts";
import { Actions, Agendas, Agreements, Comments, Commands, DataRights, Digests, Home, Instruments, Joining, Meetings, MemberPages, Partnerships, Polls, Reports, Rounds, Schedules } from "./core/rooms.ts";
import type { ExportFile } from "./core/digests.ts";

export type { CoreOptions, DigestTarget, DigestTrigger } from "./core/context.ts";
export type { AgreementResult } from "./core/commands.ts";
export type { AgreementForm, AgreementField } from "./domain/agreements.ts";

export class Partnerpuls {
  private readonly c: CoreContext;

  constructor(db: PrismaClient, options: CoreOptions = {}) {
    const c = new CoreContext(db, options);
    c.commands = new Commands(c);
    c.home = new Home(c);
    c.partnerships = new Partnerships(c);
    c.rounds = new Rounds(c);
    c.polls = new Polls(c);
    c.comments = new Comments(c);
    c.digests = new Digests(c);
    c.actions = new Actions(c);
    c.schedules = new Schedules(c);
    c.meetings = new Meetings(c);
    c.agendas = new Agendas(c);
    c.agreements = new Agreements(c);
    c.dataRights = new DataRights(c);
    c.instruments = new Instruments(c);
    c.reports = new Reports(c);
    c.joining = new Joining(c);
    c.memberPages = new MemberPages(c);
    this.c = c;
  }

  /** The report page a link opens (its path segment), or null for any link that does not (tampered, expired, revoked). */
  reportPage = (token: string, lang?: string): Promise<string | null> => this.c.reports.page(token, lang);

  /** A file of the export, downloaded from the report page by its link, or null. */
  reportFile = (token: string, filename: string, lang?: string): Promise<ExportFile | null> => this.c.reports.file(token, filename, lang);

  /** An adapter's own tables about people: erasing a person of that platform makes them forget too. */
  addPlatformStore(platform: Platform, store: PlatformStore): void {
    this.c.platformStores.set(platform, [...(this.c.platformStores.get(platform) ?? []), store]);
  }

  /** The language a person reads: their own choice, else their platform's locale, else the default. Adapters write their own words in it. */
  async languageOf(actor: Actor): Promise<Lang> {
    return (await this.c.context(actor)).lang;
  }

  /** A command typed by a person. The reply is for them alone (ephemeral where the platform can). */
  command(actor: Actor, text: string): Promise<Message> {
    return this.c.commands.command(actor, text);
  }

  /** An agreement from a form (a modal): `action add` by the form's rules; what is wrong comes back by field. */
  agreement(actor: Actor, form: AgreementForm): Promise<AgreementResult> {
    return this.c.commands.agreement(actor, form);
  }

  /**
   * A button press on `card`, the message pressed when the platform says, with the values of the
   * card's input fields by id (as typed; the core checks them). Returns what replaces it, or a short reply.
   */
  action(actor: Actor, actionId: string, value: string, card?: MessageRef, fields?: Record<string, string>): Promise<Message> {
    return this.c.commands.action(actor, actionId, value, card, fields);
  }

  /** A meeting's calendar entry by its signed link (GET /calendar/<token>/meeting-3.ics), or null. */
  calendarFile = (token: string, filename: string): Promise<{ filename: string; content: string } | null> => this.c.meetings.calendarFile(token, filename);

  /** The platform says an online meeting started or ended (Teams' meeting events): the agenda, or the minutes, of the meeting linked to it. */
  onlineMeeting(workspace: WorkspaceRef, onlineMeetingId: string, event: "start" | "end", at: Date): Promise<boolean> {
    return this.c.agendas.onlineMeeting(workspace, onlineMeetingId, event, at);
  }

  /** Who a member page's signed link is for (a member with no chat platform), or null for a link that opens nothing. */
  memberActor = (token: string): Promise<Actor | null> => this.c.memberPages.webActor(token);
  /** The app was uninstalled from a workspace or removed from a tenant (nothing more goes there, and coordinators elsewhere are told), or installed again. */
  workspaceRemoved = (workspace: WorkspaceRef): Promise<number> => this.c.joining.workspaceRemoved(workspace);
  workspaceRestored = (workspace: WorkspaceRef): Promise<void> => this.c.joining.workspaceRestored(workspace);
  /** The courier could not write to a person because they work in another organisation's workspace: their coordinators are offered an invitation for them. */
  personElsewhere = (to: { workspace: WorkspaceRef; userId: string }): Promise<void> => this.c.joining.personElsewhere(to);

  /** What a person has open: polls to answer, actions they own, rounds they coordinate. */
  home(actor: Actor): Promise<Message> {
    return this.c.home.home(actor);
  }

  /** The courier calls this, in the transaction that marks a delivery done. */
  recordDelivery(tx: QueueTx, after: AfterDelivery, ref: MessageRef | null): Promise<void> {
    if (after.type === "agenda.posted") return this.c.agendas.recordCopy(tx, after, ref);
    return this.c.polls.recordDelivery(tx, after, ref);
  }

  /** Builds a message the outbox holds as a reference (polls, closed cards); null: it no longer applies. */
  renderDelivery(ref: RenderRef): Promise<Message | null> {
    if (ref.kind === "meeting.agenda") return this.c.agendas.renderCard(ref);
    return this.c.polls.renderDelivery(ref);
  }

  /** The digest of a round (default: the partnership's latest closed one), in the given language. */
  digestFor(workspaceId: string, partnershipId: string, lang: Lang, roundId?: string): Promise<Message | null> {
    return this.c.digests.digestFor(workspaceId, partnershipId, lang, roundId);
  }

  /** Sends a digest to the home channel, or to the steering members by DM. */
  deliverDigest(ws: WorkspaceRef, p: PartnershipRow, roundId: string | undefined, trigger: DigestTrigger): Promise<DigestTarget> {
    return this.c.digests.deliverDigest(ws, p, roundId, trigger);
  }

  /** Closes a round now (a command or its deadline); null if it was closed already. */
  closeRoundNow(ws: WorkspaceRef, p: PartnershipRow, roundId: string, trigger: DigestTrigger): Promise<DigestTarget | null> {
    return this.c.rounds.closeRoundNow(ws, p, roundId, trigger);
  }

  /** The handlers the clock runs, by job kind. */
  clockHandlers(): Record<string, JobHandler> {
    return {
      "round.close": (job, now) => this.c.rounds.runRoundClose(job, now),
      nudge: (job, now) => this.c.polls.runNudge(job, now),
      "action.remind": (job, now) => this.c.actions.runActionReminder(job, now),
      "schedule.round": (job, now) => this.c.schedules.runScheduledRound(job, now),
      "schedule.digest": (job, now) => this.c.schedules.runScheduledDigest(job, now),
      "meeting.pulse": (job, now) => this.c.meetings.runMeetingPulse(job, now),
      "meeting.agenda": (job, now) => this.c.agendas.runAgenda(job, now),
      "meeting.minutes": (job, now) => this.c.agendas.runMinutes(job, now),
      // Queued by earlier versions, which asked the coordinators for the agreements after the meeting: now the minutes.
      "meeting.followup": (job, now) => this.c.agendas.runMinutes(job, now),
      // Does nothing but get recorded: shows that instances share the work (tests, benchmarks, monitoring).
      probe: async () => ({ status: "done" }),
    };
  }
}
