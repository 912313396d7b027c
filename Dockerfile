# One image for every Gatehouse service; docker-compose.yml picks the entry point.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs libs
COPY services services
COPY test/package.json test/package.json
RUN npm ci --omit=dev --no-audit --no-fund
COPY proto proto
COPY examples examples
COPY gatehouse.json tsconfig.base.json ./
ENV NODE_ENV=production
USER node
CMD ["node", "--import", "tsx", "services/store/src/main.ts"]
