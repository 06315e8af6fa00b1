import { createRedis } from '@pe/jobs';
import { boot, handleSignals } from '@pe/runtime';
import { startApi } from './start-api.ts';

const signals = handleSignals('api');
const { config, logger, database, ledger } = await boot('api', signals);
const connection = createRedis(config.REDIS_URL, 'producer');
const api = await startApi({ ledger, connection, logger }, config);
signals.ready(logger, [() => api.close(), async () => connection.disconnect(), () => database.close()], config.SHUTDOWN_TIMEOUT_MS);
