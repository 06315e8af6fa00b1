// Isolation: its own database and BullMQ prefix (startTestEngine, with a worker so spends and adjustments answer); fixed example user ids live only in that database.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@points-engine/api';
import { hmacSha256Hex, nowPaymentsSignature, signInitData } from '@points-engine/auth';
import { PointsClient } from '@points-engine/client';
import { loadConfig } from '@points-engine/config';
import { connectDatabase } from '@points-engine/db';
import { defaultProgram } from '@points-engine/domain';
import { createRedis, eventJobId, partitionOf } from '@points-engine/jobs';
import { createLogger } from '@points-engine/logger';
import { mountedRoutes, openApiPath, operations, UNDOCUMENTED_MOUNTS, type OperationDoc } from '../../apps/api/src/openapi/index.ts';
import { randomUser, redisUrl } from '../support/services.ts';
import { startTestEngine, TEST_BOT_TOKEN, type TestEngine } from '../support/engine.ts';
import { waitUntil } from '../support/wait.ts';
import { validateJsonSchema } from '../support/json-schema.ts';
import { ContractChecker } from '../support/openapi-contract.ts';

type Json = Record<string, unknown>;

// The payment webhooks are on (their secrets set) so their bodies can be checked through the route too.
const secrets = { NOWPAYMENTS_IPN_SECRET: 'nowpayments-ipn-secret', TELEGRAM_STARS_WEBHOOK_SECRET: 'stars-secret-token-0123', TON_WEBHOOK_SECRET: 'ton-watcher-secret-0123' };
/** How each provider-signed route authenticates a body (the rest use an admin API key). */
const signers: Record<string, (raw: string) => Record<string, string>> = {
  '/webhooks/nowpayments': (raw) => ({ 'x-nowpayments-sig': nowPaymentsSignature(JSON.parse(raw), secrets.NOWPAYMENTS_IPN_SECRET) }),
  '/webhooks/telegram-stars': () => ({ 'x-telegram-bot-api-secret-token': secrets.TELEGRAM_STARS_WEBHOOK_SECRET }),
  '/webhooks/ton': (raw) => ({ 'x-signature': hmacSha256Hex(raw, secrets.TON_WEBHOOK_SECRET) }),
};

let engine: TestEngine;
let admin: string;
let doc: Json;
/** Every answer a test here gets is judged by the document (and counted, for the coverage test at the end). */
let contract: ContractChecker;
beforeAll(async () => {
  engine = await startTestEngine({ config: secrets });
  admin = await engine.key('admin');
  const res = await engine.fetch('/api/openapi.json');
  expect(res.status).toBe(200);
  doc = (await res.clone().json()) as Json;
  contract = new ContractChecker(doc);
  await contract.check('GET /api/openapi.json', res);
});
afterAll(async () => {
  await engine.close();
});

const undocumented = (path: string) => UNDOCUMENTED_MOUNTS.some((mount) => path === mount || path.startsWith(`${mount}/`));
const operationOf = (op: Pick<OperationDoc, 'method' | 'path'>) => ((doc['paths'] as Record<string, Json>)[openApiPath(op.path)]?.[op.method] ?? undefined) as Json | undefined;

describe('GET /api/openapi.json', () => {
  it('is public and an OpenAPI 3.1 document whose references all resolve', async () => {
    expect(doc['openapi']).toBe('3.1.0');
    expect((doc['info'] as Json)['version']).toMatch(/^\d+\.\d+\.\d+/);
    const ids: string[] = [];
    for (const [path, item] of Object.entries(doc['paths'] as Record<string, Record<string, Json>>)) {
      expect(path).toMatch(/^\//);
      for (const op of Object.values(item)) {
        ids.push(op['operationId'] as string);
        // Every answer has content with a schema (JSON) or a type (a page): clients can be generated from it.
        const responses = Object.entries(op['responses'] as Record<string, Json>);
        expect(responses.length).toBeGreaterThan(0);
        for (const [status, response] of responses) {
          const content = Object.entries((response['content'] ?? {}) as Record<string, Json>);
          expect(content.length, `${path} ${status}`).toBe(1);
          if (content[0]?.[0] === 'application/json') expect(content[0][1]['schema'], `${path} ${status}`).toBeDefined();
        }
        for (const param of (op['parameters'] ?? []) as Json[]) if (param['in'] === 'path') expect(path).toContain(`{${String(param['name'])}}`);
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    // The shared schemas (Error, Balance, Outcome, …) are referenced, so this walk checks something.
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const target = ref.slice(8, -1).replace(/^#\//, '').split('/').reduce<unknown>((node, part) => (node as Json)?.[part], doc);
      expect(target, ref).toBeDefined();
    }
    // The security schemes every requirement names exist.
    const schemes = Object.keys(((doc['components'] as Json)['securitySchemes'] as Json) ?? {});
    for (const op of operations) for (const requirement of (operationOf(op)?.['security'] ?? []) as Json[]) for (const name of Object.keys(requirement)) expect(schemes).toContain(name);
  });

  it('lists every route mounted in app.ts, and only those', async () => {
    const config = { ...loadConfig({}), TELEGRAM_BOT_TOKEN: '123456:TEST-bot-token-for-init-data' };
    const redis = createRedis(redisUrl(), 'producer', { connectionName: `${engine.prefix}:route-walk` });
    try {
      const app = createApp({ db: engine.db, program: defaultProgram, client: engine.client, redis, verifier: engine.registry, logger: createLogger({ level: 'silent' }), queues: [], config });
      const mounted = mountedRoutes(app).filter((route) => !undocumented(route.path));
      const key = (r: { method: string; path: string }) => `${r.method.toUpperCase()} ${r.path}`;
      expect(mounted.length).toBeGreaterThan(5);
      const registered = operations.filter((op) => !undocumented(op.path)).map(key).sort();
      expect(registered).toEqual([...new Set(mounted.map(key))].sort());
      for (const route of mounted) expect(operationOf({ method: route.method as OperationDoc['method'], path: route.path }), key(route)).toBeDefined();
    } finally {
      redis.disconnect();
    }
  });

  it('each request body: valid examples pass and invalid ones fail with their field — in the route, its zod schema and the document alike', async () => {
    const withBody = operations.filter((op) => op.body);
    expect(withBody.length).toBeGreaterThanOrEqual(2);
    for (const op of withBody) {
      const body = op.body!;
      const name = `${op.method.toUpperCase()} ${op.path}`;
      expect(body.examples.valid.length, `${name}: a valid example`).toBeGreaterThan(0);
      expect(body.examples.invalid.length, `${name}: an invalid example`).toBeGreaterThan(0);
      const jsonSchema = ((operationOf(op)?.['requestBody'] as Json)['content'] as Record<string, Json>)['application/json']!['schema'] as Json;
      const zodInput = (example: unknown) => (body.filledByRoute && example && typeof example === 'object' && !Array.isArray(example) ? { ...body.filledByRoute, ...example } : example);
      const url = op.path.replace(/:([A-Za-z0-9_]+)/g, (_m, param: string) => encodeURIComponent(body.examples.params?.[param] ?? `missing-example-param-${param}`));
      const send = (example: unknown) => {
        const raw = JSON.stringify(example);
        if (op.auth !== 'provider_signature') return engine.fetch(url, { method: op.method.toUpperCase(), key: admin, body: raw });
        const sign = signers[op.path];
        if (!sign) throw new Error(`${name}: add how it is signed to \`signers\` in this file`);
        return engine.fetch(url, { method: op.method.toUpperCase(), headers: { 'content-type': 'application/json', ...sign(raw) }, body: raw });
      };

      for (const example of body.examples.valid) {
        const label = `${name} accepts ${JSON.stringify(example)}`;
        expect(validateJsonSchema(jsonSchema, example, doc), label).toEqual([]);
        expect(body.schema.safeParse(zodInput(example)).success, label).toBe(true);
        const { status } = await contract.check(name, await send(example));
        expect([200, 202], label).toContain(status);
      }
      for (const { body: example, field, jsonSchemaCannotTell } of body.examples.invalid) {
        const label = `${name} refuses ${JSON.stringify(example)}`;
        if (!jsonSchemaCannotTell) expect(validateJsonSchema(jsonSchema, example, doc), label).not.toEqual([]);
        expect(body.schema.safeParse(zodInput(example)).success, label).toBe(false);
        const answer = await contract.check(name, await send(example));
        expect(answer.status, label).toBe(400);
        expect((answer.body as Json)['field'], label).toBe(field);
      }
    }
  });
});

describe('GET /api/docs', () => {
  it('is a self-contained page (no CDN, nothing fetched from elsewhere) that embeds the document', async () => {
    const res = await engine.fetch('/api/docs');
    expect((await contract.check('GET /api/docs', res.clone())).status).toBe(200);
    const html = await res.text();
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import/i);
    const embedded = /<script type="application\/json" id="openapi">([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(embedded).toBeDefined();
    expect(JSON.parse(embedded as string)).toEqual(doc);
    // The page's own script renders the document: every operation, with its response schemas (shared ones shown in place).
    const script = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
    const text = renderWithTinyDom(script, embedded as string);
    for (const op of operations) expect(text, nameOf(op)).toContain(openApiPath(op.path));
    expect(text).toContain('"title": "Balance"');
    expect(text).toContain('"lifetime_earned"');
    expect(text).toContain('"reason_text"');
    expect(text).toContain('auth: reader_or_user · CORS');
  });
});

/** A DOM just big enough for the docs page's script (elements, text, attributes): what it rendered, as text. */
function renderWithTinyDom(script: string, embedded: string): string {
  class TinyNode {
    children: (TinyNode | string)[] = [];
    className = '';
    value = '';
    get textContent(): string {
      return this.children.map((child) => (typeof child === 'string' ? child : child.textContent)).join('');
    }
    set textContent(text: string) {
      this.children = text ? [text] : [];
    }
    append(...children: (TinyNode | string)[]) {
      this.children.push(...children);
    }
    setAttribute() {}
    addEventListener() {}
  }
  const elements: Record<string, unknown> = { openapi: { textContent: embedded }, key: new TinyNode(), root: new TinyNode() };
  const document = { getElementById: (id: string) => elements[id], createElement: () => new TinyNode() };
  const sessionStorage = { getItem: () => null, setItem: () => undefined };
  new Function('document', 'sessionStorage', 'Node', script)(document, sessionStorage, TinyNode);
  return (elements['root'] as TinyNode).textContent;
}

// ---- every answer against the document ---------------------------------------------------------

const nameOf = (op: Pick<OperationDoc, 'method' | 'path'>) => `${op.method.toUpperCase()} ${op.path}`;
const opNamed = (name: string) => {
  const op = operations.find((candidate) => nameOf(candidate) === name);
  if (!op) throw new Error(`no operation ${name}`);
  return op;
};
/** Path parameters of the generic requests below, and the query a request needs to reach its route's work. */
const PARAMS: Record<string, string> = { user_id: '42', key: 'adm:grant:42:1' };
const QUERY: Record<string, string> = { 'GET /api/points/balance': 'user_id=42', 'GET /api/points/history': 'user_id=42', 'GET /api/points/stats': 'user_id=42', 'GET /api/points/earning-rules': 'user_id=42' };
const urlOf = (op: OperationDoc, query = '') => {
  const path = op.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => encodeURIComponent(PARAMS[name] ?? name));
  const full = [QUERY[nameOf(op)], query].filter(Boolean).join('&');
  return full ? `${path}?${full}` : path;
};

interface Call {
  /** The key sent (X-API-Key), `none`, or `signed` (a webhook's own signature over the body). */
  as?: string | 'none';
  body?: unknown;
  raw?: string;
  query?: string;
  url?: string;
  headers?: Record<string, string>;
}

/**
 * Sends one request to `base` for the operation and judges the answer by the document; resolves
 * with status and body. The body is `any` on purpose: its shape was just validated against the
 * document's schema, and the assertions below read a field or two of it.
 */
async function call(base: string, name: string, options: Call = {}): Promise<{ status: number; body: any }> {
  const op = opNamed(name);
  const raw = options.raw ?? (options.body !== undefined ? JSON.stringify(options.body) : op.body ? JSON.stringify(op.body.examples.valid[0]) : undefined);
  const headers: Record<string, string> = { ...(raw !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers };
  const as = options.as ?? admin;
  if (op.auth === 'provider_signature') {
    if (as !== 'none') Object.assign(headers, signers[op.path]?.(raw ?? ''));
  } else if (as !== 'none') headers['x-api-key'] = as;
  const res = await fetch(`${base}${options.url ?? urlOf(op, options.query)}`, { method: op.method.toUpperCase(), headers, ...(raw !== undefined ? { body: raw } : {}) });
  return contract.check(name, res);
}
const main = (name: string, options?: Call) => call(engine.url, name, options);

/** An app on its own port with these services and settings (Express over a real socket). */
async function listen(deps: Parameters<typeof createApp>[0]): Promise<{ url: string; close: () => Promise<void> }> {
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const listening = createApp(deps).listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as import('node:net').AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const silent = createLogger({ level: 'silent' });

/** A request with a body whatever its method (fetch refuses a GET with one), as a fetch Response. */
function requestWithBody(url: string, method: string, headers: Record<string, string>, body: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers: res.headers as Record<string, string> })));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const initDataOf = (userId: string) => signInitData({ auth_date: String(Math.floor(Date.now() / 1000)), user: JSON.stringify({ id: userId, first_name: 'T' }) }, TEST_BOT_TOKEN);

describe('every answer is one the document lists, with a body its JSON Schema accepts', () => {
  it('the routes\' own answers: successes, queued, not found and conflicts, from a ledger with history', async () => {
    const [reader, producer] = await Promise.all([engine.key('reader'), engine.key('producer')]);
    const user = randomUser('oa');
    const other = randomUser('oa');
    const grantKey = `oa:grant:${user}`;
    const user_ = (path: string) => path.replace('/42', `/${user}`);

    // Building the history every read below shows (a level-up notice, an open hold, a spend, a rejection).
    expect((await main('POST /api/admin/users/:user_id/grant', { url: user_('/api/admin/users/42/grant'), body: { amount: 5000, reason: 'contract', idempotency_key: grantKey } })).body.status).toBe('applied');
    expect((await main('POST /api/admin/users/:user_id/grant', { url: `/api/admin/users/${other}/grant`, body: { amount: 100, reason: 'contract', idempotency_key: `oa:grant:${other}` } })).status).toBe(200);
    expect((await main('POST /api/admin/users/:user_id/deduct', { url: user_('/api/admin/users/42/deduct'), body: { amount: 1, reason: 'contract', idempotency_key: `oa:deduct:${user}` } })).body.status).toBe('applied');
    const earn = { kind: 'earn', idempotency_key: `oa:earn:${user}`, user_id: user, activity: 'daily_login' };
    expect((await main('POST /api/points/events', { as: producer, body: earn })).status).toBe(202);
    expect((await main('POST /api/points/events', { as: producer, body: { events: [{ ...earn, idempotency_key: `oa:earn2:${user}`, activity: 'text_request' }] } })).body.events).toBe(1);
    expect((await main('POST /api/points/spend', { as: producer, body: { idempotency_key: `oa:spend:${user}`, user_id: user, amount: 30 } })).body.status).toBe('applied');
    expect((await main('POST /api/points/spend', { as: producer, body: { idempotency_key: `oa:broke:${user}`, user_id: user, amount: 1_000_000_000 } })).body.reason).toBe('insufficient_funds');
    expect((await main('POST /api/points/spend', { as: producer, body: { kind: 'hold', idempotency_key: `oa:hold:${user}`, user_id: user, amount: 20 } })).body.status).toBe('applied');
    await waitUntil('the earns applied', async () => ((await main('GET /api/points/transactions/:key', { url: `/api/points/transactions/oa:earn2:${user}`, as: reader })).body.status === 'applied' ? true : undefined));

    // Reads, by key and by a Mini App user.
    const tma = { as: 'none', headers: { 'x-telegram-init-data': initDataOf(user) } };
    expect((await main('GET /api/points/balance', { query: `user_id=${user}`, url: `/api/points/balance?user_id=${user}`, as: reader })).body.open_holds).toBe(1);
    expect((await main('GET /api/points/balance', { ...tma, url: '/api/points/balance?lang=ru' })).body.user_id).toBe(user);
    expect((await main('GET /api/points/balance', { url: `/api/points/balance?user_id=${randomUser('never')}`, as: reader })).body.balance).toBe(0);
    const page = (await main('GET /api/points/history', { ...tma, url: '/api/points/history?limit=2' })).body;
    expect(page.next_cursor).toEqual(expect.any(String));
    expect((await main('GET /api/points/history', { url: `/api/points/history?user_id=${user}&cursor=${page.next_cursor}&lang=ru`, as: reader })).body.items.length).toBeGreaterThan(0);
    expect((await main('GET /api/points/leaderboard', { ...tma, url: '/api/points/leaderboard?period=day' })).body.me.rank).toEqual(expect.any(Number));
    expect((await main('GET /api/points/leaderboard', { url: `/api/points/leaderboard?period=all&user_id=${randomUser('never')}`, as: reader })).body.me.rank).toBeNull();
    expect((await main('GET /api/points/levels', tma)).body.levels.length).toBeGreaterThan(1);
    expect((await main('GET /api/points/stats', { ...tma, url: '/api/points/stats?days=7' })).body.by_day).toHaveLength(7);
    expect((await main('GET /api/points/transactions/:key', { url: `/api/points/transactions/oa:broke:${user}`, as: reader })).body.status).toBe('rejected');
    expect((await main('GET /api/points/transactions/:key', { url: '/api/points/transactions/oa:never-sent', as: reader })).status).toBe(404);

    // Admin reads.
    const view = (await main('GET /api/admin/users/:user_id', { url: user_('/api/admin/users/42?history_limit=3') })).body;
    expect(view.open_holds).toHaveLength(1);
    expect(view.recent_notices.length).toBeGreaterThan(0);
    expect((await main('GET /api/admin/users/:user_id', { url: `/api/admin/users/${randomUser('never')}` })).status).toBe(404);
    expect((await main('GET /api/admin/analytics', { query: 'lang=ru' })).body.totals.users).toBeGreaterThan(0);
    expect((await main('GET /api/admin/config')).body.levels.length).toBeGreaterThan(1);

    // Reversals: applied, unknown, and a key already used for a different event.
    expect((await main('POST /api/admin/transactions/:key/reverse', { url: `/api/admin/transactions/oa:grant:${other}/reverse`, body: { reason: 'contract', idempotency_key: `oa:reverse:${other}` } })).body.status).toBe('applied');
    expect((await main('POST /api/admin/transactions/:key/reverse', { url: '/api/admin/transactions/oa:never-sent/reverse', body: { reason: 'contract', idempotency_key: `oa:reverse:none:${user}` } })).status).toBe(404);
    const reused = { reason: 'contract', idempotency_key: grantKey };
    expect((await main('POST /api/admin/transactions/:key/reverse', { url: `/api/admin/transactions/oa:deduct:${user}/reverse`, body: reused })).body.error).toBe('idempotency_conflict');
    // The same key with another payload, through every sending route: 409, nothing queued.
    expect((await main('POST /api/points/events', { as: producer, body: { ...earn, idempotency_key: grantKey } })).status).toBe(409);
    expect((await main('POST /api/points/spend', { as: producer, body: { idempotency_key: grantKey, user_id: user, amount: 5 } })).status).toBe(409);
    for (const kind of ['grant', 'deduct']) {
      expect((await main(`POST /api/admin/users/:user_id/${kind}`, { url: user_(`/api/admin/users/42/${kind}`), body: { amount: 7, reason: 'contract', idempotency_key: grantKey } })).status).toBe(409);
    }

    // No worker: what waits answers 202, and its status is `queued`.
    await engine.stopWorker();
    try {
      expect((await main('POST /api/points/spend', { as: producer, query: 'timeout_ms=1', body: { idempotency_key: `oa:late:${user}`, user_id: user, amount: 1 } })).status).toBe(202);
      expect((await main('POST /api/admin/users/:user_id/grant', { url: user_('/api/admin/users/42/grant?timeout_ms=1'), body: { amount: 1, reason: 'contract', idempotency_key: `oa:late-grant:${user}` } })).status).toBe(202);
      expect((await main('POST /api/admin/users/:user_id/deduct', { url: user_('/api/admin/users/42/deduct?timeout_ms=1'), body: { amount: 1, reason: 'contract', idempotency_key: `oa:late-deduct:${user}` } })).status).toBe(202);
      const late = { reason: 'contract', idempotency_key: `oa:late-reverse:${user}` };
      expect((await main('POST /api/admin/transactions/:key/reverse', { url: `/api/admin/transactions/oa:deduct:${user}/reverse?timeout_ms=1`, body: late })).status).toBe(202);
      expect((await main('GET /api/points/transactions/:key', { url: `/api/points/transactions/oa:late:${user}?user_id=${user}`, as: reader })).body).toMatchObject({ status: 'queued', job_state: 'waiting' });
    } finally {
      engine.startWorker();
    }
    // A job the worker refuses (an invalid payload that got into the queue around the API): `failed`, with the reason.
    const poisoned = `oa:poison:${user}`;
    await engine.client.queue(partitionOf(user, engine.partitions)).add('earn', { kind: 'earn', idempotency_key: poisoned, user_id: user }, { jobId: eventJobId(poisoned), attempts: 1 });
    const failed = await waitUntil('the poisoned job failed', async () => {
      const answer = await main('GET /api/points/transactions/:key', { url: `/api/points/transactions/${poisoned}?user_id=${user}`, as: reader });
      return answer.body.status === 'failed' ? answer.body : undefined;
    });
    expect(failed.reason).toEqual(expect.any(String));
    const report = (await main('GET /api/admin/reconcile', { query: 'unapplied_after_s=0&batch=100' })).body;
    expect(report.ok).toBe(true);
    expect(report.unapplied.events.map((e: Json) => e['idempotency_key'])).toContain(poisoned);

    // Health, the document and the pages.
    expect((await main('GET /healthz')).status).toBe(200);
    expect((await main('GET /readyz')).body.status).toBe('ready');
    expect((await main('GET /admin/queues')).status).toBe(200);
  });

  it('the answers every route shares: 400 (a NUL in the URL), 401, 403 and 413 (a body over BODY_LIMIT, a GET\'s too)', async () => {
    const [reader, producer] = await Promise.all([engine.key('reader'), engine.key('producer')]);
    /** A key with a scope that is not enough for the operation. */
    const weaker: Record<string, string> = { admin: reader, reader: producer, reader_or_user: producer, sender: reader };
    const big = JSON.stringify({ padding: 'x'.repeat(300 * 1024) });
    for (const op of operations) {
      const name = nameOf(op);
      expect((await main(name, { query: 'nul=%00' })).body, name).toMatchObject({ field: 'url' });
      if (op.auth === 'provider_signature') expect((await main(name, { headers: { 'x-signature': 'f'.repeat(64), 'x-nowpayments-sig': 'f'.repeat(128), 'x-telegram-bot-api-secret-token': 'wrong-token-0123456' }, as: 'none' })).status, name).toBe(401);
      if (op.auth !== 'none' && op.auth !== 'provider_signature') {
        expect((await main(name, { as: 'none' })).status, name).toBe(401);
        expect((await main(name, { as: weaker[op.auth] as string })).status, name).toBe(403);
      }
      // Every route parses a JSON body it is sent, a GET's too (fetch cannot send one: node:http can).
      const res = await requestWithBody(`${engine.url}${urlOf(op)}`, op.method.toUpperCase(), { 'content-type': 'application/json', 'x-api-key': admin }, big);
      expect((await contract.check(name, res)).body, name).toMatchObject({ error: 'payload_too_large' });
    }
    // A Mini App user asking about someone else, and a forged initData.
    expect((await main('GET /api/points/stats', { as: 'none', url: '/api/points/stats?user_id=someone_else', headers: { 'x-telegram-init-data': initDataOf(randomUser('tg')) } })).status).toBe(403);
    expect((await main('GET /api/points/levels', { as: 'none', headers: { 'x-telegram-init-data': 'user=%7B%22id%22%3A1%7D&auth_date=1&hash=00' } })).status).toBe(401);
  });

  it('429 on every route once a client address is over IP_RATE_LIMIT_PER_MINUTE; 404 from a webhook whose secret is unset', async () => {
    const prefix = `${engine.prefix}:limited`;
    const redis = createRedis(redisUrl(), 'producer', { connectionName: `${engine.prefix}:limited` });
    const config = { ...loadConfig({}), QUEUE_PREFIX: prefix, IP_RATE_LIMIT_PER_MINUTE: 1, TRUST_PROXY: ['loopback'] };
    const app = await listen({ db: engine.db, program: defaultProgram, client: engine.client, redis, verifier: engine.registry, logger: silent, queues: [], config });
    try {
      let address = 0;
      for (const op of operations) {
        const name = nameOf(op);
        const from = { 'x-forwarded-for': `198.51.100.${++address}` };
        // The address's first request is let through (a webhook is off here: 404), its second is not.
        const first = await call(app.url, name, { headers: from });
        if (op.path.startsWith('/webhooks/')) expect(first.status, name).toBe(404);
        const second = await call(app.url, name, { headers: from });
        expect(second.status, name).toBe(429);
      }
    } finally {
      await app.close();
      redis.disconnect();
    }
  });

  it('503 `unavailable` from every route that reads PostgreSQL or Redis while neither can be reached (and /readyz says which)', async () => {
    // Nothing listens on port 1: each connection is refused at once.
    const db = connectDatabase('postgres://postgres@127.0.0.1:1/points', { max: 1 });
    // Reconnecting at once (not backing off to seconds) keeps each refused command quick.
    const redis = createRedis('redis://127.0.0.1:1', 'producer', { connectionName: `${engine.prefix}:down`, retryStrategy: () => 20 });
    const client = new PointsClient({ connection: redis, prefix: `${engine.prefix}:down`, partitions: 1 });
    // Its queue reports the refused connection as an error event: expected here, not worth printing.
    client.queue(0).on('error', () => undefined);
    const config = { ...loadConfig({}), ...secrets, QUEUE_PREFIX: `${engine.prefix}:down`, TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN };
    const app = await listen({ db: db.db, program: defaultProgram, client, redis, verifier: engine.registry, logger: silent, queues: [], config });
    try {
      for (const op of operations.filter((candidate) => candidate.usesServices !== false)) {
        const answer = await call(app.url, nameOf(op));
        expect(answer.status, nameOf(op)).toBe(503);
        // /readyz answers its own 503 (which check failed); every other route the shared error.
        if (op.path === '/readyz') expect(answer.body.checks.postgres, nameOf(op)).not.toBe('ok');
        else expect(answer.body, nameOf(op)).toMatchObject({ error: 'unavailable' });
      }
      // What reads nothing still answers.
      expect((await call(app.url, 'GET /api/points/levels')).status).toBe(200);
    } finally {
      await app.close();
      await client.close();
      redis.disconnect();
      await db.close();
    }
  });

  it('every answer the document lists was seen above (this test runs last)', () => {
    expect(contract.unseen(operations)).toEqual([]);
  });
});
