// Isolation: this file clones its own database from the migrated template and drops it at the end;
// every test uses fresh random user ids. No Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultProgram, SYSTEM_ACCOUNTS, ASSETS, type LedgerEvent } from '@points-engine/domain';
import { applyBatch, checkInvariants, ensureSystemAccounts, type LedgerContext } from '@points-engine/ledger';
import { createTestDatabase, randomUser } from '../support/services.ts';

let handle: Awaited<ReturnType<typeof createTestDatabase>>;
let ctx: LedgerContext;

beforeAll(async () => {
  handle = await createTestDatabase();
  ctx = { db: handle.db, program: defaultProgram, systemAccounts: await ensureSystemAccounts(handle.db, SYSTEM_ACCOUNTS, ASSETS) };
});
afterAll(async () => {
  const violations = await checkInvariants(handle.db);
  await handle.close();
  expect(violations).toEqual([]);
});

const earn = (user: string, key: string, activity = 'text_request', occurred_at?: string): LedgerEvent => ({
  kind: 'earn',
  idempotency_key: key,
  user_id: user,
  activity,
  ...(occurred_at ? { occurred_at } : {}),
});

describe('applyBatch', () => {
  it('applies a new earn once and replays its first outcome', async () => {
    const user = randomUser();
    const [first] = await applyBatch(ctx, [earn(user, `text_req:${user}:1`)]);
    expect(first).toMatchObject({ type: 'applied', replayed: false, outcome: { amount: 10, balances: { points: 10 } } });
    const [again] = await applyBatch(ctx, [earn(user, `text_req:${user}:1`)]);
    expect(again).toMatchObject({ type: 'applied', replayed: true, outcome: { amount: 10, balances: { points: 10 } } });
    const entries = await handle.db.selectFrom('entries').selectAll().where('user_id', '=', user).execute();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ balance_before: '0', balance_after: '10', amount: '10' });
  });

  it('applies many events of one user in one batch in order, with chained balances', async () => {
    const user = randomUser();
    const base = Date.parse('2026-03-10T12:00:00Z');
    const events = [0, 6, 12, 18].map((s, i) => earn(user, `k:${user}:${i}`, 'text_request', new Date(base + s * 1000).toISOString()));
    const results = await applyBatch(ctx, events);
    expect(results.map((r) => (r.type === 'conflict' ? -1 : r.outcome.balances['points']))).toEqual([10, 20, 30, 40]);
    const entries = await handle.db.selectFrom('entries').select(['balance_before', 'balance_after']).where('user_id', '=', user).orderBy('id').execute();
    expect(entries.map((e) => [Number(e.balance_before), Number(e.balance_after)])).toEqual([[0, 10], [10, 20], [20, 30], [30, 40]]);
  });

  it('treats a reused key with a different payload as a recorded conflict', async () => {
    const user = randomUser();
    await applyBatch(ctx, [earn(user, `c:${user}`)]);
    const [result] = await applyBatch(ctx, [earn(user, `c:${user}`, 'vision_request')]);
    expect(result).toMatchObject({ type: 'conflict', first: { amount: 10 } });
    const conflicts = await handle.db.selectFrom('idempotency_conflicts').selectAll().where('idempotency_key', '=', `c:${user}`).execute();
    expect(conflicts).toHaveLength(1);
  });

  it('rejects a spend nothing covers and keeps it rejected on replay', async () => {
    const user = randomUser();
    const spend: LedgerEvent = { kind: 'spend', idempotency_key: `s:${user}`, user_id: user, amount: 1_000_000 };
    const [first] = await applyBatch(ctx, [spend]);
    expect(first).toMatchObject({ type: 'rejected', outcome: { reason: 'insufficient_funds' } });
    await applyBatch(ctx, [{ kind: 'grant', idempotency_key: `g:${user}`, user_id: user, asset: 'points', amount: 2_000_000, reason: 'test' }]);
    const [again] = await applyBatch(ctx, [spend]);
    expect(again).toMatchObject({ type: 'rejected', replayed: true, outcome: { reason: 'insufficient_funds' } });
  });

  it('reverses a purchase: claws back credit and the referral bonus, only as far as they remain, once', async () => {
    const buyer = randomUser('buyer');
    const referrer = randomUser('ref');
    const purchase: LedgerEvent = {
      kind: 'purchase_bonus', idempotency_key: `pay:${buyer}`, user_id: buyer, provider: 'stars', payment_id: buyer,
      product: { type: 'credit', credit: 500 }, referrer_id: referrer,
    };
    await applyBatch(ctx, [purchase]);
    // The referrer spends 400 of the 1000 bonus points before the refund arrives.
    await applyBatch(ctx, [{ kind: 'deduct', idempotency_key: `d:${referrer}`, user_id: referrer, asset: 'points', amount: 400, reason: 'spent' }]);
    const reverse: LedgerEvent = { kind: 'reverse', idempotency_key: `refund:${buyer}`, user_id: buyer, transaction_key: `pay:${buyer}`, reason: 'refund' };
    const [result] = await applyBatch(ctx, [reverse]);
    expect(result).toMatchObject({
      type: 'applied',
      outcome: {
        reason: 'partially_reversed',
        amount: 1100,
        balances: { credit: 0 },
        details: { recovered: { [`${buyer}:credit`]: 500, [`${referrer}:points`]: 600 }, unrecovered: { [`${referrer}:points`]: 400 } },
      },
    });
    const again = await applyBatch(ctx, [{ ...reverse, idempotency_key: `refund2:${buyer}` }]);
    expect(again[0]).toMatchObject({ type: 'rejected', outcome: { reason: 'already_reversed' } });
    const referrerRow = await handle.db.selectFrom('users').select(['lifetime_earned']).where('user_id', '=', referrer).executeTakeFirstOrThrow();
    expect(referrerRow.lifetime_earned).toBe('0');
  });

  it('refuses to reverse a spend or a transaction of another user', async () => {
    const user = randomUser();
    await applyBatch(ctx, [{ kind: 'grant', idempotency_key: `g2:${user}`, user_id: user, asset: 'points', amount: 50, reason: 't' }]);
    const [other] = await applyBatch(ctx, [{ kind: 'reverse', idempotency_key: `r:${user}`, user_id: 'someone-else', transaction_key: `g2:${user}`, reason: 'x' }]);
    expect(other).toMatchObject({ type: 'rejected', outcome: { reason: 'transaction_not_found' } });
    await applyBatch(ctx, [{ kind: 'spend', idempotency_key: `sp:${user}`, user_id: user, amount: 5 }]);
    const [spend] = await applyBatch(ctx, [{ kind: 'reverse', idempotency_key: `r2:${user}`, user_id: user, transaction_key: `sp:${user}`, reason: 'x' }]);
    expect(spend).toMatchObject({ type: 'rejected', outcome: { reason: 'not_reversible' } });
  });
});
