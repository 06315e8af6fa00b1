import { createRedis } from '@pe/jobs';
import { boot, onShutdown } from '@pe/runtime';
import { startApi } from './start-api.ts';

const { config, logger, database, ledger } = await boot('api');
const connection = createRedis(config.REDIS_URL, 'producer');
const api = await startApi({ ledger, connection, logger }, config);
onShutdown(logger, [() => api.close(), async () => connection.disconnect(), () => database.close()], config.SHUTDOWN_TIMEOUT_MS);
