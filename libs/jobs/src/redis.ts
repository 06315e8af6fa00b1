import { Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection for BullMQ. Workers wait out outages (`maxRetriesPerRequest: null`, as BullMQ
 * requires); producers fail fast so an outage surfaces to the caller instead of hanging it.
 */
export function createRedis(url: string, role: 'worker' | 'producer', options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    connectTimeout: 5_000,
    ...options,
  });
  // Connection errors are retried by ioredis and reported through health checks; an unhandled
  // 'error' event would crash the process.
  redis.on('error', () => undefined);
  return redis;
}
