// The house rule: the core's catalogue names no platform. Slack's and Teams' own words live in
// adapters/slack/words.ts and adapters/teams/words.ts (checked beside the core's in i18n.test.ts).
import { describe, it, expect } from "vitest";
import { en } from "../../src/i18n/en.ts";
import { da } from "../../src/i18n/da.ts";

describe("the core's catalogue", () => {
  it("holds no platform's own entries", () => {
    for (const catalogue of [en, da]) expect(Object.keys(catalogue).filter((k) => /^(slack|teams)\./.test(k))).toEqual([]);
  });
});
