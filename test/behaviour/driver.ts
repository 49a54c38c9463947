// What the behaviour suite needs from a platform: type a command as a person, read what the bot
// showed them, press a button. Each driver speaks its platform's real protocol underneath and
// reports what a person would see, so the suite itself never changes per platform.

export interface SeenButton {
  label: string;
  selected: boolean;
}

export interface SeenQuestion {
  prompt: string;
  options: SeenButton[];
}

export interface Seen {
  /** the platform's id of the message (updates keep it) */
  id: string;
  /** every visible text of the message, joined by newlines */
  text: string;
  questions: SeenQuestion[];
  /** buttons outside questions (navigation, "mark done") */
  buttons: SeenButton[];
  bars: { label: string; display: string }[];
  /** the message's text fields, by their visible label, with what they hold */
  fields: { label: string; value: string }[];
  /** its pictures as the person's client got them (a PNG uploaded or fetched, an SVG inline), with their alt text */
  images: { alt: string; bytes: Buffer }[];
}

export interface BehaviourDriver {
  readonly name: string;
  /** `more`: five more people, for a partnership of seven organisations (two people in the coordinator's) */
  readonly people: { coordinator: string; partners: [string, string, string]; more: [string, string, string, string, string] };
  /** how a person is written in a command on this platform */
  mention(userId: string): string;
  /** the channel digests go to, as written in a command */
  readonly channelRef: string;
  command(userId: string, text: string): Promise<Seen>;
  /** the bot's direct messages to this person, oldest first, as they look now */
  dms(userId: string): Promise<Seen[]>;
  /**
   * press the button labelled `label` (in question `question`, if given) of a message, with
   * `typed` typed into its fields first (by label; the others keep what they hold). Returns what
   * the press answered apart from the card, for the presser alone (a form, an error), if anything.
   */
  press(userId: string, message: Seen, label: string, question?: number, typed?: Record<string, string>): Promise<Seen | undefined>;
  channelMessages(): Promise<Seen[]>;
  /** moves the bot's clock to `when` (deliveries keep real time) and lets everything due by then happen */
  at(when: Date): Promise<void>;
  close(): Promise<void>;
}

export type DriverFactory = () => Promise<BehaviourDriver>;
