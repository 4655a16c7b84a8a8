# dagpact's container image: `serve` by default; `gatekeeper` and `migrate` with another command.
# Multi-stage: the build stage compiles TypeScript; the runtime stage has production dependencies
# and dist/ only, runs as the unprivileged `node` user and reports health from /healthz.
# Linted without a container runtime by test/unit/packaging/packaging.test.ts.
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20.20.2-bookworm-slim
ENV NODE_ENV=production \
    DAGPACT_HOST=0.0.0.0 \
    DAGPACT_PORT=8081 \
    DAGPACT_DATA_DIR=/data/dagpact
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json openapi.yaml ./
COPY migrations ./migrations
COPY schemas ./schemas
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8081
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.DAGPACT_PORT || 8081) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["serve"]
