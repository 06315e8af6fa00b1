// Pure: purchases and referrals decided through decide(); this file needs no services.
import { describe, expect, it } from 'vitest';
import { purchaseReferrer, usersNamedBy, usersRevealedBy, type UserState } from '@points-engine/domain';
import { bal, describePostings, expectApplied, expectRejected, stateOf } from './support/expect.ts';
import { DAY, ev, run, T0, TODAY, user } from './support/world.ts';

type Product =
  | { type: 'credit_pack'; pack: string }
  | { type: 'credit'; credit: number }
  | { type: 'subscription'; tier: string; periods?: number };
const buy = (product: Product, extra: { referrer_id?: string; user_id?: string; occurred_at?: string } = {}) =>
  ev({ kind: 'purchase_bonus', user_id: 'u1', provider: 'stars', payment_id: 'p-1', product, ...extra });

describe('credit packs', () => {
  it.each([
    { pack: 'small', credit: 1_000 },
    { pack: 'medium', credit: 5_500 },
    { pack: 'large', credit: 12_000 },
  ])('$pack adds $credit credit from purchases', ({ pack, credit }) => {
    const d = expectApplied(run([user({ balances: { 'credit:main': 7 } })], buy({ type: 'credit_pack', pack })));
    expect(d.amount).toBe(credit);
    expect(d.reason).toBeNull();
    expect(describePostings(d.postings)).toEqual([`purchases/credit -${credit}`, `u1/credit:main +${credit}`]);
    const after = stateOf(d);
    expect(bal(after, 'credit:main')).toBe(credit + 7);
    expect(bal(after, 'points:main')).toBe(0);
    expect(after.lifetimeEarned).toBe(0); // credit is bought, not earned
    expect(after.tier).toBe('FREE');
    expect(d.notices).toEqual([{ type: 'purchase_applied', userId: 'u1', product: 'credit_pack', credit, bonus: 0, tier: null }]);
    expect(d.inflows).toEqual([]);
  });

  it('a custom credit amount adds exactly that', () => {
    const d = expectApplied(run([user()], buy({ type: 'credit', credit: 777 })));
    expect(d.amount).toBe(777);
    expect(bal(stateOf(d), 'credit:main')).toBe(777);
  });

  it('an unknown pack is rejected', () => {
    const d = expectRejected(run([user()], buy({ type: 'credit_pack', pack: 'gigantic' })), 'unknown_pack');
    expect(d.details).toEqual({ pack: 'gigantic' });
  });
});

describe('subscriptions', () => {
  it.each([
    { tier: 'BASIC', bonus: 500 },
    { tier: 'PREMIUM', bonus: 1_500 },
    { tier: 'VIP', bonus: 3_000 },
  ])('$tier sets the tier for 30 days and pays $bonus', ({ tier, bonus }) => {
    const d = expectApplied(run([user()], buy({ type: 'subscription', tier })));
    expect(d.amount).toBe(bonus);
    const after = stateOf(d);
    expect(after.tier).toBe(tier);
    expect(after.tierEndsAt).toBe(T0 + 30 * DAY);
    expect(bal(after, 'points:main')).toBe(bonus);
    expect(bal(after, 'credit:main')).toBe(0);
    expect(after.lifetimeEarned).toBe(bonus);
    expect(describePostings(d.postings)).toEqual([`issuance/points -${bonus}`, `u1/points:main +${bonus}`]);
    expect(d.inflows).toEqual([{ userId: 'u1', day: TODAY, earned: bonus, inflow: bonus }]);
    expect(d.details).toMatchObject({ product: 'subscription', credit: 0, bonus, tier_ends_at: new Date(T0 + 30 * DAY).toISOString() });
    expect(d.notices).toContainEqual({ type: 'purchase_applied', userId: 'u1', product: 'subscription', credit: 0, bonus, tier });
  });

  it('several periods extend 30 days each and pay the bonus each', () => {
    const d = expectApplied(run([user()], buy({ type: 'subscription', tier: 'PREMIUM', periods: 3 })));
    expect(d.amount).toBe(4_500);
    expect(stateOf(d).tierEndsAt).toBe(T0 + 90 * DAY);
  });

  it.each([
    { label: 'the same tier again extends from the current end', current: { tier: 'PREMIUM', tierEndsAt: T0 + 10 * DAY }, buy: 'PREMIUM', endsAt: T0 + 40 * DAY },
    { label: 'an ended tier starts again from now', current: { tier: 'PREMIUM', tierEndsAt: T0 - DAY }, buy: 'PREMIUM', endsAt: T0 + 30 * DAY },
    { label: 'a different tier replaces the current one from now', current: { tier: 'PREMIUM', tierEndsAt: T0 + 10 * DAY }, buy: 'VIP', endsAt: T0 + 30 * DAY },
    { label: 'an upgrade from FREE starts now', current: { tier: 'FREE', tierEndsAt: null }, buy: 'BASIC', endsAt: T0 + 30 * DAY },
  ])('$label', ({ current, buy: tier, endsAt }) => {
    const d = expectApplied(run([user(current)], buy({ type: 'subscription', tier })));
    expect(stateOf(d).tier).toBe(tier);
    expect(stateOf(d).tierEndsAt).toBe(endsAt);
  });

  it('the bonus is flat (not multiplied) for a VIP level 6 user', () => {
    const d = expectApplied(run([user({ lifetimeEarned: 150_000, tier: 'VIP', tierEndsAt: T0 + DAY })], buy({ type: 'subscription', tier: 'VIP' })));
    expect(d.amount).toBe(3_000);
    expect(stateOf(d).tierEndsAt).toBe(T0 + 31 * DAY);
  });

  it('the bonus counts toward levels', () => {
    const d = expectApplied(run([user()], buy({ type: 'subscription', tier: 'VIP' })));
    expect(stateOf(d).level).toBe(2);
    expect(d.notices).toContainEqual({ type: 'level_up', userId: 'u1', from: 1, to: 2 });
  });

  it('counts the period from when the payment occurred', () => {
    const occurred = T0 - 2 * DAY;
    const d = expectApplied(run([user()], buy({ type: 'subscription', tier: 'BASIC' }, { occurred_at: new Date(occurred).toISOString() })));
    expect(stateOf(d).tierEndsAt).toBe(occurred + 30 * DAY);
  });

  it.each([
    { tier: 'GOLD', label: 'a tier the program does not have' },
    { tier: 'FREE', label: 'the default tier' },
  ])('$label is rejected unknown_tier', ({ tier }) => {
    const d = expectRejected(run([user()], buy({ type: 'subscription', tier })), 'unknown_tier');
    expect(d.details).toEqual({ tier });
  });
});

describe('referral purchase bonus', () => {
  const buyer = (patch: Partial<UserState> = {}) => user({ userId: 'u1', ...patch });
  const referrer = (userId = 'r1', patch: Partial<UserState> = {}) => user({ userId, ...patch });

  it.each([
    { label: 'recorded referrer, credit pack', buyerPatch: { referrerId: 'r1' }, eventReferrer: undefined, paid: 'r1', product: { type: 'credit_pack', pack: 'small' } as Product },
    { label: 'recorded referrer, subscription', buyerPatch: { referrerId: 'r1' }, eventReferrer: undefined, paid: 'r1', product: { type: 'subscription', tier: 'BASIC' } as Product },
    { label: "the event's referrer", buyerPatch: {}, eventReferrer: 'r2', paid: 'r2', product: { type: 'credit_pack', pack: 'small' } as Product },
    { label: "the event's referrer overrides the recorded one", buyerPatch: { referrerId: 'r1' }, eventReferrer: 'r2', paid: 'r2', product: { type: 'credit_pack', pack: 'small' } as Product },
  ])('$label: the referrer earns 1000', ({ buyerPatch, eventReferrer, paid, product }) => {
    const extra = eventReferrer === undefined ? {} : { referrer_id: eventReferrer };
    const d = expectApplied(run([buyer(buyerPatch), referrer('r1'), referrer('r2')], buy(product, extra)));
    const paidState = stateOf(d, paid);
    expect(bal(paidState, 'points:main')).toBe(1_000);
    expect(paidState.lifetimeEarned).toBe(1_000);
    expect(paidState.level).toBe(2);
    expect(d.notices).toContainEqual({ type: 'level_up', userId: paid, from: 1, to: 2 });
    expect(d.details).toMatchObject({ referrer_id: paid, referral_bonus: 1_000 });
    expect(d.inflows).toContainEqual({ userId: paid, day: TODAY, earned: 1_000, inflow: 1_000 });
    const other = paid === 'r1' ? 'r2' : 'r1';
    expect(d.users.some((state) => state.userId === other)).toBe(false);
  });

  it('no referrer: no referral postings', () => {
    const d = expectApplied(run([buyer()], buy({ type: 'credit_pack', pack: 'small' })));
    expect(d.details).toMatchObject({ referrer_id: null, referral_bonus: 0 });
    expect(d.users.map((state) => state.userId)).toEqual(['u1']);
  });

  it('a buyer is never their own referrer', () => {
    const d = expectApplied(run([buyer()], buy({ type: 'credit_pack', pack: 'small' }, { referrer_id: 'u1' })));
    expect(d.details).toMatchObject({ referrer_id: null, referral_bonus: 0 });
    expect(bal(stateOf(d), 'points:main')).toBe(0);
  });

  it.each([
    { event: { referrer_id: 'r2' }, recorded: 'r1', expected: 'r2' },
    { event: {}, recorded: 'r1', expected: 'r1' },
    { event: {}, recorded: null, expected: null },
    { event: { referrer_id: 'u1' }, recorded: null, expected: null },
    { event: {}, recorded: 'u1', expected: null },
  ])('purchaseReferrer(event $event, recorded $recorded) = $expected', ({ event, recorded, expected }) => {
    const purchase = buy({ type: 'credit_pack', pack: 'small' }, event);
    if (purchase.kind !== 'purchase_bonus') throw new Error('not a purchase');
    expect(purchaseReferrer(purchase, buyer({ referrerId: recorded }))).toBe(expected);
  });

  it('usersNamedBy / usersRevealedBy name the buyer and both kinds of referrer', () => {
    const withEvent = buy({ type: 'credit_pack', pack: 'small' }, { referrer_id: 'r2' });
    const plain = buy({ type: 'credit_pack', pack: 'small' });
    expect(usersNamedBy(withEvent)).toEqual(['u1', 'r2']);
    expect(usersNamedBy(plain)).toEqual(['u1']);
    const loaded = new Map([['u1', buyer({ referrerId: 'r1' })]]);
    expect(usersRevealedBy(plain, loaded)).toEqual(['r1']);
    expect(usersRevealedBy(withEvent, loaded)).toEqual(['r2']);
    expect(usersRevealedBy(plain, new Map([['u1', buyer()]]))).toEqual([]);
    expect(usersRevealedBy(ev({ kind: 'spend', user_id: 'u1', amount: 1 }), loaded)).toEqual([]);
  });
});

describe('referral signup', () => {
  const signup = (referrerId: string, referred?: string) =>
    ev({ kind: 'earn', user_id: referrerId, activity: 'referral_signup', ...(referred === undefined ? {} : { referred_user_id: referred }) });

  it("pays the referrer 500 and records them as the referred user's referrer", () => {
    const d = expectApplied(run([user({ userId: 'r1' }), user({ userId: 'u2' })], signup('r1', 'u2')));
    expect([d.amount, d.reason]).toEqual([500, null]);
    expect(stateOf(d, 'u2').referrerId).toBe('r1');
    expect(bal(stateOf(d, 'r1'), 'points:main')).toBe(500);
    expect(bal(stateOf(d, 'u2'), 'points:main')).toBe(0);
    expect(d.details).toEqual({ activity: 'referral_signup', referred_user_id: 'u2' });
  });

  it('is not multiplied (VIP level 6 referrer still earns 500)', () => {
    const vip = user({ userId: 'r1', lifetimeEarned: 150_000, tier: 'VIP', tierEndsAt: T0 + DAY });
    expect(expectApplied(run([vip, user({ userId: 'u2' })], signup('r1', 'u2'))).amount).toBe(500);
  });

  it('numeric user ids are the same users as their strings', () => {
    const d = expectApplied(run([user({ userId: '100' }), user({ userId: '200' })], ev({ kind: 'earn', user_id: 100, activity: 'referral_signup', referred_user_id: 200 })));
    expect(stateOf(d, '200').referrerId).toBe('100');
  });

  it('self-referral is rejected', () => {
    expectRejected(run([user({ userId: 'r1' })], signup('r1', 'r1')), 'self_referral');
  });

  it('a signup without the referred user is rejected', () => {
    expectRejected(run([user({ userId: 'r1' })], signup('r1')), 'missing_referred_user');
  });

  it('a second, different referrer is rejected already_referred', () => {
    const d = expectRejected(run([user({ userId: 'r2' }), user({ userId: 'u2', referrerId: 'r1' })], signup('r2', 'u2')), 'already_referred');
    expect(d.details).toEqual({ referred_user_id: 'u2' });
  });

  it('the same referrer again earns nothing (already_claimed)', () => {
    const d = expectApplied(run([user({ userId: 'r1' }), user({ userId: 'u2', referrerId: 'r1' })], signup('r1', 'u2')));
    expect([d.amount, d.reason]).toEqual([0, 'already_claimed']);
    expect(d.postings).toEqual([]);
  });

  it('usersNamedBy names the referred user', () => {
    expect(usersNamedBy(signup('r1', 'u2'))).toEqual(['r1', 'u2']);
  });
});
