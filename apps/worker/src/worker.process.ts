import { createRedis } from '@points-engine/jobs';
import { startOutboxRelay } from '@points-engine/outbox';
import { announceBooted, boot, healthServerIfConfigured, type Signals } from '@points-engine/runtime';
import { startWorker } from './start-worker.ts';

/** A worker process: boots, applies events and relays the outbox, and hands its closers to the signal handlers. */
export async function runWorker(signals: Signals): Promise<void> {
  const booted = await boot('worker', signals);
  const { config, logger, database, ledger } = booted;
  const connection = createRedis(config.REDIS_URL, 'worker');
  // Started before the worker: from its first job to signals.ready() nothing may await.
  const health = await healthServerIfConfigured(config, { db: database.db, redis: connection, role: 'worker', logger });
  const worker = startWorker({ ledger, connection, logger }, config);
  // Every worker process also relays the outbox to the bot (rows are shared with SKIP LOCKED).
  const relay = startOutboxRelay({ db: database.db, logger }, config);
  signals.ready(logger, [() => worker.close(), () => relay.close(), health, async () => connection.disconnect(), () => database.close()], config.SHUTDOWN_TIMEOUT_MS);
  announceBooted(booted, { process: 'worker', roles: ['worker'] });
}
