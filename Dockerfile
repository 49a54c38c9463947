# Partnerpuls for production: build with the dev dependencies, run with the runtime ones only.
# The app runs compiled JavaScript (npm run build); prisma generate (postinstall) writes the
# Prisma client into src/generated/, which the build compiles into dist/ with everything else.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY adapters ./adapters
# At run time the app needs @prisma/client, its adapters, the schema engine (migrations at
# start), pino, prom-client and the platform SDKs: all dependencies, none of the dev ones
# (test/ops/build.test.ts checks that dist/ imports nothing else).
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3978 \
    PARTNERPULS_PLAYGROUND=off \
    DATABASE_URL=/data
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# The embedded database's directory, for a single instance without PostgreSQL.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
# node:20 images have an unprivileged "node" user (uid 1000).
USER node
EXPOSE 3978
# /readyz: 200 once the database answers and holds every migration and the courier and clock run.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3978)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM from `docker stop` reaches node directly (no npm or shell in between): a graceful shutdown
# within PARTNERPULS_SHUTDOWN_SECONDS; give `docker stop -t` / stop_grace_period a little more.
CMD ["node", "dist/adapters/main.js"]
