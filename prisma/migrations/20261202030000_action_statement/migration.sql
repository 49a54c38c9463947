-- The statement an agreement answers (an item id of the rounds), from a digest.
ALTER TABLE "Action" ADD COLUMN "statementId" TEXT;
