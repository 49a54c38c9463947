// Teams is configured by botbuilder's own variables. Without an app id nobody's requests can be
// authenticated: that runs only when TEAMS_LOCAL=1 asks for it, and is refused otherwise, saying why.
import { describe, it, expect } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { testDatabases } from "../support/databases.ts";
import { startApp } from "../../adapters/main.ts";
import { teamsConfigFrom, createTeamsAdapter } from "../../adapters/teams/index.ts";

const APP_ID = "6a0b8c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d";
const TENANT = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";

describe("Teams configuration", () => {
  it("is absent when nothing asks for Teams", () => {
    expect(teamsConfigFrom({})).toBeNull();
    expect(teamsConfigFrom({ TEAMS_LOCAL: "0" })).toBeNull();
    expect(teamsConfigFrom({ MicrosoftAppId: "" })).toBeNull();
  });

  it("runs without authentication only when TEAMS_LOCAL=1 says so", () => {
    expect(teamsConfigFrom({ TEAMS_LOCAL: "1" })).toMatchObject({ appId: null, local: true });
  });

  it("refuses to run unauthenticated by accident, naming the variable", () => {
    const refused = (env: NodeJS.ProcessEnv, reason: RegExp) => {
      expect(() => teamsConfigFrom(env)).toThrow(ConfigError);
      expect(() => teamsConfigFrom(env)).toThrow(reason);
    };
    refused({ MicrosoftAppPassword: "secret" }, /MicrosoftAppPassword is set but MicrosoftAppId is empty.*TEAMS_LOCAL=1/s);
    refused({ MicrosoftAppTenantId: TENANT, MicrosoftAppType: "SingleTenant" }, /MicrosoftAppId is empty/);
    refused({ TEAMS_LOCAL: "yes" }, /TEAMS_LOCAL must be 1/);
    refused({ TEAMS_LOCAL: "1", MicrosoftAppId: APP_ID }, /both MicrosoftAppId and TEAMS_LOCAL=1/);
  });

  it("runs without authentication only while the bot listens on this machine", () => {
    for (const HOST of ["127.0.0.1", "127.0.0.53", "localhost", "::1", "[::1]", " 127.0.0.1 "])
      expect(teamsConfigFrom({ TEAMS_LOCAL: "1", HOST }), HOST).toMatchObject({ local: true });
    for (const HOST of ["0.0.0.0", "::", "192.0.2.2", "10.1.2.3", "::ffff:10.1.2.3", "partnerpuls.example.org", "128.0.0.1"]) {
      expect(() => teamsConfigFrom({ TEAMS_LOCAL: "1", HOST }), HOST).toThrow(ConfigError);
      expect(() => teamsConfigFrom({ TEAMS_LOCAL: "1", HOST }), HOST).toThrow(new RegExp(`TEAMS_LOCAL=1 turns authentication off.*HOST is "${HOST.replace(/[.]/g, "\\.")}".*Set HOST=127\\.0\\.0\\.1`, "s"));
    }
    // An authenticated bot may listen anywhere (behind a reverse proxy, say).
    expect(teamsConfigFrom({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: "s3cret", MicrosoftAppTenantId: TENANT, HOST: "0.0.0.0" })).toMatchObject({ local: false });
  });

  it("checks the app registration's settings", () => {
    const full = { MicrosoftAppId: APP_ID, MicrosoftAppPassword: "s3cret", MicrosoftAppTenantId: TENANT };
    expect(teamsConfigFrom(full)).toMatchObject({ appId: APP_ID, appType: "SingleTenant", tenantId: TENANT, local: false });
    expect(() => teamsConfigFrom({ ...full, MicrosoftAppTenantId: "" })).toThrow(/MicrosoftAppTenantId is required when MicrosoftAppType is SingleTenant/);
    expect(() => teamsConfigFrom({ ...full, MicrosoftAppPassword: "" })).toThrow(/MicrosoftAppPassword is required/);
    expect(() => teamsConfigFrom({ ...full, MicrosoftAppId: "partnerpuls" })).toThrow(/MicrosoftAppId must be .* a GUID/);
    expect(() => teamsConfigFrom({ ...full, MicrosoftAppType: "Anyone" })).toThrow(/MicrosoftAppType must be one of/);
    expect(teamsConfigFrom({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: "s", MicrosoftAppType: "MultiTenant" })).toMatchObject({ appType: "MultiTenant", tenantId: null });
    expect(teamsConfigFrom({ MicrosoftAppId: APP_ID, MicrosoftAppType: "UserAssignedMSI", MicrosoftAppTenantId: TENANT })).toMatchObject({ appType: "UserAssignedMSI", appPassword: null });
    // botbuilder's endpoint settings pass through (private clouds, tests)
    expect(teamsConfigFrom({ ...full, ToBotFromChannelOpenIdMetadataUrl: "https://login.example/openid" })?.endpoints).toEqual({ ToBotFromChannelOpenIdMetadataUrl: "https://login.example/openid" });
  });

  it("the adapter itself refuses a configuration without app id that is not local", async () => {
    await expect(
      createTeamsAdapter({ core: {} as never, prisma: {} as never }, { appId: null, appPassword: null, appType: "SingleTenant", tenantId: null, local: false, endpoints: {} }),
    ).rejects.toThrow(/needs MicrosoftAppId/);
  });

  it("the app does not start with a Teams setting that cannot work, and says why", async () => {
    const db = await testDatabases[0]!.open();
    try {
      const env = { PORT: "0", PARTNERPULS_PLAYGROUND: "off", TEAMS_LOCAL: "yes" };
      await expect(startApp(loadConfig(env), db, env)).rejects.toThrow(/Partnerpuls cannot start Teams: TEAMS_LOCAL must be 1/);
      const open = { PORT: "0", PARTNERPULS_PLAYGROUND: "off", TEAMS_LOCAL: "1", HOST: "0.0.0.0" };
      await expect(startApp(loadConfig(open), db, open)).rejects.toThrow(/Partnerpuls cannot start Teams: TEAMS_LOCAL=1 .*HOST is "0\.0\.0\.0"/s);
    } finally {
      await db.close();
    }
  });
});
