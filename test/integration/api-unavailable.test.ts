// Isolation: its own database (cloned from the template), BullMQ prefix and a TCP proxy of its own
// in front of PostgreSQL, which the test cuts to make PostgreSQL unreachable for this API only.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@pe/api';
import { createApiKey, openApiKeyRegistry, type OpenedKeyRegistry } from '@pe/auth';
import { PointsClient } from '@pe/client';
import { loadConfig } from '@pe/config';
import { connectDatabase, type DbHandle } from '@pe/db';
import { defaultProgram } from '@pe/domain';
import { createRedis } from '@pe/jobs';
import { createLogger } from '@pe/logger';
import { clearPrefix, createTestDatabase, redisUrl, uniquePrefix } from '../support/services.ts';

/** A TCP proxy to PostgreSQL that can be cut (every connection dropped, new ones refused) and restored. */
class CuttableProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async open(port = 0): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(5432, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

const prefix = uniquePrefix();
const proxy = new CuttableProxy();
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
  const url = new URL(database.url);
  url.port = String(proxy.port);
  pool = connectDatabase(url.toString(), { max: 2 });
  keys = await openApiKeyRegistry(pool.db, { url: url.toString() });
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
