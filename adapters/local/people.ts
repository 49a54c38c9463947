// The playground's cast: a coordinator and four partners from different sectors. They are
// identities only; the partnership itself is created with commands, as in Slack or Teams. Most
// work in the municipality's workspace, which the page draws like Slack; the university's partner
// works in a workspace of her own, drawn like Teams, so one partnership shows people of two
// organisations on two platforms.
export interface PlaygroundPerson {
  id: string;
  name: string;
  organisation: string;
  sector: string;
  locale: string;
  /** the workspace they work in (PLAYGROUND_WORKSPACES), and how the page draws it */
  workspace: "playground" | "university";
}

export const PLAYGROUND_WORKSPACE = { platform: "local", externalId: "playground", name: "Aarhus Kommune" } as const;
/** Each organisation's own workspace, and the look the page gives it. */
export const PLAYGROUND_WORKSPACES = {
  playground: { ...PLAYGROUND_WORKSPACE, look: "slack" },
  university: { platform: "local", externalId: "aarhus-universitet", name: "Aarhus Universitet", look: "teams" },
} as const;

export const PLAYGROUND_PEOPLE: readonly PlaygroundPerson[] = [
  { id: "mette", name: "Mette Holm", organisation: "Aarhus Kommune", sector: "municipality", locale: "da-DK", workspace: "playground" },
  { id: "anders", name: "Anders Berg", organisation: "Region Midtjylland", sector: "region", locale: "da-DK", workspace: "playground" },
  { id: "fatima", name: "Fatima Ali", organisation: "Diabetesforeningen", sector: "ngo", locale: "da-DK", workspace: "playground" },
  { id: "lars", name: "Lars Nielsen", organisation: "Steno Diabetes Center", sector: "research", locale: "en-GB", workspace: "playground" },
  { id: "rikke", name: "Rikke Holt", organisation: "Aarhus Universitet", sector: "research", locale: "da-DK", workspace: "university" },
];

/**
 * More people the playground's API can act as, for a partnership of real size (5–20
 * organisations). The page shows the cast only; the guests are there for scripts and tests that
 * drive the API, and join a partnership only when a coordinator adds them.
 */
export const PLAYGROUND_GUESTS: readonly PlaygroundPerson[] = [
  { id: "sofie", name: "Sofie Jensen", organisation: "Aarhus Kommune", sector: "municipality", locale: "da-DK", workspace: "playground" },
  { id: "jonas", name: "Jonas Madsen", organisation: "Aarhus Kommune", sector: "municipality", locale: "en-GB", workspace: "playground" },
  { id: "ida", name: "Ida Larsen", organisation: "VIA University College", sector: "research", locale: "da-DK", workspace: "playground" },
  { id: "mikkel", name: "Mikkel Poulsen", organisation: "DGI Østjylland", sector: "ngo", locale: "en-GB", workspace: "playground" },
  { id: "emma", name: "Emma Kristensen", organisation: "Falck", sector: "private", locale: "da-DK", workspace: "playground" },
];

export const PLAYGROUND_CHANNEL = "styregruppe";

/**
 * The commands a coordinator types to set up the demo partnership, shown and run by the page, in
 * the page's language: its command words, and a partnership in that language. The university's
 * partner is not added by mention but invited: the page has her type `join` with the code in her
 * own workspace, and the coordinator approves (POST /local/api/demo-join).
 */
export const DEMO_SETUP_COMMANDS: Readonly<Record<"en" | "da", readonly string[]>> = {
  en: [
    `partnership create "Sund By" channel=#${PLAYGROUND_CHANNEL} anonymity=confidential language=en`,
    ...PLAYGROUND_PEOPLE.map((p) => `org add "${p.organisation}" sector=${p.sector}`),
    `member add @${PLAYGROUND_PEOPLE[0]!.id} org="${PLAYGROUND_PEOPLE[0]!.organisation}" roles=coordinator,steering`,
    ...PLAYGROUND_PEOPLE.slice(1).map((p) => (p.workspace === "playground" ? `member add @${p.id} org="${p.organisation}" roles=partner` : `partnership invite org="${p.organisation}" uses=1`)),
  ],
  da: [
    `partnerskab opret "Sund By" kanal=#${PLAYGROUND_CHANNEL} anonymitet=fortrolig sprog=da`,
    ...PLAYGROUND_PEOPLE.map((p) => `organisation tilføj "${p.organisation}" sektor=${p.sector}`),
    `medlem tilføj @${PLAYGROUND_PEOPLE[0]!.id} organisation="${PLAYGROUND_PEOPLE[0]!.organisation}" roller=koordinator,styregruppe`,
    ...PLAYGROUND_PEOPLE.slice(1).map((p) => (p.workspace === "playground" ? `medlem tilføj @${p.id} organisation="${p.organisation}" roller=partner` : `partnerskab inviter organisation="${p.organisation}" antal=1`)),
  ],
};
