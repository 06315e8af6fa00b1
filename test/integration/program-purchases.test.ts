// Isolation: its own database and BullMQ prefix via startTestEngine, a hand-set worker clock (NOW), random user ids per test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PointsEventInput } from '@points-engine/domain';
import { randomUser } from '../support/services.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';
import { apiBalance, applied, balanceAt, DAY, entriesOf, HOUR, iso, manualClock, outboxRows, send, userRow } from '../support/program/harness.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const PERIOD = 30 * DAY; // tiers.*.period_days

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine({ now: manualClock(NOW).now });
});
afterAll(async () => {
  await engine.close();
});

let seq = 0;
const key = (user: string, what: string) => `${what}:${user}:${++seq}`;
type Product = Extract<PointsEventInput, { kind: 'purchase_bonus' }>['product'];
const purchaseEvent = (user: string, product: Product, at: number, extra: { referrer_id?: string } = {}): PointsEventInput => {
  const paymentId = key(user, 'payment');
  return { kind: 'purchase_bonus', idempotency_key: `stars:${paymentId}`, user_id: user, provider: 'stars', payment_id: paymentId, product, occurred_at: iso(at), ...extra };
};
const buy = (user: string, product: Product, at: number, extra: { referrer_id?: string } = {}) => send(engine, purchaseEvent(user, product, at, extra));
const refer = (referrer: string, referred: string, at: number) =>
  send(engine, { kind: 'earn', idempotency_key: key(referrer, 'ref'), user_id: referrer, activity: 'referral_signup', referred_user_id: referred, occurred_at: iso(at) });

describe('purchases', () => {
  it('a credit pack adds its credit from `purchases` once, however often the webhook is delivered', async () => {
    const user = randomUser();
    const event = purchaseEvent(user, { type: 'credit_pack', pack: 'medium' }, NOW - HOUR);
    const first = await send(engine, event);
    expect(first).toMatchObject({
      status: 'applied', amount: 5_500, reason: null, replayed: false, balances: { credit: 5_500, points: 0 },
      details: { product: 'credit_pack', credit: 5_500, bonus: 0, referrer_id: null, referral_bonus: 0 },
    });
    // A redelivery gets the first outcome back (from the still-kept job or the ledger's idempotency row).
    const again = await send(engine, event);
    expect(again).toMatchObject({ status: 'applied', amount: 5_500, transaction_id: first.transaction_id, balances: { credit: 5_500 } });
    // Once the job is gone, a redelivery is a new job and the ledger replays the recorded outcome.
    await (await engine.client.findEventJob(event.idempotency_key, user))?.remove();
    const redelivered = await send(engine, event);
    expect(redelivered).toMatchObject({ status: 'applied', replayed: true, amount: 5_500, transaction_id: first.transaction_id, balances: { credit: 5_500 } });
    expect(await engine.db.selectFrom('ledger_transactions').select('id').where('idempotency_key', '=', event.idempotency_key).execute()).toHaveLength(1);
    expect((await apiBalance(engine, user)).credit).toMatchObject({ available: 5_500, held: 0, used_this_cycle: 0 });
    const entries = await entriesOf(engine, event.idempotency_key);
    expect(entries.map((e) => [e.user_id ?? e.system_name, e.asset, Number(e.amount)])).toEqual([
      ['purchases', 'credit', -5_500],
      [user, 'credit', 5_500],
    ]);
    expect(await outboxRows(engine, user, 'purchase_applied')).toHaveLength(1);

    expect(await buy(user, { type: 'credit_pack', pack: 'huge' }, NOW)).toMatchObject({ status: 'rejected', reason: 'unknown_pack' });
    expect((await apiBalance(engine, user)).credit.available).toBe(5_500);
    expect(await engine.invariants()).toEqual([]);
  });

  it('a subscription sets the tier and pays its bonus; the same tier extends from its end, another tier replaces it', async () => {
    const user = randomUser();
    const t1 = NOW - 20 * DAY;
    const premium = await buy(user, { type: 'subscription', tier: 'PREMIUM', periods: 1 }, t1);
    expect(premium).toMatchObject({ status: 'applied', amount: 1_500, details: { bonus: 1_500, credit: 0, tier_ends_at: iso(t1 + PERIOD) }, balances: { points: 1_500 } });
    // Two more PREMIUM periods bought before the first ends run on from its end.
    const extension = await buy(user, { type: 'subscription', tier: 'PREMIUM', periods: 2 }, t1 + 5 * DAY);
    expect(extension).toMatchObject({ amount: 3_000, details: { bonus: 3_000, tier_ends_at: iso(t1 + 3 * PERIOD) }, balances: { points: 4_500 } });
    expect(await balanceAt(engine, user, NOW)).toMatchObject({ tier: 'PREMIUM', tier_multiplier: 1.5, tier_ends_at: iso(t1 + 3 * PERIOD), lifetime_earned: 4_500, level: 2 });
    // VIP replaces PREMIUM from the purchase on.
    const vip = await buy(user, { type: 'subscription', tier: 'VIP', periods: 1 }, t1 + 6 * DAY);
    expect(vip).toMatchObject({ amount: 3_000, details: { tier_ends_at: iso(t1 + 6 * DAY + PERIOD) } });
    expect(await balanceAt(engine, user, NOW)).toMatchObject({ tier: 'VIP', tier_multiplier: 2, lifetime_earned: 7_500, level: 3 });

    expect(await buy(user, { type: 'subscription', tier: 'FREE', periods: 1 }, NOW)).toMatchObject({ status: 'rejected', reason: 'unknown_tier' });
    expect(await buy(user, { type: 'subscription', tier: 'GOLD', periods: 1 }, NOW)).toMatchObject({ status: 'rejected', reason: 'unknown_tier' });
    expect((await userRow(engine, user)).tier).toBe('VIP');
    expect(await engine.invariants()).toEqual([]);
  });

  it('a subscription bought after the last one ended starts at the purchase, not at the old end', async () => {
    const user = randomUser();
    const t1 = NOW - 50 * DAY;
    await buy(user, { type: 'subscription', tier: 'BASIC', periods: 1 }, t1); // ended at t1 + 30 days
    const renewal = await buy(user, { type: 'subscription', tier: 'BASIC', periods: 1 }, t1 + 40 * DAY);
    expect(renewal).toMatchObject({ amount: 500, details: { tier_ends_at: iso(t1 + 40 * DAY + PERIOD) } });
    expect(await balanceAt(engine, user, NOW)).toMatchObject({ tier: 'BASIC', tier_ends_at: iso(t1 + 40 * DAY + PERIOD) });
    expect(await engine.invariants()).toEqual([]);
  });

  it("pays the referrer's bonus in the purchase's own transaction: one ledger row whose entries include the referrer's credit", async () => {
    const referrer = randomUser('ref');
    const buyer = randomUser('buyer');
    expect(await refer(referrer, buyer, NOW - 2 * HOUR)).toMatchObject({ status: 'applied', amount: 500, details: { referred_user_id: buyer } });
    expect((await userRow(engine, buyer)).referrer_id).toBe(referrer);

    const event = purchaseEvent(buyer, { type: 'credit_pack', pack: 'small' }, NOW - HOUR);
    const purchase = await send(engine, event);
    expect(purchase).toMatchObject({ status: 'applied', amount: 1_000, details: { credit: 1_000, referrer_id: referrer, referral_bonus: 1_000 } });

    const rows = await engine.db.selectFrom('ledger_transactions').select(['id', 'user_id', 'kind']).where('idempotency_key', '=', event.idempotency_key).execute();
    expect(rows).toEqual([{ id: purchase.transaction_id, user_id: buyer, kind: 'purchase_bonus' }]);
    const entries = await entriesOf(engine, event.idempotency_key);
    expect(entries.every((e) => e.transaction_id === purchase.transaction_id)).toBe(true);
    expect(entries.map((e) => [e.user_id ?? e.system_name, e.asset, Number(e.amount)]).sort()).toEqual(
      [
        ['issuance', 'points', -1_000],
        ['purchases', 'credit', -1_000],
        [buyer, 'credit', 1_000],
        [referrer, 'points', 1_000],
      ].sort(),
    );
    // The bonus is earned: the referrer reaches level 2 (lifetime 1,500) in that same transaction.
    expect(await balanceAt(engine, referrer, NOW)).toMatchObject({ balance: 1_500, lifetime_earned: 1_500, level: 2 });
    const levelUps = await outboxRows(engine, referrer, 'level_up');
    expect(levelUps.map((r) => r.transaction_id)).toEqual([purchase.transaction_id]);
    // It shows in the referrer's history although the referrer did not send the event.
    const reader = await engine.key('reader');
    const history = (await (await engine.fetch(`/api/points/history?user_id=${referrer}`, { key: reader })).json()) as { items: { idempotency_key: string; changes: { asset: string; amount: number }[] }[] };
    expect(history.items.find((i) => i.idempotency_key === event.idempotency_key)?.changes).toEqual([expect.objectContaining({ asset: 'points', amount: 1_000 })]);

    // Every purchase pays it, subscriptions too; an explicit referrer_id overrides the recorded one.
    expect(await buy(buyer, { type: 'subscription', tier: 'BASIC', periods: 1 }, NOW - 30 * 60_000)).toMatchObject({ details: { referrer_id: referrer, referral_bonus: 1_000 } });
    const other = randomUser('other');
    expect(await buy(buyer, { type: 'credit', credit: 50 }, NOW, { referrer_id: other })).toMatchObject({ details: { referrer_id: other, referral_bonus: 1_000 } });
    expect((await apiBalance(engine, referrer)).balance).toBe(2_500);
    expect((await apiBalance(engine, other)).balance).toBe(1_000);

    // A user can be referred once, and never by themselves.
    expect(await refer(randomUser(), buyer, NOW)).toMatchObject({ status: 'rejected', reason: 'already_referred' });
    expect(await refer(buyer, buyer, NOW)).toMatchObject({ status: 'rejected', reason: 'self_referral' });
    expect(await engine.invariants()).toEqual([]);
  });
});

describe('reversing a refunded purchase', () => {
  it('claws back what is left when the bonus was already spent, reports the rest, drops the tier, once', async () => {
    const referrer = randomUser('ref');
    const buyer = randomUser('buyer');
    await refer(referrer, buyer, NOW - 2 * DAY);
    const event = purchaseEvent(buyer, { type: 'subscription', tier: 'PREMIUM', periods: 1 }, NOW - DAY);
    const purchase = await applied(engine, event);
    expect(purchase).toMatchObject({ amount: 1_500, details: { referral_bonus: 1_000 } });
    expect(await balanceAt(engine, buyer, NOW)).toMatchObject({ tier: 'PREMIUM', level: 2, balance: 1_500 });

    // 1,570 spent: the 370 allowance first, then 1,200 of the 1,500 bonus points.
    const spend = await applied(engine, { kind: 'spend', idempotency_key: key(buyer, 'spend'), user_id: buyer, amount: 1_570, occurred_at: iso(NOW - HOUR) });
    expect(spend.details['drawn']).toEqual({ allowance: 370, points: 1_200 });

    const reverse: PointsEventInput = { kind: 'reverse', idempotency_key: `refund:${event.idempotency_key}`, user_id: buyer, transaction_key: event.idempotency_key, reason: 'refunded', operator: 'support' };
    const reversed = await send(engine, reverse);
    expect(reversed).toMatchObject({
      status: 'applied',
      reason: 'partially_reversed',
      amount: 300 + 1_000,
      balances: { points: 0 },
      details: {
        transaction_key: event.idempotency_key,
        recovered: { [`${buyer}:points`]: 300, [`${referrer}:points`]: 1_000 },
        unrecovered: { [`${buyer}:points`]: 1_200 },
      },
    });
    // The paid period is given back: PREMIUM ends now and falls back to FREE. The bonus no longer counts as earned.
    expect(await balanceAt(engine, buyer, NOW)).toMatchObject({ tier: 'FREE', tier_ends_at: null, balance: 0, lifetime_earned: 0, level: 1, lifetime_spent: 1_200 });
    expect(await balanceAt(engine, referrer, NOW)).toMatchObject({ balance: 500, lifetime_earned: 500, level: 1 });
    const negative = await engine.db.selectFrom('entries').select('id').where('user_id', 'in', [buyer, referrer]).where('balance_after', '<', '0').execute();
    expect(negative).toEqual([]);

    // Once: the same refund again replays; another reversal of the purchase is refused.
    expect(await send(engine, reverse)).toMatchObject({ status: 'applied', amount: 1_300, transaction_id: reversed.transaction_id });
    expect(await send(engine, { ...reverse, idempotency_key: `refund2:${event.idempotency_key}` })).toMatchObject({ status: 'rejected', reason: 'already_reversed' });
    // The buyer now earns at FREE level 1.
    expect(await send(engine, { kind: 'earn', idempotency_key: key(buyer, 't'), user_id: buyer, activity: 'text_request', occurred_at: iso(NOW) })).toMatchObject({ amount: 10 });
    expect(await engine.invariants()).toEqual([]);
  });

  it('reversing one of two subscription purchases takes back one period and keeps the tier', async () => {
    const user = randomUser();
    const first = await applied(engine, purchaseEvent(user, { type: 'subscription', tier: 'PREMIUM', periods: 1 }, NOW - DAY));
    const secondEvent = purchaseEvent(user, { type: 'subscription', tier: 'PREMIUM', periods: 1 }, NOW - DAY + HOUR);
    await applied(engine, secondEvent);
    expect(await balanceAt(engine, user, NOW)).toMatchObject({ tier_ends_at: iso(NOW - DAY + 2 * PERIOD) });
    const reversed = await applied(engine, { kind: 'reverse', idempotency_key: `refund:${secondEvent.idempotency_key}`, user_id: user, transaction_key: secondEvent.idempotency_key, reason: 'refunded' });
    expect(reversed).toMatchObject({ amount: 1_500, reason: null, balances: { points: 1_500 } });
    expect(await balanceAt(engine, user, NOW)).toMatchObject({ tier: 'PREMIUM', tier_ends_at: first.details['tier_ends_at'], balance: 1_500, lifetime_earned: 1_500 });
    expect(await engine.invariants()).toEqual([]);
  });
});
