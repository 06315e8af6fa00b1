// Isolation: its own database and BullMQ prefix (which also holds its rate-limit counters) via startTestEngine; each test speaks from client addresses of its own (X-Forwarded-For through a trusted loopback proxy).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { createApp } from '@points-engine/api';
import { signInitData } from '@points-engine/auth';
import { loadConfig } from '@points-engine/config';
import { createRedis } from '@points-engine/jobs';
import { createLogger } from '@points-engine/logger';
import { CORS_MAX_AGE_SECONDS } from '../../apps/api/src/middleware/cors.ts';
import { randomUser, redisUrl } from '../support/services.ts';
import { startTestEngine, TEST_BOT_TOKEN, type TestEngine } from '../support/engine.ts';
import { waitUntil } from '../support/wait.ts';

const MINI_APP = 'https://mini.example';
const IP_LIMIT = 30;
const FAILURE_LIMIT = 3;

let engine: TestEngine;
let reader: string;
beforeAll(async () => {
  engine = await startTestEngine({
    worker: false,
    config: { CORS_ORIGINS: [MINI_APP, 'http://localhost:5173'], IP_RATE_LIMIT_PER_MINUTE: IP_LIMIT, AUTH_FAILURE_LIMIT_PER_MINUTE: FAILURE_LIMIT, TRUST_PROXY: ['loopback'] },
  });
  reader = await engine.key('reader');
});
afterAll(async () => {
  await engine.close();
});

let nextAddress = 1;
/** A client address no other test uses (TEST-NET-2). */
const address = () => `198.51.100.${nextAddress++}`;
const initData = (userId: string) => signInitData({ auth_date: String(Math.floor(Date.now() / 1000)), user: JSON.stringify({ id: userId, first_name: 'T' }) }, TEST_BOT_TOKEN);
const corsHeaders = (res: Response) => Object.fromEntries([...res.headers].filter(([name]) => name.startsWith('access-control-')));

/** What a browser sends before a cross-origin GET carrying initData. */
const preflight = (ip: string, path: string, origin: string, extra: Record<string, string> = {}) =>
  engine.fetch(path, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-telegram-init-data', 'x-forwarded-for': ip, ...extra },
  });
const get = (ip: string, path: string, headers: Record<string, string>) => engine.fetch(path, { headers: { 'x-forwarded-for': ip, ...headers } });

describe('CORS for Mini Apps on other origins (CORS_ORIGINS)', () => {
  it('unset (the default): no CORS header on any answer, as before it existed', async () => {
    const redis = createRedis(redisUrl(), 'producer', { connectionName: `${engine.prefix}:no-cors` });
    const config = { ...loadConfig({}), QUEUE_PREFIX: engine.prefix, TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN };
    const app = createApp({ db: engine.db, program: engine.ledger.program, client: engine.client, redis, verifier: engine.registry, logger: createLogger({ level: 'silent' }), queues: [], config });
    const server = app.listen(0, '127.0.0.1');
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const pre = await fetch(`${base}/api/points/balance`, { method: 'OPTIONS', headers: { origin: MINI_APP, 'access-control-request-method': 'GET' } });
      expect(corsHeaders(pre)).toEqual({});
      const res = await fetch(`${base}/api/points/balance`, { headers: { origin: MINI_APP, 'x-telegram-init-data': initData(randomUser('cors')) } });
      expect(res.status).toBe(200);
      expect(corsHeaders(res)).toEqual({});
      expect(res.headers.get('vary') ?? '').not.toMatch(/Origin/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      redis.disconnect();
    }
  });

  it('a listed origin: the preflight answers 204 without a key, then the read with initData carries its origin back', async () => {
    const ip = address();
    const user = randomUser('cors');
    for (const path of ['/api/points/balance', '/api/points/history', '/api/points/leaderboard', '/api/points/levels', '/api/points/stats', '/api/openapi.json']) {
      const res = await preflight(ip, path, MINI_APP);
      expect(res.status, path).toBe(204);
      expect(await res.text(), path).toBe('');
      expect(corsHeaders(res), path).toEqual({
        'access-control-allow-origin': MINI_APP,
        'access-control-allow-methods': 'GET',
        'access-control-allow-headers': 'Authorization, X-Telegram-Init-Data, X-API-Key, Content-Type, Accept-Language',
        'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
      });
      expect(res.headers.get('vary'), path).toMatch(/\bOrigin\b/);
    }
    const res = await get(ip, '/api/points/balance', { origin: MINI_APP, 'x-telegram-init-data': initData(user) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user_id: string }).user_id).toBe(user);
    expect(res.headers.get('access-control-allow-origin')).toBe(MINI_APP);
    expect(res.headers.get('access-control-expose-headers')).toContain('Retry-After');
    expect(res.headers.get('vary')).toMatch(/\bOrigin\b/);
    // The other listed origin gets its own origin back (never the list, never `*`).
    const local = await get(ip, '/api/points/levels', { origin: 'http://localhost:5173', authorization: `tma ${initData(user)}` });
    expect(local.status).toBe(200);
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it('an unlisted origin gets no CORS header at all, preflight or read (the browser withholds the answer)', async () => {
    const ip = address();
    for (const origin of ['https://evil.example', 'https://mini.example.evil.example', 'http://mini.example', 'null']) {
      const pre = await preflight(ip, '/api/points/balance', origin);
      expect(pre.status, origin).toBe(204);
      expect(corsHeaders(pre), origin).toEqual({});
      const res = await get(ip, '/api/points/balance', { origin, 'x-telegram-init-data': initData(randomUser('cors')) });
      expect(res.status, origin).toBe(200);
      expect(corsHeaders(res), origin).toEqual({});
      // Caches must not hand this answer to a listed origin, nor a listed origin's to this one.
      expect(res.headers.get('vary'), origin).toMatch(/\bOrigin\b/);
    }
  });

  it('never opens the producer, admin, Bull Board or webhook routes to browsers', async () => {
    const ip = address();
    for (const path of ['/api/points/events', '/api/points/spend', '/api/points/transactions/some-key', '/api/admin/config', '/api/admin/users/42', '/admin/queues', '/webhooks/ton', '/api/docs', '/healthz']) {
      const pre = await engine.fetch(path, { method: 'OPTIONS', headers: { origin: MINI_APP, 'access-control-request-method': 'POST', 'x-forwarded-for': ip } });
      expect(corsHeaders(pre), path).toEqual({});
    }
    const admin = await engine.key('admin');
    const res = await get(ip, '/api/admin/config', { origin: MINI_APP, 'x-api-key': admin });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual({});
  });

  it('error answers carry the headers too, so the page can read why (a bad initData: 401; a reader key without user_id: 400)', async () => {
    const ip = address();
    const forged = await get(ip, '/api/points/balance', { origin: MINI_APP, 'x-telegram-init-data': signInitData({ auth_date: String(Math.floor(Date.now() / 1000)), user: '{"id":"1"}' }, '999999:NOT-the-bot-token-at-all') });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('access-control-allow-origin')).toBe(MINI_APP);
    const missing = await get(ip, '/api/points/balance', { origin: MINI_APP, 'x-api-key': reader });
    expect(missing.status).toBe(400);
    expect(missing.headers.get('access-control-allow-origin')).toBe(MINI_APP);
  });

  it('a preflight needs no key and is not counted: neither toward the per-address limit nor as a failed authentication', async () => {
    const ip = address();
    const bogus = `pe_${randomBytes(6).toString('hex')}.${randomBytes(32).toString('base64url')}`;
    // More preflights than the address may make requests, each presenting a bad key.
    for (let n = 0; n < IP_LIMIT + FAILURE_LIMIT + 5; n++) {
      const res = await preflight(ip, '/api/points/stats', MINI_APP, { 'x-api-key': bogus, authorization: 'tma forged' });
      expect(res.status).toBe(204);
    }
    const read = await get(ip, '/api/points/stats', { origin: MINI_APP, 'x-telegram-init-data': initData(randomUser('cors')) });
    expect(read.status).toBe(200);
  });

  it('an address locked out for failed authentications gets 429 with Retry-After that the page can read; its preflights still answer', async () => {
    const ip = address();
    const forged = { origin: MINI_APP, 'x-telegram-init-data': 'user=%7B%22id%22%3A1%7D&auth_date=1&hash=00' };
    // One over the limit; the lock-out follows once the last failure is counted (after its answer).
    for (let n = 0; n <= FAILURE_LIMIT; n++) expect((await get(ip, '/api/points/balance', forged)).status).toBe(401);
    const locked = await waitUntil('the address locked out', async () => {
      const res = await get(ip, '/api/points/balance', { origin: MINI_APP, 'x-telegram-init-data': initData(randomUser('cors')) });
      return res.status === 429 ? res : undefined;
    });
    expect(((await locked.json()) as { message: string }).message).toMatch(/failed authentications/);
    expect(locked.headers.get('access-control-allow-origin')).toBe(MINI_APP);
    expect(locked.headers.get('access-control-expose-headers')).toContain('Retry-After');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await preflight(ip, '/api/points/balance', MINI_APP)).status).toBe(204);
  });
});
