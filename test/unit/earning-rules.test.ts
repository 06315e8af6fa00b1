// Pure: earningTerms over plain user states and defaultProgram; this file needs no services.
import { describe, expect, it } from 'vitest';
import { defaultProgram, earningTerms, type UserState } from '@points-engine/domain';
import { expectApplied } from './support/expect.ts';
import { DAY, earnedAt, ev, loggedIn, run, SECOND, T0, tallies, TODAY, user, YESTERDAY } from './support/world.ts';

const terms = (state: UserState, now = T0) => earningTerms(state, defaultProgram, now);
const activity = (state: UserState, name: string, now = T0) => terms(state, now).activities.find((a) => a.activity === name);

describe('earningTerms: what each activity earns this user now', () => {
  it.each([
    { who: 'FREE level 1', state: user(), text: 10, vision: 20, chart: 15, level: 1, levelBp: 10_000, tier: 'FREE', tierBp: 10_000 },
    { who: 'BASIC level 2 (rounded down: 10 × 1.1 × 1.2 = 13.2)', state: user({ lifetimeEarned: 1_000, tier: 'BASIC', tierEndsAt: T0 + DAY }), text: 13, vision: 26, chart: 19, level: 2, levelBp: 11_000, tier: 'BASIC', tierBp: 12_000 },
    { who: 'PREMIUM level 3', state: user({ lifetimeEarned: 5_000, tier: 'PREMIUM', tierEndsAt: T0 + DAY }), text: 18, vision: 36, chart: 27, level: 3, levelBp: 12_000, tier: 'PREMIUM', tierBp: 15_000 },
    { who: 'VIP level 6', state: user({ lifetimeEarned: 150_000, tier: 'VIP', tierEndsAt: T0 + DAY }), text: 40, vision: 80, chart: 60, level: 6, levelBp: 20_000, tier: 'VIP', tierBp: 20_000 },
    { who: 'a VIP whose period ended (back to FREE)', state: user({ lifetimeEarned: 150_000, tier: 'VIP', tierEndsAt: T0 - 1 }), text: 20, vision: 40, chart: 30, level: 6, levelBp: 20_000, tier: 'FREE', tierBp: 10_000 },
  ])('$who', ({ state, text, vision, chart, level, levelBp, tier, tierBp }) => {
    const t = terms(state);
    expect({ level: t.level, levelBp: t.level_multiplier_bp, tier: t.tier, tierBp: t.tier_multiplier_bp }).toEqual({ level, levelBp, tier, tierBp });
    const earns = Object.fromEntries(t.activities.map((a) => [a.activity, a.earns_now]));
    // Daily login and the referral signup are not multiplied.
    expect(earns).toEqual({ text_request: text, vision_request: vision, chart_request: chart, daily_login: 50, referral_signup: 500 });
    expect(t.subscriptions.map((s) => [s.tier, s.current])).toEqual([['BASIC', tier === 'BASIC'], ['PREMIUM', tier === 'PREMIUM'], ['VIP', tier === 'VIP']]);
  });

  it('earns_now is what decide() then pays for the same state and instant', () => {
    for (const state of [user(), user({ lifetimeEarned: 5_000, tier: 'PREMIUM', tierEndsAt: T0 + DAY }), user({ lifetimeEarned: 50_000, tier: 'BASIC', tierEndsAt: T0 + DAY })]) {
      for (const name of ['text_request', 'vision_request', 'chart_request']) {
        const decision = expectApplied(run([state], ev({ kind: 'earn', user_id: state.userId, activity: name })));
        expect(decision.amount, name).toBe(activity(state, name)?.earns_now);
      }
    }
  });
});

describe('earningTerms: limits', () => {
  it.each([
    { case: 'never earned', state: user(), now: T0, ready: 0 },
    { case: '2 s after a text request (limit 5 s)', state: user(earnedAt('text_request', [T0 - 2 * SECOND])), now: T0, ready: 3 },
    { case: 'exactly 5 s after', state: user(earnedAt('text_request', [T0 - 5 * SECOND])), now: T0, ready: 0 },
    { case: 'an hour after', state: user(earnedAt('text_request', [T0 - 3_600 * SECOND])), now: T0, ready: 0 },
  ])('rate limit: $case → ready in $ready s', ({ state, now, ready }) => {
    expect(activity(state, 'text_request', now)).toMatchObject({ min_interval_seconds: 5, ready_in_seconds: ready });
  });

  it.each([
    { case: 'nothing today', state: user(), earned: 0, left: 10_000 },
    { case: '9,700 earned today', state: user(tallies({ [TODAY]: 9_700 })), earned: 9_700, left: 300 },
    { case: 'yesterday counted, not today', state: user(tallies({ [YESTERDAY]: 9_999 })), earned: 0, left: 10_000 },
    { case: 'over the cap (a lowered cap)', state: user(tallies({ [TODAY]: 12_000 })), earned: 12_000, left: 0 },
  ])('daily cap: $case', ({ state, earned, left }) => {
    expect(terms(state).daily_cap).toEqual({ limit: 10_000, earned_today: earned, left_today: left });
  });
});

describe('earningTerms: streaks and daily login', () => {
  it.each([
    { case: 'never logged in', state: user(), current: 0, claimed: false, next: { days: 1, bonus: 50, logins_needed: 1 } },
    { case: 'logged in today, streak 3', state: user(loggedIn(TODAY, 3)), current: 3, claimed: true, next: { days: 7, bonus: 500, logins_needed: 4 } },
    { case: 'logged in yesterday, streak 6: today makes 7', state: user(loggedIn(YESTERDAY, 6)), current: 6, claimed: false, next: { days: 7, bonus: 500, logins_needed: 1 } },
    { case: 'last login two days ago: broken', state: user(loggedIn('2026-03-08', 20)), current: 0, claimed: false, next: { days: 1, bonus: 50, logins_needed: 1 } },
    { case: 'past the last milestone', state: user(loggedIn(TODAY, 150)), current: 150, claimed: true, next: null },
  ])('$case', ({ state, current, claimed, next }) => {
    const t = terms(state);
    expect(t.streak.current).toBe(current);
    expect(t.streak.next).toEqual(next);
    expect(activity(state, 'daily_login')?.claimed_today).toBe(claimed);
    expect(activity(state, 'text_request')?.claimed_today).toBeNull();
    expect(t.streak.milestones.map((m) => m.days)).toEqual([1, 3, 7, 14, 30, 100]);
  });

  it('names the referral and subscription bonuses of the program', () => {
    const t = terms(user());
    expect(t.referral).toEqual({ signup_activity: 'referral_signup', signup_bonus: 500, purchase_bonus: 1_000 });
    expect(t.subscriptions).toEqual([
      { tier: 'BASIC', multiplier_bp: 12_000, bonus: 500, period_days: 30, current: false },
      { tier: 'PREMIUM', multiplier_bp: 15_000, bonus: 1_500, period_days: 30, current: false },
      { tier: 'VIP', multiplier_bp: 20_000, bonus: 3_000, period_days: 30, current: false },
    ]);
    expect(t.day).toBe(TODAY);
  });
});
