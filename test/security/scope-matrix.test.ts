// Isolation: its own database and BullMQ prefix (startTestEngine, webhook secrets on, with a worker); fresh keys and random user ids.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRoutes as bullBoardRoutes } from '@bull-board/api/dist/routes.js';
import { createApp } from '@points-engine/api';
import { createApiKey, revokeApiKey, signInitData, type Scope } from '@points-engine/auth';
import { EVENT_KINDS, type EventKind } from '@points-engine/domain';
import { createRedis } from '@points-engine/jobs';
import { createLogger } from '@points-engine/logger';
import { mountedRoutes, operations, type OperationAuth } from '../../apps/api/src/openapi/index.ts';
import { randomUser, redisUrl } from '../support/services.ts';
import { registryHolds, startTestEngine, TEST_BOT_TOKEN, type TestEngine } from '../support/engine.ts';

// The webhooks are on, so their routes answer (401 without a signature) instead of 404.
const secrets = { NOWPAYMENTS_IPN_SECRET: 'nowpayments-ipn-secret', TELEGRAM_STARS_WEBHOOK_SECRET: 'stars-secret-token-0123', TON_WEBHOOK_SECRET: 'ton-watcher-secret-0123' };
const SCOPES: Scope[] = ['producer', 'reader', 'payments', 'holdings', 'admin'];

type Credential = 'none' | 'bogus key' | 'revoked key' | `${Scope} key` | 'Mini App user';
const CREDENTIALS: Credential[] = ['none', 'bogus key', 'revoked key', ...SCOPES.map((s) => `${s} key` as const), 'Mini App user'];

let engine: TestEngine;
const headersOf = new Map<Credential, Record<string, string>>();
beforeAll(async () => {
  engine = await startTestEngine({ config: secrets });
  const revoked = await createApiKey(engine.db, 'revoked', ['admin']);
  await revokeApiKey(engine.db, revoked.id);
  await registryHolds(engine.registry, (registry) => !registry.has(revoked.id));
  headersOf.set('none', {});
  headersOf.set('bogus key', { 'x-api-key': `pe_${randomBytes(6).toString('hex')}.${randomBytes(32).toString('base64url')}` });
  headersOf.set('revoked key', { 'x-api-key': revoked.key });
  for (const scope of SCOPES) headersOf.set(`${scope} key`, { 'x-api-key': await engine.key(scope) });
  const initData = signInitData({ user: JSON.stringify({ id: 424242 }), auth_date: String(Math.floor(Date.now() / 1000)) }, TEST_BOT_TOKEN);
  headersOf.set('Mini App user', { 'x-telegram-init-data': initData });
});
afterAll(async () => {
  await engine.close();
});

/** What each kind of route lets each credential do: allowed, or the refusal's status. */
function expected(auth: OperationAuth, credential: Credential): 'allowed' | 401 | 403 {
  if (auth === 'none') return 'allowed';
  // No credential here is the provider's signature.
  if (auth === 'provider_signature') return 401;
  if (credential === 'none' || credential === 'bogus key' || credential === 'revoked key') return 401;
  if (credential === 'Mini App user') return auth === 'reader_or_user' ? 'allowed' : 401;
  const scope = credential.replace(' key', '') as Scope;
  if (scope === 'admin') return 'allowed';
  const allowed: Record<Exclude<OperationAuth, 'none' | 'provider_signature'>, Scope[]> = {
    sender: ['producer', 'payments', 'holdings'],
    reader: ['reader'],
    reader_or_user: ['reader'],
    admin: [],
  };
  return allowed[auth].includes(scope) ? 'allowed' : 403;
}

describe('every route × every credential (issue 10 items 1 and 9: each route only for the scope that needs it)', () => {
  it('answers 401, 403 or lets the request through exactly as its declared scope says, for every route the app mounts', async () => {
    const redis = createRedis(redisUrl(), 'producer', { connectionName: `${engine.prefix}:matrix-walk` });
    let routes: { method: string; path: string; auth: OperationAuth }[];
    try {
      const app = createApp({ db: engine.db, program: engine.ledger.program, client: engine.client, redis, verifier: engine.registry, logger: createLogger({ level: 'silent' }), queues: [], config: engine.config });
      const declared = (method: string, path: string): OperationAuth | undefined => operations.find((op) => op.method === method && op.path === path)?.auth;
      // The router walk, plus Bull Board's own read routes (from its route table, as fuzz-http does);
      // its state-changing ones are test/security/bull-board's.
      const board = [bullBoardRoutes.entryPoint, ...bullBoardRoutes.api].flatMap((route) =>
        [route.method].flat().flatMap((method) => [route.route].flat().map((path) => ({ method, path: `/admin/queues${path === '/' ? '' : path}` }))),
      );
      const seen = new Set<string>();
      routes = [...mountedRoutes(app), ...board].flatMap(({ method, path }) => {
        const auth = declared(method, path) ?? (path.startsWith('/admin/queues') ? 'admin' : undefined);
        if (!auth) throw new Error(`${method.toUpperCase()} ${path} is mounted but has no declared scope (operations.registry.ts)`);
        const id = `${method.toUpperCase()} ${path}`;
        if (seen.has(id)) return [];
        seen.add(id);
        return [{ method: method.toUpperCase(), path, auth }];
      });
    } finally {
      redis.disconnect();
    }
    const checked = routes.filter((route) => !(route.path.startsWith('/admin/queues') && route.method !== 'GET'));
    expect(checked.length).toBeGreaterThan(30);
    for (const auth of ['none', 'sender', 'reader', 'reader_or_user', 'admin', 'provider_signature'] as const) expect(checked.map((r) => r.auth)).toContain(auth);

    const mismatches: string[] = [];
    for (const route of checked) {
      const url = route.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => (name === 'queueName' ? 'events-0' : `x${name}`));
      for (const credential of CREDENTIALS) {
        const body = route.method === 'GET' ? undefined : '{}';
        const response = await engine.fetch(url, { method: route.method, headers: { ...headersOf.get(credential), ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body } : {}) });
        await response.arrayBuffer();
        const want = expected(route.auth, credential);
        const ok = want === 'allowed' ? response.status !== 401 && response.status !== 403 && response.status < 500 : response.status === want;
        if (!ok) mismatches.push(`${route.method} ${route.path} (${route.auth}) with ${credential}: ${response.status}, expected ${want}`);
      }
    }
    expect(mismatches).toEqual([]);
  }, 120_000);
});

/** A valid event of each kind for `user`; reversals name a recorded grant and a recorded purchase. */
function eventOf(kind: EventKind | 'reverse-of-purchase', user: string, originals: { grant: string; purchase: string }, tag: string): Record<string, unknown> {
  const key = `matrix:${tag}:${randomBytes(4).toString('hex')}`;
  const base = { idempotency_key: key, user_id: user };
  switch (kind) {
    case 'earn': return { ...base, kind, activity: 'text_request' };
    case 'spend': return { ...base, kind, amount: 1 };
    case 'hold': return { ...base, kind, amount: 1 };
    case 'settle': return { ...base, kind, hold_key: `nohold:${key}`, amount: 1 };
    case 'void': return { ...base, kind, hold_key: `nohold:${key}` };
    case 'purchase_bonus': return { ...base, kind, product: { type: 'credit_pack', pack: 'small' } };
    case 'grant': return { ...base, kind, amount: 5, reason: 'matrix' };
    case 'deduct': return { ...base, kind, amount: 1, reason: 'matrix' };
    case 'set_token_balance': return { ...base, kind, token_balance: '1000' };
    case 'reverse': return { ...base, kind, transaction_key: originals.grant, reason: 'matrix' };
    case 'reverse-of-purchase': return { ...base, kind: 'reverse', transaction_key: originals.purchase, reason: 'matrix' };
  }
}

// The expected answers, written out (not derived from EVENT_KIND_SCOPES, which this checks).
const MAY_SEND: Record<Scope, (EventKind | 'reverse-of-purchase')[]> = {
  producer: ['earn', 'spend', 'hold', 'settle', 'void'],
  reader: [],
  payments: ['purchase_bonus', 'reverse-of-purchase'],
  holdings: ['set_token_balance'],
  admin: [...EVENT_KINDS, 'reverse-of-purchase'],
};

describe('every event kind × every scope, through /events and /spend (issue 10 item 1)', () => {
  const cases = [...EVENT_KINDS, 'reverse-of-purchase' as const].flatMap((kind) => SCOPES.map((scope) => ({ kind, scope, allowed: MAY_SEND[scope].includes(kind) })));

  it.each(cases)('$kind with a $scope key: allowed $allowed (403 naming the event otherwise, nothing queued)', async ({ kind, scope, allowed }) => {
    const user = randomUser('mx');
    const originals = { grant: `matrix-grant:${user}`, purchase: `matrix-buy:${user}` };
    await engine.client.spend({ kind: 'grant', idempotency_key: originals.grant, user_id: user, amount: 50, reason: 'original' });
    await engine.client.spend({ kind: 'purchase_bonus', idempotency_key: originals.purchase, user_id: user, product: { type: 'credit_pack', pack: 'small' } });
    const headers = headersOf.get(`${scope} key`) as Record<string, string>;
    const sent: string[] = [];

    const single = eventOf(kind, user, originals, `${scope}-single`);
    const array = [eventOf(kind, user, originals, `${scope}-array`)];
    const spend = eventOf(kind, user, originals, `${scope}-spend`);
    const answers = [
      { route: '/api/points/events', body: single, field: 'kind' },
      { route: '/api/points/events', body: array, field: 'events.0.kind' },
      { route: '/api/points/spend', body: spend, field: 'kind' },
    ];
    for (const { route, body, field } of answers) {
      const response = await engine.fetch(route, { method: 'POST', headers, body: JSON.stringify(body) });
      const json = (await response.json()) as Record<string, unknown>;
      const label = `${route} ${JSON.stringify(body)} → ${response.status} ${JSON.stringify(json)}`;
      sent.push(...(Array.isArray(body) ? body : [body]).map((e) => e['idempotency_key'] as string));
      if (allowed) {
        expect(route.endsWith('/spend') ? [200] : [202], label).toContain(response.status);
      } else {
        // The route itself is closed to a key that can send no kind at all.
        const ownField = scope === 'reader' ? undefined : field;
        expect(response.status, label).toBe(403);
        expect(json['field'], label).toBe(ownField);
        if (ownField) expect(String(json['message']), label).toContain(kind === 'reverse-of-purchase' ? 'reverse' : kind);
      }
    }
    if (!allowed) {
      // Nothing of a refused request was queued or recorded.
      for (const key of sent) expect(await engine.client.findEventJob(key, user), key).toBeUndefined();
      expect((await engine.client.queuedEvents(sent.map((key) => ({ kind: 'earn', idempotency_key: key, user_id: user, activity: 'x' })))).size).toBe(0);
      const recorded = await engine.db.selectFrom('ledger_transactions').select('idempotency_key').where('idempotency_key', 'in', sent).execute();
      expect(recorded).toEqual([]);
    }
  });
});
