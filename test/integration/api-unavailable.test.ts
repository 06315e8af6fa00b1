// Isolation: its own database (cloned from the template), BullMQ prefix and a TCP proxy of its own
// in front of PostgreSQL, which the test cuts to make PostgreSQL unreachable for this API only.
import type { AddressInfo, Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@points-engine/api';
import { createApiKey, openApiKeyRegistry, type OpenedKeyRegistry } from '@points-engine/auth';
import { PointsClient } from '@points-engine/client';
import { loadConfig } from '@points-engine/config';
import { connectDatabase, type DbHandle } from '@points-engine/db';
import { defaultProgram } from '@points-engine/domain';
import { createRedis } from '@points-engine/jobs';
import { createLogger } from '@points-engine/logger';
import { clearPrefix, createTestDatabase, redisUrl, uniquePrefix } from '../support/services.ts';
import { CuttableProxy } from '../support/tcp-proxy.ts';

const prefix = uniquePrefix();
const proxy = new CuttableProxy(5432);
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: DbHandle;
let client: PointsClient;
let redis: ReturnType<typeof createRedis>;
let base: string;
let key: string;
let keys: OpenedKeyRegistry;
let close: () => Promise<void>;

beforeAll(async () => {
  database = await createTestDatabase();
  key = (await createApiKey(database.db, 'unavailable-test', ['reader'])).key;
  await proxy.open();
  const url = proxy.url(database.url);
  pool = connectDatabase(url, { max: 2 });
  keys = await openApiKeyRegistry(pool.db, { url });
  client = new PointsClient({ redisUrl: redisUrl(), prefix, partitions: 1 });
  redis = createRedis(redisUrl(), 'producer');
  const app = createApp({
    db: pool.db, program: defaultProgram, client, redis, verifier: keys.registry, logger: createLogger({ level: 'silent' }),
    queues: [], config: { ...loadConfig({}), QUEUE_PREFIX: prefix },
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise<void>((resolve) => server.close(() => resolve()));
});
afterAll(async () => {
  await close();
  await keys.close();
  await client.close();
  redis.disconnect();
  await proxy.cut();
  await pool.close().catch(() => undefined);
  await database.close();
  await clearPrefix(prefix);
});

const balance = () => fetch(`${base}/api/points/balance?user_id=u1`, { headers: { 'x-api-key': key } });

describe('PostgreSQL unreachable from the API', () => {
  it('answers 503 with Retry-After (not 500) while it is cut, and 200 again once it is back', async () => {
    expect((await balance()).status).toBe(200);
    const port = proxy.port;
    await proxy.cut();
    // The key is served from the registry, so the request reaches the balance query, which cannot connect.
    const during = await balance();
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('5');
    expect(await during.json()).toMatchObject({ error: 'unavailable' });
    await proxy.open(port);
    expect((await balance()).status).toBe(200);
  });
});
