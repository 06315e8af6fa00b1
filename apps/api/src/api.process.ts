import { createRedis } from '@points-engine/jobs';
import { announceBooted, boot, healthServerIfConfigured, type Signals } from '@points-engine/runtime';
import { startApi } from './start-api.ts';

/** The API process: boots, listens, and hands its closers to the signal handlers. */
export async function runApi(signals: Signals): Promise<void> {
  const booted = await boot('api', signals);
  const { config, logger, database, ledger } = booted;
  const connection = createRedis(config.REDIS_URL, 'producer');
  const health = await healthServerIfConfigured(config, { db: database.db, redis: connection, role: 'api', logger });
  const api = await startApi({ ledger, connection, logger }, config);
  signals.ready(logger, [() => api.close(), health, async () => connection.disconnect(), () => database.close()], config.SHUTDOWN_TIMEOUT_MS);
  announceBooted(booted, { process: 'api', roles: ['api'], apiPort: api.port });
}
