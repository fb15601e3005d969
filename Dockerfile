# syntax=docker/dockerfile:1
# ecs-guard: multi-stage build. The runtime image holds production dependencies and dist/ only,
# runs as the unprivileged `node` user (uid 1000), and reports health through GET /healthz.

# The base image is pinned by digest (reproducible, and a re-pushed tag cannot change what you
# ship). The digest below is the multi-arch index of node:22-bookworm-slim as pinned by other public
# Dockerfiles (one of them kept current by Dependabot); Docker Hub is not reachable from where this
# was written, so check it, and move to a newer one for security fixes:
#   docker buildx imagetools inspect node:22-bookworm-slim   # prints the current index digest
#   docker build --build-arg NODE_IMAGE=node:22-bookworm-slim@sha256:<that digest> .
ARG NODE_IMAGE=node:22-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c
# OCI labels (set by CI: --build-arg VERSION=… --build-arg REVISION=$(git rev-parse HEAD)).
ARG VERSION=0.1.0
ARG REVISION=unknown

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first so source edits do not invalidate the npm layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# Everything .dockerignore lets through: src, commands, scripts and the tsconfigs. The emulators
# (sandbox/), tests and benchmarks never enter the build context; the production build
# (tsconfig.build.json) compiles src/ and commands/ only.
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ARG NODE_IMAGE
ARG VERSION
ARG REVISION
LABEL org.opencontainers.image.title="ecs-guard" \
      org.opencontainers.image.description="Slack bot for GuardDuty Runtime Monitoring findings on ECS and Fargate" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
ENV NODE_ENV=production \
    PORT=3000 \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the only one (msgpackr-extract, optional) ships prebuilt binaries anyway,
# and the slim image has no compiler.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force
COPY --from=build /app/dist ./dist
# The image's `node` user, by number: Kubernetes' runAsNonRoot and ECS can check a numeric id.
USER 1000:1000
EXPOSE 3000
# Node 22 has fetch built in (slim images have no curl). Exec form, so PORT is read by node.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node is PID 1 and handles SIGTERM itself (graceful shutdown); run with --init or `init: true`
# to also reap stray children.
STOPSIGNAL SIGTERM
# The same heap limits as `npm start`: a 10,000-finding burst stays under 200 MB RSS.
CMD ["node", "--max-old-space-size=160", "--max-semi-space-size=4", "dist/src/main.js"]
