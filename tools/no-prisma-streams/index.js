// Loaded only by `prisma dev` (a local Prisma Postgres server), which Partnerpuls does not use: it
// runs on PGlite or PostgreSQL. See package.json's "overrides" and the README.
throw new Error("`prisma dev` is not part of Partnerpuls: use DATABASE_URL (PGlite or PostgreSQL) instead.");
