// Teams' own words: what only the Teams adapter says (private replies, its welcome, its failure
// reply, a file as a card with a download link). The core's catalogue (src/i18n) names no
// platform; these entries are formatted by its rules, via format().
import { catalogue, type Entry } from "../../src/i18n/i18n.ts";

const en = {
  "answered-privately": "{name}, I have answered you in our private chat.",
  "private-failed": "{name}, I could not write to you privately. Open Partnerpuls under Apps in Teams, start a chat with it, and type the command there.",
  "here-needs-channel": "`channel=here` means the channel you type it in: mention @Partnerpuls in that channel and type the command there.",
  "unknown-mention": "I do not know {name} yet: Partnerpuls has to be installed for them, or in a team they are in, before they can take part.",
  "welcome": "Hello, I am Partnerpuls. I run your partnership's check-ins with the VicHealth Partnerships Analysis Tool: short polls for partners, status and reminders for coordinators, digests for the steering group.\nA coordinator types `@Partnerpuls partnership create \"Name\" channel=here` in the channel that should get the digests. Everyone else: chat with me privately and type `help`.",
  "error": "Sorry, something went wrong on my side. Please try again in a moment.",
  "file": "File: {filename} ({size})",
  "file-truncated": "Only the first {shown} of {n} lines fit in a Teams message.",
  "file-download": "Download {filename}",
  "file-link-note": { one: "The link works for {n} hour. Anyone who has it can download the file, so keep it to yourself.", other: "The link works for {n} hours. Anyone who has it can download the file, so keep it to yourself." },
  "file-no-link": "The whole file is too large for a Teams message. To get files like this as a download link, whoever runs Partnerpuls sets PARTNERPULS_PUBLIC_URL to the bot's public https address.",
  "file-link-failed": "I could not make a download link for {filename} just now. Please try the command again in a moment.",
  // The Teams command menu (adapters/teams/menu.ts): one description per list and command.
  "menu.personal.help": "Show the commands, or one of them: help checkin",
  "menu.personal.status": "Who has answered the current check-in (never what)",
  "menu.personal.partnership.list": "The partnerships you are in",
  "menu.personal.action.list": "The follow-up actions agreed at meetings",
  "menu.personal.action.done": "Mark an action done: action done 3",
  "menu.personal.checkin.start": "Coordinators: send the checklist to every partner, e.g. checkin start deadline=14d",
  "menu.personal.checkin.close": "Coordinators: close the check-in and post the digest",
  "menu.personal.remind": "Coordinators: send the poll again to everyone who has not finished",
  "menu.personal.digest": "Coordinators: post the digest of the latest check-in now",
  "menu.personal.language": "The language I write to you in: language da, language en",
  "menu.personal.mydata.export": "Everything Partnerpuls holds about you",
  "menu.personal.partnership.create": "Start a partnership: partnership create \"Name\" (type it in a channel with channel=here to send digests there)",
  "menu.channel.partnership.create": "Start a partnership whose digests come here: partnership create \"Name\" channel=here",
  "menu.channel.set": "Coordinators: send this partnership's digests to this channel",
  "menu.channel.member.add": "Coordinators: member add @person org=\"Organisation\" roles=partner",
  "menu.channel.action.add": "Coordinators: action add \"What was agreed\" owner=@person due=2026-12-31",
  "menu.channel.status": "Who has answered the current check-in; the answer comes to you privately",
  "menu.channel.help": "Show the commands; the answer comes to you privately",
} satisfies Record<string, Entry>;

export type TeamsKey = keyof typeof en;

const da: Record<TeamsKey, Entry> = {
  "answered-privately": "{name}, jeg har svaret dig i vores private chat.",
  "private-failed": "{name}, jeg kunne ikke skrive til dig privat. Åbn Partnerpuls under Apps i Teams, start en chat med den, og skriv kommandoen der.",
  "here-needs-channel": "`kanal=her` betyder den kanal, du skriver det i: nævn @Partnerpuls i den kanal, og skriv kommandoen der.",
  "unknown-mention": "Jeg kender ikke {name} endnu: Partnerpuls skal være installeret for vedkommende eller i et team, vedkommende er med i, før de kan deltage.",
  "welcome": "Hej, jeg er Partnerpuls. Jeg styrer jeres partnerskabs runder med VicHealth Partnerships Analysis Tool: korte afstemninger for partnere, status og påmindelser for koordinatorer, opsummeringer for styregruppen.\nEn koordinator skriver `@Partnerpuls partnerskab opret \"Navn\" kanal=her` i den kanal, der skal have opsummeringerne. Alle andre: skriv til mig privat, og skriv `hjælp`.",
  "error": "Beklager, noget gik galt hos mig. Prøv igen om lidt.",
  "file": "Fil: {filename} ({size})",
  "file-truncated": "Kun de første {shown} af {n} linjer kan være i en Teams-besked.",
  "file-download": "Hent {filename}",
  "file-link-note": { one: "Linket virker i {n} time. Alle, der har det, kan hente filen, så del det ikke med andre.", other: "Linket virker i {n} timer. Alle, der har det, kan hente filen, så del det ikke med andre." },
  "file-no-link": "Hele filen er for stor til en Teams-besked. Hvis filer som denne skal komme som et downloadlink, skal den, der driver Partnerpuls, sætte PARTNERPULS_PUBLIC_URL til botens offentlige https-adresse.",
  "file-link-failed": "Jeg kunne ikke lave et downloadlink til {filename} lige nu. Prøv kommandoen igen om lidt.",
  // The Teams command menu (adapters/teams/menu.ts).
  "menu.personal.help": "Vis kommandoerne, eller én af dem: hjælp runde",
  "menu.personal.status": "Hvem har svaret i den aktuelle runde (aldrig hvad)",
  "menu.personal.partnership.list": "De partnerskaber, du er med i",
  "menu.personal.action.list": "Opfølgningsaftalerne fra møderne",
  "menu.personal.action.done": "Markér en aftale som færdig: aftale færdig 3",
  "menu.personal.checkin.start": "Koordinatorer: send tjeklisten til alle partnere, fx runde start frist=14d",
  "menu.personal.checkin.close": "Koordinatorer: luk runden og send opsummeringen",
  "menu.personal.remind": "Koordinatorer: send afstemningen igen til alle, der ikke er færdige",
  "menu.personal.digest": "Koordinatorer: send opsummeringen af den seneste runde nu",
  "menu.personal.language": "Sproget, jeg skriver til dig på: sprog da, sprog en",
  "menu.personal.mydata.export": "Alt, hvad Partnerpuls har om dig",
  "menu.personal.partnership.create": "Start et partnerskab: partnerskab opret \"Navn\" (skriv det i en kanal med kanal=her for at sende opsummeringer dertil)",
  "menu.channel.partnership.create": "Start et partnerskab, hvis opsummeringer kommer her: partnerskab opret \"Navn\" kanal=her",
  "menu.channel.set": "Koordinatorer: send partnerskabets opsummeringer til denne kanal",
  "menu.channel.member.add": "Koordinatorer: medlem tilføj @person org=\"Organisation\" roller=partner",
  "menu.channel.action.add": "Koordinatorer: aftale tilføj \"Det aftalte\" ansvarlig=@person dato=2026-12-31",
  "menu.channel.status": "Hvem har svaret i den aktuelle runde; svaret kommer til dig privat",
  "menu.channel.help": "Vis kommandoerne; svaret kommer til dig privat",
};

/** Both languages, the same keys and placeholders in each (checked by test/core/i18n.test.ts), and the lookup. */
export const { words: teamsWords, text: teamsText } = catalogue<TeamsKey>(en, da);
