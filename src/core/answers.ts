// The statements of a poll button press, the hottest path of the product: who is pressing and
// their invitation (with its round, its partnership and their membership) in one query, and
// saving the answer (the upsert, the person's answers so far and the completed mark) in one
// statement. Through Prisma's model API a press was nine round trips; each costs about as much as
// the upsert itself on the embedded database.
import { randomUUID } from "node:crypto";
import { Prisma } from "../generated/prisma/client.ts";
import type { Db, MembershipRow, PartnershipRow, PersonRow, RoundRow, RoundWithPartnership, Tx } from "./context.ts";

export type InvitationRow = NonNullable<Awaited<ReturnType<Db["invitation"]["findFirst"]>>>;
export type AnswerRow = { itemId: string; rating: number | null; choice: string | null };
export type InvitedMembership = { invitation: InvitationRow; round: RoundWithPartnership; membership: Pick<MembershipRow, "roles" | "removedAt"> };

const TABLES = { i: Prisma.InvitationScalarFieldEnum, r: Prisma.RoundScalarFieldEnum, p: Prisma.PartnershipScalarFieldEnum } as const;
/** Every column of the three tables but the round's snapshot, each as "<alias>.<field>" (the names come from the schema, never from input). */
const COLUMNS = Prisma.raw(
  Object.entries(TABLES)
    .flatMap(([alias, fields]) => Object.values(fields).filter((f) => !(alias === "r" && f === "snapshot")).map((f) => `${alias}."${f}" AS "${alias}.${f}"`))
    .join(", "),
);

/** One table's row out of a joined row whose columns are named "<alias>.<field>". */
function part<T>(row: Record<string, unknown>, alias: string, fields: Record<string, string>): T {
  const out: Record<string, unknown> = {};
  for (const f of Object.values(fields)) out[f] = row[`${alias}.${f}`];
  return out as T;
}

/** The invitation of `person` (a parameter, or a column of an outer query) to a round, as one row. */
function invitationQuery(roundId: string, person: Prisma.Sql, knownSnapshot: unknown): Prisma.Sql {
  return Prisma.sql`
    SELECT ${COLUMNS}, CASE WHEN ${knownSnapshot !== undefined} THEN NULL ELSE r."snapshot" END AS "r.snapshot",
      m."roles" AS "m.roles", m."removedAt" AS "m.removedAt"
    FROM "Invitation" i
      JOIN "Membership" m ON m."id" = i."membershipId"
      JOIN "Round" r ON r."id" = i."roundId"
      JOIN "Partnership" p ON p."id" = r."partnershipId"
    WHERE i."roundId" = ${roundId} AND m."personId" = ${person}
    LIMIT 1`;
}

function invitedFrom(row: Record<string, unknown>, knownSnapshot: unknown): InvitedMembership | null {
  if (row["i.id"] === null || row["i.id"] === undefined) return null;
  const round = part<RoundRow>(row, "r", TABLES.r);
  if (round.snapshot === null) round.snapshot = knownSnapshot as RoundRow["snapshot"];
  return {
    invitation: part<InvitationRow>(row, "i", TABLES.i),
    round: { ...round, partnership: part<PartnershipRow>(row, "p", TABLES.p) },
    membership: { roles: row["m.roles"] as string[], removedAt: row["m.removedAt"] as Date | null },
  };
}

/**
 * The invitation of this person to this round, or null. `knownSnapshot`: the round's snapshot when
 * the caller has it already (it never changes, and it is the largest column): it is not read again.
 */
export async function invitedMembership(db: Db, roundId: string, personId: string, knownSnapshot: unknown): Promise<InvitedMembership | null> {
  const rows = await db.$queryRaw<Record<string, unknown>[]>(invitationQuery(roundId, Prisma.sql`${personId}`, knownSnapshot));
  return rows[0] ? invitedFrom(rows[0], knownSnapshot) : null;
}

const PERSON_COLUMNS = Prisma.raw(Object.values(Prisma.PersonScalarFieldEnum).map((f) => `pe."${f}" AS "pe.${f}"`).join(", "));

/** A person by their platform id, with their invitation to a round (a poll button's): one query for both. */
export async function personWithInvitation(db: Db, workspaceId: string, platformUserId: string, roundId: string, knownSnapshot: unknown): Promise<{ person: PersonRow; invited: InvitedMembership | null } | null> {
  const rows = await db.$queryRaw<Record<string, unknown>[]>`
    SELECT ${PERSON_COLUMNS}, x.* FROM "Person" pe
      LEFT JOIN LATERAL (${invitationQuery(roundId, Prisma.raw(`pe."id"`), knownSnapshot)}) x ON true
    WHERE pe."workspaceId" = ${workspaceId} AND pe."platformUserId" = ${platformUserId}`;
  const row = rows[0];
  if (!row) return null;
  return { person: part<PersonRow>(row, "pe", Prisma.PersonScalarFieldEnum), invited: invitedFrom(row, knownSnapshot) };
}

/**
 * Saves one answer (a retry or a double click overwrites itself: one per member, statement and
 * round) and returns all of the person's answers to the round, this one included. The invitation is
 * marked completed, in the same statement, when every statement in `asked` has an answer.
 */
export async function saveAnswer(
  q: Db | Tx,
  inv: { id: string; workspaceId: string; roundId: string; membershipId: string },
  answer: AnswerRow,
  asked: string[],
  now: Date,
): Promise<AnswerRow[]> {
  // The statement's other parts see the table as it was before the upsert (one snapshot), so the
  // answers so far are the others plus the one just saved.
  return await q.$queryRaw<AnswerRow[]>`
    WITH saved AS (
      INSERT INTO "Answer" ("id", "workspaceId", "roundId", "membershipId", "itemId", "rating", "choice", "updatedAt")
      VALUES (${randomUUID()}, ${inv.workspaceId}, ${inv.roundId}, ${inv.membershipId}, ${answer.itemId}, ${answer.rating}::int, ${answer.choice}, ${new Date()})
      ON CONFLICT ("roundId", "membershipId", "itemId") DO UPDATE SET "rating" = EXCLUDED."rating", "choice" = EXCLUDED."choice", "updatedAt" = EXCLUDED."updatedAt"
      RETURNING "itemId", "rating", "choice"
    ), answers AS (
      SELECT "itemId", "rating", "choice" FROM "Answer"
      WHERE "workspaceId" = ${inv.workspaceId} AND "roundId" = ${inv.roundId} AND "membershipId" = ${inv.membershipId} AND "itemId" <> ${answer.itemId}
      UNION ALL SELECT * FROM saved
    ), completed AS (
      UPDATE "Invitation" SET "completedAt" = ${now}
      WHERE "id" = ${inv.id} AND "completedAt" IS NULL
        AND (SELECT count(*) FROM answers WHERE "itemId" = ANY(${asked}::text[])) = ${asked.length}::int
      RETURNING "id"
    )
    SELECT "itemId", "rating", "choice" FROM answers`;
}
