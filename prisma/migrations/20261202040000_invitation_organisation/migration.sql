-- The organisation a person answers for in a round, fixed when the round opens: it decides which
-- links of the partner map they are asked. No foreign key: a later change of organisations must
-- not change what a round asked.
ALTER TABLE "Invitation" ADD COLUMN "organisationId" TEXT;
UPDATE "Invitation" i SET "organisationId" = m."organisationId" FROM "Membership" m WHERE m.id = i."membershipId";
