import { createRedis } from '@pe/jobs';
import { boot, type Signals } from '@pe/runtime';
import { startApi } from './start-api.ts';

/** The API process: boots, listens, and hands its closers to the signal handlers. */
export async function runApi(signals: Signals): Promise<void> {
  const { config, logger, database, ledger } = await boot('api', signals);
  const connection = createRedis(config.REDIS_URL, 'producer');
  const api = await startApi({ ledger, connection, logger }, config);
  signals.ready(logger, [() => api.close(), async () => connection.disconnect(), () => database.close()], config.SHUTDOWN_TIMEOUT_MS);
}
