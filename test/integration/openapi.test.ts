// Isolation: its own database and BullMQ prefix (startTestEngine, with a worker so spends and adjustments answer); fixed example user ids live only in that database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@points-engine/api';
import { hmacSha256Hex, nowPaymentsSignature } from '@points-engine/auth';
import { loadConfig } from '@points-engine/config';
import { defaultProgram } from '@points-engine/domain';
import { createRedis } from '@points-engine/jobs';
import { createLogger } from '@points-engine/logger';
import { mountedRoutes, openApiPath, operations, UNDOCUMENTED_MOUNTS, type OperationDoc } from '../../apps/api/src/openapi/index.ts';
import { redisUrl } from '../support/services.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';
import { validateJsonSchema } from '../support/json-schema.ts';

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
beforeAll(async () => {
  engine = await startTestEngine({ config: secrets });
  admin = await engine.key('admin');
  const res = await engine.fetch('/api/openapi.json');
  expect(res.status).toBe(200);
  doc = (await res.json()) as Json;
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
        expect(Object.keys(op['responses'] as Json).length).toBeGreaterThan(0);
        for (const param of (op['parameters'] ?? []) as Json[]) if (param['in'] === 'path') expect(path).toContain(`{${String(param['name'])}}`);
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      const target = ref.slice(9, -1).replace(/^#\//, '').split('/').reduce<unknown>((node, part) => (node as Json)?.[part], doc);
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
        const res = await send(example);
        expect([200, 202], `${label}: ${res.status} ${await res.clone().text()}`).toContain(res.status);
      }
      for (const { body: example, field, jsonSchemaCannotTell } of body.examples.invalid) {
        const label = `${name} refuses ${JSON.stringify(example)}`;
        if (!jsonSchemaCannotTell) expect(validateJsonSchema(jsonSchema, example, doc), label).not.toEqual([]);
        expect(body.schema.safeParse(zodInput(example)).success, label).toBe(false);
        const res = await send(example);
        expect(res.status, label).toBe(400);
        expect(((await res.json()) as Json)['field'], label).toBe(field);
      }
    }
  });
});

describe('GET /api/docs', () => {
  it('is a self-contained page (no CDN, nothing fetched from elsewhere) that embeds the document', async () => {
    const res = await engine.fetch('/api/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import/i);
    const embedded = /<script type="application\/json" id="openapi">([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(embedded).toBeDefined();
    expect(JSON.parse(embedded as string)).toEqual(doc);
    // The page's own script parses (it renders the document in the browser).
    const script = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
    expect(() => new Function(script)).not.toThrow();
  });
});
