import { loadConfig, loadProgram, ConfigError, type Env } from '@pe/config';
import { checkPostgres, checkRedis, connectDatabase, ensureDatabase, migrateToLatest, ServiceUnavailableError, type DbHandle } from '@pe/db';
import { ASSETS, SYSTEM_ACCOUNTS, type Program } from '@pe/domain';
import { createLogger, type Logger } from '@pe/logger';
import { ensureSystemAccounts, type LedgerContext } from '@pe/ledger';
import { createClock } from './clock.ts';

export interface Booted {
  config: Readonly<Env>;
  program: Program;
  logger: Logger;
  database: DbHandle;
  ledger: LedgerContext;
}

/**
 * The start of every process: parse the config (one line per bad variable), check that
 * PostgreSQL and Redis answer (a message naming the URL and how to start them), create the
 * database if missing, apply migrations, open the pool.
 */
export async function boot(name: string, env: Record<string, string | undefined> = process.env): Promise<Booted> {
  let config: Readonly<Env>;
  let program: Program;
  try {
    config = loadConfig(env);
    program = loadProgram(config.PROGRAM_FILE);
  } catch (error) {
    if (error instanceof ConfigError) exitWith(error.message);
    throw error;
  }
  const logger = createLogger({ level: config.LOG_LEVEL, name });
  try {
    await Promise.all([checkPostgres(config.DATABASE_URL), checkRedis(config.REDIS_URL)]);
  } catch (error) {
    if (error instanceof ServiceUnavailableError) exitWith(error.message);
    throw error;
  }
  if (await ensureDatabase(config.DATABASE_URL)) logger.info('created the database');
  const database = connectDatabase(config.DATABASE_URL, { max: config.PG_POOL_MAX, applicationName: `points-engine-${name}` });
  const applied = await migrateToLatest(database.db);
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
  const systemAccounts = await ensureSystemAccounts(database.db, SYSTEM_ACCOUNTS, ASSETS);
  const now = createClock(config.CLOCK_RATE, config.CLOCK_ORIGIN_MS);
  if (config.CLOCK_RATE !== 1) logger.warn({ rate: config.CLOCK_RATE }, 'compressed clock: program time runs faster than real time');
  return {
    config,
    program,
    logger,
    database,
    ledger: {
      db: database.db, program, systemAccounts, retry: { applyLock: true }, cycleStreams: config.CYCLE_STREAMS,
      eventTimeBound: { maxAgeSeconds: config.EVENT_MAX_AGE_SECONDS, maxFutureSeconds: config.EVENT_MAX_FUTURE_SECONDS },
      ...(config.CLOCK_RATE !== 1 ? { now } : {}),
    },
  };
}

function exitWith(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
