// The one command parser every adapter uses. Text in, a validated command or a parse error out;
// it never throws and never touches the database. It splits the line into words and options
// (tokenize.ts), finds the form in the command table (table.ts) by its words in either language
// (vocabulary.ts), checks the options and the number of words, and lets the form read the rest.
import { tokenize } from "./tokenize.ts";
import { Command } from "./command.ts";
import { COMMAND_TABLE, SUBCOMMAND_WHAT, isParseError, type Args, type CommandForm, type ParseError, type Topic } from "./table.ts";
import { commandWord, optionWord, nearestWord, type CommandWord } from "./vocabulary.ts";

export { Command, type CommandName } from "./command.ts";
export { COMMAND_TABLE, TOPICS, topicWho, whoMayRun, type CommandForm, type ParseError, type Topic, type Who } from "./table.ts";
export { SECTORS, ROLES, isTimeZone, parseDateSpec, parseDateTime, parseSections, type DateSpec, type Sector, type Role } from "./values.ts";
export { parseUserRef, parseChannelRef, personToken, channelToken, userText } from "./mentions.ts";

export type ParseResult = { ok: true; command: Command } | ({ ok: false } & ParseError);

const MAX_COMMAND_LENGTH = 20_000;

export function parseCommand(text: string): ParseResult {
  try {
    return parseUnsafe(text);
  } catch {
    // The parser is written not to throw; this keeps that promise if it ever does.
    return { ok: false, error: "unknown-command", word: text.slice(0, 40) };
  }
}

/** The parser without its safety net: tests use it to show the net is never needed. */
export function parseCommandUnguarded(text: string): ParseResult {
  return parseUnsafe(text);
}

/** The forms that start with a command word, in table order. */
const FORMS_BY_HEAD = new Map<string, CommandForm[]>();
for (const form of COMMAND_TABLE) FORMS_BY_HEAD.set(form.words[0], [...(FORMS_BY_HEAD.get(form.words[0]) ?? []), form]);

/** The form that `head sub …` names, or the error that says why none does. */
function formFor(head: string, sub: string | undefined, typedSub: string | undefined): CommandForm | ParseError | undefined {
  const forms = FORMS_BY_HEAD.get(head);
  if (!forms) return undefined;
  // `report revoke` before `report`: a second word that names a form wins over a one-word form.
  const form = forms.find((f) => f.words.length > 1 && f.words[1] === sub) ?? forms.find((f) => f.words.length === 1);
  if (form) return form;
  const what = SUBCOMMAND_WHAT[head as keyof typeof SUBCOMMAND_WHAT] ?? "subcommand";
  const usage = forms[0]!.topic;
  if (!typedSub) return { error: "missing", what, usage };
  const near = nearestWord(typedSub, forms.map((f) => f.words[1]!));
  return { error: "invalid", what, value: typedSub, usage, ...(near ? { suggestion: `${head} ${near}` } : {}) };
}

function parseUnsafe(raw: string): ParseResult {
  if (raw.length > MAX_COMMAND_LENGTH) return { ok: false, error: "too-many", value: raw.slice(0, 40), usage: "help" };
  // A form that takes the rest of the line (instrument JSON) gets it before the tokenizer splits it.
  const rawLine = /^\s*(\S+)\s+(\S+)\s+([\s\S]+)$/.exec(raw);
  if (rawLine) {
    const form = formFor(commandWord(rawLine[1]) ?? "", commandWord(rawLine[2]), rawLine[2]);
    if (form && !isParseError(form) && form.raw) return run(form, [rawLine[3]!], new Map());
  }

  const tk = tokenize(raw);
  if (!tk.ok) return { ok: false, error: "unclosed-quote" };
  const { words, options: typedOptions } = tk.tokens;
  if (words.length === 0) return typedOptions.size ? { ok: false, error: "unknown-command", word: [...typedOptions.keys()][0]! } : { ok: false, error: "empty" };
  const options = new Map<string, string>();
  for (const [k, v] of typedOptions) options.set(optionWord(k), v);

  const head = commandWord(words[0]);
  const form = head === undefined ? undefined : formFor(head, commandWord(words[1]), words[1]);
  if (form === undefined) {
    // A mistyped command word: the nearest one, with the subcommand typed after it if that is one of its own.
    const near = nearestWord(words[0]!, [...FORMS_BY_HEAD.keys()] as CommandWord[]);
    const sub = near && commandWord(words[1]);
    const suggestion = near ? (sub && FORMS_BY_HEAD.get(near)!.some((f) => f.words[1] === sub) ? `${near} ${sub}` : near) : undefined;
    return { ok: false, error: "unknown-command", word: words[0]!.slice(0, 40), ...(suggestion ? { suggestion } : {}) };
  }
  if (isParseError(form)) return { ok: false, ...form };

  for (const k of options.keys())
    if (k !== "partnership" && !(form.options as readonly string[] | undefined)?.includes(k)) return { ok: false, error: "unknown-option", option: k, usage: form.topic };
  const args = words.slice(form.words.length);
  if (args.length > (form.args ?? 0)) return { ok: false, error: "too-many", value: args[form.args ?? 0]!, usage: form.topic };
  return run(form, args, options);
}

function run(form: CommandForm, args: readonly string[], options: ReadonlyMap<string, string>): ParseResult {
  const usage = form.topic;
  const a: Args = {
    args,
    options,
    missing: (what) => ({ error: "missing", what, usage }),
    invalid: (what, value) => ({ error: "invalid", what, value, usage }),
  };
  const read = form.read ? form.read(a) : {};
  if (isParseError(read)) return { ok: false, ...read };
  const partnership = options.get("partnership");
  // Commands about oneself take no partnership; the others may name one.
  const candidate = { ...read, name: form.name, ...(form.who !== "anyone" && partnership !== undefined ? { partnership } : {}) };
  return finish(candidate, usage);
}

function finish(candidate: Record<string, unknown>, usage: Topic): ParseResult {
  const r = Command.safeParse(candidate);
  if (r.success) return { ok: true, command: r.data };
  const issue = r.error.issues[0];
  const what = String(issue?.path[0] ?? "value");
  const value = String(candidate[what] ?? "");
  return { ok: false, error: "invalid", what, value: value.slice(0, 60), usage };
}
