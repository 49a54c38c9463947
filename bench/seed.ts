// Seeding for the benchmarks: the partnership through the core's own command, the many members in
// bulk (a thousand `member add` commands would only time the setup).
import type { PrismaClient } from "../src/generated/prisma/client.ts";
import type { Actor } from "../src/ports.ts";

/**
 * People of a workspace made partners of a partnership, in bulk: one person per platform user id,
 * answering for the organisations given in turn (none if none are). Returns the memberships, each
 * with its person, in the order of `userIds`.
 */
export async function addPartners(prisma: PrismaClient, workspaceId: string, partnershipId: string, userIds: string[], organisationIds: string[] = []) {
  await prisma.person.createMany({ data: userIds.map((u) => ({ workspaceId, platformUserId: u, displayName: u })) });
  const people = await prisma.person.findMany({ where: { workspaceId, platformUserId: { in: userIds } } });
  const byUser = new Map(people.map((x) => [x.platformUserId, x]));
  await prisma.membership.createMany({
    data: userIds.map((u, i) => ({ workspaceId, partnershipId, personId: byUser.get(u)!.id, organisationId: organisationIds.length ? organisationIds[i % organisationIds.length]! : null, roles: ["partner"] })),
  });
  const members = await prisma.membership.findMany({ where: { partnershipId, personId: { in: people.map((x) => x.id) } }, include: { person: true } });
  const order = new Map(userIds.map((u, i) => [u, i]));
  return members.sort((a, b) => order.get(a.person.platformUserId)! - order.get(b.person.platformUserId)!);
}

export async function seedPartners(prisma: PrismaClient, coord: Actor, userIds: string[], core: { command(a: Actor, t: string): Promise<unknown> }): Promise<void> {
  await core.command(coord, 'partnership create "Big round" language=en');
  const ws = await prisma.workspace.findFirstOrThrow({ where: { platform: coord.workspace.platform, externalId: coord.workspace.externalId } });
  const p = await prisma.partnership.findFirstOrThrow({ where: { workspaceId: ws.id, name: "Big round" } });
  await addPartners(prisma, ws.id, p.id, userIds);
}
