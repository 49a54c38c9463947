// With an app id, every request to /api/messages must carry a Bot Framework token for this bot:
// signed by a key the OpenID metadata publishes, issued by the Bot Framework, for our app id and
// the activity's serviceUrl. Anything else is refused with 401 before anything is stored or sent.
import { it, expect, beforeAll, afterAll } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { loadConfig } from "../../src/config.ts";
import { startApp } from "../../adapters/main.ts";
import { FakeTeams, FakeTokenIssuer, TeamsWorld, postActivity } from "../support/fake-teams.ts";

const APP_ID = "6a0b8c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d";
const TENANT = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";

describeEachDatabase("Teams: authentication", (db) => {
  let fake: FakeTeams;
  let issuer: FakeTokenIssuer;
  let app: Awaited<ReturnType<typeof startApp>>;
  let world: TeamsWorld;
  const anders = TeamsWorld.person("anders", "Anders Berg", "da-DK");
  const logs: string[] = [];

  beforeAll(async () => {
    fake = await FakeTeams.start();
    issuer = await FakeTokenIssuer.start();
    world = new TeamsWorld(fake.url, { tenantId: TENANT });
    const env = {
      PORT: "0",
      PARTNERPULS_PLAYGROUND: "off",
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: "not-used-no-message-goes-out",
      MicrosoftAppType: "SingleTenant",
      MicrosoftAppTenantId: TENANT,
      ...issuer.env(),
    };
    const log = console.log;
    console.log = (...args: unknown[]) => void logs.push(args.join(" "));
    try {
      app = await startApp(loadConfig(env), db(), env);
    } finally {
      console.log = log;
    }
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
    await issuer?.close();
  });

  const rows = async () => ({
    conversations: await db().prisma.teamsConversation.count(),
    workspaces: await db().prisma.workspace.count(),
    people: await db().prisma.person.count(),
    calls: fake.calls.length,
  });
  const nothing = { conversations: 0, workspaces: 0, people: 0, calls: 0 };

  it("refuses a request without a token, and stores and sends nothing", async () => {
    const r = await postActivity(app.server.url, world.personalMessage(anders, "partnership create \"Sneaky\""));
    expect(r.status).toBe(401);
    expect(await rows()).toEqual(nothing);
  });

  it("refuses tokens that are not the Bot Framework's for this bot", async () => {
    const activity = world.installPersonal(anders);
    const serviceUrl = fake.url;
    const tokens = {
      garbage: "not.a.jwt",
      "signed with an unpublished key": await issuer.token({ aud: APP_ID, serviceUrl, signWith: "stranger" }),
      "for another bot": await issuer.token({ aud: "11111111-2222-4333-8444-555555555555", serviceUrl }),
      "from another issuer": await issuer.token({ aud: APP_ID, serviceUrl, iss: "https://sts.example.org/" }),
      "for another serviceUrl": await issuer.token({ aud: APP_ID, serviceUrl: "https://smba.trafficmanager.net/emea/" }),
      expired: await issuer.token({ aud: APP_ID, serviceUrl, expiresIn: Math.floor(Date.now() / 1000) - 3600 }),
      "with an unknown key id": await issuer.token({ aud: APP_ID, serviceUrl, kid: "someone-elses-key" }),
    };
    // botbuilder prints each failed verification; the test asserts them instead.
    const error = console.error;
    console.error = () => undefined;
    try {
      for (const [what, token] of Object.entries(tokens)) {
        const r = await postActivity(app.server.url, activity, token);
        expect(r.status, what).toBe(401);
      }
    } finally {
      console.error = error;
    }
    expect(await rows()).toEqual(nothing);
    expect(app.adapters.teams?.health()).toMatchObject({ rejected: 8 });
  });

  it("accepts a valid token: the installation is stored", async () => {
    const activity = world.installPersonal(anders);
    const r = await postActivity(app.server.url, activity, await issuer.token({ aud: APP_ID, serviceUrl: fake.url }));
    expect(r.status).toBe(200);
    expect(issuer.metadataRequests).toBeGreaterThan(0);
    const stored = await db().prisma.teamsConversation.findUnique({ where: { tenantId_key: { tenantId: TENANT, key: `user:${anders.aadObjectId}` } } });
    expect(stored?.reference).toMatchObject({ user: { id: anders.id, aadObjectId: anders.aadObjectId }, personal: { conversation: { id: world.personalConversation(anders).id }, serviceUrl: fake.url } });
    // A personal install says nothing: Teams shows the app's description and command menu.
    expect(fake.calls).toHaveLength(0);
  });
});
