// Isolation: its own database and BullMQ prefix (startTestEngine, with a worker), extra API instances on that database and prefix, and a TCP proxy of its own in front of PostgreSQL for one of them; fresh keys and random user ids.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, startApi, type RunningApi } from '@points-engine/api';
import { ApiKeyRegistry, createApiKey, loadApiKeys, revokeApiKey, touchApiKeys, type Scope } from '@points-engine/auth';
import { connectDatabase } from '@points-engine/db';
import { createRedis } from '@points-engine/jobs';
import { createLogger } from '@points-engine/logger';
import { randomUser, redisUrl } from '../support/services.ts';
import { spawnApp } from '../support/processes.ts';
import { CuttableProxy } from '../support/tcp-proxy.ts';
import { waitUntil } from '../support/wait.ts';
import { registryHolds, startTestEngine, type TestEngine } from '../support/engine.ts';

let engine: TestEngine;
const redis: ReturnType<typeof createRedis>[] = [];
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  for (const connection of redis) connection.disconnect();
  await engine.close();
});

/** Another API process on the engine's database and prefix; the periodic re-read is off (a day), so only NOTIFY can tell it of a change. */
async function anotherApi(overrides: { ledger?: TestEngine['ledger']; DATABASE_URL?: string } = {}): Promise<RunningApi & { post(path: string, key: string, body: unknown): Promise<Response> }> {
  const connection = createRedis(redisUrl(), 'producer', { connectionName: `${engine.prefix}:api-${redis.length}` });
  redis.push(connection);
  const api = await startApi(
    { ledger: overrides.ledger ?? engine.ledger, connection, logger: createLogger({ level: 'silent' }) },
    { ...engine.config, API_KEYS_REFRESH_SECONDS: 86_400, ...(overrides.DATABASE_URL ? { DATABASE_URL: overrides.DATABASE_URL } : {}) },
  );
  const post = (path: string, key: string, body: unknown) =>
    fetch(`http://127.0.0.1:${api.port}${path}`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return Object.assign(api, { post });
}
const earn = () => {
  const user = randomUser('kr');
  return { kind: 'earn', idempotency_key: `kr:${user}`, user_id: user, activity: 'text_request' };
};
async function newKey(scopes: Scope[], registries: ApiKeyRegistry[]): Promise<{ id: string; key: string }> {
  const created = await createApiKey(engine.db, `kr-${scopes.join('-')}`, scopes);
  for (const registry of registries) await registryHolds(registry, (r) => r.has(created.id));
  return created;
}

describe('revocation reaches every API process at once (issue 10 item 10)', () => {
  it('revoked through the CLI function or plain SQL, a key is refused by the very next request to either of two API processes', async () => {
    const [a, b] = [await anotherApi(), await anotherApi()];
    try {
      for (const revoke of [(id: string) => revokeApiKey(engine.db, id), (id: string) => engine.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', id).execute()]) {
        const { id, key } = await newKey(['producer'], [a.keys, b.keys]);
        expect((await a.post('/api/points/events', key, earn())).status).toBe(202);
        expect((await b.post('/api/points/events', key, earn())).status).toBe(202);
        await revoke(id);
        // Each process re-reads on the notification (its `reloaded` signal); none waits out a cache.
        await Promise.all([registryHolds(a.keys, (r) => !r.has(id)), registryHolds(b.keys, (r) => !r.has(id))]);
        for (const api of [a, b]) {
          const refused = await api.post('/api/points/events', key, earn());
          expect(refused.status).toBe(401);
          expect(await refused.json()).toMatchObject({ error: 'unauthorized', message: 'the API key is not valid' });
        }
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a key made with `npm run keys -- create --scopes payments,holdings --expires-in-days 1` works at once for its kinds only, and `keys revoke` stops it', async () => {
    const cli = async (...args: string[]) => {
      const run = spawnApp('apps/cli/src/main.ts', { DATABASE_URL: engine.databaseUrl, LOG_LEVEL: 'silent' }, args);
      expect(await run.exited, run.output()).toBe(0);
      return run.output();
    };
    const created = await cli('keys', 'create', '--name', 'shop', '--scopes', 'payments,holdings', '--expires-in-days', '1');
    expect(created).toMatch(/created key [a-f0-9]{12} \(payments, holdings, expires /);
    const key = created.trim().split('\n').at(-1) as string;
    const id = key.slice(3, 15);
    await registryHolds(engine.registry, (r) => r.has(id));
    const user = randomUser('kr');
    const send = (body: unknown) => engine.fetch('/api/points/events', { method: 'POST', key, body: JSON.stringify(body) });
    expect((await send({ kind: 'purchase_bonus', idempotency_key: `cli-buy:${user}`, user_id: user, product: { type: 'credit_pack', pack: 'small' } })).status).toBe(202);
    expect((await send({ kind: 'set_token_balance', idempotency_key: `cli-tok:${user}`, user_id: user, token_balance: '5' })).status).toBe(202);
    expect((await send({ kind: 'grant', idempotency_key: `cli-grant:${user}`, user_id: user, amount: 5, reason: 'x' })).status).toBe(403);
    expect(await cli('keys', 'list')).toMatch(new RegExp(`^${id}  shop +payments,holdings +active `, 'm'));
    await cli('keys', 'revoke', id);
    await registryHolds(engine.registry, (r) => !r.has(id));
    expect((await send({ kind: 'purchase_bonus', idempotency_key: `cli-buy2:${user}`, user_id: user, product: { type: 'credit_pack', pack: 'small' } })).status).toBe(401);
  }, 120_000);

  it('an expired key is refused from its expiry on', async () => {
    const expired = await createApiKey(engine.db, 'old', ['producer'], { expiresAt: new Date(Date.now() - 1_000) });
    const current = await createApiKey(engine.db, 'current', ['producer'], { expiresAt: new Date(Date.now() + 3_600_000) });
    await registryHolds(engine.registry, (r) => r.has(expired.id) && r.has(current.id));
    expect((await engine.fetch('/api/points/events', { method: 'POST', key: expired.key, body: JSON.stringify(earn()) })).status).toBe(401);
    expect((await engine.fetch('/api/points/events', { method: 'POST', key: current.key, body: JSON.stringify(earn()) })).status).toBe(202);
  });
});

describe('the registry in memory (issue 10 item 9: unknown keys cost no look-up)', () => {
  it('refuses well-formed keys with unknown ids without reading the keys table, and writes last_used_at in batches, not per request', async () => {
    let reads = 0;
    const touches: string[][] = [];
    const registry = new ApiKeyRegistry({
      load: async () => {
        reads++;
        return loadApiKeys(engine.db);
      },
      touch: async (ids, at) => {
        touches.push(ids);
        await touchApiKeys(engine.db, ids, at);
      },
      refreshMs: 0,
      usageFlushMs: 0,
    });
    await registry.start();
    const connection = createRedis(redisUrl(), 'producer', { connectionName: `${engine.prefix}:spy-api` });
    redis.push(connection);
    const app = createApp({ db: engine.db, program: engine.ledger.program, client: engine.client, redis: connection, verifier: registry, logger: createLogger({ level: 'silent' }), queues: [], config: engine.config });
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/points/balance?user_id=x`;
      const get = (key: string) => fetch(url, { headers: { 'x-api-key': key } }).then((r) => r.status);
      const unknown = Array.from({ length: 200 }, (_, i) => `pe_${i.toString(16).padStart(12, '0')}.${'A'.repeat(43)}`);
      for (const key of unknown) expect(await get(key)).toBe(401);
      expect(reads).toBe(1);

      const reader = await createApiKey(engine.db, 'batched', ['reader']);
      await registry.reload();
      for (let n = 0; n < 20; n++) expect(await get(reader.key)).toBe(200);
      const lastUsed = () => engine.db.selectFrom('api_keys').select('last_used_at').where('id', '=', reader.id).executeTakeFirstOrThrow();
      expect((await lastUsed()).last_used_at).toBeNull();
      await registry.flushUsage();
      expect(touches).toEqual([[reader.id]]);
      expect((await lastUsed()).last_used_at).toBeInstanceOf(Date);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await registry.close();
    }
  });
});

describe('producers keep queueing while PostgreSQL is unreachable (issue 11 item 4)', () => {
  it('keys are served from memory during the outage (POST /events 202, applied by the worker), and a revocation made meanwhile bites as soon as PostgreSQL is back', async () => {
    const proxy = new CuttableProxy(Number(new URL(engine.databaseUrl).port || 5432));
    await proxy.open();
    const url = proxy.url(engine.databaseUrl);
    const pool = connectDatabase(url, { max: 2 });
    const api = await anotherApi({ ledger: { ...engine.ledger, db: pool.db }, DATABASE_URL: url });
    try {
      const { id, key } = await newKey(['producer'], [api.keys]);
      expect((await api.post('/api/points/events', key, earn())).status).toBe(202);

      await proxy.cut();
      const during = earn();
      const answer = await api.post('/api/points/events', key, during);
      expect(answer.status, await answer.clone().text()).toBe(202);
      // The engine's worker (on the real database) applies what the cut-off API queued.
      await waitUntil('the event queued during the outage applied', async () => engine.db.selectFrom('ledger_transactions').select('id').where('idempotency_key', '=', during.idempotency_key).executeTakeFirst());
      // Revoked while this API cannot hear it: it still serves the key it has...
      await revokeApiKey(engine.db, id);
      expect((await api.post('/api/points/events', key, earn())).status).toBe(202);

      // ...until PostgreSQL is back: the listener reconnects, re-reads, and the key is gone.
      await proxy.open();
      await registryHolds(api.keys, (r) => !r.has(id));
      expect((await api.post('/api/points/events', key, earn())).status).toBe(401);
    } finally {
      await api.close();
      await proxy.cut();
      await pool.close().catch(() => undefined);
    }
  }, 60_000);
});
