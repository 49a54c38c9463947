// The statements of a poll button press, the hottest path of the product: who is pressing and
// their invitation (with its round, its partnership and their membership) in one query, and
// saving the answer (the upsert, the person's answers so far and the completed mark) in one
// statement. Through Prisma's model API a press was nine round trips; each costs about as much as
// the upsert itself on the embedded database. The outbox's poll cards (a round's 1,000 polls) read
// the same row the same way.
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

/** An invitation (the one `where` picks) with its membership, round and partnership, as one row; `extra`: more columns. */
function invitationQuery(where: Prisma.Sql, knownSnapshot: unknown, extra: Prisma.Sql = Prisma.empty): Prisma.Sql {
  return Prisma.sql`
    SELECT ${COLUMNS}, CASE WHEN ${knownSnapshot !== undefined} THEN NULL ELSE r."snapshot" END AS "r.snapshot",
      m."roles" AS "m.roles", m."removedAt" AS "m.removedAt"${extra}
    FROM "Invitation" i
      JOIN "Membership" m ON m."id" = i."membershipId"
      JOIN "Round" r ON r."id" = i."roundId"
      JOIN "Partnership" p ON p."id" = r."partnershipId"
    WHERE ${where}
    LIMIT 1`;
}

/** The invitation of `person` (a parameter, or a column of an outer query) to a round. */
function personInvitationQuery(roundId: string, person: Prisma.Sql, knownSnapshot: unknown): Prisma.Sql {
  return invitationQuery(Prisma.sql`i."roundId" = ${roundId} AND m."personId" = ${person}`, knownSnapshot);
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
  const rows = await db.$queryRaw<Record<string, unknown>[]>(personInvitationQuery(roundId, Prisma.sql`${personId}`, knownSnapshot));
  return rows[0] ? invitedFrom(rows[0], knownSnapshot) : null;
}

const PERSON_COLUMNS = Prisma.raw(Object.values(Prisma.PersonScalarFieldEnum).map((f) => `pe."${f}" AS "pe.${f}"`).join(", "));

/** A person by their platform id, with their invitation to a round (a poll button's): one query for both. */
export async function personWithInvitation(db: Db, workspaceId: string, platformUserId: string, roundId: string, knownSnapshot: unknown): Promise<{ person: PersonRow; invited: InvitedMembership | null } | null> {
  const rows = await db.$queryRaw<Record<string, unknown>[]>`
    SELECT ${PERSON_COLUMNS}, x.* FROM "Person" pe
      LEFT JOIN LATERAL (${personInvitationQuery(roundId, Prisma.raw(`pe."id"`), knownSnapshot)}) x ON true
    WHERE pe."workspaceId" = ${workspaceId} AND pe."platformUserId" = ${platformUserId}`;
  const row = rows[0];
  if (!row) return null;
  return { person: part<PersonRow>(row, "pe", Prisma.PersonScalarFieldEnum), invited: invitedFrom(row, knownSnapshot) };
}

/** What the outbox needs to build a poll card it delivers: the invitation as above, the person's language and their answers so far. */
export type InvitationToDeliver = InvitedMembership & { person: { language: string | null; locale: string | null }; answers: AnswerRow[] };

/** An invitation to a round by its id, for a poll card the outbox delivers: one query (it was seven through the model API). */
export async function invitationToDeliver(db: Db, invitationId: string, roundId: string, knownSnapshot: unknown): Promise<InvitationToDeliver | null> {
  const rows = await db.$queryRaw<Record<string, unknown>[]>(
    invitationQuery(
      Prisma.sql`i."id" = ${invitationId} AND i."roundId" = ${roundId}`,
      knownSnapshot,
      Prisma.sql`,
        (SELECT jsonb_build_object('language', pe."language", 'locale', pe."locale") FROM "Person" pe WHERE pe."id" = m."personId") AS "person",
        (SELECT coalesce(jsonb_agg(jsonb_build_object('itemId', a."itemId", 'rating', a."rating", 'choice', a."choice")), '[]'::jsonb)
           FROM "Answer" a WHERE a."workspaceId" = i."workspaceId" AND a."roundId" = i."roundId" AND a."membershipId" = i."membershipId") AS "answers"`,
    ),
  );
  const row = rows[0];
  const invited = row ? invitedFrom(row, knownSnapshot) : null;
  if (!row || !invited) return null;
  return { ...invited, person: row["person"] as InvitationToDeliver["person"], answers: row["answers"] as AnswerRow[] };
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
