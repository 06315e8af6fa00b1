import { startApi } from '@points-engine/api';
import { createRedis } from '@points-engine/jobs';
import { startOutboxRelay } from '@points-engine/outbox';
import { announceBooted, boot, healthServerIfConfigured, type Signals } from '@points-engine/runtime';
import { startScheduler } from '@points-engine/scheduler';
import { startWorker } from '@points-engine/worker';

/** `npm start`: the roles in ROLES (by default the API, a worker and the scheduler) in one process. */
export async function runEngine(signals: Signals): Promise<void> {
  const booted = await boot('engine', signals);
  const { config, logger, database, ledger } = booted;
  const producer = createRedis(config.REDIS_URL, 'producer');
  const consumer = createRedis(config.REDIS_URL, 'worker');
  const closers: (() => Promise<unknown>)[] = [];

  // The roles that await start first: from the event worker's start to signals.ready() nothing
  // awaits, so a signal either finds no event job taken or a graceful shutdown ready for it.
  closers.push(await healthServerIfConfigured(config, { db: database.db, redis: producer, role: 'engine', logger }));
  const scheduler = config.ROLES.includes('scheduler') ? await startScheduler({ ledger, connection: consumer, logger }, config) : null;
  const api = config.ROLES.includes('api') ? await startApi({ ledger, connection: producer, logger }, config) : null;
  if (api) closers.push(api.close);
  if (config.ROLES.includes('worker')) closers.push(startWorker({ ledger, connection: consumer, logger }, config).close);
  if (config.ROLES.includes('worker')) closers.push(startOutboxRelay({ db: database.db, logger }, config).close);
  if (scheduler) closers.push(scheduler.close);

  signals.ready(logger, [...closers, async () => producer.disconnect(), async () => consumer.disconnect(), () => database.close()], config.SHUTDOWN_TIMEOUT_MS);
  announceBooted(booted, { process: 'engine', roles: config.ROLES, ...(api ? { apiPort: api.port } : {}) });
}
