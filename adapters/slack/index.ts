// The Slack adapter's public face for the composition root (adapters/main.ts):
//   const slackConfig = slackConfigFrom(process.env);
//   const slack = slackConfig && (await createSlackAdapter({ core, prisma }, slackConfig));
export { slackConfigFrom, DEFAULT_SLACK_COMMAND, type SlackConfig } from "./config.ts";
export { createSlackAdapter, SLACK_INSTALL_PATH, SLACK_REDIRECT_PATH, type SlackAdapter } from "./adapter.ts";
export { SLACK_BOT_SCOPES } from "./scopes.ts";
export { SLACK_EVENTS_PATH } from "./receiver.ts";
export { SlackChatPort, slackLimits, SLACK_LIMITS_DEFAULT } from "./port.ts";
