// Isolation: its own database, BullMQ prefix (which also holds its rate-limit counters) and in-memory log via startTestEngine; fresh keys and users per test.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { revokeApiKey, signInitData } from '@points-engine/auth';
import { randomUser } from '../support/services.ts';
import { waitUntil } from '../support/wait.ts';
import { registryHolds, startTestEngine, TEST_BOT_TOKEN, type TestEngine } from '../support/engine.ts';

// Small limits so "the next request is refused" takes a handful of requests. Every test uses keys
// of its own and stays under the key limit unless it is the test of the limit.
const KEY_LIMIT = 6;
const TELEGRAM_LIMIT = 3;

/** Every line the engine logs, parsed (the app is given this logger instead of stdout). */
const logLines: Record<string, unknown>[] = [];
const rawLog: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      rawLog.push(line);
      logLines.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  },
});

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine({
    logger: pino({ level: 'info' }, sink),
    config: { API_RATE_LIMIT_PER_MINUTE: KEY_LIMIT, TELEGRAM_USER_RATE_LIMIT_PER_MINUTE: TELEGRAM_LIMIT },
  });
});
afterAll(async () => {
  await engine.close();
});

const post = (path: string, body: unknown, key?: string, headers: Record<string, string> = {}) =>
  engine.fetch(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers, ...(key ? { key } : {}) });
const earn = (user: string, n: number) => ({ kind: 'earn', idempotency_key: `auth:${user}:${n}`, user_id: user, activity: 'daily_login' });
const ledgerRow = (key: string) =>
  waitUntil(`ledger row ${key}`, () => engine.db.selectFrom('ledger_transactions').select(['status', 'kind', 'user_id']).where('idempotency_key', '=', key).executeTakeFirst());

describe('producer routes: success', () => {
  it('POST /events with one event: 202 queued, then applied by the worker', async () => {
    const key = await engine.key('producer');
    const user = randomUser();
    const response = await post('/api/points/events', earn(user, 1), key);
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ status: 'queued', idempotency_key: `auth:${user}:1`, job_id: expect.any(String) });
    expect(await ledgerRow(`auth:${user}:1`)).toEqual({ status: 'applied', kind: 'earn', user_id: user });
  });

  it('POST /events with an array and with {events}: 202 with the count, every event applied', async () => {
    const key = await engine.key('producer');
    const [a, b] = [randomUser(), randomUser()];
    const asArray = await post('/api/points/events', [earn(a, 1), earn(b, 1)], key);
    expect(asArray.status).toBe(202);
    expect(await asArray.json()).toMatchObject({ status: 'queued', events: 2, job_ids: expect.any(Array) });
    const wrapped = await post('/api/points/events', { events: [earn(a, 2), earn(b, 2)] }, key);
    expect(wrapped.status).toBe(202);
    expect(await wrapped.json()).toMatchObject({ status: 'queued', events: 2 });
    for (const k of [`auth:${a}:1`, `auth:${b}:1`, `auth:${a}:2`, `auth:${b}:2`]) expect((await ledgerRow(k)).kind).toBe('earn');
  });

  it('POST /spend answers with the outcome: applied with balances, or rejected with the reason', async () => {
    const key = await engine.key('producer');
    const user = randomUser();
    expect((await engine.client.spend({ kind: 'grant', idempotency_key: `auth-grant:${user}`, user_id: user, asset: 'points', amount: 100, reason: 'test' })).status).toBe('applied');
    const ok = await post('/api/points/spend', { idempotency_key: `auth-spend:${user}:1`, user_id: user, amount: 40 }, key);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'applied', amount: 40, idempotency_key: `auth-spend:${user}:1` });
    const tooMuch = await post('/api/points/spend', { idempotency_key: `auth-spend:${user}:2`, user_id: user, amount: 10_000_000 }, key);
    expect(tooMuch.status).toBe(200);
    expect(await tooMuch.json()).toMatchObject({ status: 'rejected', reason: 'insufficient_funds' });
  });
});

describe('producer routes: 400 names the field', () => {
  it.each([
    { name: 'the second event of an array', path: '/api/points/events', body: (u: string) => [earn(u, 1), { ...earn(u, 2), user_id: 'has spaces' }], field: 'events.1.user_id' },
    { name: 'the second event of {events}', path: '/api/points/events', body: (u: string) => ({ events: [earn(u, 1), { ...earn(u, 2), activity: 'Bad Activity' }] }), field: 'events.1.activity' },
    { name: 'a single event', path: '/api/points/events', body: (u: string) => ({ ...earn(u, 1), idempotency_key: 'with space' }), field: 'idempotency_key' },
    { name: 'an unknown kind', path: '/api/points/events', body: (u: string) => ({ ...earn(u, 1), kind: 'steal' }), field: 'kind' },
    { name: 'a spend without a cost', path: '/api/points/spend', body: (u: string) => ({ idempotency_key: `s:${u}`, user_id: u }), field: 'amount' },
    { name: 'a spend with a negative amount', path: '/api/points/spend', body: (u: string) => ({ idempotency_key: `s:${u}`, user_id: u, amount: -5 }), field: 'amount' },
  ])('$name → $field', async ({ path, body, field }) => {
    const key = await engine.key('producer');
    const user = randomUser();
    const response = await post(path, body(user), key);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request', field });
    // Nothing of a refused request reaches the ledger.
    expect(await engine.db.selectFrom('ledger_transactions').select('id').where('user_id', '=', user).execute()).toEqual([]);
  });

  it('a malformed JSON body → 400 naming body', async () => {
    const response = await post('/api/points/events', '{"kind":"earn",', await engine.key('producer'));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_request', message: 'body: malformed JSON', field: 'body' });
  });

  it('a body over BODY_LIMIT → 413 JSON naming body', async () => {
    const user = randomUser();
    const oversize = { ...earn(user, 1), metadata: { pad: 'x'.repeat(300 * 1024) } };
    const response = await post('/api/points/events', oversize, await engine.key('producer'));
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toMatchObject({ error: 'payload_too_large', field: 'body' });
  });
});

describe('producer routes: authentication and scopes', () => {
  it.each(['/api/points/events', '/api/points/spend'])('%s without a key → 401', async (path) => {
    const response = await post(path, earn(randomUser(), 1));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'unauthorized' });
  });

  it('a key that does not exist, or a real key id with a wrong secret → 401', async () => {
    const real = await engine.key('producer');
    const wrongSecret = `${real.slice(0, real.indexOf('.') + 1)}${'A'.repeat(43)}`;
    for (const key of ['pe_000000000000.' + 'A'.repeat(43), wrongSecret, 'not-a-key']) {
      const response = await post('/api/points/events', earn(randomUser(), 1), key);
      expect(response.status).toBe(401);
    }
  });

  it('a revoked key → 401 once the key registry has heard of the revocation', async () => {
    const key = await engine.key('producer');
    const id = key.slice(3, key.indexOf('.'));
    expect((await post('/api/points/events', earn(randomUser(), 1), key)).status).toBe(202);
    expect(await revokeApiKey(engine.db, id)).toBe(true);
    await registryHolds(engine.registry, (registry) => !registry.has(id));
    for (const path of ['/api/points/events', '/api/points/spend']) {
      const response = await post(path, earn(randomUser(), 1), key);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'unauthorized', message: 'the API key is not valid' });
    }
  });

  it('a reader key on producer routes → 403', async () => {
    const key = await engine.key('reader');
    for (const path of ['/api/points/events', '/api/points/spend']) {
      const response = await post(path, { ...earn(randomUser(), 1), amount: 1 }, key);
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: 'forbidden' });
    }
  });

  it('the key is accepted as Authorization: Bearer too', async () => {
    const response = await post('/api/points/events', earn(randomUser(), 1), undefined, { authorization: `Bearer ${await engine.key('producer')}` });
    expect(response.status).toBe(202);
  });
});

describe('rate limits', () => {
  it(`a key's request ${KEY_LIMIT + 1} within a minute → 429 with Retry-After; another key is unaffected`, async () => {
    const key = await engine.key('producer');
    const user = randomUser();
    for (let n = 1; n <= KEY_LIMIT; n++) {
      const response = await post('/api/points/events', earn(user, n), key);
      expect(response.status).toBe(202);
      expect(response.headers.get('ratelimit-remaining')).toBe(String(KEY_LIMIT - n));
    }
    const refused = await post('/api/points/events', earn(user, KEY_LIMIT + 1), key);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({ error: 'rate_limited' });
    // The refused event was never queued.
    expect(await engine.client.findEventJob(`auth:${user}:${KEY_LIMIT + 1}`, user)).toBeUndefined();
    // The spend route shares the key's budget.
    expect((await post('/api/points/spend', { idempotency_key: `x:${user}`, user_id: user, amount: 1 }, key)).status).toBe(429);
    expect((await post('/api/points/events', earn(user, 100), await engine.key('producer'))).status).toBe(202);
  });

  it(`a Mini App user's read ${TELEGRAM_LIMIT + 1} within a minute → 429; another user is unaffected`, async () => {
    const initData = (id: number) => signInitData({ user: JSON.stringify({ id }), auth_date: String(Math.floor(Date.now() / 1000)) }, TEST_BOT_TOKEN);
    const me = initData(Number(`7${Date.now() % 1e9}`));
    for (let n = 1; n <= TELEGRAM_LIMIT; n++) {
      expect((await engine.fetch('/api/points/balance', { headers: { 'x-telegram-init-data': me } })).status).toBe(200);
    }
    const refused = await engine.fetch('/api/points/balance', { headers: { 'x-telegram-init-data': me } });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const other = initData(Number(`8${Date.now() % 1e9}`));
    expect((await engine.fetch('/api/points/balance', { headers: { authorization: `tma ${other}` } })).status).toBe(200);
  });
});

describe('Bull Board', () => {
  it('401 with a Basic challenge without a key; 403 for a producer; 200 for an admin key as the Basic password', async () => {
    const anonymous = await engine.fetch('/admin/queues');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`anyone:${key}`).toString('base64')}` });
    expect((await engine.fetch('/admin/queues', { headers: basic(await engine.key('producer')) })).status).toBe(403);
    const admin = await engine.fetch('/admin/queues', { headers: basic(await engine.key('admin')) });
    expect(admin.status).toBe(200);
    expect(await admin.text()).toMatch(/<html/i);
  });
});

describe('request log', () => {
  it('writes one line per request with the key id, and never the key or initData', async () => {
    const key = await engine.key('producer', 'reader');
    const secret = key.slice(key.indexOf('.') + 1);
    const user = randomUser();
    const initData = signInitData({ user: JSON.stringify({ id: 9001 }), auth_date: String(Math.floor(Date.now() / 1000)) }, TEST_BOT_TOKEN);
    expect((await engine.fetch(`/api/points/balance?user_id=${user}`, { key })).status).toBe(200);
    expect((await post('/api/points/events', earn(user, 1), undefined, { authorization: `Bearer ${key}` })).status).toBe(202);
    expect((await engine.fetch('/api/points/balance', { headers: { 'x-telegram-init-data': initData } })).status).toBe(200);

    const lineFor = (predicate: (line: Record<string, unknown>) => boolean) =>
      waitUntil('the request log line', async () => logLines.find((line) => line['msg'] === 'request' && predicate(line)));
    const req = (line: Record<string, unknown>) => line['req'] as { url: string; method: string; headers: Record<string, string> };
    const read = await lineFor((line) => req(line).url === `/api/points/balance?user_id=${user}`);
    expect(read).toMatchObject({ res: { statusCode: 200 }, key_id: key.slice(3, key.indexOf('.')) });
    expect(req(read).headers['x-api-key']).toBe('[redacted]');
    const sent = await lineFor((line) => req(line).method === 'POST' && req(line).headers['authorization'] === '[redacted]');
    expect(sent).toMatchObject({ res: { statusCode: 202 } });
    const miniApp = await lineFor((line) => (line['telegram_user_id'] as string | undefined) === '9001');
    expect(req(miniApp).headers['x-telegram-init-data']).toBe('[redacted]');

    const everything = rawLog.join('\n');
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(initData.slice(-64));
  });
});
