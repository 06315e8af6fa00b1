// Isolation: its own database and BullMQ prefix (startTestEngine, webhook secrets on, with a worker); every fuzzed write is built to be refused, so this file's ledger must not move.
import { request as httpRequest, Agent } from 'node:http';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRoutes as bullBoardRoutes } from '@bull-board/api/dist/routes.js';
import { createApp } from '@points-engine/api';
import { createApiKey, hmacSha256Hex, nowPaymentsSignature, revokeApiKey, signInitData } from '@points-engine/auth';
import { loadConfig } from '@points-engine/config';
import { pointsEventSchema, type PointsEventInput } from '@points-engine/domain';
import { BOT_EVENTS_QUEUE, CALLBACKS_QUEUE, createRedis, eventJobId, eventQueueName, MAINTENANCE_QUEUE, partitionOf } from '@points-engine/jobs';
import { createLogger } from '@points-engine/logger';
import { mountedRoutes, operations, UNDOCUMENTED_MOUNTS, type OperationDoc } from '../../apps/api/src/openapi/index.ts';
import { redisUrl } from '../support/services.ts';
import { startTestEngine, TEST_BOT_TOKEN, type TestEngine } from '../support/engine.ts';
import { waitUntil } from '../support/wait.ts';

/**
 * Seeded HTTP fuzzing of every route the app serves: the routes are walked from the Express
 * router (mountedRoutes, as the OpenAPI test does), joined with the operations registry, Bull
 * Board's own route table under /admin/queues, and a few paths that exist nowhere. Each route
 * gets FUZZ_PER_ROUTE requests (default 200) drawn with fast-check from FUZZ_SEED: random and
 * malformed bodies, query strings, path parameters, credentials and headers.
 *
 * Every answer must be a 4xx, or a 2xx where the request happens to be valid (reads, a webhook
 * delivery that is only recorded or is refused as `rejected`, Bull Board pages) — counted per route; never a 5xx, never a
 * hung request (a per-request AbortSignal timeout fails it). Writes are made unacceptable on
 * purpose: each body sent to a route that queues events is "poisoned" (one required field broken,
 * chosen at random) before it is signed and sent, so no fuzzed request may change the ledger,
 * which is snapshotted before and after along with the event queues' jobs.
 */

const SEED = Number(process.env['FUZZ_SEED'] ?? 20_260_311);
const PER_ROUTE = Number(process.env['FUZZ_PER_ROUTE'] ?? 200);
const CONCURRENCY = 8;
const REQUEST_TIMEOUT_MS = 20_000;

const secrets = { NOWPAYMENTS_IPN_SECRET: 'nowpayments-ipn-secret', TELEGRAM_STARS_WEBHOOK_SECRET: 'stars-secret-token-0123', TON_WEBHOOK_SECRET: 'ton-watcher-secret-0123' };
const PARTITIONS = 2;
const QUEUE_NAMES = [...Array.from({ length: PARTITIONS }, (_, p) => eventQueueName(p)), MAINTENANCE_QUEUE, BOT_EVENTS_QUEUE, CALLBACKS_QUEUE];
const SEED_USERS = ['fuzz_u1', 'fuzz_u2'];
const SEED_KEYS = ['seed:earn:1', 'seed:grant:1', 'seed:hold:1', 'seed:buy:1'];

// ---- hostile values ----------------------------------------------------------------------------

/** JSON text the body parser turns into own `__proto__` / `constructor` keys. */
const pollution = () => JSON.parse('{"__proto__":{"polluted":true,"isAdmin":true},"constructor":{"prototype":{"polluted":true}}}') as Record<string, unknown>;
const nested = (depth: number): unknown => (depth === 0 ? 'bottom' : { a: nested(depth - 1) });

const HOSTILE: unknown[] = [
  null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53, 2 ** 63, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER,
  'NaN', 'Infinity', '-Infinity', '1e309', '-1', '0x10', '  42  ', '', ' ', '\t\n', 'x'.repeat(10_000), '9'.repeat(60),
  '\u0000', 'a\u0000b', '\ud800', 'a\udfffb', '\u202egnp.exe', '😀'.repeat(100), 'Ünïcödé ключ 鍵', '<script>alert(1)</script>',
  "' OR 1=1; DROP TABLE users; --", '../../etc/passwd', '%00', '${jndi:ldap://x/a}', '{{7*7}}', 'toString', '__proto__', 'constructor',
  '2026-02-30T00:00:00Z', '9999-12-31T23:59:59.999+14:00', '0000-01-01T00:00:00Z', '2026-03-10T24:00:00Z',
  [], {}, [null], [[[[]]]], [1, 'two', { three: 3 }], pollution(), nested(40), { toString: 'x', valueOf: 1, hasOwnProperty: null },
];
const hostileArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

const FIELD_NAMES = [
  'kind', 'idempotency_key', 'user_id', 'occurred_at', 'metadata', 'activity', 'referred_user_id', 'amount', 'task_type', 'duration_seconds',
  'hold_key', 'product', 'provider', 'payment_id', 'referrer_id', 'asset', 'reason', 'operator', 'token_balance', 'transaction_key', 'events',
  'payment_status', 'order_id', 'price_amount', 'successful_payment', 'refunded_payment', 'message', 'tx_hash', 'sender', '__proto__', 'constructor',
];

// ---- templates: valid bodies the mutations start from -----------------------------------------

// Within the arrival bound (EVENT_MAX_AGE_SECONDS) for the whole run, so mutations of it reach the worker.
const RECENT = new Date(Date.now() - 60_000).toISOString();
const EVENT_TEMPLATES: PointsEventInput[] = [
  { kind: 'earn', idempotency_key: 'fz:earn', user_id: 42, activity: 'text_request', occurred_at: RECENT, metadata: { chat: 1 } },
  { kind: 'earn', idempotency_key: 'fz:ref', user_id: '42', activity: 'referral_signup', referred_user_id: '43' },
  { kind: 'spend', idempotency_key: 'fz:spend', user_id: '42', task_type: 'video', duration_seconds: 12.5 },
  { kind: 'hold', idempotency_key: 'fz:hold', user_id: '42', amount: 30 },
  { kind: 'settle', idempotency_key: 'fz:settle', user_id: '42', hold_key: 'seed:hold:1', amount: 10 },
  { kind: 'void', idempotency_key: 'fz:void', user_id: '42', hold_key: 'seed:hold:1' },
  { kind: 'purchase_bonus', idempotency_key: 'fz:buy', user_id: '42', product: { type: 'subscription', tier: 'VIP', periods: 2 }, provider: 'x', payment_id: 'p1', referrer_id: '7' },
  { kind: 'purchase_bonus', idempotency_key: 'fz:pack', user_id: '42', product: { type: 'credit_pack', pack: 'small' } },
  { kind: 'grant', idempotency_key: 'fz:grant', user_id: '42', asset: 'allowance', amount: 5, reason: 'fuzz', operator: 'me' },
  { kind: 'deduct', idempotency_key: 'fz:deduct', user_id: '42', amount: 5, reason: 'fuzz' },
  { kind: 'set_token_balance', idempotency_key: 'fz:tokens', user_id: '42', token_balance: '123456789012345678901234567890' },
  { kind: 'reverse', idempotency_key: 'fz:reverse', user_id: 'fuzz_u1', transaction_key: 'seed:grant:1', reason: 'fuzz' },
];
const WEBHOOK_TEMPLATES: Record<string, unknown[]> = {
  '/webhooks/nowpayments': [
    { payment_id: 5077125051, payment_status: 'finished', order_id: '42/pack:small', price_amount: 10, price_currency: 'usd', pay_currency: 'btc', actually_paid: 0.001 },
    { payment_id: 'abc_1', payment_status: 'waiting', order_id: '42/sub:PREMIUM:2/171', price_amount: null },
  ],
  '/webhooks/telegram-stars': [
    { user_id: 42, successful_payment: { currency: 'XTR', total_amount: 50, invoice_payload: 'order/pack:small', telegram_payment_charge_id: 'stars_fz_1' } },
    { user_id: '42', refunded_payment: { currency: 'XTR', total_amount: 50, invoice_payload: 'pack:small', telegram_payment_charge_id: 'stars_fz_2' } },
    { message: { from: { id: 42 }, successful_payment: { currency: 'XTR', total_amount: 5, invoice_payload: 'sub:VIP', telegram_payment_charge_id: 'stars_fz_3' } } },
  ],
  '/webhooks/ton': [{ tx_hash: 'a3f1c2d4e5f60718293a4b5c6d7e8f90a3f1c2d4e5f60718293a4b5c6d7e8f90', user_id: 42, product: 'credit:500', amount: '1000000000', sender: 'EQabc' }],
};

// ---- poison: what makes a write unacceptable, whatever else the body holds ---------------------

const BAD_KEYS: unknown[] = ['', 'has space', 'x'.repeat(201), 42, null, {}, [], 'ключ', 'a\u0000b', true];
const BAD_USERS: unknown[] = ['bad id!', '', -1, 1.5, 'x'.repeat(65), null, {}, '../x', 'é', [42]];
const BAD_KINDS: unknown[] = ['teleport', '', null, 'EARN', 7, ['earn'], 'earn '];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const at = <T>(list: readonly T[], n: number): T => list[n % list.length] as T;

/** An event no schema accepts: its key, its user or its kind is broken. */
function poisonEvent(value: unknown, n: number): unknown {
  if (!isObject(value)) return value;
  const field = at(['idempotency_key', 'user_id', 'kind'] as const, n);
  const bad = at(field === 'idempotency_key' ? BAD_KEYS : field === 'user_id' ? BAD_USERS : BAD_KINDS, n >> 2);
  return { ...value, [field]: bad };
}

type Poison = (body: unknown, n: number) => unknown;
/** Routes that write, by path pattern (Express syntax); a write route missing here shows up as a moved ledger. */
const POISONS: Record<string, Poison> = {
  '/api/points/events': (body, n) => {
    if (Array.isArray(body)) return body.map((item, i) => poisonEvent(item, n + i));
    if (isObject(body) && 'events' in body) return { ...body, events: Array.isArray(body['events']) ? body['events'].map((item, i) => poisonEvent(item, n + i)) : body['events'] };
    return poisonEvent(body, n);
  },
  '/api/points/spend': (body, n) => poisonEvent(body, n),
  '/api/admin/users/:user_id/grant': (body, n) => poisonAdjustment(body, n),
  '/api/admin/users/:user_id/deduct': (body, n) => poisonAdjustment(body, n),
  '/api/admin/transactions/:key/reverse': (body, n) => (isObject(body) ? { ...body, ...(n % 2 ? { idempotency_key: at(BAD_KEYS, n >> 1) } : { reason: at(['', '   ', 'x'.repeat(501), 7, null], n >> 1) }) } : body),
  '/webhooks/nowpayments': (body, n) => {
    if (!isObject(body)) return body;
    if (n % 3 === 0) return { ...body, payment_id: at(['bad id!', -1, 1.5, {}, '', 'x'.repeat(101)], n >> 2) };
    if (n % 3 === 1) return { ...body, payment_status: 'finished', order_id: at(['42/pack:nope', '42/sub:FREE', 'a/b/c/d', 'nouser', '\u0000', '42/credit:0'], n >> 2) };
    return { ...body, payment_status: at(['waiting', 'confirming', 'partially_paid', 'Finished!', 'FINISHED', ''], n >> 2) };
  },
  '/webhooks/telegram-stars': (body, n) => {
    if (!isObject(body)) return body;
    if (n % 2 === 0) {
      const user = at(BAD_USERS, n >> 1);
      return { ...body, user_id: user, ...(isObject(body['message']) ? { message: { ...body['message'], from: { id: user } } } : {}) };
    }
    const currency = (payment: unknown) => (isObject(payment) ? { ...payment, currency: at(['USD', 'xtr', '', null], n >> 1) } : payment);
    const withCurrency = (value: Record<string, unknown>) => ({ ...value, successful_payment: currency(value['successful_payment']), refunded_payment: currency(value['refunded_payment']) });
    return { ...withCurrency(body), ...(isObject(body['message']) ? { message: withCurrency(body['message']) } : {}) };
  },
  '/webhooks/ton': (body, n) => {
    if (!isObject(body)) return body;
    if (n % 3 === 0) return { ...body, tx_hash: at(['short', '', 'g'.repeat(200), '!!!!!!!!!!!!!!!!!!!!', 5, null], n >> 2) };
    if (n % 3 === 1) return { ...body, product: at(['pack:nope', 'sub:FREE', 'sub:PREMIUM:0', 'credit:0', '', 'nothing-named-so', '\u0000'], n >> 2) };
    return { ...body, user_id: at(BAD_USERS, n >> 2) };
  },
};
function poisonAdjustment(body: unknown, n: number): unknown {
  if (!isObject(body)) return body;
  const field = at(['idempotency_key', 'amount', 'reason'] as const, n);
  const bad = at(field === 'idempotency_key' ? BAD_KEYS : field === 'amount' ? [0, -5, 1.5, '5', 2 ** 53, null, 1e308] : ['', '   ', 'x'.repeat(501), 7, null], n >> 2);
  return { ...body, [field]: bad };
}

// ---- routes --------------------------------------------------------------------------------------

interface FuzzRoute {
  method: string;
  path: string;
  /** Where it came from (router walk, registry, Bull Board table, nowhere). */
  source: string;
}

function routesToFuzz(engine: TestEngine): FuzzRoute[] {
  const redis = createRedis(redisUrl(), 'producer', { connectionName: `${engine.prefix}:fuzz-walk` });
  try {
    const config = { ...loadConfig({}), ...secrets, TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN };
    const app = createApp({ db: engine.db, program: engine.ledger.program, client: engine.client, redis, verifier: engine.registry, logger: createLogger({ level: 'silent' }), queues: [], config });
    const found = new Map<string, FuzzRoute>();
    const add = (method: string, path: string, source: string) => {
      const key = `${method.toUpperCase()} ${path}`;
      if (!found.has(key)) found.set(key, { method: method.toUpperCase(), path, source });
    };
    for (const route of mountedRoutes(app)) add(route.method, route.path, 'router');
    for (const op of operations) add(op.method, op.path, 'registry');
    for (const mount of UNDOCUMENTED_MOUNTS) {
      const entry = bullBoardRoutes.entryPoint;
      for (const method of [entry.method].flat()) for (const path of [entry.route].flat()) add(method, `${mount}${path === '/' ? '' : path}`, 'bull-board');
      for (const route of bullBoardRoutes.api) {
        for (const method of [route.method].flat()) for (const path of [route.route].flat()) add(method, `${mount}${path}`, 'bull-board');
      }
    }
    for (const path of ['/', '/api', '/api/points', '/api/points/nope', '/api/admin/nope', '/webhooks/nope', '/admin', '/.env', '/api/points/transactions']) add('get', path, 'nowhere');
    add('post', '/api/points/balance', 'nowhere');
    return [...found.values()];
  } finally {
    redis.disconnect();
  }
}

// ---- requests ------------------------------------------------------------------------------------

interface FuzzRequest {
  method: string;
  /** Path and query, percent-encoded as sent. */
  url: string;
  headers: Record<string, string>;
  body: Buffer | null;
  /** A write the poison made unacceptable (a 2xx would be a failure). */
  write: boolean;
}

interface Credentials {
  keys: Record<'producer' | 'reader' | 'admin' | 'revoked', string>;
}

const PARAM_VALUES: Record<string, string[]> = {
  key: [...SEED_KEYS, 'k:42:1', 'x'.repeat(200), 'x'.repeat(201), 'ключ', 'a b', 'cycle:1:', 'lapse:seed:hold:1', '__proto__', 'constructor'],
  user_id: [...SEED_USERS, '42', 'bad id!', 'x'.repeat(64), 'x'.repeat(65), 'ключ', '-1', '__proto__'],
  queueName: ['nope', '__proto__', 'constructor', 'events-99'],
  jobId: ['1', 'ev-0', '__proto__', 'x'.repeat(300)],
  queueStatus: ['failed', 'completed', 'delayed', 'active', 'garbage', '__proto__'],
  schedulerId: ['x', '__proto__'],
};
/** Path segments sent exactly as written (malformed or decoded-to-something-odd percent escapes). */
const RAW_SEGMENTS = ['%', '%ZZ', '%00', 'a%00b', '%ED%A0%80', '%C0%AF', '..', '.', '%2F', '%2e%2e', '%252F', 'a;b', '%E2%80%AE', '%FF'];

const b64url = (text: string) => Buffer.from(text).toString('base64url');
const QUERY_VALUES: Record<string, string[]> = {
  user_id: PARAM_VALUES['user_id'] as string[],
  limit: ['0', '1', '-1', '1.5', '200', '201', '1e3', 'NaN', 'Infinity', '99999999999999999999', '', ' 5', '0x10'],
  cursor: ['1', '0', '-1', '9223372036854775807', '9223372036854775808', '9999999999999999999', '18446744073709551616'].map((n) => b64url(`t:${n}`)).concat(['garbage', 'x'.repeat(65), b64url('t:')]),
  from: ['2026-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999+14:00', '2026-03-10T24:00:00Z', '2026-03-10', 'garbage', '1970-01-01T00:00:00Z', '2026-03-10T12:00:00.123456789Z', '-271821-04-20T00:00:00Z'],
  type: ['earn', 'EARN', 'a'.repeat(33), '', 'reverse'],
  lang: ['ru', 'en', 'de', ''],
  period: ['day', 'week', 'month', 'all', 'year', ''],
  timeout_ms: ['1', '0', '120000', '120001', '-5', 'NaN'],
  status: ['failed', 'completed', 'latest', 'garbage', '__proto__'],
  activeQueue: [...QUEUE_NAMES, 'nope', '__proto__'],
  page: ['0', '1', '-1', '1e9', 'NaN', '99999999999'],
  jobsPerPage: ['0', '1', '-1', '1e9', 'NaN', '1000000'],
  batch: ['0', '99', '100', '1000000', '1000001', 'NaN', '-100'],
};
QUERY_VALUES['to'] = QUERY_VALUES['from'] as string[];
QUERY_VALUES['days'] = QUERY_VALUES['limit'] as string[];
QUERY_VALUES['history_limit'] = QUERY_VALUES['limit'] as string[];
const UNKNOWN_QUERY = ['foo', '__proto__', 'constructor', 'a[]', 'a[b]', 'toString', '', 'user_id[]', 'user_id[0]', 'hasOwnProperty'];

function queryNames(route: FuzzRoute): string[] {
  const op = operations.find((o) => o.method.toUpperCase() === route.method && o.path === route.path);
  const shape = (op?.query as unknown as { shape?: Record<string, unknown> } | undefined)?.shape;
  const names = shape ? Object.keys(shape) : [];
  if (route.source === 'bull-board') names.push('activeQueue', 'status', 'page', 'jobsPerPage');
  return names.length > 0 ? names : ['user_id', 'limit', 'lang'];
}

const enc = encodeURIComponent;
const textArb = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('', ' ', 'x'.repeat(3_000), '\u0000', '\ud800'));
/** A string as a URL component: encoded (lone surrogates become U+FFFD first, as a client would send). */
const component = (text: string) => enc(text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

function pathArb(route: FuzzRoute): fc.Arbitrary<string> {
  const segments = route.path.split('/').map((segment) => {
    if (!segment.startsWith(':')) return fc.constant(segment);
    const name = segment.slice(1);
    const known = [...(PARAM_VALUES[name] ?? []), ...(route.method === 'GET' && name === 'queueName' ? QUEUE_NAMES : [])];
    return fc.oneof(
      { weight: 4, arbitrary: known.length > 0 ? fc.constantFrom(...known).map(component) : textArb.map(component) },
      { weight: 2, arbitrary: textArb.map(component) },
      { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
    );
  });
  return fc.tuple(...segments).map((parts) => parts.join('/') || '/');
}

function queryArb(route: FuzzRoute): fc.Arbitrary<string> {
  const names = queryNames(route);
  const pair = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...names), fc.nat()).chain(([name, n]) => (QUERY_VALUES[name] ? fc.constant(`${enc(name)}=${component(at(QUERY_VALUES[name] as string[], n))}`) : textArb.map((v) => `${enc(name)}=${component(v)}`))) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...names, ...UNKNOWN_QUERY), textArb).map(([name, v]) => `${enc(name)}=${component(v)}`) },
    { weight: 1, arbitrary: fc.constantFrom('%ZZ=1', 'a=%', '&&&', '=', '==', 'user_id', '=x', 'limit=1&limit=2', 'user_id=a&user_id=b', 'lang=ru&lang=en', '__proto__[x]=1', '%00=%00', 'a=%ED%A0%80') },
  );
  return fc.oneof({ weight: 1, arbitrary: fc.constant('') }, { weight: 4, arbitrary: fc.array(pair, { minLength: 1, maxLength: 6 }).map((pairs) => `?${pairs.join('&')}`) });
}

type BodyPlan =
  | { type: 'none' }
  | { type: 'raw'; text: string }
  | { type: 'json'; value: unknown }
  | { type: 'deep'; value: unknown; depth: number; shape: 'array' | 'object' };

const RAW_TEXTS = ['', '{', '{"a":', '[', 'nul', '{"kind":"earn",}', "{'kind':'earn'}", '\ufeff{}', 'NaN', '1e999', '-0', '""', '"\\ud800"', '{"a":1}{"b":2}', '\u0000', 'true', '[]', '{}', '{"events":[]}', '{"events":{}}', 'x'.repeat(300_000)];

function mutate(template: unknown): fc.Arbitrary<unknown> {
  const mutation = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...FIELD_NAMES), hostileArb).map(([field, value]) => (v: unknown) => (isObject(v) ? { ...v, [field]: value } : v)) },
    { weight: 2, arbitrary: fc.constantFrom(...FIELD_NAMES).map((field) => (v: unknown) => (isObject(v) ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== field)) : v)) },
    { weight: 1, arbitrary: fc.constant((v: unknown) => (isObject(v) ? { ...pollution(), ...v } : v)) },
    { weight: 1, arbitrary: fc.constant((v: unknown) => [v]) },
    { weight: 1, arbitrary: fc.constant((v: unknown) => ({ events: [v, v] })) },
    { weight: 1, arbitrary: fc.constantFrom(2, 50, 1_001).map((n) => (v: unknown) => Array.from({ length: n }, () => v)) },
    { weight: 1, arbitrary: hostileArb.map((value) => (v: unknown) => (isObject(v) ? { ...v, metadata: { deep: value, big: 'y'.repeat(5_000) } } : v)) },
    { weight: 1, arbitrary: hostileArb.map((value) => (v: unknown) => (isObject(v) && isObject(v['product']) ? { ...v, product: { ...v['product'], type: value } } : v)) },
  );
  return fc.array(mutation, { minLength: 0, maxLength: 3 }).map((steps) => steps.reduce((v, step) => step(v), structuredClone(template)));
}

function bodyArb(route: FuzzRoute): fc.Arbitrary<BodyPlan> {
  const op: OperationDoc | undefined = operations.find((o) => o.method.toUpperCase() === route.method && o.path === route.path);
  const templates: unknown[] = [
    ...(op?.body?.examples.valid ?? []),
    ...(route.path.startsWith('/api/points/') ? EVENT_TEMPLATES : []),
    ...(WEBHOOK_TEMPLATES[route.path] ?? []),
  ];
  const takesBody = templates.length > 0 || ['POST', 'PUT', 'PATCH'].includes(route.method);
  const pool = templates.length > 0 ? templates : [{}, ...EVENT_TEMPLATES.slice(0, 2)];
  return fc.oneof(
    { weight: takesBody ? 1 : 6, arbitrary: fc.constant<BodyPlan>({ type: 'none' }) },
    { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...RAW_TEXTS), fc.string({ unit: 'binary', maxLength: 200 })).map((text): BodyPlan => ({ type: 'raw', text })) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value): BodyPlan => ({ type: 'json', value })) },
    { weight: takesBody ? 10 : 1, arbitrary: fc.constantFrom(...pool).chain(mutate).map((value): BodyPlan => ({ type: 'json', value })) },
    {
      weight: 1,
      arbitrary: fc.record({ template: fc.constantFrom(...pool), depth: fc.constantFrom(200, 5_000, 60_000), shape: fc.constantFrom('array' as const, 'object' as const) }).map(
        ({ template, depth, shape }): BodyPlan => ({ type: 'deep', value: template, depth, shape }),
      ),
    },
  );
}

/** A credential the request carries: none, a key of a scope in any header form, or junk. */
type Credential =
  | { type: 'none' }
  | { type: 'key'; scope: 'producer' | 'reader' | 'admin' | 'revoked'; form: 'x-api-key' | 'bearer' | 'basic' | 'padded' }
  | { type: 'junk'; header: string; value: string }
  | { type: 'telegram'; user: unknown; language: string; ageSeconds: number; signed: boolean; form: 'header' | 'tma' };

const credentialArb: fc.Arbitrary<Credential> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Credential>({ type: 'none' }) },
  {
    weight: 6,
    arbitrary: fc.record({ type: fc.constant('key' as const), scope: fc.constantFrom('producer' as const, 'reader' as const, 'admin' as const, 'revoked' as const), form: fc.constantFrom('x-api-key' as const, 'bearer' as const, 'basic' as const, 'padded' as const) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('junk' as const),
      header: fc.constantFrom('x-api-key', 'authorization', 'x-telegram-init-data'),
      value: fc.oneof(
        fc.constantFrom('Bearer', 'Bearer ', 'Basic', 'Basic !!!', `Basic ${b64url('nocolon')}`, `Basic ${Buffer.from(':').toString('base64')}`, 'tma', 'tma hash=00', 'pe_000000000000.' + 'A'.repeat(43), 'pe_', 'k'.repeat(8_000), 'Digest x', 'Bearer pe_zzzzzzzzzzzz.short'),
        fc.string({ minLength: 1, maxLength: 60 }).filter((s) => /^[\x21-\x7e][\x20-\x7e]*$/.test(s)),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('telegram' as const),
      user: fc.constantFrom<unknown>(42, '42', 'not a valid id!', 'x'.repeat(300), '\u0000', -1, 1e21, '../../x', 'ключ', null, { nested: 1 }, 'fuzz_u1'),
      language: fc.constantFrom('ru', 'en', '', 'xx'.repeat(50)),
      ageSeconds: fc.constantFrom(0, 10, 86_400 * 2, -3_600),
      signed: fc.boolean(),
      form: fc.constantFrom('header' as const, 'tma' as const),
    }),
  },
);

const contentTypeArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/json; charset=utf-7', 'application/json; charset=', 'application/json; charset=utf-16',
      'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/vnd.api+json', '*/*', 'application/json, text/plain', 'garbage', '',
    ),
  },
  { weight: 1, arbitrary: fc.constant(null) },
);

/**
 * A key that gets past authentication to the handler (Bull Board: admin). The event routes take
 * every kind, each needing its own scope (EVENT_KIND_SCOPES): only admin holds them all, so the
 * poisoned bodies are refused by validation, not by the scope check.
 */
function scopeOf(route: FuzzRoute): 'producer' | 'reader' | 'admin' | null {
  if (route.source === 'bull-board') return 'admin';
  const auth = operations.find((o) => o.method.toUpperCase() === route.method && o.path === route.path)?.auth ?? (route.path.startsWith('/api/admin/') ? 'admin' : null);
  return auth === 'sender' || auth === 'admin' ? 'admin' : auth === 'reader' || auth === 'reader_or_user' ? 'reader' : null;
}

const requestPlanArb = (route: FuzzRoute) =>
  fc.record({
    method: fc.oneof({ weight: 9, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD') }),
    path: pathArb(route),
    query: queryArb(route),
    body: bodyArb(route),
    poison: fc.nat(),
    credential: fc.oneof(
      { weight: scopeOf(route) ? 2 : 0, arbitrary: fc.constantFrom('x-api-key' as const, 'bearer' as const, 'basic' as const).map((form): Credential => ({ type: 'key', scope: scopeOf(route) ?? 'admin', form })) },
      { weight: 1, arbitrary: credentialArb },
    ),
    contentType: contentTypeArb,
    encoding: fc.oneof({ weight: 12, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'compress', 'x-junk') }),
    signature: fc.constantFrom('valid', 'valid', 'none', 'junk'),
    extra: fc.array(
      fc.tuple(
        fc.constantFrom('accept-language', 'accept', 'x-forwarded-for', 'user-agent', 'x-request-id', 'cookie', 'origin', 'x-http-method-override', 'if-none-match', 'range'),
        fc.oneof(fc.constantFrom('ru-RU,ru;q=0.9', '*', 'ru;q=NaN', ';;;', 'x'.repeat(6_000), 'DELETE', 'bytes=0-1,5-', '1.1.1.1, 2.2.2.2'), fc.string({ maxLength: 40 }).filter((s) => /^[\x21-\x7e][\x20-\x7e]*$/.test(s))),
      ),
      { maxLength: 3 },
    ),
  });
type RequestPlan = ReturnType<typeof requestPlanArb> extends fc.Arbitrary<infer T> ? T : never;

const POISON_FOR = (route: FuzzRoute, method: string): Poison | undefined => (method === 'POST' ? POISONS[route.path] : undefined);

/** JSON of a generated value; one too large for a string (mutations multiply) becomes a body far over the limit. */
function stringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (error) {
    if (error instanceof RangeError) return `[${'"big",'.repeat(200_000)}0]`;
    throw error;
  }
}

function deepText(template: unknown, depth: number, shape: 'array' | 'object'): string {
  const deep = shape === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  if (!isObject(template)) return deep;
  return JSON.stringify({ ...template, metadata: '__DEEP__' }).replace('"__DEEP__"', deep);
}

function build(route: FuzzRoute, plan: RequestPlan, credentials: Credentials): FuzzRequest {
  const poison = POISON_FOR(route, plan.method);
  let text: string | null = null;
  if (plan.body.type === 'raw') text = plan.body.text;
  else if (plan.body.type === 'json') text = stringify(poison ? poison(plan.body.value, plan.poison) : plan.body.value);
  else if (plan.body.type === 'deep') text = deepText(poison ? poison(plan.body.value, plan.poison) : plan.body.value, plan.body.depth, plan.body.shape);
  // A raw text that happens to be a JSON object or array is poisoned like any other body.
  if (poison && plan.body.type === 'raw' && text) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) text = JSON.stringify(poison(parsed, plan.poison));
    } catch {
      // not JSON: refused as malformed
    }
  }
  // Far over BODY_LIMIT (256 KiB) is all the same to the server: cut at 1 MB (the cut makes it malformed too).
  if (text !== null && text.length > 1_000_000) text = text.slice(0, 1_000_000);
  const headers: Record<string, string> = {};
  for (const [name, value] of plan.extra) headers[name] = value;
  if (text !== null && plan.contentType !== null) headers['content-type'] = plan.contentType;
  if (text !== null && plan.encoding) headers['content-encoding'] = plan.encoding;
  const cred = plan.credential;
  if (cred.type === 'key') {
    const key = credentials.keys[cred.scope];
    if (cred.form === 'x-api-key') headers['x-api-key'] = key;
    else if (cred.form === 'bearer') headers['authorization'] = `Bearer ${key}`;
    else if (cred.form === 'basic') headers['authorization'] = `Basic ${Buffer.from(`anyone:${key}`).toString('base64')}`;
    else headers['x-api-key'] = `  ${key}  `;
  } else if (cred.type === 'junk') {
    headers[cred.header] = cred.value;
  } else if (cred.type === 'telegram') {
    const fields = { auth_date: String(Math.floor(Date.now() / 1000) - cred.ageSeconds), user: JSON.stringify({ id: cred.user, first_name: 'F', language_code: cred.language }), query_id: 'q' };
    const initData = cred.signed ? signInitData(fields, TEST_BOT_TOKEN) : new URLSearchParams({ ...fields, hash: 'ab'.repeat(32) }).toString();
    if (cred.form === 'header') headers['x-telegram-init-data'] = initData;
    else headers['authorization'] = `tma ${initData}`;
  }
  if (route.path.startsWith('/webhooks/') && plan.signature !== 'none') {
    const raw = text ?? '';
    if (plan.signature === 'junk') Object.assign(headers, { 'x-nowpayments-sig': 'ab'.repeat(64), 'x-signature': 'sha256=' + 'cd'.repeat(32), 'x-telegram-bot-api-secret-token': 'not-the-secret' });
    else if (route.path === '/webhooks/ton') headers['x-signature'] = hmacSha256Hex(raw, secrets.TON_WEBHOOK_SECRET);
    else if (route.path === '/webhooks/telegram-stars') headers['x-telegram-bot-api-secret-token'] = secrets.TELEGRAM_STARS_WEBHOOK_SECRET;
    else if (route.path === '/webhooks/nowpayments') {
      try {
        headers['x-nowpayments-sig'] = nowPaymentsSignature(JSON.parse(raw), secrets.NOWPAYMENTS_IPN_SECRET);
      } catch {
        headers['x-nowpayments-sig'] = 'ef'.repeat(64); // not JSON (or too deep to sign here): nothing to sign
      }
    }
  }
  return { method: plan.method, url: `${plan.path}${plan.query}`, headers, body: text === null ? null : Buffer.from(text, 'utf8'), write: poison !== undefined };
}

// ---- sending --------------------------------------------------------------------------------------

type Answer = { status: number; text: string } | { error: string };
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(port: number, req: FuzzRequest): Promise<Answer> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body) headers['content-length'] = req.body.length;
    let outgoing;
    try {
      outgoing = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.url, headers, agent, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8').slice(0, 20_000) }));
        res.on('error', (error) => resolve({ error: `response: ${error.message}` }));
      });
    } catch (error) {
      resolve({ error: `not sendable: ${(error as Error).message}` });
      return;
    }
    outgoing.on('error', (error) => resolve({ error: error.name === 'AbortError' ? `hung: no answer in ${REQUEST_TIMEOUT_MS} ms` : `request: ${error.message}` }));
    outgoing.end(req.body ?? undefined);
  });
}

async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++] as T);
  }));
}

// ---- the ledger, before and after ----------------------------------------------------------------

async function ledgerSnapshot(engine: TestEngine) {
  const { rows } = await sql<Record<string, string>>`
    SELECT (SELECT count(*) FROM ledger_transactions) AS transactions,
           (SELECT count(*) FROM entries) AS entries,
           (SELECT count(*) FROM accounts) AS accounts,
           (SELECT coalesce(sum(balance), 0) FROM accounts) AS balances,
           (SELECT string_agg(user_id || '|' || asset || '|' || bucket || '=' || balance, ',' ORDER BY user_id, asset, bucket) FROM accounts WHERE user_id IS NOT NULL) AS user_balances,
           (SELECT count(*) FROM users) AS users,
           (SELECT count(*) FROM holds) AS holds,
           (SELECT count(*) FROM outbox) AS outbox,
           (SELECT count(*) FROM idempotency_conflicts) AS conflicts,
           (SELECT count(*) FROM reversals) AS reversals,
           (SELECT count(*) FROM user_days) AS user_days`.execute(engine.db);
  const jobs: Record<string, Record<string, number>> = {};
  for (let p = 0; p < PARTITIONS; p++) jobs[eventQueueName(p)] = await engine.client.queue(p).getJobCounts();
  return { ledger: rows[0], jobs };
}

// ---- the test ------------------------------------------------------------------------------------

let engine: TestEngine;
let credentials: Credentials;
beforeAll(async () => {
  engine = await startTestEngine({ config: secrets, partitions: PARTITIONS });
  const revoked = await createApiKey(engine.db, 'fuzz-revoked', ['admin']);
  await revokeApiKey(engine.db, revoked.id);
  credentials = { keys: { producer: await engine.key('producer'), reader: await engine.key('reader'), admin: await engine.key('admin'), revoked: revoked.key } };
  // Something to read (and to try to reverse, settle or grant against): applied through the real queue.
  const seed: PointsEventInput[] = [
    { kind: 'earn', idempotency_key: 'seed:earn:1', user_id: 'fuzz_u1', activity: 'text_request' },
    { kind: 'grant', idempotency_key: 'seed:grant:1', user_id: 'fuzz_u1', amount: 500, reason: 'seed' },
    { kind: 'hold', idempotency_key: 'seed:hold:1', user_id: 'fuzz_u1', amount: 10 },
    { kind: 'purchase_bonus', idempotency_key: 'seed:buy:1', user_id: 'fuzz_u2', product: { type: 'credit_pack', pack: 'small' }, referrer_id: 'fuzz_u1' },
  ];
  for (const event of seed) expect((await engine.client.spend(pointsEventSchema.parse(event))).status).toBe('applied');
});
afterAll(async () => {
  agent.destroy();
  await engine?.close();
});

describe('HTTP fuzz: every route, seeded hostile requests', () => {
  it(`answers every request with a 4xx (or a 2xx where it is valid), never a 5xx or a hang, and no fuzzed write moves the ledger (seed ${SEED}, ${PER_ROUTE} per route)`, async () => {
    const routes = routesToFuzz(engine);
    // The walk must see the app's real routes, including the webhooks, admin and Bull Board.
    for (const expected of ['POST /webhooks/ton', 'POST /api/points/events', 'POST /api/admin/users/:user_id/grant', 'GET /admin/queues', 'GET /api/docs', 'GET /admin/queues/api/queues']) {
      expect(routes.map((r) => `${r.method} ${r.path}`)).toContain(expected);
    }
    const before = await ledgerSnapshot(engine);
    expect(Number(before.ledger?.['transactions'])).toBe(4);

    // Route by route: each request is built, sent and judged as it goes (only tallies and failures are kept).
    const failures: string[] = [];
    const tally = new Map<string, Map<string, number>>();
    let sent = 0;
    const port = Number(new URL(engine.url).port);
    for (const [r, route] of routes.entries()) {
      const name = `${route.method} ${route.path}`;
      const counts = new Map<string, number>();
      tally.set(name, counts);
      const plans = fc.sample(requestPlanArb(route), { seed: SEED + r * 7_919, numRuns: PER_ROUTE }).map((plan, index) => ({ plan, index }));
      await pool(plans, CONCURRENCY, async ({ plan, index }) => {
        const req = build(route, plan, credentials);
        const answer = await send(port, req);
        sent++;
        const status = 'status' in answer ? answer.status : 0;
        const bucket = 'status' in answer ? `${String(status)[0]}xx` : 'error';
        counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
        const describe = () => `${name} #${index}: ${req.method} ${req.url.slice(0, 200)} headers ${JSON.stringify(req.headers).slice(0, 300)} body ${req.body ? JSON.stringify(req.body.subarray(0, 300).toString('utf8')) : '(none)'} → ${'status' in answer ? `${answer.status} ${answer.text.slice(0, 300)}` : answer.error}`;
        if (!('status' in answer)) failures.push(`no answer: ${describe()}`);
        else if (status >= 500) failures.push(`5xx: ${describe()}`);
        // 304 answers a conditional GET (If-None-Match) of a page that has not changed: valid.
        else if (status < 200 || (status >= 300 && status < 400 && status !== 304)) failures.push(`unexpected ${status}: ${describe()}`);
        // A verified payment that buys nothing is answered 200 (recorded, or rejected with a reason) so the provider stops resending it.
        else if (req.write && status < 300 && !(route.path.startsWith('/webhooks/') && /"status":"(recorded|rejected)"/.test(answer.text))) failures.push(`a fuzzed write was accepted: ${describe()}`);
      });
    }
    const summary = [...tally].map(([name, counts]) => `${name.padEnd(62)} ${[...counts].sort().map(([b, n]) => `${b} ${n}`).join(', ')}`).join('\n');
    console.info(`fuzz-http: ${sent} requests over ${routes.length} routes (seed ${SEED})\n${summary}`);
    expect(failures.slice(0, 40), `${failures.length} failures (seed ${SEED}; FUZZ_SEED=${SEED} reproduces)`).toEqual([]);
    expect(sent).toBe(routes.length * PER_ROUTE);

    // Bull Board's "pause all" is a valid admin request the fuzz may have sent last: resume, so the
    // regression cases below (which wait for the worker) find the event queues running.
    for (let p = 0; p < PARTITIONS; p++) await engine.client.queue(p).resume();
    // Nothing was queued, so nothing can still be on its way to the ledger.
    const after = await ledgerSnapshot(engine);
    expect(after).toEqual(before);
    expect(await engine.invariants()).toEqual([]);
  }, 600_000);
});

describe('regressions the fuzz found (each answered 500, or was queued and then failed in the worker)', () => {
  const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  const post = (path: string, raw: string, headers: Record<string, string>) =>
    send(Number(new URL(engine.url).port), { method: 'POST', url: path, headers: { 'content-type': 'application/json', ...headers }, body: Buffer.from(raw), write: true });
  const fieldOf = (answer: Answer) => ('status' in answer ? [answer.status, (JSON.parse(answer.text) as { field?: string }).field] : [answer.error]);

  it('a NUL (%00) anywhere in the URL is refused with 400: a transaction key look-up and Bull Board both answered 500', async () => {
    const reader = credentials.keys.reader;
    expect(fieldOf(await send(Number(new URL(engine.url).port), { method: 'GET', url: '/api/points/transactions/a%00b', headers: { 'x-api-key': reader }, body: null, write: false }))).toEqual([400, 'url']);
    expect(fieldOf(await send(Number(new URL(engine.url).port), { method: 'GET', url: '/admin/queues/api/queues?status=%00', headers: { 'x-api-key': credentials.keys.admin }, body: null, write: false }))).toEqual([400, 'url']);
  });

  it('a validly signed Telegram initData whose user id is no ledger user id is refused with 401 (a NUL in it failed the balance look-up: 500)', async () => {
    const initData = signInitData({ auth_date: String(Math.floor(Date.now() / 1000)), user: JSON.stringify({ id: '\u0000', first_name: 'F' }) }, TEST_BOT_TOKEN);
    const answer = await send(Number(new URL(engine.url).port), { method: 'GET', url: '/api/points/balance', headers: { 'x-telegram-init-data': initData }, body: null, write: false });
    expect('status' in answer && answer.status).toBe(401);
  });

  it('a history cursor naming an id beyond bigint is refused with 400 (the query failed: 500)', async () => {
    const cursor = Buffer.from('t:9223372036854775808').toString('base64url');
    const answer = await send(Number(new URL(engine.url).port), { method: 'GET', url: `/api/points/history?user_id=fuzz_u1&cursor=${cursor}`, headers: { 'x-api-key': credentials.keys.reader }, body: null, write: false });
    expect(fieldOf(answer)).toEqual([400, 'cursor']);
    const last = Buffer.from('t:9223372036854775807').toString('base64url');
    const page = await send(Number(new URL(engine.url).port), { method: 'GET', url: `/api/points/history?user_id=fuzz_u1&cursor=${last}`, headers: { 'x-api-key': credentials.keys.reader }, body: null, write: false });
    expect('status' in page && page.status).toBe(200);
  });

  it('metadata nested thousands of levels deep is refused with 400 (JSON.stringify overflowed the stack: 500)', async () => {
    const event = JSON.stringify({ kind: 'earn', idempotency_key: 'deep:1', user_id: 'fuzz_u3', activity: 'text_request', metadata: '__DEEP__' }).replace('"__DEEP__"', deep(5_000));
    expect(fieldOf(await post('/api/points/events', event, { 'x-api-key': credentials.keys.producer }))).toEqual([400, 'metadata']);
    const grant = JSON.stringify({ amount: 5, reason: 'deep', idempotency_key: 'deep:2', metadata: '__DEEP__' }).replace('"__DEEP__"', deep(5_000));
    expect(fieldOf(await post('/api/admin/users/fuzz_u3/grant', grant, { 'x-api-key': credentials.keys.admin }))).toEqual([400, 'metadata']);
  });

  it('text PostgreSQL cannot store (NUL, an unpaired surrogate) is refused with 400 instead of queued to fail in the worker', async () => {
    const nul = JSON.stringify({ kind: 'earn', idempotency_key: 'nul:1', user_id: 'fuzz_u3', activity: 'text_request', metadata: { note: 'a\u0000b' } });
    expect(fieldOf(await post('/api/points/events', nul, { 'x-api-key': credentials.keys.producer }))).toEqual([400, 'metadata']);
    const surrogate = JSON.stringify({ amount: 5, reason: 'half a pair \ud800', idempotency_key: 'nul:2' });
    expect(fieldOf(await post('/api/admin/users/fuzz_u3/grant', surrogate, { 'x-api-key': credentials.keys.admin }))).toEqual([400, 'reason']);
    expect(await engine.db.selectFrom('ledger_transactions').select('idempotency_key').where('idempotency_key', 'in', ['nul:1', 'nul:2']).execute()).toEqual([]);
  });

  it('a NOWPayments IPN that is too deep to re-serialise does not verify (401; it overflowed the stack: 500)', async () => {
    const raw = `{"payment_id":1,"payment_status":"waiting","extra":${deep(5_000)}}`;
    expect(fieldOf(await post('/webhooks/nowpayments', raw, { 'x-nowpayments-sig': 'ab'.repeat(64) }))[0]).toBe(401);
  });

  it('a signed delivery whose text jsonb cannot store is recorded with U+FFFD in its place (the insert failed: 500)', async () => {
    const ipn = { payment_id: 'nul_ipn_1', payment_status: 'waiting', order_id: '42/pack:small/\u0000' };
    const answer = await post('/webhooks/nowpayments', JSON.stringify(ipn), { 'x-nowpayments-sig': nowPaymentsSignature(ipn, secrets.NOWPAYMENTS_IPN_SECRET) });
    expect('status' in answer && answer.status).toBe(200);
    const recorded = await engine.db.selectFrom('webhook_deliveries').select('detail').where('payment_id', '=', 'nul_ipn_1').executeTakeFirstOrThrow();
    expect((recorded.detail as { order_id: string }).order_id).toBe('42/pack:small/\ufffd');
  });

  it('a purchase that would take a balance past 2^53 − 1 is a recorded rejection (amount_overflow) of that event alone: its batch neighbour applies, the user stays readable and keeps earning (two such purchases made the balance unreadable: every later read 500, every later event failed)', async () => {
    const port = Number(new URL(engine.url).port);
    const buy = (key: string) => ({ kind: 'purchase_bonus', idempotency_key: key, user_id: 'fuzz_big', product: { type: 'credit', credit: Number.MAX_SAFE_INTEGER } });
    const status = async (key: string) => {
      const answer = await send(port, { method: 'GET', url: `/api/points/transactions/${key}?user_id=fuzz_big`, headers: { 'x-api-key': credentials.keys.reader }, body: null, write: false });
      return 'status' in answer && answer.status === 200 ? (JSON.parse(answer.text) as { status: string; reason?: string; attempts?: number }) : undefined;
    };
    expect(fieldOf(await post('/api/points/events', JSON.stringify(buy('big:1')), { 'x-api-key': credentials.keys.admin }))[0]).toBe(202);
    await waitUntil('big:1 applied', async () => ((await status('big:1'))?.status === 'applied' ? true : undefined));
    // The overflowing purchase shares one job with a valid earn of the same user.
    const neighbour = { kind: 'earn', idempotency_key: 'big:2b', user_id: 'fuzz_big', activity: 'text_request' };
    expect(fieldOf(await post('/api/points/events', JSON.stringify([buy('big:2'), neighbour]), { 'x-api-key': credentials.keys.admin }))[0]).toBe(202);
    const refused = await waitUntil('big:2 recorded', async () => status('big:2').then((s) => (s?.status === 'rejected' ? s : undefined)));
    expect(refused.reason).toBe('amount_overflow');
    expect(await waitUntil('big:2b applied', async () => ((await status('big:2b'))?.status === 'applied' ? true : undefined))).toBe(true);
    const balance = await send(port, { method: 'GET', url: '/api/points/balance?user_id=fuzz_big', headers: { 'x-api-key': credentials.keys.reader }, body: null, write: false });
    expect('status' in balance && balance.status).toBe(200);
    const earned = await engine.client.spend(pointsEventSchema.parse({ kind: 'earn', idempotency_key: 'big:3', user_id: 'fuzz_big', activity: 'text_request' }));
    expect(earned.status).toBe('applied');
  });

  it('a signed TON payment whose sender text cannot be stored is still applied, the sender stored with U+FFFD', async () => {
    const payment = JSON.stringify({ tx_hash: 'f00dfeed'.repeat(8), user_id: 'fuzz_u4', product: 'credit:25', amount: '17500000', sender: 'EQ\u0000\ud800' });
    const answer = await post('/webhooks/ton', payment, { 'x-signature': hmacSha256Hex(payment, secrets.TON_WEBHOOK_SECRET) });
    expect('status' in answer && answer.status).toBe(200);
    const key = `ton:${'f00dfeed'.repeat(8)}`;
    const row = await waitUntil(`${key} in the ledger`, async () => (await engine.db.selectFrom('ledger_transactions').select(['status', 'payload']).where('idempotency_key', '=', key).executeTakeFirst()) ?? undefined);
    expect(row.status).toBe('applied');
    expect((row.payload as { metadata: { sender: string } }).metadata.sender).toBe('EQ\ufffd\ufffd');
  });
});
