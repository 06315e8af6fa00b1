// Isolation: its own database and BullMQ prefix (startTestEngine, with a worker); fresh keys and random user ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorName } from '@points-engine/auth';
import { randomUser } from '../support/services.ts';
import { waitUntil } from '../support/wait.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';

let engine: TestEngine;
let admin: string;
beforeAll(async () => {
  engine = await startTestEngine();
  admin = await engine.key('admin');
});
afterAll(async () => {
  await engine.close();
});

const post = (path: string, body: unknown, key = admin) => engine.fetch(path, { method: 'POST', key, body: JSON.stringify(body) });
const keyId = (key: string) => key.slice(3, key.indexOf('.'));
const recordedPayload = (key: string) =>
  waitUntil(`ledger row ${key}`, async () => (await engine.db.selectFrom('ledger_transactions').select('payload').where('idempotency_key', '=', key).executeTakeFirst())?.payload);
const nothingOf = async (keys: string[]) => engine.db.selectFrom('ledger_transactions').select('idempotency_key').where('idempotency_key', 'in', keys).execute();

describe('operator comes from the key, never the body (issue 10 item 1)', () => {
  it('an event naming an operator is refused with 400 naming the field, alone or in an array, and nothing of the request is queued', async () => {
    const user = randomUser('op');
    const grant = { kind: 'grant', idempotency_key: `forged:${user}`, user_id: user, amount: 100, reason: 'x', operator: 'the CEO' };
    const single = await post('/api/points/events', grant);
    expect(single.status).toBe(400);
    expect(await single.json()).toMatchObject({ error: 'invalid_request', field: 'operator' });
    const earn = { kind: 'earn', idempotency_key: `earn:${user}`, user_id: user, activity: 'text_request' };
    const array = await post('/api/points/events', [earn, grant]);
    expect(array.status).toBe(400);
    expect(await array.json()).toMatchObject({ field: 'events.1.operator' });
    // On any kind, not only the adjustments that record one.
    expect(await (await post('/api/points/events', { ...earn, operator: 'x' })).json()).toMatchObject({ field: 'operator' });
    const spend = await post('/api/points/spend', { ...grant, idempotency_key: `forged-spend:${user}` });
    expect(spend.status).toBe(400);
    expect(await spend.json()).toMatchObject({ field: 'operator' });
    expect(await nothingOf([grant.idempotency_key, earn.idempotency_key, `forged-spend:${user}`])).toEqual([]);
    expect(await engine.client.findEventJob(earn.idempotency_key, user)).toBeUndefined();
  });

  it.each(['grant', 'deduct', 'reverse'] as const)('a %s sent over /events records the sending key as operator: its name and id', async (kind) => {
    const user = randomUser('op');
    const original = `original:${kind}:${user}`;
    await engine.client.spend({ kind: 'grant', idempotency_key: original, user_id: user, amount: 10, reason: 'seed', operator: 'seed' });
    const key = `${kind}:${user}`;
    const body =
      kind === 'reverse'
        ? { kind, idempotency_key: key, user_id: user, transaction_key: original, reason: 'mistake' }
        : { kind, idempotency_key: key, user_id: user, amount: 5, reason: 'support' };
    expect((await post('/api/points/events', body)).status).toBe(202);
    expect(await recordedPayload(key)).toMatchObject({ kind, operator: operatorName({ id: keyId(admin), name: 'test-admin' }) });
  });

  it('the admin routes refuse a body naming an operator (400) and record the key', async () => {
    const user = randomUser('op');
    const forged = await post(`/api/admin/users/${user}/grant`, { amount: 5, reason: 'x', idempotency_key: `adm:${user}`, operator: 'someone else' });
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ field: 'operator' });
    expect((await post(`/api/admin/users/${user}/grant`, { amount: 5, reason: 'x', idempotency_key: `adm:${user}` })).status).toBe(200);
    expect(await recordedPayload(`adm:${user}`)).toMatchObject({ operator: `test-admin (${keyId(admin)})` });
    const reverse = await post(`/api/admin/transactions/adm:${user}/reverse`, { reason: 'x', idempotency_key: `adm-rev:${user}`, operator: 'someone else' });
    expect(reverse.status).toBe(400);
  });

  it('an event from a Redis producer (PointsClient) keeps the operator it carries: Redis access is full trust (docs/security.md)', async () => {
    const user = randomUser('op');
    const outcome = await engine.client.spend({ kind: 'grant', idempotency_key: `redis:${user}`, user_id: user, amount: 5, reason: 'bot', operator: 'support-bot' });
    expect(outcome.status).toBe('applied');
    expect(await recordedPayload(`redis:${user}`)).toMatchObject({ operator: 'support-bot' });
  });
});
