import { createRedis } from '@pe/jobs';
import { boot, onShutdown } from '@pe/runtime';
import { startScheduler } from './start-scheduler.ts';

const { config, logger, database, ledger } = await boot('scheduler');
const connection = createRedis(config.REDIS_URL, 'worker');
const scheduler = await startScheduler({ ledger, connection, logger }, config);
onShutdown(logger, [() => scheduler.close(), async () => connection.disconnect(), () => database.close()], config.SHUTDOWN_TIMEOUT_MS);
