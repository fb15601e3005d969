# syntax=docker/dockerfile:1
# ecs-guard: multi-stage build. The runtime image holds production dependencies and dist/ only,
# runs as the unprivileged `node` user, and reports health through GET /healthz.

ARG NODE_IMAGE=node:22-bookworm-slim

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
USER node
EXPOSE 3000
# Node 22 has fetch built in (slim images have no curl). Exec form, so PORT is read by node.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node is PID 1 and handles SIGTERM itself (graceful shutdown); run with --init or `init: true`
# to also reap stray children.
STOPSIGNAL SIGTERM
# The same heap limits as `npm start`: a 10,000-finding burst stays under 200 MB RSS.
CMD ["node", "--max-old-space-size=160", "--max-semi-space-size=4", "dist/src/main.js"]
