// Instruments are versioned data: an organisation can replace the wording with its own licensed
// or translated text without touching code. Every file is validated by this schema on load.
import { z } from "zod";

export const Language = z.enum(["en", "da"]);
export type Language = z.infer<typeof Language>;

/** Text in both languages the product speaks. */
export const Localised = z.object({ en: z.string().min(1), da: z.string().min(1) });
export type Localised = z.infer<typeof Localised>;

const ItemId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "item ids are short lowercase slugs");

/**
 * Whether partners may answer "don't know": excluded from means and shown as a count. Off unless
 * said, and off for the VicHealth checklist, whose total needs every statement rated.
 */
const DontKnow = z.boolean().optional();

/** A statement rated on the instrument's scale (1 = strongly disagree … 5 = strongly agree). */
export const RatingItem = z.object({ id: ItemId, kind: z.literal("rating"), text: Localised, dontKnow: DontKnow });
/**
 * A link of the partner map, on an item a round generates: the two organisations (ids and names as
 * the round opened) and whether it asks about the link today or the one wanted. Only people of those
 * two organisations are asked it (src/domain/partner-map.ts).
 */
export const Link = z.object({
  between: z.tuple([z.string().min(1), z.string().min(1)]),
  names: z.tuple([z.string().min(1), z.string().min(1)]),
  aspect: z.enum(["now", "want"]),
});
export type Link = z.infer<typeof Link>;

/** A question answered by picking one of the instrument's choices (e.g. a continuum level). */
export const ChoiceItem = z.object({
  id: ItemId,
  kind: z.literal("choice"),
  text: Localised,
  choices: z.string().min(1), // key into instrument.choiceSets
  dontKnow: DontKnow,
  link: Link.optional(),
});
export const Item = z.discriminatedUnion("kind", [RatingItem, ChoiceItem]);
export type Item = z.infer<typeof Item>;

/**
 * A section is answered as one pulse poll. `generate` sections have no fixed items: they are
 * built when a round opens, from the partnership's purposes (activity 1) or from each pair of
 * its organisations (activity 2), and frozen in the round's snapshot.
 */
export const Section = z.object({
  id: ItemId,
  title: Localised,
  intro: Localised.optional(),
  generate: z.enum(["purposes", "organisation-pairs"]).optional(),
  /**
   * Partners may add one optional comment on the section ("what would help?"). It is shown only
   * with the round's released results, unattributed and in no order of arrival.
   */
  comments: z.boolean().optional(),
  items: z.array(Item),
});
export type Section = z.infer<typeof Section>;

export const Choice = z.object({ value: ItemId, label: Localised, description: Localised.optional() });
export type Choice = z.infer<typeof Choice>;

/** Bands on the total of a complete checklist; the cut-offs are rough guides. */
export const Band = z.object({
  id: ItemId,
  min: z.number().int(),
  max: z.number().int(),
  label: Localised,
  advice: Localised,
});
export type Band = z.infer<typeof Band>;

export const Instrument = z
  .object({
    key: ItemId,
    version: z.number().int().positive(),
    title: Localised,
    description: Localised,
    credit: Localised,
    scale: z
      .object({
        min: z.literal(1),
        max: z.number().int().min(2).max(10),
        labels: z.object({ en: z.array(z.string().min(1)), da: z.array(z.string().min(1)) }),
      })
      .optional(),
    choiceSets: z.record(z.string(), z.array(Choice).min(2)).default({}),
    sections: z.array(Section).min(1),
    bands: z.array(Band).default([]),
  })
  .superRefine((inst, ctx) => {
    const ids = new Set<string>();
    for (const s of inst.sections) {
      if (ids.has(s.id)) ctx.addIssue({ code: "custom", message: `duplicate section id ${s.id}` });
      ids.add(s.id);
      if (!s.generate && s.items.length === 0)
        ctx.addIssue({ code: "custom", message: `section ${s.id} has no items` });
      for (const it of s.items) {
        if (ids.has(it.id)) ctx.addIssue({ code: "custom", message: `duplicate item id ${it.id}` });
        ids.add(it.id);
        if (it.kind === "rating" && !inst.scale)
          ctx.addIssue({ code: "custom", message: `rating item ${it.id} needs a scale` });
        if (it.kind === "choice" && !inst.choiceSets[it.choices])
          ctx.addIssue({ code: "custom", message: `item ${it.id} uses unknown choices ${it.choices}` });
      }
    }
    if (inst.scale) {
      const n = inst.scale.max - inst.scale.min + 1;
      if (inst.scale.labels.en.length !== n || inst.scale.labels.da.length !== n)
        ctx.addIssue({ code: "custom", message: `scale needs ${n} labels in each language` });
    }
  });
export type Instrument = z.infer<typeof Instrument>;
