import { loadConfig, loadProgram, ConfigError, type Env } from '@points-engine/config';
import { checkPostgres, checkRedis, connectDatabase, ensureDatabase, migrateToLatest, redactUrl, ServiceUnavailableError, type DbHandle } from '@points-engine/db';
import { ASSETS, SYSTEM_ACCOUNTS, type Program } from '@points-engine/domain';
import { createRedis, readRedisDurability, type RedisDurability } from '@points-engine/jobs';
import { createLogger, resolveLogFormat, type LogFormat, type Logger } from '@points-engine/logger';
import { ensureSystemAccounts, type LedgerContext } from '@points-engine/ledger';
import { createClock } from './clock.ts';
import type { Signals } from './signals.ts';

export interface Booted {
  config: Readonly<Env>;
  program: Program;
  logger: Logger;
  /** How the logger writes (LOG_FORMAT, or on `auto` whether stdout is a terminal). */
  logFormat: LogFormat;
  database: DbHandle;
  ledger: LedgerContext;
  /** Redis persistence as found at start (what a Redis crash would lose). */
  redisDurability: RedisDurability;
}

/**
 * The start of every process: parse the config (one line per bad variable), check that
 * PostgreSQL and Redis answer (a message naming the URL and how to start them), check and report
 * Redis persistence (REDIS_DURABILITY=require refuses to start without it), create the database
 * if missing, apply migrations, open the pool. `signals` (handleSignals, installed before this)
 * gets the logger as soon as there is one.
 */
export async function boot(name: string, signals?: Signals, env: Record<string, string | undefined> = process.env): Promise<Booted> {
  let config: Readonly<Env>;
  let program: Program;
  try {
    config = loadConfig(env);
    program = loadProgram(config.PROGRAM_FILE);
  } catch (error) {
    if (error instanceof ConfigError) exitWith(error.message);
    throw error;
  }
  const logFormat = resolveLogFormat(config.LOG_FORMAT, process.stdout.isTTY === true);
  const logger = createLogger({ level: config.LOG_LEVEL, name, format: logFormat });
  signals?.useLogger(logger);
  try {
    await Promise.all([checkPostgres(config.DATABASE_URL), checkRedis(config.REDIS_URL)]);
  } catch (error) {
    if (error instanceof ServiceUnavailableError) exitWith(error.message);
    throw error;
  }
  const redisDurability = await checkRedisDurability(config, logger);
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
    logFormat,
    database,
    redisDurability,
    ledger: {
      db: database.db, program, systemAccounts, retry: { applyLock: true }, cycleStreams: config.CYCLE_STREAMS,
      eventTimeBound: { maxAgeSeconds: config.EVENT_MAX_AGE_SECONDS, maxFutureSeconds: config.EVENT_MAX_FUTURE_SECONDS },
      ...(config.CLOCK_RATE !== 1 ? { now } : {}),
    },
  };
}

/** Logs what a Redis crash would lose; under REDIS_DURABILITY=require, refuses to go on without AOF. */
async function checkRedisDurability(config: Readonly<Env>, logger: Logger): Promise<RedisDurability> {
  const redis = createRedis(config.REDIS_URL, 'producer');
  let durability: RedisDurability;
  try {
    durability = await readRedisDurability(redis);
  } finally {
    redis.disconnect();
  }
  const { durable, problems, processCrashLoses, machineCrashLoses, appendonly, appendfsync, save, source } = durability;
  const fields = { redis_durability: { appendonly, appendfsync, save, source, process_crash_loses: processCrashLoses, machine_crash_loses: machineCrashLoses } };
  if (durable) logger.info(fields, 'redis persistence: queued events survive a Redis crash');
  else if (config.REDIS_DURABILITY === 'require') {
    exitWith(
      `Redis at ${redactUrl(config.REDIS_URL)} would lose accepted events in a crash: ${problems.join('; ')}.\n` +
        'Turn on AOF (redis-server --appendonly yes, or CONFIG SET appendonly yes) with maxmemory-policy noeviction,\n' +
        'or accept the loss with REDIS_DURABILITY=warn.',
    );
  } else logger.warn({ ...fields, problems }, `redis persistence: a Redis crash loses ${processCrashLoses} (REDIS_DURABILITY=require refuses this)`);
  return durability;
}

function exitWith(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
