// The words of the command language, in English and in Danish. Commands, their options and the
// names of settings each have one canonical (English) word, which the table and the core use,
// and the words people may type for it in either language.
import type { Lang } from "../i18n/i18n.ts";
import { distance } from "fastest-levenshtein";

type Words = Record<string, Record<Lang, readonly string[]>>;

/** Command words: the first one or two words of a command, and a few words inside one. */
export const COMMAND_WORDS = {
  help: { en: ["help", "?"], da: ["hjælp", "hjaelp"] },
  partnership: { en: ["partnership"], da: ["partnerskab"] },
  create: { en: ["create", "new"], da: ["opret", "ny"] },
  purpose: { en: ["purpose"], da: ["formål", "formaal"] },
  org: { en: ["org", "organization"], da: ["organisation", "organisationer"] },
  member: { en: ["member", "members"], da: ["medlem", "medlemmer"] },
  add: { en: ["add"], da: ["tilføj", "tilfoej"] },
  remove: { en: ["remove"], da: ["fjern"] },
  erase: { en: ["erase", "delete"], da: ["slet"] },
  confirm: { en: ["confirm"], da: ["bekræft", "bekraeft"] },
  list: { en: ["list", "ls"], da: ["liste", "vis"] },
  checkin: { en: ["checkin", "check-in", "checkins", "round"], da: ["runde", "runder", "tjek"] },
  start: { en: ["start"], da: ["start", "begynd"] },
  close: { en: ["close"], da: ["luk"] },
  status: { en: ["status"], da: ["status"] },
  remind: { en: ["remind", "reminder"], da: ["påmind", "paamind"] },
  digest: { en: ["digest", "digests"], da: ["opsummering", "opsummeringer", "sammenfatning"] },
  action: { en: ["action", "actions"], da: ["aftale", "aftaler", "opfølgning"] },
  done: { en: ["done", "complete"], da: ["færdig", "faerdig"] },
  set: { en: ["set"], da: ["sæt", "saet", "indstil"] },
  language: { en: ["language", "lang"], da: ["sprog"] },
  export: { en: ["export"], da: ["eksport", "eksporter"] },
  report: { en: ["report"], da: ["rapport"] },
  revoke: { en: ["revoke"], da: ["tilbagekald"] },
  csv: { en: ["csv"], da: ["csv"] },
  mydata: { en: ["mydata", "my-data"], da: ["mine-data", "minedata"] },
  instrument: { en: ["instrument", "instruments"], da: ["instrument", "instrumenter"] },
  schedule: { en: ["schedule", "plan"], da: ["planlæg", "planlaeg", "rytme"] },
  stop: { en: ["stop"], da: ["stands", "stop"] },
  meeting: { en: ["meeting", "meetings"], da: ["møde", "moede", "møder"] },
  send: { en: ["send"], da: ["send"] },
  agenda: { en: ["agenda"], da: ["dagsorden"] },
  point: { en: ["point"], da: ["punkt"] },
  link: { en: ["link"], da: ["tilknyt", "forbind"] },
  move: { en: ["move", "reschedule"], da: ["flyt"] },
  nudges: { en: ["nudges", "nudge"], da: ["påmindelser", "paamindelser"] },
  overview: { en: ["overview", "home"], da: ["overblik", "hjem"] },
  invite: { en: ["invite", "invites", "invitation", "invitations"], da: ["inviter", "invitation", "invitationer"] },
  join: { en: ["join"], da: ["deltag", "tilmeld"] },
  web: { en: ["web"], da: ["web", "net"] },
} as const satisfies Words;
export type CommandWord = keyof typeof COMMAND_WORDS;

/** Options, written name=value. */
export const OPTION_WORDS = {
  partnership: { en: ["partnership", "p"], da: ["partnerskab"] },
  purpose: { en: ["purpose"], da: ["formål", "formaal"] },
  language: { en: ["language", "lang"], da: ["sprog"] },
  timezone: { en: ["timezone", "tz"], da: ["tidszone"] },
  anonymity: { en: ["anonymity"], da: ["anonymitet"] },
  channel: { en: ["channel"], da: ["kanal"] },
  sector: { en: ["sector"], da: ["sektor"] },
  org: { en: ["org", "organization"], da: ["organisation"] },
  roles: { en: ["roles", "role"], da: ["roller", "rolle"] },
  instrument: { en: ["instrument"], da: ["instrument"] },
  sections: { en: ["sections", "section"], da: ["afsnit", "sektioner"] },
  deadline: { en: ["deadline"], da: ["frist"] },
  owner: { en: ["owner"], da: ["ansvarlig", "ejer"] },
  due: { en: ["due"], da: ["dato", "forfald"] },
  meeting: { en: ["meeting"], da: ["møde", "moede"] },
  statement: { en: ["statement"], da: ["udsagn"] },
  window: { en: ["window"], da: ["vindue", "svarfrist"] },
  at: { en: ["at"], da: ["tid", "kl", "når"] },
  with: { en: ["with", "participants"], da: ["med", "deltagere"] },
  pulse: { en: ["pulse"], da: ["puls"] },
  length: { en: ["length", "duration"], da: ["varighed", "længde", "laengde"] },
  agenda: { en: ["agenda"], da: ["dagsorden"] },
  valid: { en: ["valid", "days", "expires"], da: ["gyldig", "dage", "udløber", "udloeber"] },
  uses: { en: ["uses", "people"], da: ["antal", "personer"] },
} as const satisfies Words;
export type OptionWord = keyof typeof OPTION_WORDS;

/** The settings `set` changes. */
export const SETTING_WORDS = {
  language: { en: ["language", "lang"], da: ["sprog"] },
  timezone: { en: ["timezone"], da: ["tidszone"] },
  anonymity: { en: ["anonymity"], da: ["anonymitet"] },
  "minimum-n": { en: ["minimum-n", "minimum", "min-n"], da: ["minimum-n", "minimum"] },
  channel: { en: ["channel"], da: ["kanal"] },
  purpose: { en: ["purpose"], da: ["formål", "formaal"] },
  quiet: { en: ["quiet"], da: ["stille", "ro"] },
  "quiet-weekends": { en: ["quiet-weekends"], da: ["stille-weekender"] },
  "by-sector": { en: ["by-sector", "sectors"], da: ["pr-sektor", "sektorer"] },
  nudges: { en: ["nudges", "nudge"], da: ["påmindelser", "paamindelser"] },
} as const satisfies Words;
export type SettingWord = keyof typeof SETTING_WORDS;

/** A lookup from every typed word (lower case) to its canonical word. A Map: never Object.prototype. */
function lookup<W extends string>(words: Record<W, Record<Lang, readonly string[]>>): ReadonlyMap<string, W> {
  const out = new Map<string, W>();
  for (const [canonical, byLang] of Object.entries(words) as [W, Record<Lang, readonly string[]>][]) {
    out.set(canonical, canonical);
    for (const w of [...byLang.en, ...byLang.da]) out.set(w.toLowerCase(), canonical);
  }
  return out;
}

const COMMANDS = lookup(COMMAND_WORDS);
const OPTIONS = lookup(OPTION_WORDS);
const SETTINGS = lookup(SETTING_WORDS);

export const commandWord = (typed: string | undefined): CommandWord | undefined => (typed === undefined ? undefined : COMMANDS.get(typed.toLowerCase()));
/** An option's canonical name; an unknown one as typed, for the error that names it. */
export const optionWord = (typed: string): string => OPTIONS.get(typed.toLowerCase()) ?? typed;
export const settingWord = (typed: string): SettingWord | undefined => SETTINGS.get(typed.toLowerCase());

/**
 * The command word nearest to a mistyped one (`strat` → `start`), among `among`, by edit distance
 * over every spelling in both languages: at most one edit for short words, two for longer ones.
 */
export function nearestWord(typed: string, among: readonly CommandWord[]): CommandWord | undefined {
  const w = typed.toLowerCase();
  const most = w.length <= 4 ? 1 : 2;
  let best: { word: CommandWord; d: number } | undefined;
  for (const word of among)
    for (const spelling of [word, ...COMMAND_WORDS[word].en, ...COMMAND_WORDS[word].da]) {
      const d = distance(w, spelling);
      if (d <= most && (!best || d < best.d)) best = { word, d };
    }
  return best?.word;
}

/** How a canonical command word is written in a language: its first word there. */
export function spelled(word: CommandWord, lang: Lang): string {
  return COMMAND_WORDS[word][lang][0]!;
}
