// A round sent to 1,000 partners in Teams through the whole stack: the core writes the deliveries
// to the outbox in one transaction, the courier paces them under Teams' limits (TEAMS_LIMITS) and
// delivers through the real Teams port (botbuilder's CloudAdapter and connector client) to a fake
// connector that enforces Teams' per-conversation (7/1 s, 60/30 s) and per-tenant (30/1 s) limits
// with 429 and also answers 429 to every 100th call. Prints duration, messages sent, 429s,
// duplicates and losses per partner as one JSON line.
//
// The partners are made known to the bot as an installation would: each person's 1:1 conversation
// reference is written to TeamsConversation by the adapter's own ConversationStore (the rows an
// installationUpdate in their personal scope leaves), with the fake's serviceUrl.
//
//   npx tsx bench/send-teams.ts        (or import { teams } from this file)
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { openDatabase } from "../src/store/database.ts";
import { loadConfig } from "../src/config.ts";
import { startApp } from "../adapters/main.ts";
import { ConversationStore, type StoredReference } from "../adapters/teams/store.ts";
import type { Actor } from "../src/ports.ts";
import { FakeTeams, TEAMS_PUBLISHED_LIMITS, TeamsWorld, personalConversationId, type TeamsPerson } from "../test/support/fake-teams.ts";
import { seedPartners } from "./seed.ts";

const PARTNERS = 1_000;


export interface TeamsSendResult {
  platform: "teams";
  partners: number;
  seconds: number;
  /** the partners at Teams' per-tenant limit: the fastest any sender could go */
  ceiling: number;
  ofCeiling: number;
  sent: number;
  rateLimited: number;
  duplicates: number;
  losses: number;
  courier: unknown;
}

/**
 * What an installationUpdate (action "add") in a person's 1:1 chat leaves in TeamsConversation
 * (adapters/teams/inbound.ts, remember()): user:<aadObjectId> with the personal reference and
 * locale, account:<29:id>, and conversation:<id>. Written through the adapter's store, so the
 * rows have exactly the shape the port reads.
 */
async function install(store: ConversationStore, world: TeamsWorld, person: TeamsPerson): Promise<void> {
  const conversation = world.personalConversation(person);
  const reference: StoredReference = {
    channelId: "msteams",
    serviceUrl: world.serviceUrl,
    bot: { ...world.bot },
    conversation: { id: conversation.id, conversationType: "personal", tenantId: world.tenantId, isGroup: false },
    user: { id: person.id, name: person.name, aadObjectId: person.aadObjectId },
    locale: person.locale,
  };
  await store.rememberUser(world.tenantId, { user: { id: person.id, aadObjectId: person.aadObjectId, name: person.name }, personal: reference, locale: person.locale }, true);
  await store.rememberConversation(world.tenantId, reference);
}


export async function teams(partners: number): Promise<TeamsSendResult> {
  // The app's own lines (start-up, courier) go to stderr: stdout carries only the result.
  const log = console.log;
  console.log = (...args: unknown[]) => console.error(...args);
  const fake = await FakeTeams.start({ enforceLimits: true, throttleEvery: 100, retryAfterSeconds: 1 });
  try {
    const db = await openDatabase({ url: "memory://" });
    const env = { PORT: "0", PARTNERPULS_PLAYGROUND: "off", TEAMS_LOCAL: "1" };
    let app: Awaited<ReturnType<typeof startApp>>;
    try {
      app = await startApp(loadConfig(env), db, env, { clock: false });
    } catch (e) {
      await db.close();
      throw e;
    }
    try {
      const world = new TeamsWorld(fake.url);
      const coordinator = TeamsWorld.person("coord", "Mette Holm", "en-GB");
      const people = Array.from({ length: partners }, (_, i) => TeamsWorld.person(`p${String(i).padStart(4, "0")}`, `Partner ${i}`, "en-GB"));
      if (new Set(people.map((p) => p.aadObjectId)).size !== people.length) throw new Error("partners' aadObjectIds are not unique");
      const store = new ConversationStore(db.prisma);
      for (const p of [coordinator, ...people]) await install(store, world, p);

      const coord: Actor = { workspace: { platform: "teams", externalId: world.tenantId }, userId: coordinator.aadObjectId, displayName: coordinator.name, locale: coordinator.locale };
      await seedPartners(db.prisma, coord, people.map((p) => p.aadObjectId), app.core);

      const t0 = performance.now();
      await app.core.command(coord, "checkin start sections=1");
      await app.courier.settle(600_000);
      const ms = performance.now() - t0;
      // ms at Teams' per-tenant limit
      const ceiling = (1000 * partners) / TEAMS_PUBLISHED_LIMITS.perTenant[0]!.count;

      const conversations = new Set(people.map((p) => personalConversationId(p.id)));
      let duplicates = 0;
      let losses = 0;
      for (const id of conversations) {
        const n = fake.messages(id).length;
        if (n === 0) losses++;
        else duplicates += n - 1;
      }
      const sent = fake.calls.filter((c) => c.method === "POST" && c.status === 201 && c.conversationId !== null && conversations.has(c.conversationId)).length;
      const rateLimited = fake.calls.filter((c) => c.status === 429).length;
      const outbox = await db.prisma.job.groupBy({ by: ["status"], where: { kind: "deliver" }, _count: true });
      return {
        platform: "teams",
        partners,
        seconds: +(ms / 1000).toFixed(1),
        ceiling: +(ceiling / 1000).toFixed(1),
        ofCeiling: Math.round((100 * ceiling) / ms),
        sent,
        rateLimited,
        duplicates,
        losses,
        courier: { ...app.courier.stats, outbox: Object.fromEntries(outbox.map((r) => [r.status, r._count])) },
      };
    } finally {
      await app.shutdown(); // closes the database too
    }
  } finally {
    await fake.close();
    console.log = log;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await teams(PARTNERS);
  console.log(JSON.stringify(result));
}
