// Isolation: its own database and BullMQ prefix (which also holds its rate-limit counters) via startTestEngine; each test speaks from client addresses of its own (X-Forwarded-For through a trusted loopback proxy).
import type { AddressInfo } from 'node:net';
import { Agent, request as httpRequest, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '@points-engine/api';
import { hmacSha256Hex, signInitData } from '@points-engine/auth';
import { createRedis } from '@points-engine/jobs';
import { createLogger } from '@points-engine/logger';
import { randomUser, redisUrl } from '../support/services.ts';
import { waitUntil } from '../support/wait.ts';
import { startTestEngine, TEST_BOT_TOKEN, type TestEngine } from '../support/engine.ts';

const IP_LIMIT = 20;
const FAILURE_LIMIT = 4;
const TON_SECRET = 'ton-watcher-secret-0123';

let engine: TestEngine;
let producer: string;
beforeAll(async () => {
  engine = await startTestEngine({
    config: { IP_RATE_LIMIT_PER_MINUTE: IP_LIMIT, AUTH_FAILURE_LIMIT_PER_MINUTE: FAILURE_LIMIT, TRUST_PROXY: ['loopback'], TON_WEBHOOK_SECRET: TON_SECRET },
  });
  producer = await engine.key('producer');
});
afterAll(async () => {
  await engine.close();
});

let nextAddress = 1;
/** A client address no other test uses (TEST-NET-2). */
const address = () => `198.51.100.${nextAddress++}`;
const bogusKey = () => `pe_${randomBytes(6).toString('hex')}.${randomBytes(32).toString('base64url')}`;
const from = (ip: string, path: string, init: RequestInit & { key?: string } = {}) => engine.fetch(path, { ...init, headers: { ...(init.headers as Record<string, string>), 'x-forwarded-for': ip } });
const earnFrom = (ip: string, key = producer) => {
  const user = randomUser('ip');
  return from(ip, '/api/points/events', { method: 'POST', key, body: JSON.stringify({ kind: 'earn', idempotency_key: `ip:${user}`, user_id: user, activity: 'text_request' }) });
};
/** Sends failures until the address is one over the limit, then waits for the lock-out the last one causes (counted once answered). */
async function lockOut(ip: string, fail: () => Promise<Response>): Promise<Response> {
  for (let n = 0; n <= FAILURE_LIMIT; n++) expect((await fail()).status).toBe(401);
  return waitUntil('the address locked out', async () => {
    const response = await earnFrom(ip);
    return response.status === 429 ? response : undefined;
  });
}

describe('per-address limits before authentication (issue 10 item 9)', () => {
  it(`request ${IP_LIMIT + 1} from one address within a minute answers 429 with Retry-After, on any route; another address is unaffected`, async () => {
    const ip = address();
    for (let n = 1; n <= IP_LIMIT; n++) expect((await from(ip, '/api/openapi.json')).status).toBe(200);
    for (const path of ['/api/openapi.json', '/api/points/balance?user_id=x', '/admin/queues', '/webhooks/ton', '/healthz']) {
      const refused = await from(ip, path, path === '/webhooks/ton' ? { method: 'POST', body: '{}' } : {});
      expect(refused.status, path).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(await refused.json()).toMatchObject({ error: 'rate_limited' });
    }
    expect((await from(address(), '/api/openapi.json')).status).toBe(200);
  });

  it('after too many bad keys an address answers 429 to everything, a valid key included, without verifying any key; /healthz still answers; others are unaffected', async () => {
    const ip = address();
    const refused = await lockOut(ip, () => earnFrom(ip, bogusKey()));
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/failed authentications/) });
    const verify = vi.spyOn(engine.registry, 'verify');
    try {
      expect((await earnFrom(ip)).status).toBe(429);
      expect((await from(ip, '/api/points/balance?user_id=x', { key: bogusKey() })).status).toBe(429);
      // Prepending an address to X-Forwarded-For does not escape: the trusted proxy's hop counts.
      expect((await from(`203.0.113.9, ${ip}`, '/api/openapi.json')).status).toBe(429);
      expect(verify).not.toHaveBeenCalled();
    } finally {
      verify.mockRestore();
    }
    expect((await from(ip, '/healthz')).status).toBe(200);
    expect((await earnFrom(address())).status).toBe(202);
  });

  it('counts revoked-looking and malformed keys, bad webhook signatures and bad Mini App initData as failed authentications', async () => {
    const badKeys = address();
    let n = 0;
    await lockOut(badKeys, () => earnFrom(badKeys, n++ % 2 ? 'not-a-key' : bogusKey()));
    const webhooks = address();
    const body = JSON.stringify({ tx_hash: 'a3f1c2d4e5f60718293a4b5c6d7e8f90', user_id: 42, product: 'pack:small' });
    await lockOut(webhooks, () => from(webhooks, '/webhooks/ton', { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': hmacSha256Hex(body, 'not-the-secret') }, body }));
    const miniApp = address();
    const forged = new URLSearchParams({ user: JSON.stringify({ id: 42 }), auth_date: String(Math.floor(Date.now() / 1000)), hash: 'ab'.repeat(32) }).toString();
    await lockOut(miniApp, () => from(miniApp, '/api/points/balance', { headers: { 'x-telegram-init-data': forged } }));
  });

  it('an IPv6 client is counted by its /64: another address of the same network is locked out too', async () => {
    const network = `2001:db8:${randomBytes(2).toString('hex')}:1`;
    await lockOut(`${network}::1`, () => earnFrom(`${network}::1`, bogusKey()));
    expect((await earnFrom(`${network}:ffff:ffff:ffff:ffff`)).status).toBe(429);
    expect((await earnFrom(`2001:db8:${randomBytes(2).toString('hex')}:2::1`)).status).toBe(202);
  });

  it('a request without any credential, or with genuine but expired initData, is no failed authentication', async () => {
    const ip = address();
    const expired = signInitData({ user: JSON.stringify({ id: 42 }), auth_date: String(Math.floor(Date.now() / 1000) - 3 * 86_400) }, TEST_BOT_TOKEN);
    for (let n = 0; n < FAILURE_LIMIT * 2; n++) {
      expect((await from(ip, '/api/points/events', { method: 'POST', body: '{}' })).status).toBe(401);
      expect((await from(ip, '/api/points/balance', { headers: { 'x-telegram-init-data': expired } })).status).toBe(401);
    }
    expect((await earnFrom(ip)).status).toBe(202);
  });
});

describe('TRUST_PROXY (issue 10 item 9)', () => {
  it('off (the default): X-Forwarded-For is ignored and the socket address is counted, so a client cannot pick a fresh address per request', async () => {
    const redis = createRedis(redisUrl(), 'producer', { connectionName: `${engine.prefix}:noproxy` });
    const app = createApp({
      db: engine.db, program: engine.ledger.program, client: engine.client, redis, verifier: engine.registry, logger: createLogger({ level: 'silent' }), queues: [],
      config: { ...engine.config, TRUST_PROXY: false, QUEUE_PREFIX: `${engine.prefix}:noproxy` },
    });
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/points/balance?user_id=x`;
      const get = (key: string) => fetch(url, { headers: { 'x-api-key': key, 'x-forwarded-for': address() } });
      for (let n = 0; n <= FAILURE_LIMIT; n++) expect((await get(bogusKey())).status).toBe(401);
      const reader = await engine.key('reader');
      await waitUntil('127.0.0.1 locked out', async () => ((await get(reader)).status === 429 ? true : undefined));
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.disconnect();
    }
  });

  it('a 429 answered before the body was read closes the connection, so a keep-alive client\'s next request gets an answer, not ECONNRESET', async () => {
    const ip = address();
    for (let n = 1; n <= IP_LIMIT; n++) await from(ip, '/api/openapi.json');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const port = Number(new URL(engine.url).port);
    const post = (body: string) =>
      new Promise<{ status: number; connection: string | undefined } | { error: string }>((resolve) => {
        const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/api/points/events', agent, headers: { 'x-forwarded-for': ip, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
        });
        req.on('error', (error) => resolve({ error: error.message }));
        req.end(body);
      });
    try {
      const big = JSON.stringify({ padding: 'x'.repeat(200_000) });
      // Each answer is a 429 sent before the 200 kB body was read; the agent must not reuse the socket.
      for (let n = 0; n < 3; n++) expect(await post(big)).toEqual({ status: 429, connection: 'close' });
    } finally {
      agent.destroy();
    }
  });

});
