import { createRedis } from '@pe/jobs';
import { startOutboxRelay } from '@pe/outbox';
import { boot, type Signals } from '@pe/runtime';
import { startWorker } from './start-worker.ts';

/** A worker process: boots, applies events and relays the outbox, and hands its closers to the signal handlers. */
export async function runWorker(signals: Signals): Promise<void> {
  const { config, logger, database, ledger } = await boot('worker', signals);
  const connection = createRedis(config.REDIS_URL, 'worker');
  const worker = startWorker({ ledger, connection, logger }, config);
  // Every worker process also relays the outbox to the bot (rows are shared with SKIP LOCKED).
  const relay = startOutboxRelay({ db: database.db, logger }, config);
  signals.ready(logger, [() => worker.close(), () => relay.close(), async () => connection.disconnect(), () => database.close()], config.SHUTDOWN_TIMEOUT_MS);
}
