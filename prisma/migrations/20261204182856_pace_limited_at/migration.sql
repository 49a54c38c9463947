-- AlterTable
ALTER TABLE "PaceBudget" ADD COLUMN     "limitedAt" BIGINT;
