# syntax=docker/dockerfile:1
# sqs-blast: one image for send, drain, run, report and k8s (the command is the first argument).
# Multi-arch (linux/amd64, linux/arm64) images are built by .github/workflows/image.yml.

# The Node major the image runs: keep it the one CI tests (the workflow passes it as a build arg).
ARG NODE_MAJOR=24

FROM node:${NODE_MAJOR}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
# Scripts off: `prepare` would build before the sources are here; we build explicitly below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY workers ./workers
# npm run build: tsc, then scripts/bundle.mjs bundles the executable and its worker threads.
COPY scripts ./scripts
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 && npm cache clean --force

FROM node:${NODE_MAJOR}-bookworm-slim
# tini as PID 1 forwards SIGTERM/SIGINT to node, so a pod that is stopped still prints its report.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The node image's unprivileged user, by number: a pod with runAsNonRoot can verify only a numeric
# USER (a name would need runAsUser in every pod); the Kubernetes manifests pin the same ids.
USER 1000:1000
# node flags: the same as the shebang of src/cli.ts (see there why).
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--v8-pool-size=1", "/app/dist/src/cli.js"]
CMD ["--help"]
