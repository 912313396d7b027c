# One image for every Gatehouse service; docker-compose.yml picks the entry
# point. Services run from source through tsx, as `npm start` runs them.
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
# The mount point of the certificates volume: a new named volume takes this
# directory's owner, so the unprivileged user can write certificates into it.
RUN mkdir /certs && chown node:node /certs
ENV NODE_ENV=production
USER node
CMD ["node", "--import", "tsx", "services/store/src/main.ts"]
