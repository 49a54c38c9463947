// The behaviour suite against the Teams adapter, on each database: Bot Framework activities in,
// the connector played by a local fake, the whole app (core, outbox, courier) in between.
import { describeEachDatabase } from "../support/databases.ts";
import { behaviourSuite } from "./suite.ts";
import { teamsDriver } from "./drivers/teams.ts";

describeEachDatabase("behaviour: Teams", (db) => {
  behaviourSuite(() => teamsDriver(db()));
});
