# The engine image: one image, the role chosen by the command (see docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# A 4 MB young generation: shorter GC pauses, a lower read p99 (README, Performance).
ENV NODE_OPTIONS=--max-semi-space-size=4
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY apps ./apps
COPY libs ./libs
USER node
EXPOSE 3000
CMD ["npx", "tsx", "apps/engine/src/main.ts"]
