import { createRedis } from '@pe/jobs';
import { boot, onShutdown } from '@pe/runtime';
import { startWorker } from './start-worker.ts';

const { config, logger, database, ledger } = await boot('worker');
const connection = createRedis(config.REDIS_URL, 'worker');
const worker = startWorker({ ledger, connection, logger }, config);
onShutdown(logger, [() => worker.close(), async () => connection.disconnect(), () => database.close()]);
