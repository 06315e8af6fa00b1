// Isolation: every Redis here is a private redis-server of this file's own (a free port, a temp
// directory), started, crashed with kill -9 and removed by the test; the shared Redis is not
// touched. The engine process gets its own database (cloned from the template).
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createApp } from '@points-engine/api';
import { ApiKeyRegistry, loadApiKeys } from '@points-engine/auth';
import { PointsClient } from '@points-engine/client';
import { loadConfig } from '@points-engine/config';
import { defaultProgram, type PointsEventInput } from '@points-engine/domain';
import { createRedis, KeyIndex, readRedisDurability, readRedisPersistence } from '@points-engine/jobs';
import { createLogger } from '@points-engine/logger';
import { startPrivateRedis, type PrivateRedis } from '../../bench/support/private-redis.ts';
import { createTestDatabase } from '../support/services.ts';
import { spawnApp } from '../support/processes.ts';

const servers: PrivateRedis[] = [];
const start = async (args: string[]) => {
  const server = await startPrivateRedis(args);
  servers.push(server);
  return server;
};
let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.remove()));
  await database.close();
});

const connect = (server: PrivateRedis) => {
  const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  return redis;
};
const grants = (label: string, n: number): PointsEventInput[] =>
  Array.from({ length: n }, (_, i) => ({ kind: 'grant', idempotency_key: `${label}:${i}`, user_id: `${label}_u${i % 7}`, asset: 'points', amount: 1, reason: 'durability test' }));

/** Queues 150 events in batches and 20 alone through a PointsClient; resolves once Redis acknowledged all of them. */
async function acknowledge(server: PrivateRedis, label: string): Promise<number> {
  const client = new PointsClient({ redisUrl: server.url, prefix: 'dur', partitions: 2 });
  try {
    await client.sendMany(grants(`${label}-b`, 150));
    for (const event of grants(`${label}-s`, 20)) await client.send(event);
    return 170;
  } finally {
    await client.close();
  }
}
/** Events still queued on the server (waiting jobs, batch jobs counted by their events). */
async function queuedEvents(server: PrivateRedis): Promise<number> {
  const client = new PointsClient({ redisUrl: server.url, prefix: 'dur', partitions: 2 });
  try {
    let events = 0;
    for (const partition of [0, 1]) {
      for (const job of await client.queue(partition).getJobs(['wait'])) events += job.name === 'batch' ? (job.data as { events: unknown[] }).events.length : 1;
    }
    return events;
  } finally {
    await client.close();
  }
}

describe('Redis persistence: read, reported, required — and what a real crash loses', () => {
  it('reads the settings with CONFIG GET, and from INFO where CONFIG is disabled (managed Redis)', async () => {
    const aof = await start(['--appendonly', 'yes', '--appendfsync', 'always', '--save', '']);
    const managed = await start(['--appendonly', 'yes', '--save', '', '--rename-command', 'CONFIG', '""']);
    const [a, m] = [connect(aof), connect(managed)];
    try {
      expect(await readRedisDurability(a)).toMatchObject({ source: 'config', appendonly: true, appendfsync: 'always', save: '', durable: true, processCrashLoses: 'nothing acknowledged' });
      expect(await readRedisPersistence(m)).toEqual({ source: 'info', appendonly: true, appendfsync: null, save: null, maxmemoryPolicy: 'noeviction' });
    } finally {
      a.disconnect();
      m.disconnect();
    }
  });

  it('kill -9 with AOF (appendfsync everysec) keeps every acknowledged event and the key index', async () => {
    const server = await start(['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '']);
    const acknowledged = await acknowledge(server, 'aof');
    await server.kill9();
    await server.start();
    expect(await queuedEvents(server)).toBe(acknowledged);
    const redis = connect(server);
    try {
      const found = await Promise.all([0, 1].map((p) => new KeyIndex(redis, 'dur').find(p, 'aof-b:0')));
      expect(found.filter(Boolean)).toHaveLength(1);
    } finally {
      redis.disconnect();
    }
  });

  it('kill -9 without AOF loses every acknowledged event still queued — what the durability report said it would', async () => {
    const server = await start(['--appendonly', 'no', '--save', '']);
    const redis = connect(server);
    const before = await readRedisDurability(redis);
    redis.disconnect();
    expect(before).toMatchObject({ durable: false, processCrashLoses: expect.stringMatching(/whole queue/) });
    expect(await acknowledge(server, 'none')).toBe(170);
    await server.kill9();
    await server.start();
    expect(await queuedEvents(server)).toBe(0);
  });

  it('REDIS_DURABILITY=require refuses to start without AOF (naming the fix); warn starts and logs the loss', async () => {
    const server = await start(['--appendonly', 'no', '--save', '']);
    const env = { DATABASE_URL: database.url, REDIS_URL: server.url, QUEUE_PREFIX: 'dur' };
    const refused = spawnApp('apps/worker/src/main.ts', { ...env, REDIS_DURABILITY: 'require' });
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toMatch(/would lose accepted events in a crash: appendonly is off/);
    expect(refused.output()).toMatch(/REDIS_DURABILITY=warn/);

    const warned = spawnApp('apps/worker/src/main.ts', { ...env, REDIS_DURABILITY: 'warn' });
    try {
      await waitForOutput(warned.output, /worker started/);
      expect(warned.output()).toMatch(/"msg":"redis persistence: a Redis crash loses every accepted event not yet applied \(the whole queue\)/);
      warned.child.kill('SIGTERM');
      expect(await warned.exited).toBe(0);
    } finally {
      warned.child.kill('SIGKILL');
    }
  }, 60_000);

  it('/readyz reports what a crash would lose, and under require turns not ready when AOF is switched off', async () => {
    const server = await start(['--appendonly', 'yes', '--save', '']);
    const redis = createRedis(server.url, 'producer');
    const client = new PointsClient({ connection: redis, prefix: 'dur', partitions: 1 });
    const listen = async (durability: 'require' | 'warn') => {
      const app = createApp({
        db: database.db, program: defaultProgram, client, redis, verifier: new ApiKeyRegistry({ load: () => loadApiKeys(database.db) }), logger: createLogger({ level: 'silent' }),
        queues: [], config: { ...loadConfig({}), QUEUE_PREFIX: 'dur', REDIS_DURABILITY: durability },
      });
      const server = await new Promise<Server>((resolve) => {
        const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
      });
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
    };
    const [required, warned] = [await listen('require'), await listen('warn')];
    try {
      const ready = await fetch(required.url);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', checks: { redis_persistence: 'ok' }, redis_durability: { durable: true, appendonly: true, appendfsync: 'everysec', machine_crash_loses: expect.stringMatching(/about 1 s/) } });
      await redis.config('SET', 'appendonly', 'no');
      const notReady = await fetch(required.url);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({ checks: { redis_persistence: expect.stringMatching(/appendonly is off/) }, redis_durability: { durable: false } });
      const warnOnly = await fetch(warned.url);
      expect(warnOnly.status).toBe(200);
      expect(await warnOnly.json()).toMatchObject({ redis_durability: { durable: false, process_crash_loses: expect.stringMatching(/whole queue/) } });
    } finally {
      await required.close();
      await warned.close();
      await client.close();
      redis.disconnect();
    }
  });
});

async function waitForOutput(output: () => string, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(output())) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} in: ${output().slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
