-- AlterTable
ALTER TABLE "Workspace" ADD COLUMN     "removedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "JoinCode" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "partnershipId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "codeHash" TEXT NOT NULL,
    "organisationId" TEXT,
    "roles" TEXT[],
    "maxUses" INTEGER NOT NULL,
    "uses" INTEGER NOT NULL DEFAULT 0,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "JoinCode_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JoinRequest" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "partnershipId" TEXT NOT NULL,
    "joinCodeId" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "decidedById" TEXT,
    "decidedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "JoinRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JoinAttempt" (
    "id" BIGSERIAL NOT NULL,
    "personKey" TEXT NOT NULL,
    "workspaceKey" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "JoinAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "JoinCode_codeHash_key" ON "JoinCode"("codeHash");

-- CreateIndex
CREATE INDEX "JoinCode_workspaceId_idx" ON "JoinCode"("workspaceId");

-- CreateIndex
CREATE UNIQUE INDEX "JoinCode_partnershipId_number_key" ON "JoinCode"("partnershipId", "number");

-- CreateIndex
CREATE INDEX "JoinRequest_workspaceId_idx" ON "JoinRequest"("workspaceId");

-- CreateIndex
CREATE INDEX "JoinRequest_personId_idx" ON "JoinRequest"("personId");

-- CreateIndex
CREATE UNIQUE INDEX "JoinRequest_joinCodeId_personId_key" ON "JoinRequest"("joinCodeId", "personId");

-- CreateIndex
CREATE INDEX "JoinAttempt_personKey_at_idx" ON "JoinAttempt"("personKey", "at");

-- CreateIndex
CREATE INDEX "JoinAttempt_workspaceKey_at_idx" ON "JoinAttempt"("workspaceKey", "at");

-- CreateIndex
CREATE INDEX "Membership_personId_idx" ON "Membership"("personId");

-- AddForeignKey
ALTER TABLE "JoinCode" ADD CONSTRAINT "JoinCode_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JoinCode" ADD CONSTRAINT "JoinCode_partnershipId_fkey" FOREIGN KEY ("partnershipId") REFERENCES "Partnership"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JoinRequest" ADD CONSTRAINT "JoinRequest_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JoinRequest" ADD CONSTRAINT "JoinRequest_partnershipId_fkey" FOREIGN KEY ("partnershipId") REFERENCES "Partnership"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JoinRequest" ADD CONSTRAINT "JoinRequest_joinCodeId_fkey" FOREIGN KEY ("joinCodeId") REFERENCES "JoinCode"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JoinRequest" ADD CONSTRAINT "JoinRequest_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;
