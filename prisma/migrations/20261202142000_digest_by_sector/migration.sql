-- A partnership's digest option: results per organisation type (set by-sector on).
ALTER TABLE "Partnership" ADD COLUMN "digestBySector" BOOLEAN NOT NULL DEFAULT false;
