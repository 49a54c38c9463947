// Seeding for the send benchmarks: the partnership through the core's own command, the many
// partners in bulk (a thousand `member add` commands would only time the setup).
import type { PrismaClient } from "../src/generated/prisma/client.ts";
import type { Actor } from "../src/ports.ts";

export async function seedPartners(prisma: PrismaClient, coord: Actor, userIds: string[], core: { command(a: Actor, t: string): Promise<unknown> }): Promise<void> {
  await core.command(coord, 'partnership create "Big round" language=en');
  const ws = await prisma.workspace.findFirstOrThrow({ where: { platform: coord.workspace.platform, externalId: coord.workspace.externalId } });
  const p = await prisma.partnership.findFirstOrThrow({ where: { workspaceId: ws.id, name: "Big round" } });
  await prisma.person.createMany({ data: userIds.map((u) => ({ workspaceId: ws.id, platformUserId: u, displayName: u })) });
  const people = await prisma.person.findMany({ where: { workspaceId: ws.id, platformUserId: { in: userIds } } });
  await prisma.membership.createMany({ data: people.map((x) => ({ workspaceId: ws.id, partnershipId: p.id, personId: x.id, roles: ["partner"] })) });
}
