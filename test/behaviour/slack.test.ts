// The behaviour suite against the Slack adapter, on each database: signed requests in, Slack's
// Web API played by a local fake, the whole app (core, outbox, courier) in between.
import { describeEachDatabase } from "../support/databases.ts";
import { behaviourSuite } from "./suite.ts";
import { slackDriver } from "./drivers/slack.ts";

describeEachDatabase("behaviour: Slack", (db) => {
  behaviourSuite(() => slackDriver(db()));
});
