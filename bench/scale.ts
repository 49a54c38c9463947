// A partnership of 2,000 members across 20 organisations, on one database (run by bench/run.ts,
// once per database): how long the coordinator's commands take through the core. The goal is each
// under 2 s, with no transaction timed out. The members are written in bulk, and so are their
// answers (35 statements each, from 1,800 of them): a partnership this large joins over months,
// not in one sitting. Prints one JSON line.
import { performance } from "node:perf_hooks";
import { Partnerpuls } from "../src/core.ts";
import type { WorkspaceRef } from "../src/ports.ts";
import { findBuiltIn, CHECKLIST_KEY } from "../src/instruments/catalogue.ts";
import { openBenchDatabase } from "./database.ts";
import { addPartners } from "./seed.ts";

const kind = process.argv[2] === "postgres" ? "postgres" : "pglite";
const MEMBERS = 2_000;
const ORGANISATIONS = 20;
const ANSWERING = 1_800;

const { db, cleanup } = await openBenchDatabase(kind, "scale");
const prisma = db.prisma;
try {
  const ws: WorkspaceRef = { platform: "local", externalId: "scale" };
  const core = new Partnerpuls(prisma);
  const coord = { workspace: ws, userId: "coord" };
  const say = async (text: string) => {
    const reply = JSON.stringify(await core.command(coord, text));
    if (/"error":true/.test(reply)) throw new Error(`${text}: ${reply.slice(0, 300)}`);
    return reply;
  };
  await say('partnership create "Scale" language=en');
  for (let o = 1; o <= ORGANISATIONS; o++) await say(`org add "Organisation ${o}" sector=${o % 2 ? "municipality" : "ngo"}`);
  const workspace = await prisma.workspace.findFirstOrThrow({ where: { externalId: "scale" } });
  const partnership = await prisma.partnership.findFirstOrThrow({ where: { workspaceId: workspace.id } });
  const orgs = await prisma.organisation.findMany({ where: { partnershipId: partnership.id }, orderBy: { name: "asc" } });
  await addPartners(prisma, workspace.id, partnership.id, Array.from({ length: MEMBERS }, (_, i) => `m${i}`), orgs.map((o) => o.id));

  const ms: Record<string, number> = {};
  const timed = async (name: string, text: string) => {
    const t = performance.now();
    await say(text);
    ms[name] = Math.round(performance.now() - t);
  };
  await timed("checkin start", "checkin start deadline=14d");
  const round = await prisma.round.findFirstOrThrow({ where: { partnershipId: partnership.id, closedAt: null } });
  const invitations = await prisma.invitation.findMany({ where: { roundId: round.id }, select: { id: true, membershipId: true }, orderBy: { id: "asc" } });
  const itemIds = findBuiltIn(CHECKLIST_KEY)!.sections.flatMap((s) => s.items.map((i) => i.id));
  const answering = invitations.slice(0, ANSWERING);
  for (let i = 0; i < answering.length; i += 200) {
    const chunk = answering.slice(i, i + 200);
    await prisma.answer.createMany({ data: chunk.flatMap((inv, k) => itemIds.map((itemId, j) => ({ workspaceId: workspace.id, roundId: round.id, membershipId: inv.membershipId, itemId, rating: 1 + ((i + k + j) % 5) }))) });
    await prisma.invitation.updateMany({ where: { id: { in: chunk.map((x) => x.id) } }, data: { completedAt: new Date() } });
  }
  await timed("status", "status");
  await timed("checkin close", "checkin close");
  await timed("digest", "digest");
  await timed("export", "export csv");
  const slowest = Math.max(...Object.values(ms));
  console.log(JSON.stringify({ database: kind, members: MEMBERS, organisations: ORGANISATIONS, answers: ANSWERING * itemIds.length, ms, slowest, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
} finally {
  await cleanup();
}
