# One image recipe for the three services: docker build --build-arg SERVICE=dashboard-service .
# Stage 1 compiles common and the service with tsc (pnpm build); stage 2 holds production
# dependencies and the built JavaScript only, and runs it with plain node.
FROM node:20-bookworm-slim AS build
ARG SERVICE
RUN npm install --global --silent pnpm@10.34.9
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc tsconfig.base.json build-assets.js ./
COPY common/package.json common/
COPY attendance-service/package.json attendance-service/
COPY dashboard-service/package.json dashboard-service/
COPY tasks/package.json tasks/
COPY scripts/package.json scripts/
RUN pnpm install --frozen-lockfile
COPY common common
COPY ${SERVICE} ${SERVICE}
RUN pnpm exec tsc -b "${SERVICE}/tsconfig.build.json" && node build-assets.js && mkdir -p "${SERVICE}/office-page"

FROM node:20-bookworm-slim
ARG SERVICE
ENV NODE_ENV=production
RUN npm install --global --silent pnpm@10.34.9
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
COPY common/package.json common/
COPY attendance-service/package.json attendance-service/
COPY dashboard-service/package.json dashboard-service/
COPY tasks/package.json tasks/
COPY scripts/package.json scripts/
RUN pnpm install --frozen-lockfile --prod --filter "@attendance/${SERVICE}..."
COPY --from=build /app/common/dist common/dist
COPY --from=build /app/${SERVICE}/dist ${SERVICE}/dist
# dashboard-service bundles the office page's sources when it starts (empty for the other services).
COPY --from=build /app/${SERVICE}/office-page ${SERVICE}/office-page
WORKDIR /app/${SERVICE}
USER node
CMD ["node", "dist/main.js"]
