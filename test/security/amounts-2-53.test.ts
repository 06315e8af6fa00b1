// Isolation: its own database and BullMQ prefix (startTestEngine), so its near-2^53 balances never reach another file's analytics; fresh user ids per test.
// Issue 10 item 7: sums near 2^53 are served exactly, and an overflowing event is a rejection of that event alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUser } from '../support/services.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';
import { waitUntil } from '../support/wait.ts';

const MAX = Number.MAX_SAFE_INTEGER;
let engine: TestEngine;
let admin: string;
beforeAll(async () => {
  engine = await startTestEngine();
  admin = await engine.key('admin');
});
afterAll(async () => {
  await engine.close();
});

const buyCredit = (user: string, key: string, credit = MAX) =>
  engine.client.spend({ kind: 'purchase_bonus', idempotency_key: key, user_id: user, provider: 'test', payment_id: key, product: { type: 'credit', credit } });

describe('2^53 − 1 (issue 10 item 7)', () => {
  it('GET /api/admin/analytics answers 200 with exact totals when the sum over users passes 2^53 − 1 (it answered 500: not a safe integer)', async () => {
    const [a, b] = [randomUser('big'), randomUser('big')];
    expect(await buyCredit(a, `big-a:${a}`)).toMatchObject({ status: 'applied', balances: { credit: MAX } });
    expect(await buyCredit(b, `big-b:${b}`)).toMatchObject({ status: 'applied', balances: { credit: MAX } });
    const response = await engine.fetch('/api/admin/analytics', { key: admin });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { totals: { credit_in_circulation: number | string; users: number } };
    expect(body.totals.credit_in_circulation).toBe((2n * BigInt(MAX)).toString());
    expect(body.totals.users).toBe(2);
  });

  it('a batch job whose one event would overflow applies its neighbours and records that event as rejected amount_overflow', async () => {
    const user = randomUser('big');
    await buyCredit(user, `big-c:${user}`);
    const over = { kind: 'purchase_bonus' as const, idempotency_key: `big-d:${user}`, user_id: user, provider: 'test', payment_id: 'd', product: { type: 'credit' as const, credit: 1 } };
    const neighbour = { kind: 'earn' as const, idempotency_key: `big-e:${user}`, user_id: user, activity: 'text_request' };
    await engine.client.sendMany([over, neighbour]);
    const recorded = (key: string) =>
      waitUntil(`${key} recorded`, () => engine.db.selectFrom('ledger_transactions').select(['status', 'reason']).where('idempotency_key', '=', key).executeTakeFirst());
    expect(await recorded(over.idempotency_key)).toEqual({ status: 'rejected', reason: 'amount_overflow' });
    expect(await recorded(neighbour.idempotency_key)).toEqual({ status: 'applied', reason: null });
    expect(await engine.invariants()).toEqual([]);
  });
});
