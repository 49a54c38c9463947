// The playground's cast: a coordinator and three partners from different sectors. They are
// identities only; the partnership itself is created with commands, as in Slack or Teams.
export interface PlaygroundPerson {
  id: string;
  name: string;
  organisation: string;
  sector: string;
  locale: string;
}

export const PLAYGROUND_WORKSPACE = { platform: "local", externalId: "playground", name: "Playground" } as const;

export const PLAYGROUND_PEOPLE: readonly PlaygroundPerson[] = [
  { id: "mette", name: "Mette Holm", organisation: "Aarhus Kommune", sector: "municipality", locale: "da-DK" },
  { id: "anders", name: "Anders Berg", organisation: "Region Midtjylland", sector: "region", locale: "da-DK" },
  { id: "fatima", name: "Fatima Ali", organisation: "Diabetesforeningen", sector: "ngo", locale: "da-DK" },
  { id: "lars", name: "Lars Nielsen", organisation: "Steno Diabetes Center", sector: "research", locale: "en-GB" },
];

/**
 * More people the playground's API can act as, for a partnership of real size (5–20
 * organisations). The page shows the cast only; the guests are there for scripts and tests that
 * drive the API, and join a partnership only when a coordinator adds them.
 */
export const PLAYGROUND_GUESTS: readonly PlaygroundPerson[] = [
  { id: "sofie", name: "Sofie Jensen", organisation: "Aarhus Kommune", sector: "municipality", locale: "da-DK" },
  { id: "jonas", name: "Jonas Madsen", organisation: "Aarhus Kommune", sector: "municipality", locale: "en-GB" },
  { id: "ida", name: "Ida Larsen", organisation: "Aarhus Universitet", sector: "research", locale: "da-DK" },
  { id: "mikkel", name: "Mikkel Poulsen", organisation: "DGI Østjylland", sector: "ngo", locale: "en-GB" },
  { id: "emma", name: "Emma Kristensen", organisation: "Falck", sector: "private", locale: "da-DK" },
];

export const PLAYGROUND_CHANNEL = "styregruppe";

/**
 * The commands a coordinator types to set up the demo partnership, shown and run by the page, in
 * the page's language: its command words, and a partnership in that language.
 */
export const DEMO_SETUP_COMMANDS: Readonly<Record<"en" | "da", readonly string[]>> = {
  en: [
    `partnership create "Sund By" channel=#${PLAYGROUND_CHANNEL} anonymity=confidential language=en`,
    ...PLAYGROUND_PEOPLE.map((p) => `org add "${p.organisation}" sector=${p.sector}`),
    `member add @${PLAYGROUND_PEOPLE[0]!.id} org="${PLAYGROUND_PEOPLE[0]!.organisation}" roles=coordinator,steering`,
    ...PLAYGROUND_PEOPLE.slice(1).map((p) => `member add @${p.id} org="${p.organisation}" roles=partner`),
  ],
  da: [
    `partnerskab opret "Sund By" kanal=#${PLAYGROUND_CHANNEL} anonymitet=fortrolig sprog=da`,
    ...PLAYGROUND_PEOPLE.map((p) => `organisation tilføj "${p.organisation}" sektor=${p.sector}`),
    `medlem tilføj @${PLAYGROUND_PEOPLE[0]!.id} organisation="${PLAYGROUND_PEOPLE[0]!.organisation}" roller=koordinator,styregruppe`,
    ...PLAYGROUND_PEOPLE.slice(1).map((p) => `medlem tilføj @${p.id} organisation="${p.organisation}" roller=partner`),
  ],
};
