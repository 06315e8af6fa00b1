import type { Redis } from 'ioredis';

/** Redis's persistence settings as the engine could read them; null: not known. */
export interface RedisPersistence {
  /** `config`: CONFIG GET answered; `info`: it is disabled (managed Redis), read from INFO (no appendfsync there). */
  source: 'config' | 'info';
  appendonly: boolean;
  appendfsync: 'always' | 'everysec' | 'no' | null;
  /** The RDB snapshot schedule ('' = no snapshots). */
  save: string | null;
  maxmemoryPolicy: string | null;
}

export interface RedisDurability extends RedisPersistence {
  /** A crash of the Redis process keeps every job Redis acknowledged (AOF on, nothing evicted). */
  durable: boolean;
  /** What a crash of the Redis process (kill -9, OOM kill, restart without save) loses of the accepted jobs. */
  processCrashLoses: string;
  /** What a crash of the machine (power loss, kernel panic) loses. */
  machineCrashLoses: string;
  /** What makes it not durable (REDIS_DURABILITY=require refuses these). */
  problems: string[];
}

const EVERYTHING = 'every accepted event not yet applied (the whole queue)';

/**
 * What a crash would lose under these settings. Redis writes the AOF to the operating system
 * before it replies, so with AOF on a process crash loses nothing acknowledged (except writes a
 * slow fsync postpones, up to 2 s, under everysec or no); what the OS had not yet flushed to disk
 * is lost only when the machine itself goes down.
 */
export function assessRedisDurability(settings: RedisPersistence): RedisDurability {
  const problems: string[] = [];
  let processCrashLoses: string;
  let machineCrashLoses: string;
  if (settings.appendonly) {
    processCrashLoses = settings.appendfsync === 'always' ? 'nothing acknowledged' : 'nothing acknowledged (up to 2 s if a slow disk makes Redis postpone AOF writes)';
    machineCrashLoses = {
      always: 'nothing acknowledged (each write is fsynced before the reply)',
      everysec: 'up to about 1 s of accepted events (2 s if the disk is slow)',
      no: 'what the OS had not flushed yet (typically up to 30 s of accepted events)',
      unknown: 'up to about 1 s of accepted events under appendfsync everysec (the default; always: nothing, no: up to ~30 s)',
    }[settings.appendfsync ?? 'unknown'];
  } else {
    problems.push('appendonly is off: a Redis restart loses queued events');
    const since = settings.save === '' ? EVERYTHING : settings.save === null ? `every event accepted since the last RDB snapshot, if snapshots are on (else ${EVERYTHING})` : `every event accepted since the last RDB snapshot (save "${settings.save}")`;
    processCrashLoses = since;
    machineCrashLoses = since;
  }
  if (settings.maxmemoryPolicy !== null && settings.maxmemoryPolicy !== 'noeviction') {
    problems.push(`maxmemory-policy is ${settings.maxmemoryPolicy}: under memory pressure Redis evicts queued jobs (BullMQ needs noeviction)`);
    processCrashLoses += '; and queued jobs may be evicted at any time';
    machineCrashLoses += '; and queued jobs may be evicted at any time';
  }
  return { ...settings, durable: problems.length === 0, processCrashLoses, machineCrashLoses, problems };
}

/** Reads the persistence settings: CONFIG GET, or INFO where CONFIG is disabled (managed Redis). */
export async function readRedisPersistence(redis: Redis): Promise<RedisPersistence> {
  try {
    const get = async (name: string) => String(((await redis.config('GET', name)) as string[])[1] ?? '');
    const [appendonly, appendfsync, save, policy] = [await get('appendonly'), await get('appendfsync'), await get('save'), await get('maxmemory-policy')];
    return {
      source: 'config',
      appendonly: appendonly === 'yes',
      appendfsync: appendfsync === 'always' || appendfsync === 'everysec' || appendfsync === 'no' ? appendfsync : null,
      save,
      maxmemoryPolicy: policy || null,
    };
  } catch (error) {
    if (!/unknown command|NOPERM|not allowed|disabled/i.test(String((error as Error).message))) throw error;
    const info = `${await redis.info('persistence')}\n${await redis.info('memory')}`;
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? null;
    return { source: 'info', appendonly: field('aof_enabled') === '1', appendfsync: null, save: null, maxmemoryPolicy: field('maxmemory_policy') };
  }
}

/** The durability of the Redis behind this connection, now (a metric: call it whenever it is asked for). */
export async function readRedisDurability(redis: Redis): Promise<RedisDurability> {
  return assessRedisDurability(await readRedisPersistence(redis));
}
