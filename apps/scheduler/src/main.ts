import { createRedis } from '@pe/jobs';
import { boot, handleSignals } from '@pe/runtime';
import { startScheduler } from './start-scheduler.ts';

const signals = handleSignals('scheduler');
const { config, logger, database, ledger } = await boot('scheduler', signals);
const connection = createRedis(config.REDIS_URL, 'worker');
const scheduler = await startScheduler({ ledger, connection, logger }, config);
signals.ready(logger, [() => scheduler.close(), async () => connection.disconnect(), () => database.close()], config.SHUTDOWN_TIMEOUT_MS);
