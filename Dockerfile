# The tracker for Cloud Run. Three stages: `build` bundles the TypeScript with
# esbuild (needs the dev dependencies), `deps` installs the production
# dependencies only (better-sqlite3 compiles its native addon here), and the
# final image holds just those dependencies and the bundles, run as the
# unprivileged `node` user of the official image.
# test/production-image.test.ts rebuilds the final image's folder from this
# file without Docker, so keep to COPY, RUN, WORKDIR, ENV, USER, EXPOSE and CMD.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY shared ./shared
COPY tracker ./tracker
RUN npm run -s build:tracker && npm run -s build:replay

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
ENV PROFILE=production
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/build/tracker ./build/tracker
COPY package.json ./
USER node
# Cloud Run sets PORT; the tracker listens on it (8080 when unset).
EXPOSE 8080
CMD ["node", "build/tracker/main.js"]
