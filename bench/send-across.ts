// A round sent to 1,000 partners of one partnership spread over five workspaces on two
// platforms: three Slack workspaces (installed by OAuth, each with its own token and its own
// budget) and two Teams tenants. The courier paces each workspace under its own platform's limits;
// the fakes enforce them per workspace (Slack: 50 chat.postMessage/s per team; Teams: its
// per-conversation and per-tenant limits) and also answer 429 to every 100th call. Prints the
// duration, each workspace's ceiling (its partners at its platform's limit), losses and duplicates as one
// JSON line.
//
//   npx tsx bench/send-across.ts
import { performance } from "node:perf_hooks";
import { openDatabase } from "../src/store/database.ts";
import { loadConfig } from "../src/config.ts";
import { startApp } from "../adapters/main.ts";
import { ConversationStore } from "../adapters/teams/store.ts";
import type { Actor } from "../src/ports.ts";
import { FakeSlack, type FakeTeam } from "../test/support/fake-slack.ts";
import { FakeTeams, TEAMS_PUBLISHED_LIMITS, TeamsWorld, personalConversationId } from "../test/support/fake-teams.ts";
import { SIGNING_SECRET } from "../test/slack/payloads.ts";

const PER_WORKSPACE = 200;
const SLACK_PER_SECOND = 50;
const team = (i: number): FakeTeam => ({ teamId: `T0ORG${i}`, teamName: `Organisation ${i}`, domain: `org${i}`, botUserId: `U0BOT${i}`, botId: `B0BOT${i}` });
const SLACK_TEAMS = [team(1), team(2), team(3)];
const TENANTS = ["6d2a0c1e-1111-4b8b-9c3d-000000000001", "6d2a0c1e-2222-4b8b-9c3d-000000000002"];

const log = console.log;
console.log = (...args: unknown[]) => console.error(...args);
const slack = await FakeSlack.start({ teams: SLACK_TEAMS, tokens: Object.fromEntries(SLACK_TEAMS.map((t) => [`xoxb-fake-${t.teamId}`, t.teamId])) });
slack.limit({ kind: "rate", n: SLACK_PER_SECOND, retryAfterS: 1, methods: "chat.postMessage", perTeam: true });
slack.limit({ kind: "every", n: 100, retryAfterS: 1 });
const teams = await FakeTeams.start({ enforceLimits: true, throttleEvery: 100, retryAfterSeconds: 1 });
const db = await openDatabase({ url: "memory://" });
const env = {
  PORT: "0",
  PARTNERPULS_PLAYGROUND: "off",
  TEAMS_LOCAL: "1",
  SLACK_CLIENT_ID: slack.clientId,
  SLACK_CLIENT_SECRET: slack.clientSecret,
  SLACK_STATE_SECRET: "a-long-random-state-secret",
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  SLACK_API_URL: slack.apiUrl,
  // 95 % of the fake's limit, as in bench/send.ts.
  SLACK_MESSAGES_PER_MINUTE: String(SLACK_PER_SECOND * 57),
};
const app = await startApp(loadConfig(env), db, env, { clock: false });
try {
  // Each Slack workspace installed the app (the rows an OAuth install leaves); each Teams person installed it in their chat.
  for (const t of SLACK_TEAMS)
    await db.prisma.slackInstallation.create({ data: { key: `-:${t.teamId}`, teamId: t.teamId, botUserId: t.botUserId, botToken: `xoxb-fake-${t.teamId}`, installation: { team: { id: t.teamId }, bot: { token: `xoxb-fake-${t.teamId}`, userId: t.botUserId, id: t.botId }, isEnterpriseInstall: false } } });
  const store = new ConversationStore(db.prisma);
  const worlds = TENANTS.map((tenantId) => new TeamsWorld(teams.url, { tenantId }));
  const teamsPeople = worlds.map((w, k) => Array.from({ length: PER_WORKSPACE }, (_, i) => TeamsWorld.person(`t${k}p${String(i).padStart(4, "0")}`, `Partner ${k}.${i}`, "en-GB")));
  for (const [k, w] of worlds.entries())
    for (const p of teamsPeople[k]!) {
      const conversation = w.personalConversation(p);
      const reference = { channelId: "msteams", serviceUrl: w.serviceUrl, bot: { ...w.bot }, conversation: { id: conversation.id, conversationType: "personal", tenantId: w.tenantId, isGroup: false }, user: { id: p.id, name: p.name, aadObjectId: p.aadObjectId }, locale: p.locale };
      await store.rememberUser(w.tenantId, { user: { id: p.id, aadObjectId: p.aadObjectId, name: p.name }, personal: reference, locale: p.locale }, true);
      await store.rememberConversation(w.tenantId, reference);
    }

  // The partnership is the first Slack workspace's; its partners are people of all five, in bulk.
  const coord: Actor = { workspace: { platform: "slack", externalId: SLACK_TEAMS[0]!.teamId }, userId: "U0COORD" };
  await app.core.command(coord, 'partnership create "Across" language=en');
  const p = await db.prisma.partnership.findFirstOrThrow({ where: { name: "Across" } });
  const slackUsers = SLACK_TEAMS.map((t, k) => Array.from({ length: PER_WORKSPACE }, (_, i) => `U${k}${String(i).padStart(5, "0")}`));
  const homes = [
    ...SLACK_TEAMS.map((t, k) => ({ platform: "slack", externalId: t.teamId, users: slackUsers[k]! })),
    ...worlds.map((w, k) => ({ platform: "teams", externalId: w.tenantId, users: teamsPeople[k]!.map((x) => x.aadObjectId) })),
  ];
  for (const h of homes) {
    const ws = await db.prisma.workspace.upsert({ where: { platform_externalId: { platform: h.platform, externalId: h.externalId } }, create: { platform: h.platform, externalId: h.externalId, name: h.externalId }, update: {} });
    await db.prisma.person.createMany({ data: h.users.map((u) => ({ workspaceId: ws.id, platformUserId: u, displayName: u })) });
    const people = await db.prisma.person.findMany({ where: { workspaceId: ws.id, platformUserId: { in: h.users } } });
    await db.prisma.membership.createMany({ data: people.map((x) => ({ workspaceId: p.workspaceId, partnershipId: p.id, personId: x.id, roles: ["partner"] })) });
  }

  const t0 = performance.now();
  await app.core.command(coord, "checkin start sections=1");
  await app.courier.settle(600_000);
  const seconds = (performance.now() - t0) / 1000;

  const slackCounts = slack.deliveryCounts(slackUsers.flat().map((u) => slack.dmChannel(u)));
  let teamsLosses = 0;
  let teamsDuplicates = 0;
  for (const p of teamsPeople.flat()) {
    const n = teams.messages(personalConversationId(p.id)).length;
    if (n === 0) teamsLosses++;
    else teamsDuplicates += n - 1;
  }
  // Each workspace's ceiling: its partners at its platform's limit (Slack 50 posts a second, Teams
  // 30 requests a second per tenant); they run side by side, so the round's is the slowest's.
  const ceilings = { slack: PER_WORKSPACE / SLACK_PER_SECOND, teams: +(PER_WORKSPACE / TEAMS_PUBLISHED_LIMITS.perTenant[0]!.count).toFixed(1) };
  const ceiling = Math.max(ceilings.slack, ceilings.teams);
  console.log = log;
  console.log(
    JSON.stringify({
      partners: PER_WORKSPACE * homes.length,
      workspaces: { slack: SLACK_TEAMS.length, teams: TENANTS.length },
      seconds: +seconds.toFixed(1),
      ceilings,
      ofCeiling: +((ceiling / seconds) * 100).toFixed(0),
      rateLimited: { slack: slack.calls.filter((c) => c.status === 429).length, teams: teams.calls.filter((c) => c.status === 429).length },
      losses: slackCounts.losses + teamsLosses,
      duplicates: slackCounts.duplicates + teamsDuplicates,
      courier: app.courier.stats,
    }),
  );
} finally {
  await app.shutdown();
  await slack.close();
  await teams.close();
}
