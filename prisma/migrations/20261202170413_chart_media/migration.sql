-- A chart's PNG, kept as a download with bytes in place of text, so that Teams can fetch it from
-- /media/<id>.png; it expires and goes with its person like any download.
-- AlterTable
ALTER TABLE "Download" ADD COLUMN     "bytes" BYTEA;
