// The bot scopes the adapter's code needs, and nothing more. manifest/slack/manifest.yaml lists the
// same set (a test compares them) and OAuth installs ask for exactly these.
export const SLACK_BOT_SCOPES = [
  "commands", // the slash command
  "chat:write", // polls, digests, replacing a card after a button press (chat.postMessage, chat.update)
  "im:write", // conversations.open: a direct message to each partner
  "files:write", // files.uploadV2: CSV exports and personal-data exports
  "users:read", // users.info: a person's name and Slack locale (their language until they choose one)
] as const;
// views.publish, views.open and auth.test need no scope.

export type SlackBotScope = (typeof SLACK_BOT_SCOPES)[number];
