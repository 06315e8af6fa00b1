// Isolation: its own database and BullMQ prefix (startTestEngine, with a worker); fresh keys and random user ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESERVED_KEY_PREFIXES } from '@points-engine/domain';
import { randomUser } from '../support/services.ts';
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

const post = async (path: string, body: unknown) => {
  const response = await engine.fetch(path, { method: 'POST', key: admin, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('reserved key namespaces are refused over HTTP (issue 10 item 4: a payment key cannot be squatted)', () => {
  it.each(RESERVED_KEY_PREFIXES)('%s…: refused with 400 naming the field on every route that takes a key, nothing queued', async (prefix) => {
    const user = randomUser('rk');
    const key = `${prefix}${user}`;
    const earn = { kind: 'earn', idempotency_key: key, user_id: user, activity: 'text_request' };
    const purchase = { kind: 'purchase_bonus', idempotency_key: key, user_id: user, product: { type: 'credit_pack', pack: 'small' } };
    const fine = { kind: 'earn', idempotency_key: `fine:${user}`, user_id: user, activity: 'text_request' };
    await engine.client.spend({ kind: 'grant', idempotency_key: `seed:${user}`, user_id: user, amount: 10, reason: 'seed' });
    const answers = [
      { answer: await post('/api/points/events', purchase), field: 'idempotency_key' },
      { answer: await post('/api/points/events', [fine, earn, purchase]), field: 'events.1.idempotency_key' },
      { answer: await post('/api/points/events', { events: [fine, purchase] }), field: 'events.1.idempotency_key' },
      { answer: await post('/api/points/spend', { idempotency_key: key, user_id: user, amount: 1 }), field: 'idempotency_key' },
      { answer: await post(`/api/admin/users/${user}/grant`, { amount: 5, reason: 'x', idempotency_key: key }), field: 'idempotency_key' },
      { answer: await post(`/api/admin/users/${user}/deduct`, { amount: 5, reason: 'x', idempotency_key: key }), field: 'idempotency_key' },
      { answer: await post(`/api/admin/transactions/seed:${user}/reverse`, { reason: 'x', idempotency_key: key }), field: 'idempotency_key' },
    ];
    for (const { answer, field } of answers) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect(answer.body).toMatchObject({ error: 'invalid_request', field });
      expect(String(answer.body['message'])).toMatch(/reserve/);
    }
    // Nothing of any refused request reached the queue or the ledger: the key stays free for the engine.
    expect(await engine.client.findEventJob(key, user)).toBeUndefined();
    expect(await engine.client.findEventJob(`fine:${user}`, user)).toBeUndefined();
    expect(await engine.db.selectFrom('ledger_transactions').select('idempotency_key').where('idempotency_key', 'in', [key, `fine:${user}`]).execute()).toEqual([]);
  });

  it('a key that only contains a reserved prefix further in is an ordinary key', async () => {
    const user = randomUser('rk');
    const answer = await post('/api/points/spend', { kind: 'earn', idempotency_key: `bot:nowpayments:${user}`, user_id: user, activity: 'daily_login' });
    expect(answer).toMatchObject({ status: 200, body: { status: 'applied' } });
  });
});
