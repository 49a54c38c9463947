// A round sent to 1,000 partners through the whole stack: the core writes 1,000 deliveries to the
// outbox in one transaction, the courier paces them under the platform's limits and delivers
// through the real adapter (Bolt's WebClient / botbuilder's connector client) to a fake platform
// that enforces its own limit and answers 429 every 100th call. Prints duration, messages sent,
// duplicates and losses per recipient. This is Slack's; bench/send-teams.ts is Teams'.
import { openDatabase } from "../src/store/database.ts";
import { loadConfig } from "../src/config.ts";
import { startApp } from "../adapters/main.ts";
import type { Actor } from "../src/ports.ts";
import { DEFAULT_TEAM, FakeSlack } from "../test/support/fake-slack.ts";
import { SIGNING_SECRET } from "../test/slack/payloads.ts";
import { seedPartners } from "./seed.ts";

const PARTNERS = 1_000;
/** chat.postMessage calls a second the fake allows: the fastest any sender could go */
const POSTS_PER_SECOND = 50;


async function slack() {
  const fake = await FakeSlack.start();
  fake.limit({ kind: "rate", n: POSTS_PER_SECOND, retryAfterS: 1, methods: "chat.postMessage" });
  fake.limit({ kind: "every", n: 100, retryAfterS: 1 });
  const db = await openDatabase({ url: "memory://" });
  const env = {
    PORT: "0",
    PARTNERPULS_PLAYGROUND: "off",
    SLACK_BOT_TOKEN: `xoxb-fake-${DEFAULT_TEAM.teamId}`,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    // The fake allows 50 chat.postMessage a second; the default budget (50 a minute) is Slack's safe
    // floor. 95 % of the fake's limit: posts reach it a little after their slots, by varying amounts,
    // and a budget of all 50 would carry a few into the next second's count.
    SLACK_MESSAGES_PER_MINUTE: String(POSTS_PER_SECOND * 57),
  };
  const app = await startApp(loadConfig(env), db, env, { clock: false });
  const users = Array.from({ length: PARTNERS }, (_, i) => `U${String(i).padStart(6, "0")}`);
  const coord: Actor = { workspace: { platform: "slack", externalId: DEFAULT_TEAM.teamId }, userId: "UCOORD" };
  await seedPartners(db.prisma, coord, users, app.core);
  const t0 = performance.now();
  await app.core.command(coord, "checkin start sections=1");
  await app.courier.settle(600_000);
  const ms = performance.now() - t0;
  const counts = fake.deliveryCounts(users.map((u) => fake.dmChannel(u)));
  const posts = fake.calls.filter((c) => c.method === "chat.postMessage");
  const result = {
    platform: "slack",
    partners: PARTNERS,
    seconds: +(ms / 1000).toFixed(1),
    ceiling: PARTNERS / POSTS_PER_SECOND,
    ofCeiling: Math.round((100 * PARTNERS) / POSTS_PER_SECOND / (ms / 1000)),
    sent: posts.filter((c) => c.status === 200).length,
    rateLimited: fake.calls.filter((c) => c.status === 429).length,
    duplicates: counts.duplicates,
    losses: counts.losses,
    courier: app.courier.stats,
  };
  await app.shutdown();
  await fake.close();
  return result;
}

const result = await slack();
console.log(JSON.stringify(result));
