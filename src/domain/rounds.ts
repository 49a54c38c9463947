// Rounds: which questions a round asks (frozen in a snapshot) and when it closes.
import { z } from "zod";
import type { Instrument, Section, Item } from "../instruments/schema.ts";
import { Instrument as InstrumentSchema } from "../instruments/schema.ts";
import type { DateSpec } from "../commands/parse.ts";
import { GENERATED_CHOICE_SET } from "../instruments/catalogue.ts";
import { addDays, localDate, zonedTimeToUtc } from "../time/zone.ts";
import { t } from "../i18n/i18n.ts";

/** The snapshot is the instrument as the round asked it: generated sections materialised. */
export const Snapshot = InstrumentSchema;
export type Snapshot = z.infer<typeof Snapshot>;

export interface OrganisationLike {
  id: string;
  name: string;
}

/**
 * Builds the round's snapshot: keeps the chosen sections, and turns "generate" sections into
 * concrete items (one per purpose, or current + desired level per pair of organisations).
 */
export function snapshotFor(
  instrument: Instrument,
  sectionIds: string[],
  context: { purposes: string[]; organisations: OrganisationLike[] },
): { ok: true; snapshot: Snapshot } | { ok: false; reason: "no-purposes" | "too-few-organisations" } {
  const sections: Section[] = [];
  // Every section is kept (so a partial round can be told from a complete one); only the asked
  // ones are materialised.
  for (const s of instrument.sections) {
    if (!sectionIds.includes(s.id)) sections.push(s);
    else if (s.generate === "purposes") {
      if (context.purposes.length === 0) return { ok: false, reason: "no-purposes" };
      const choices = GENERATED_CHOICE_SET.purposes;
      const items: Item[] = context.purposes.map((p, i) => ({
        id: `${s.id}.p${i + 1}`,
        kind: "choice",
        choices,
        text: { en: p, da: p },
      }));
      sections.push({ ...s, generate: undefined, items: [...items, ...s.items] });
    } else if (s.generate === "organisation-pairs") {
      const orgs = context.organisations;
      if (orgs.length < 2) return { ok: false, reason: "too-few-organisations" };
      const choices = GENERATED_CHOICE_SET["organisation-pairs"];
      const items: Item[] = [];
      // One link per pair, today and wanted; each is asked only of the pair's own two organisations.
      for (let a = 0; a < orgs.length; a++)
        for (let b = a + 1; b < orgs.length; b++) {
          const pair = `${orgs[a]!.name} ↔ ${orgs[b]!.name}`;
          const between: [string, string] = [orgs[a]!.id, orgs[b]!.id];
          const names: [string, string] = [orgs[a]!.name, orgs[b]!.name];
          for (const aspect of ["now", "want"] as const)
            items.push({
              id: `${s.id}.${a + 1}-${b + 1}.${aspect}`,
              kind: "choice",
              choices,
              text: { en: `${pair}: ${t("en", `map.${aspect}`)}`, da: `${pair}: ${t("da", `map.${aspect}`)}` },
              link: { between, names, aspect },
            });
        }
      sections.push({ ...s, generate: undefined, items: [...items, ...s.items] });
    } else sections.push(s);
  }
  return { ok: true, snapshot: Snapshot.parse({ ...instrument, sections }) };
}

// Time-zone arithmetic lives in src/time/zone.ts; these names stay here for their callers.
export { zonedTimeToUtc, localDate } from "../time/zone.ts";

/** A deadline is the end of the named local day (23:59 in the partnership's zone). */
export function deadlineFrom(spec: DateSpec, now: Date, timeZone: string): Date {
  const { year, month, day } = spec.kind === "date" ? spec : addDays(localDate(now, timeZone), spec.days);
  return zonedTimeToUtc(year, month, day, 23, 59, timeZone);
}

/** A due date is a calendar date: stored at UTC midnight of that date. */
export function dueDateFrom(spec: DateSpec, now: Date, timeZone: string): Date {
  if (spec.kind === "date") return new Date(Date.UTC(spec.year, spec.month - 1, spec.day));
  const { year, month, day } = addDays(localDate(now, timeZone), spec.days);
  return new Date(Date.UTC(year, month - 1, day));
}

/** Today's date in a time zone, as the UTC midnight that due dates are stored at. */
export function todayIn(timeZone: string, now: Date): Date {
  const { year, month, day } = localDate(now, timeZone);
  return new Date(Date.UTC(year, month - 1, day));
}

/** An action is overdue once its due date has passed in the partnership's time zone. */
export function isOverdue(dueDate: Date | null, now: Date, timeZone: string): boolean {
  return dueDate !== null && dueDate < todayIn(timeZone, now);
}

export function sectionItems(snapshot: Snapshot) {
  return snapshot.sections.map((s) => ({
    id: s.id,
    ratingItemIds: s.items.filter((i) => i.kind === "rating").map((i) => i.id),
    choiceItemIds: s.items.filter((i) => i.kind === "choice").map((i) => i.id),
  }));
}
