// The Teams command menu: the commands Teams offers under the message box (the app manifest's
// bots[0].commandLists), as data that names forms of the command table. A title is the form's
// own words as they are spelled in the language (src/commands/vocabulary.ts), plus any words an
// entry adds after them; a description is one of Teams' own texts (words.ts, `menu.<list>.<form>`).
// scripts/package-teams.ts writes the lists into manifest.json and da.json: nobody writes them by hand.
import type { Lang } from "../../src/i18n/i18n.ts";
import type { CommandName } from "../../src/commands/command.ts";
import { COMMAND_TABLE, type CommandForm } from "../../src/commands/table.ts";
import { spelled } from "../../src/commands/vocabulary.ts";
import { teamsText, teamsWords, type TeamsKey } from "./words.ts";

export type MenuScope = "personal" | "team" | "groupChat";

export interface MenuItem {
  /** the command table's form, by its name (a name with several forms cannot be a menu entry) */
  form: CommandName;
  /** words after the form's own, in each language */
  then?: Readonly<Record<Lang, string>>;
}

export interface MenuList {
  /** names the list's descriptions in words.ts: `menu.<id>.<form>` */
  id: "personal" | "channel";
  scopes: readonly MenuScope[];
  items: readonly MenuItem[];
}

/** Teams' limits for a bot's command menu, from the manifest schema (v1.30: bots[].commandLists). */
export const MENU_LIMITS = { lists: 3, commands: 12, title: 128, description: 4000 } as const;

export const TEAMS_MENU: readonly MenuList[] = [
  {
    id: "personal",
    scopes: ["personal"],
    items: [
      { form: "help" },
      { form: "status" },
      { form: "partnership.list" },
      { form: "action.list" },
      { form: "action.done" },
      { form: "checkin.start" },
      { form: "checkin.close" },
      { form: "remind" },
      { form: "digest" },
      { form: "language", then: { en: "da", da: "en" } },
      { form: "mydata.export" },
      { form: "partnership.create" },
    ],
  },
  {
    // in a channel or group chat `here` is where it is typed (the Teams adapter reads it so)
    id: "channel",
    scopes: ["team", "groupChat"],
    items: [
      { form: "partnership.create" },
      { form: "set", then: { en: "channel here", da: "kanal her" } },
      { form: "member.add" },
      { form: "action.add" },
      { form: "status" },
      { form: "help" },
    ],
  },
];

/** The one table form a menu entry names. */
export function menuForm(item: MenuItem): CommandForm {
  const forms = COMMAND_TABLE.filter((f) => f.name === item.form);
  if (forms.length !== 1) throw new Error(`Teams menu: "${item.form}" names ${forms.length} forms of the command table, not one`);
  return forms[0]!;
}

/** The catalogue key of a menu entry's description. */
export function menuKey(list: MenuList, item: MenuItem): TeamsKey {
  const key = `menu.${list.id}.${item.form}`;
  if (!Object.hasOwn(teamsWords.en, key)) throw new Error(`Teams menu: adapters/teams/words.ts has no "${key}"`);
  return key as TeamsKey;
}

export interface TeamsCommandList {
  scopes: MenuScope[];
  commands: { title: string; description: string }[];
}

/** The manifest's bots[0].commandLists in a language; throws if Teams would refuse them. */
export function commandLists(lang: Lang, menu: readonly MenuList[] = TEAMS_MENU): TeamsCommandList[] {
  if (menu.length > MENU_LIMITS.lists) throw new Error(`Teams menu: ${menu.length} lists; Teams takes at most ${MENU_LIMITS.lists}`);
  return menu.map((list) => {
    if (list.items.length > MENU_LIMITS.commands) throw new Error(`Teams menu "${list.id}": ${list.items.length} commands; Teams takes at most ${MENU_LIMITS.commands}`);
    const commands = list.items.map((item) => {
      const words = menuForm(item).words.map((w) => spelled(w, lang));
      const title = [...words, ...(item.then ? [item.then[lang]] : [])].join(" ");
      const description = teamsText(lang, menuKey(list, item));
      if (title.length > MENU_LIMITS.title) throw new Error(`Teams menu: the title "${title}" is longer than ${MENU_LIMITS.title} characters`);
      if (description.length > MENU_LIMITS.description) throw new Error(`Teams menu: the description of "${title}" is longer than ${MENU_LIMITS.description} characters`);
      return { title, description };
    });
    return { scopes: [...list.scopes], commands };
  });
}
