import { createRedis } from '@points-engine/jobs';
import { announceBooted, boot, healthServerIfConfigured, type Signals } from '@points-engine/runtime';
import { startScheduler } from './start-scheduler.ts';

/** The scheduler process: boots, registers the job schedulers and runs maintenance, and hands its closers to the signal handlers. */
export async function runScheduler(signals: Signals): Promise<void> {
  const booted = await boot('scheduler', signals);
  const { config, logger, database, ledger } = booted;
  const connection = createRedis(config.REDIS_URL, 'worker');
  const health = await healthServerIfConfigured(config, { db: database.db, redis: connection, role: 'scheduler', logger });
  const scheduler = await startScheduler({ ledger, connection, logger }, config);
  signals.ready(logger, [() => scheduler.close(), health, async () => connection.disconnect(), () => database.close()], config.SHUTDOWN_TIMEOUT_MS);
  announceBooted(booted, { process: 'scheduler', roles: ['scheduler'] });
}
