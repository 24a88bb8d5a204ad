# One image recipe for the three services: docker build --build-arg SERVICE=dashboard-service .
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
COPY common common
COPY ${SERVICE} ${SERVICE}
WORKDIR /app/${SERVICE}
USER node
# tsx compiles TypeScript on load; the running code is plain V8, as fast as prebuilt JS.
CMD ["node", "--import", "tsx", "src/main.ts"]
