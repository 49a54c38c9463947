-- Every copy of a poll card a person was sent (the first and each reminder), not only the latest.
ALTER TABLE "Invitation" ADD COLUMN "pollRefs" JSONB NOT NULL DEFAULT '[]';
UPDATE "Invitation" SET "pollRefs" = jsonb_build_array("pollRef") WHERE "pollRef" IS NOT NULL;
ALTER TABLE "Invitation" DROP COLUMN "pollRef";
