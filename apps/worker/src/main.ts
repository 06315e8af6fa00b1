import { createRedis } from '@pe/jobs';
import { startOutboxRelay } from '@pe/outbox';
import { boot, onShutdown } from '@pe/runtime';
import { startWorker } from './start-worker.ts';

const { config, logger, database, ledger } = await boot('worker');
const connection = createRedis(config.REDIS_URL, 'worker');
const worker = startWorker({ ledger, connection, logger }, config);
// Every worker process also relays the outbox to the bot (rows are shared with SKIP LOCKED).
const relay = startOutboxRelay({ db: database.db, logger }, config);
onShutdown(logger, [() => worker.close(), () => relay.close(), async () => connection.disconnect(), () => database.close()], config.SHUTDOWN_TIMEOUT_MS);
