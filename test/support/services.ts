import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { Redis } from 'ioredis';
import { connectDatabase, dropDatabase, ensureDatabase, type DbHandle } from '@points-engine/db';
import { withDatabase } from './global-setup.ts';

/** A database of this test file's own, cloned from the migrated template; dropped by `close()`. */
export async function createTestDatabase(): Promise<DbHandle & { url: string }> {
  const name = `pe_test_${randomBytes(6).toString('hex')}`;
  const url = withDatabase(inject('postgresUrl'), name);
  await ensureDatabase(url, inject('templateDatabase'));
  const handle = connectDatabase(url, { max: 8 });
  return {
    ...handle,
    url,
    close: async () => {
      await handle.close();
      await dropDatabase(url);
    },
  };
}

/** A unique BullMQ key prefix for one test file, so files never see each other's jobs. */
export function uniquePrefix(): string {
  return `pe_test_${randomBytes(5).toString('hex')}`;
}

export const redisUrl = (): string => inject('redisUrl');

/** Deletes every Redis key under a test prefix. */
export async function clearPrefix(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl());
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A user id no other test uses. */
export const randomUser = (label = 'u'): string => `${label}_${randomBytes(6).toString('hex')}`;
