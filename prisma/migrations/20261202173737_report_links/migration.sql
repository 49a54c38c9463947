-- Report links: signed, they name the partnership's link generation, which `report revoke` counts
-- up; the signing key is kept in the database so that every instance checks links alike.
-- AlterTable
ALTER TABLE "Partnership" ADD COLUMN     "reportGeneration" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "ServerSecret" (
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ServerSecret_pkey" PRIMARY KEY ("name")
);
