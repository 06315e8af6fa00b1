// Pure: operator grants, deducts and token balances decided through decide(); this file needs no services.
import { describe, expect, it } from 'vitest';
import { bal, describePostings, expectApplied, expectRejected, stateOf } from './support/expect.ts';
import { ev, run, TODAY, user } from './support/world.ts';

type Asset = 'points' | 'credit' | 'allowance';
const grant = (amount: number, asset?: Asset) => ev({ kind: 'grant', user_id: 'u1', amount, reason: 'support ticket 42', operator: 'ops', ...(asset ? { asset } : {}) });
const deduct = (amount: number, asset?: Asset) => ev({ kind: 'deduct', user_id: 'u1', amount, reason: 'chargeback', ...(asset ? { asset } : {}) });

describe('grant', () => {
  it('grants points (the default asset) from adjustments; they count toward lifetimeEarned', () => {
    const d = expectApplied(run([user({ lifetimeEarned: 200, balances: { 'points:main': 50 } })], grant(300)));
    expect([d.amount, d.reason]).toEqual([300, null]);
    expect(describePostings(d.postings)).toEqual(['adjustments/points -300', 'u1/points:main +300']);
    const after = stateOf(d);
    expect(bal(after, 'points:main')).toBe(350);
    expect(after.lifetimeEarned).toBe(500);
    expect(d.inflows).toEqual([{ userId: 'u1', day: TODAY, earned: 300, inflow: 300 }]);
    expect(d.details).toEqual({ asset: 'points', reason: 'support ticket 42', operator: 'ops' });
  });

  it('a grant can jump several levels at once', () => {
    const d = expectApplied(run([user()], grant(5_000)));
    expect(stateOf(d).level).toBe(3);
    expect(d.notices).toEqual([{ type: 'level_up', userId: 'u1', from: 1, to: 3 }]);
  });

  it('a grant is not limited by the daily cap', () => {
    const d = expectApplied(run([user({ capTallies: { from: null, days: { [TODAY]: 10_000 } } })], grant(500)));
    expect([d.amount, d.reason]).toEqual([500, null]);
  });

  it('grants credit without counting as earned', () => {
    const d = expectApplied(run([user()], grant(250, 'credit')));
    expect(describePostings(d.postings)).toEqual(['adjustments/credit -250', 'u1/credit:main +250']);
    expect(stateOf(d).lifetimeEarned).toBe(0);
    expect(d.inflows).toEqual([]);
  });

  it('grants allowance on top of an allowance it opens first', () => {
    const d = expectApplied(run([user()], grant(30, 'allowance')));
    expect(describePostings(d.postings)).toEqual([
      'issuance/allowance -370',
      'u1/allowance:main +370',
      'adjustments/allowance -30',
      'u1/allowance:main +30',
    ]);
    expect(bal(stateOf(d), 'allowance:main')).toBe(400);
    expect(stateOf(d).allowanceCapacity).toBe(370);
  });
});

describe('deduct', () => {
  it.each([
    { asset: 'points' as const, balances: { 'points:main': 100 }, amount: 100, left: 0 },
    { asset: 'points' as const, balances: { 'points:main': 100 }, amount: 40, left: 60 },
    { asset: 'credit' as const, balances: { 'credit:main': 100 }, amount: 100, left: 0 },
  ])('deducts $amount $asset of $balances', ({ asset, balances, amount, left }) => {
    const d = expectApplied(run([user({ balances })], deduct(amount, asset)));
    expect(d.amount).toBe(amount);
    expect(describePostings(d.postings)).toEqual([`u1/${asset}:main -${amount}`, `adjustments/${asset} +${amount}`]);
    expect(bal(stateOf(d), `${asset}:main`)).toBe(left);
  });

  it.each([
    { asset: 'points' as const, balances: { 'points:main': 100 }, amount: 101, available: 100 },
    { asset: 'points' as const, balances: {}, amount: 1, available: 0 },
    { asset: 'credit' as const, balances: { 'credit:main': 99, 'points:main': 1_000 }, amount: 100, available: 99 },
    // Held and used amounts are not available to deduct.
    { asset: 'points' as const, balances: { 'points:main': 10, 'points:held': 500, 'points:used': 500 }, amount: 11, available: 10 },
  ])('a deduct larger than the balance is rejected ($amount of $available $asset)', ({ asset, balances, amount, available }) => {
    const d = expectRejected(run([user({ balances })], deduct(amount, asset)), 'insufficient_funds');
    expect(d.details).toEqual({ asset, available, amount });
  });

  it('deducted points count as consumed (for expiry), not as spent', () => {
    const d = expectApplied(run([user({ lifetimeEarned: 100, balances: { 'points:main': 100 } })], deduct(30)));
    expect(stateOf(d).pointsConsumed).toBe(30);
    expect(stateOf(d).lifetimeSpent).toBe(0);
    expect(stateOf(d).lifetimeEarned).toBe(100);
  });

  it.each([
    { amount: 370, ok: true },
    { amount: 371, ok: false },
  ])('deducting $amount allowance from a never-opened allowance of 370: ok=$ok', ({ amount, ok }) => {
    const d = run([user()], deduct(amount, 'allowance'));
    if (!ok) {
      expect(expectRejected(d, 'insufficient_funds').details).toMatchObject({ available: 370 });
      return;
    }
    const applied = expectApplied(d);
    expect(bal(stateOf(applied), 'allowance:main')).toBe(0);
    expect(stateOf(applied).allowanceCapacity).toBe(370);
  });
});
