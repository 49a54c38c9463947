// The bot scopes the adapter's code needs, and nothing more. manifest/slack/manifest.yaml lists the
// same set (a test compares them) and OAuth installs ask for exactly these.
export const SLACK_BOT_SCOPES = [
  "commands", // the slash command
  "chat:write", // polls, digests, replacing a card after a button press (chat.postMessage, chat.update)
  "im:write", // conversations.open: a direct message to each partner
  "files:write", // files.uploadV2: CSV exports and personal-data exports
  "users:read", // users.info: a person's name and Slack locale (their language until they choose one)
  // conversations.history, only after a crash, and only the latest 15 messages: whether a poll or
  // digest the killed process was posting landed (found by its metadata), so it is not posted twice.
  "im:history", // a partner's DM with the bot (read-only for them: it holds only the bot's messages)
  "channels:history", // a partnership's home channel, public
  "groups:history", // a partnership's home channel, private
  // conversations.members: who is in a meeting's channel already, so the agenda goes by DM only to those who are not.
  "channels:read",
  "groups:read",
] as const;
// views.publish, views.open and auth.test need no scope.

export type SlackBotScope = (typeof SLACK_BOT_SCOPES)[number];
