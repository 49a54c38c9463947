import { describe, it, expect } from "vitest";
import { loadConfig, ConfigError } from "../../src/config.ts";

describe("configuration", () => {
  it("has working defaults", () => {
    expect(loadConfig({})).toEqual({ PORT: 3978, HOST: "127.0.0.1", DATABASE_URL: "./data", PARTNERPULS_LANGUAGE: "en", PARTNERPULS_TIMEZONE: "Europe/Copenhagen", PARTNERPULS_PLAYGROUND: "on" });
  });

  it("stops with a message naming each wrong variable", () => {
    expect(() => loadConfig({ PORT: "eighty", PARTNERPULS_TIMEZONE: "Mars/Olympus", PARTNERPULS_LANGUAGE: "sv" })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: "eighty", PARTNERPULS_TIMEZONE: "Mars/Olympus" });
    } catch (e) {
      expect((e as Error).message).toMatch(/PORT: /);
      expect((e as Error).message).toMatch(/PARTNERPULS_TIMEZONE: must be an IANA time zone/);
      expect((e as Error).message).toMatch(/README\.md/);
    }
  });
});
