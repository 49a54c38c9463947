-- DropForeignKey
ALTER TABLE "Answer" DROP CONSTRAINT "Answer_membershipId_fkey";

-- AlterTable
ALTER TABLE "Answer" ALTER COLUMN "membershipId" DROP NOT NULL;

-- AlterTable: names compared as names (existing rows keyed by lower())
ALTER TABLE "Organisation" ADD COLUMN     "nameKey" TEXT;
UPDATE "Organisation" SET "nameKey" = lower("name");
ALTER TABLE "Organisation" ALTER COLUMN "nameKey" SET NOT NULL;

-- AlterTable
ALTER TABLE "Partnership" ADD COLUMN     "nameKey" TEXT;
UPDATE "Partnership" SET "nameKey" = lower("name");
ALTER TABLE "Partnership" ALTER COLUMN "nameKey" SET NOT NULL;

-- AlterTable
ALTER TABLE "Round" ADD COLUMN     "anonymity" TEXT NOT NULL DEFAULT 'confidential',
ADD COLUMN     "minimumN" INTEGER NOT NULL DEFAULT 3,
ADD COLUMN     "release" JSONB;
-- Rounds opened before this migration take the partnership's settings, never below 3.
UPDATE "Round" r SET "anonymity" = p."anonymity", "minimumN" = GREATEST(3, p."minimumN") FROM "Partnership" p WHERE p.id = r."partnershipId";

-- CreateTable
CREATE TABLE "InboundSeen" (
    "key" TEXT NOT NULL,
    "seenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InboundSeen_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "Download" (
    "id" TEXT NOT NULL,
    "personId" TEXT,
    "filename" TEXT NOT NULL,
    "mimeType" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Download_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "InboundSeen_seenAt_idx" ON "InboundSeen"("seenAt");

-- CreateIndex
CREATE INDEX "Download_expiresAt_idx" ON "Download"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "Organisation_partnershipId_nameKey_key" ON "Organisation"("partnershipId", "nameKey");

-- CreateIndex
CREATE UNIQUE INDEX "Partnership_workspaceId_nameKey_key" ON "Partnership"("workspaceId", "nameKey");

-- AddForeignKey
ALTER TABLE "Answer" ADD CONSTRAINT "Answer_membershipId_fkey" FOREIGN KEY ("membershipId") REFERENCES "Membership"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Download" ADD CONSTRAINT "Download_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;
