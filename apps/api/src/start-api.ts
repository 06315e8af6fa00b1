import type { Server } from 'node:http';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { openApiKeyRegistry, type ApiKeyRegistry } from '@points-engine/auth';
import { PointsClient } from '@points-engine/client';
import type { Env } from '@points-engine/config';
import { BOT_EVENTS_QUEUE, CALLBACKS_QUEUE, eventQueueName, MAINTENANCE_QUEUE } from '@points-engine/jobs';
import type { LedgerContext } from '@points-engine/ledger';
import type { Logger } from '@points-engine/logger';
import { createApp } from './app.ts';
import type { ApiConfig } from './deps.ts';

export interface RunningApi {
  server: Server;
  port: number;
  /** This process's API keys (tests wait on its `reloaded` event). */
  keys: ApiKeyRegistry;
  close(): Promise<void>;
}

/** Reads the API keys (and keeps them current), opens the API's queues and producer client, and listens. */
export async function startApi(
  deps: { ledger: LedgerContext; connection: Redis; logger: Logger },
  config: ApiConfig & Pick<Env, 'HOST' | 'PORT' | 'DATABASE_URL' | 'API_KEYS_REFRESH_SECONDS'> & Partial<Pick<Env, 'JOB_ATTEMPTS' | 'JOB_BACKOFF_MS'>>,
): Promise<RunningApi> {
  const { ledger, connection, logger } = deps;
  const keys = await openApiKeyRegistry(ledger.db, {
    url: config.DATABASE_URL,
    refreshMs: config.API_KEYS_REFRESH_SECONDS * 1000,
    onError: (error, what) => logger.warn({ err: error, what }, 'API keys: the registry keeps serving the keys it has'),
  });
  const client = new PointsClient({
    connection, prefix: config.QUEUE_PREFIX, partitions: config.QUEUE_PARTITIONS, logger, timeoutMs: config.SPEND_TIMEOUT_MS,
    ...(config.JOB_ATTEMPTS ? { attempts: config.JOB_ATTEMPTS } : {}), ...(config.JOB_BACKOFF_MS ? { backoffMs: config.JOB_BACKOFF_MS } : {}),
  });
  // The API's own handles on the other queues (maintenance; the outbox relay's bot-events and callbacks), for Bull Board.
  const ownQueues = [MAINTENANCE_QUEUE, BOT_EVENTS_QUEUE, CALLBACKS_QUEUE].map((name) => new Queue(name, { connection, prefix: config.QUEUE_PREFIX }));
  const queues = [...Array.from({ length: config.QUEUE_PARTITIONS }, (_, p) => client.queue(p)), ...ownQueues];
  const app = createApp({
    db: ledger.db,
    program: ledger.program,
    client,
    redis: connection,
    verifier: keys.registry,
    logger,
    queues,
    config,
    ...(ledger.now ? { now: ledger.now } : {}),
    ...(ledger.eventTimeBound ? { eventTimeBound: ledger.eventTimeBound } : {}),
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.PORT, config.HOST, () => resolve(listening));
    listening.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ host: config.HOST, port }, 'api listening');
  return {
    server,
    port,
    keys: keys.registry,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await client.close();
      await Promise.all(ownQueues.map((queue) => queue.close()));
      await keys.close();
    },
  };
}
