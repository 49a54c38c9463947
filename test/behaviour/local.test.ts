// The behaviour suite against the local playground adapter, on each database.
import { describeEachDatabase } from "../support/databases.ts";
import { behaviourSuite } from "./suite.ts";
import { localDriver } from "./drivers/local.ts";

describeEachDatabase("behaviour: local playground", (db) => {
  behaviourSuite(() => localDriver(db()));
});
