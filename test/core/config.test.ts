import { describe, it, expect } from "vitest";
import { loadConfig, ConfigError } from "../../src/config.ts";

describe("configuration", () => {
  it("has working defaults", () => {
    expect(loadConfig({})).toEqual({ PORT: 3978, HOST: "127.0.0.1", DATABASE_URL: "./data", PARTNERPULS_LANGUAGE: "en", PARTNERPULS_TIMEZONE: "Europe/Copenhagen", PARTNERPULS_PLAYGROUND: "on", PARTNERPULS_CLOCK_TICK: "*/30 * * * * *", PARTNERPULS_CLOCK_LEASE_SECONDS: 120, PARTNERPULS_JOB_RETENTION_DAYS: 30, LOG_LEVEL: "info", PARTNERPULS_REPORT_DAYS: 14, PARTNERPULS_SHUTDOWN_SECONDS: 20 });
  });

  it("takes a report link's life in days (1–90) and a public address with no query", () => {
    expect(loadConfig({ PARTNERPULS_REPORT_DAYS: "30", PARTNERPULS_PUBLIC_URL: "https://puls.example.org/bot" })).toMatchObject({ PARTNERPULS_REPORT_DAYS: 30, PARTNERPULS_PUBLIC_URL: "https://puls.example.org/bot" });
    expect(() => loadConfig({ PARTNERPULS_REPORT_DAYS: "0" })).toThrow(/PARTNERPULS_REPORT_DAYS/);
    expect(() => loadConfig({ PARTNERPULS_REPORT_DAYS: "365" })).toThrow(/PARTNERPULS_REPORT_DAYS/);
    expect(() => loadConfig({ PARTNERPULS_PUBLIC_URL: "https://puls.example.org/?x=1" })).toThrow(/PARTNERPULS_PUBLIC_URL: must be an http\(s\) address/);
  });

  it("refuses a clock tick that is not a cron expression, and a lease too short to finish a job", () => {
    expect(() => loadConfig({ PARTNERPULS_CLOCK_TICK: "every minute" })).toThrow(/PARTNERPULS_CLOCK_TICK: must be a cron expression/);
    expect(() => loadConfig({ PARTNERPULS_CLOCK_LEASE_SECONDS: "1" })).toThrow(/PARTNERPULS_CLOCK_LEASE_SECONDS/);
    expect(loadConfig({ PARTNERPULS_CLOCK_TICK: "*/5 * * * * *", PARTNERPULS_INSTANCE: "bot-1" })).toMatchObject({ PARTNERPULS_CLOCK_TICK: "*/5 * * * * *", PARTNERPULS_INSTANCE: "bot-1" });
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
