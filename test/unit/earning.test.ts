// Pure: earning rules decided through decide() with defaultProgram; this file needs no services.
import { describe, expect, it } from 'vitest';
import { activityPoints, capRemaining, checkRateWindow, defaultProgram, type UserState } from '@points-engine/domain';
import { bal, describePostings, expectApplied, expectRejected, stateOf } from './support/expect.ts';
import { DAY, earnedAt, ev, HOUR, loggedIn, MINUTE, programWith, run, SECOND, T0, tallies, TODAY, user, World, YESTERDAY } from './support/world.ts';

const earn = (activity: string, extra: { occurred_at?: string; user_id?: string } = {}) =>
  ev({ kind: 'earn', user_id: 'u1', activity, ...extra });

/** A user with a paid tier that is still in force at T0. */
const premiumL3 = (): UserState => user({ lifetimeEarned: 5_000, tier: 'PREMIUM', tierEndsAt: T0 + 10 * DAY });
const vipL6 = (): UserState => user({ lifetimeEarned: 150_000, tier: 'VIP', tierEndsAt: T0 + 10 * DAY });
const basicL2 = (): UserState => user({ lifetimeEarned: 1_000, tier: 'BASIC', tierEndsAt: T0 + 10 * DAY });
const freeL1 = (): UserState => user();

describe('activity rates (the seed worked examples)', () => {
  it.each([
    { who: 'FREE level 1', make: freeL1, activity: 'text_request', expected: 10 },
    { who: 'FREE level 1', make: freeL1, activity: 'vision_request', expected: 20 },
    { who: 'FREE level 1', make: freeL1, activity: 'chart_request', expected: 15 },
    { who: 'PREMIUM level 3', make: premiumL3, activity: 'text_request', expected: 18 },
    { who: 'PREMIUM level 3', make: premiumL3, activity: 'vision_request', expected: 36 },
    { who: 'PREMIUM level 3', make: premiumL3, activity: 'chart_request', expected: 27 },
    { who: 'VIP level 6', make: vipL6, activity: 'text_request', expected: 40 },
    { who: 'VIP level 6', make: vipL6, activity: 'vision_request', expected: 80 },
    { who: 'VIP level 6', make: vipL6, activity: 'chart_request', expected: 60 },
    // Rounded down: 10 × 1.1 × 1.2 = 13.2 and 15 × 1.1 × 1.2 = 19.8.
    { who: 'BASIC level 2', make: basicL2, activity: 'text_request', expected: 13 },
    { who: 'BASIC level 2', make: basicL2, activity: 'chart_request', expected: 19 },
  ])('$who: $activity earns $expected', ({ make, activity, expected }) => {
    const before = make();
    const d = expectApplied(run([before], earn(activity)));
    expect(d.amount).toBe(expected);
    expect(d.reason).toBeNull();
    expect(describePostings(d.postings)).toEqual([`issuance/points -${expected}`, `u1/points:main +${expected}`]);
    const after = stateOf(d);
    expect(bal(after, 'points:main')).toBe(expected);
    expect(after.lifetimeEarned).toBe(before.lifetimeEarned + expected);
    expect(after.capTallies.days).toEqual({ [TODAY]: expected });
    expect(after.earnedAt[activity]?.at).toEqual([T0]);
    expect(d.inflows).toEqual([{ userId: 'u1', day: TODAY, earned: expected, inflow: expected }]);
  });

  it('adds to the existing balance', () => {
    const d = expectApplied(run([user({ balances: { 'points:main': 90 } })], earn('text_request')));
    expect(bal(stateOf(d), 'points:main')).toBe(100);
  });

  it('rejects an activity the program does not have', () => {
    const d = expectRejected(run([user()], earn('poetry_request')), 'unknown_activity');
    expect(d.details).toEqual({ activity: 'poetry_request' });
  });

  it('activityPoints uses the level from lifetime earnings and the tier at the given instant', () => {
    const rule = defaultProgram.earning.activities['vision_request'];
    if (!rule) throw new Error('no vision_request');
    expect(activityPoints(rule, premiumL3(), T0, defaultProgram)).toBe(36);
    expect(activityPoints(rule, premiumL3(), T0 + 10 * DAY, defaultProgram)).toBe(24); // tier over: 20 × 1.2
  });
});

describe('daily login and streak bonuses', () => {
  // A login on T0 when the last login was yesterday with streak n-1 makes a streak of n.
  const onStreak = (n: number, patch: Partial<UserState> = {}): UserState =>
    n === 1 ? user(patch) : user({ ...loggedIn(YESTERDAY, n - 1), ...patch });

  it.each([
    { streak: 1, expected: 100, bonus: 50 },
    { streak: 2, expected: 50, bonus: 0 },
    { streak: 3, expected: 200, bonus: 150 },
    { streak: 4, expected: 50, bonus: 0 },
    { streak: 7, expected: 550, bonus: 500 },
    { streak: 8, expected: 50, bonus: 0 },
    { streak: 14, expected: 1_250, bonus: 1_200 },
    { streak: 30, expected: 3_050, bonus: 3_000 },
    { streak: 31, expected: 50, bonus: 0 },
    { streak: 100, expected: 15_050, bonus: 15_000 },
  ])('day $streak of a streak earns $expected', ({ streak, expected, bonus }) => {
    const d = expectApplied(run([onStreak(streak)], earn('daily_login')));
    expect(d.amount).toBe(expected);
    expect(d.reason).toBeNull();
    expect(d.details).toMatchObject({ streak, streak_bonus: bonus });
    const after = stateOf(d);
    expect(after.currentStreak).toBe(streak);
    expect(after.longestStreak).toBe(streak);
    expect(after.lastLoginDay).toBe(TODAY);
    expect(bal(after, 'points:main')).toBe(expected);
    const milestones = d.notices.filter((n) => n.type === 'streak_milestone');
    expect(milestones).toEqual(bonus > 0 ? [{ type: 'streak_milestone', userId: 'u1', streak, bonus }] : []);
  });

  it.each([
    { who: 'PREMIUM level 3', patch: { lifetimeEarned: 5_000, tier: 'PREMIUM', tierEndsAt: T0 + DAY }, streak: 7, expected: 550 },
    { who: 'VIP level 6', patch: { lifetimeEarned: 150_000, tier: 'VIP', tierEndsAt: T0 + DAY }, streak: 30, expected: 3_050 },
  ])('$who: login on day $streak earns $expected (not multiplied)', ({ patch, streak, expected }) => {
    const d = expectApplied(run([onStreak(streak, patch)], earn('daily_login')));
    expect(d.amount).toBe(expected);
  });

  it('seven logins on consecutive days earn 100, 50, 200, 50, 50, 50, 550', () => {
    const world = new World([user()]);
    const amounts = [0, 1, 2, 3, 4, 5, 6].map((day) => expectApplied(world.apply(earn('daily_login'), T0 + day * DAY)).amount);
    expect(amounts).toEqual([100, 50, 200, 50, 50, 50, 550]);
    expect(world.user().currentStreak).toBe(7);
    expect(bal(world.user(), 'points:main')).toBe(1_050);
    expect(world.user().lifetimeEarned).toBe(1_050);
    expect(world.user().level).toBe(2);
  });
});

describe('tier expiry', () => {
  it.each([
    { tierEndsAt: T0 + 1, expected: 15, label: 'still in force' },
    { tierEndsAt: T0, expected: 10, label: 'ends exactly now → FREE' },
    { tierEndsAt: T0 - 1, expected: 10, label: 'ended → FREE (×1.0)' },
    { tierEndsAt: T0 - 30 * DAY, expected: 10, label: 'ended long ago → FREE' },
  ])('PREMIUM level 1, $label: text earns $expected', ({ tierEndsAt, expected }) => {
    const d = expectApplied(run([user({ tier: 'PREMIUM', tierEndsAt })], earn('text_request')));
    expect(d.amount).toBe(expected);
  });

  it('uses the tier in force when the event occurred, not when it was applied', () => {
    const state = user({ tier: 'PREMIUM', tierEndsAt: T0 - 30 * SECOND });
    const d = expectApplied(run([state], earn('text_request', { occurred_at: new Date(T0 - 60 * SECOND).toISOString() })));
    expect(d.amount).toBe(15);
    expect(stateOf(d).earnedAt['text_request']?.at).toEqual([T0 - 60 * SECOND]);
  });

  it('never counts an event later than it was applied (a future occurred_at counts as now)', () => {
    const state = user({ tier: 'PREMIUM', tierEndsAt: T0 + 30 * SECOND });
    const d = expectApplied(run([state], earn('text_request', { occurred_at: new Date(T0 + HOUR).toISOString() })));
    expect(d.amount).toBe(15); // at T0 the tier is still PREMIUM
    expect(stateOf(d).earnedAt['text_request']?.at).toEqual([T0]);
  });
});

describe('rate limits', () => {
  it.each([
    { activity: 'text_request', interval: 5, amount: 10 },
    { activity: 'vision_request', interval: 10, amount: 20 },
    { activity: 'chart_request', interval: 10, amount: 15 },
  ])('$activity: a second one within $interval s earns 0 (rate_limited); at $interval s it earns', ({ activity, interval, amount }) => {
    const world = new World([user()]);
    expect(expectApplied(world.apply(earn(activity), T0)).amount).toBe(amount);

    const limited = expectApplied(world.apply(earn(activity), T0 + (interval - 1) * SECOND));
    expect(limited.amount).toBe(0);
    expect(limited.reason).toBe('rate_limited');
    expect(limited.postings).toEqual([]);
    expect(limited.users).toEqual([]);
    expect(limited.inflows).toEqual([]);

    // Measured from the last *earning* event: the limited one did not move the clock.
    const second = expectApplied(world.apply(earn(activity), T0 + interval * SECOND));
    expect(second.amount).toBe(amount);
    expect(second.reason).toBeNull();
    expect(bal(world.user(), 'points:main')).toBe(2 * amount);
    expect(world.user().earnedAt[activity]?.at).toEqual([T0, T0 + interval * SECOND]);
  });

  it('text_request: 4 s after the first earns 0, 5 s after earns 10', () => {
    const at4 = expectApplied(run([user(earnedAt('text_request', [T0 - 4 * SECOND]))], earn('text_request')));
    expect([at4.amount, at4.reason]).toEqual([0, 'rate_limited']);
    const at5 = expectApplied(run([user(earnedAt('text_request', [T0 - 5 * SECOND]))], earn('text_request')));
    expect([at5.amount, at5.reason]).toEqual([10, null]);
  });

  it('different activities do not limit each other', () => {
    const world = new World([user()]);
    const amounts = [
      world.apply(earn('text_request'), T0),
      world.apply(earn('vision_request'), T0 + 1 * SECOND),
      world.apply(earn('chart_request'), T0 + 2 * SECOND),
      world.apply(earn('daily_login'), T0 + 3 * SECOND),
    ].map((d) => [expectApplied(d).amount, expectApplied(d).reason]);
    expect(amounts).toEqual([
      [10, null],
      [20, null],
      [15, null],
      [100, null],
    ]);
  });

  it('an event that occurred shortly before the last one is limited too (out of order)', () => {
    const d = expectApplied(
      run([user(earnedAt('text_request', [T0]))], earn('text_request', { occurred_at: new Date(T0 - 3 * SECOND).toISOString() }), { now: T0 + SECOND }),
    );
    expect([d.amount, d.reason]).toEqual([0, 'rate_limited']);
  });

  it('an out-of-order earning event is kept beside the later one, so nothing can earn within the interval of either', () => {
    const world = new World([user(earnedAt('text_request', [T0]))]);
    const late = expectApplied(world.apply(earn('text_request', { occurred_at: new Date(T0 - 6 * SECOND).toISOString() }), T0 + SECOND));
    expect(late.amount).toBe(10);
    expect(world.user().earnedAt['text_request']?.at).toEqual([T0 - 6 * SECOND, T0]);
    // Walking backwards past the later one: 3 s and 8 s before it are each within 5 s of a kept instant.
    for (const back of [3, 8, 10]) {
      const again = expectApplied(world.apply(earn('text_request', { occurred_at: new Date(T0 - back * SECOND).toISOString() }), T0 + SECOND));
      expect([back, again.amount, again.reason]).toEqual([back, 0, 'rate_limited']);
    }
    const clear = expectApplied(world.apply(earn('text_request', { occurred_at: new Date(T0 - 11 * SECOND).toISOString() }), T0 + SECOND));
    expect([clear.amount, clear.reason]).toEqual([10, null]);
  });

  it('40 text requests stamped 6 s apart walking backwards earn once per 5 s slot, and a second pass shifted by 3 s earns nothing', () => {
    const world = new World([user()]);
    const pass = (shift: number) =>
      Array.from({ length: 40 }, (_, i) => expectApplied(world.apply(earn('text_request', { occurred_at: new Date(T0 - shift - i * 6 * SECOND).toISOString() }), T0)).amount);
    expect(pass(0).reduce((a, b) => a + b, 0)).toBe(400); // what a user sending one every 6 s for 4 minutes earns
    expect(pass(3 * SECOND).reduce((a, b) => a + b, 0)).toBe(0);
    expect(world.user().earnedAt['text_request']?.at).toHaveLength(40);
  });

  it('an event older than the kept instants reach is too_old: it earns nothing and changes nothing', () => {
    // The window dropped what came before T0 - 60 s: whether something earned in the 5 s before that is unknown.
    const state = user(earnedAt('text_request', [T0 - 60 * SECOND, T0], T0 - 60 * SECOND));
    const d = expectApplied(run([state], earn('text_request', { occurred_at: new Date(T0 - 66 * SECOND).toISOString() })));
    expect([d.amount, d.reason, d.postings, d.users]).toEqual([0, 'too_old', [], []]);
    // Within 5 s of a kept instant it is rate_limited (known), whatever lies before the window.
    const limited = expectApplied(run([state], earn('text_request', { occurred_at: new Date(T0 - 57 * SECOND).toISOString() })));
    expect(limited.reason).toBe('rate_limited');
    const clear = expectApplied(run([state], earn('text_request', { occurred_at: new Date(T0 - 50 * SECOND).toISOString() })));
    expect([clear.amount, clear.reason]).toEqual([10, null]);
  });

  it('keeps instants within max age + max future + the interval of the latest, and remembers where its knowledge starts', () => {
    const world = new World([user()]);
    const span = 660 * SECOND + 5 * SECOND; // the default bound (600 s + 60 s) plus text_request's 5 s
    world.apply(earn('text_request'), T0);
    expect(world.user().earnedAt['text_request']).toEqual({ from: T0 - span, at: [T0] });
    world.apply(earn('text_request'), T0 + span);
    expect(world.user().earnedAt['text_request']).toEqual({ from: T0, at: [T0, T0 + span] });
    expect(expectApplied(world.apply(earn('text_request'), T0 + span + 1)).reason).toBe('rate_limited');
    world.apply(earn('text_request'), T0 + span + 5 * SECOND);
    expect(world.user().earnedAt['text_request']).toEqual({ from: T0 + 5 * SECOND, at: [T0 + span, T0 + span + 5 * SECOND] });
    // Older than the span before the newest: too_old, even though nothing earned then.
    const old = expectApplied(world.apply(earn('text_request', { occurred_at: new Date(T0 + 4 * SECOND).toISOString() }), T0 + span + 6 * SECOND));
    expect([old.amount, old.reason]).toEqual([0, 'too_old']);
  });

  it.each([
    { interval: 5, window: undefined, at: T0, result: 'clear' },
    { interval: 5, window: { from: null, at: [T0 - 4_999] }, at: T0, result: 'rate_limited' },
    { interval: 5, window: { from: null, at: [T0 - 5_000] }, at: T0, result: 'clear' },
    { interval: 5, window: { from: null, at: [T0 + 4_999] }, at: T0, result: 'rate_limited' },
    { interval: 5, window: { from: null, at: [T0 - MINUTE, T0 + 4_000] }, at: T0, result: 'rate_limited' },
    { interval: 5, window: { from: T0 - 4_000, at: [T0 + MINUTE] }, at: T0, result: 'too_old' },
    { interval: 5, window: { from: T0 - 5_000, at: [T0 + MINUTE] }, at: T0, result: 'clear' },
    { interval: 5, window: { from: T0, at: [T0 + 1_000] }, at: T0, result: 'rate_limited' },
    { interval: 0, window: { from: T0, at: [T0] }, at: T0 - HOUR, result: 'clear' },
  ])('checkRateWindow(interval $interval s, $window, at $at) = $result', ({ interval, window, at, result }) => {
    expect(checkRateWindow(window, at, interval * SECOND)).toBe(result);
  });
});

describe('daily cap (10,000 per program day)', () => {
  const nearCap = (patch: Partial<UserState> = {}) => user({ ...tallies({ [TODAY]: 9_995 }), ...patch });

  it('a text_request at 9,995 earns the 5 that fit (daily_cap), the next earns 0, the next day resets', () => {
    const world = new World([nearCap()]);
    const partial = expectApplied(world.apply(earn('text_request'), T0));
    expect([partial.amount, partial.reason]).toEqual([5, 'daily_cap']);
    expect(bal(world.user(), 'points:main')).toBe(5);
    expect(world.user().capTallies.days[TODAY]).toBe(10_000);

    const none = expectApplied(world.apply(earn('text_request'), T0 + 6 * SECOND));
    expect([none.amount, none.reason]).toEqual([0, 'daily_cap']);
    expect(none.postings).toEqual([]);
    expect(bal(world.user(), 'points:main')).toBe(5);
    expect(world.user().capTallies.days[TODAY]).toBe(10_000);

    const nextDay = Date.parse('2026-03-11T00:00:10Z');
    const reset = expectApplied(world.apply(earn('text_request'), nextDay));
    expect([reset.amount, reset.reason]).toEqual([10, null]);
    // Both days are kept while an event of the earlier one could still arrive within the bound.
    expect(world.user().capTallies).toEqual({ from: TODAY, days: { [TODAY]: 10_000, '2026-03-11': 10 } });
    expect(bal(world.user(), 'points:main')).toBe(15);
  });

  it('caps the multiplied amount (VIP level 6 text = 40 with 20 left earns 20)', () => {
    const d = expectApplied(run([{ ...vipL6(), ...tallies({ [TODAY]: 9_980 }) }], earn('text_request')));
    expect([d.amount, d.reason]).toEqual([20, 'daily_cap']);
  });

  it('a cap reached on an earlier day does not count today; days older than the bound reaches are dropped', () => {
    const d = expectApplied(run([user(tallies({ [YESTERDAY]: 10_000 }))], earn('text_request')));
    expect([d.amount, d.reason]).toEqual([10, null]);
    // T0 is noon: nothing of yesterday can still arrive, so its tally goes and the window starts today.
    expect(stateOf(d).capTallies).toEqual({ from: TODAY, days: { [TODAY]: 10 } });
  });

  it.each([
    { capEarned: 9_989, amount: 10, reason: null },
    { capEarned: 9_990, amount: 10, reason: null }, // exactly filling the cap is not limited
    { capEarned: 9_991, amount: 9, reason: 'daily_cap' },
    { capEarned: 9_999, amount: 1, reason: 'daily_cap' },
    { capEarned: 10_000, amount: 0, reason: 'daily_cap' },
    { capEarned: 12_000, amount: 0, reason: 'daily_cap' }, // a tally over the cap (the cap was lowered) earns nothing
  ])('at $capEarned earned today a text_request earns $amount ($reason)', ({ capEarned, amount, reason }) => {
    const d = expectApplied(run([user(tallies({ [TODAY]: capEarned }))], earn('text_request')));
    expect([d.amount, d.reason]).toEqual([amount, reason]);
    expect(stateOf(d).capTallies.days[TODAY]).toBe(capEarned + amount);
    expect(bal(stateOf(d), 'points:main')).toBe(amount);
  });

  it.each([
    { activity: 'daily_login', expected: 100 },
    { activity: 'referral_signup', expected: 500 },
  ])('$activity is not capped (earns $expected at a full cap, cap tally unchanged)', ({ activity, expected }) => {
    const at = user(tallies({ [TODAY]: 10_000 }));
    const referred = user({ userId: 'u2' });
    const event = activity === 'referral_signup' ? ev({ kind: 'earn', user_id: 'u1', activity, referred_user_id: 'u2' }) : earn(activity);
    const d = expectApplied(run([at, referred], event));
    expect([d.amount, d.reason]).toEqual([expected, null]);
    expect(stateOf(d).capTallies).toEqual({ from: null, days: { [TODAY]: 10_000 } }); // untouched
  });

  it('the program day follows the program time zone (Moscow: 21:30 UTC is already the next day)', () => {
    const moscow = programWith({ timezone: 'Europe/Moscow' });
    const state = user(tallies({ [TODAY]: 10_000 }), moscow);
    const before = expectApplied(run([state], earn('text_request'), { now: Date.parse('2026-03-10T20:59:00Z'), program: moscow }));
    expect([before.amount, before.reason]).toEqual([0, 'daily_cap']);
    const after = expectApplied(run([state], earn('text_request'), { now: Date.parse('2026-03-10T21:30:00Z'), program: moscow }));
    expect([after.amount, after.reason]).toEqual([10, null]);
    expect(Object.keys(stateOf(after).capTallies.days)).toEqual(['2026-03-11']);
    expect(after.inflows[0]?.day).toBe('2026-03-11');
  });

  it("a late event for an earlier day is capped against that day's own tally, and leaves today's alone", () => {
    const world = new World([user(tallies({ [YESTERDAY]: 9_990, [TODAY]: 9_995 }))]);
    const justAfterMidnight = Date.parse(`${TODAY}T00:05:00Z`);
    const late = expectApplied(world.apply(earn('vision_request', { occurred_at: `${YESTERDAY}T23:59:00Z` }), justAfterMidnight));
    expect([late.amount, late.reason]).toEqual([10, 'daily_cap']); // 20 asked, 10 left yesterday
    expect(late.inflows).toEqual([{ userId: 'u1', day: YESTERDAY, earned: 10, inflow: 10 }]);
    expect(world.user().capTallies.days).toEqual({ [YESTERDAY]: 10_000, [TODAY]: 9_995 });

    const again = expectApplied(world.apply(earn('chart_request', { occurred_at: `${YESTERDAY}T23:58:00Z` }), justAfterMidnight));
    expect([again.amount, again.reason]).toEqual([0, 'daily_cap']);
    const today = expectApplied(world.apply(earn('text_request'), justAfterMidnight + SECOND));
    expect([today.amount, today.reason]).toEqual([5, 'daily_cap']);
  });

  it('an event for a day before the tallies kept is too_old: its cap cannot be checked, so it earns nothing', () => {
    const state = user(tallies({ [TODAY]: 10 }, TODAY));
    const d = expectApplied(run([state], earn('text_request', { occurred_at: `${YESTERDAY}T23:59:00Z` })));
    expect([d.amount, d.reason, d.postings, d.users]).toEqual([0, 'too_old', [], []]);
  });

  it.each<{ days: Record<string, number>; from: string | null; day: string; expected: number | null }>([
    { days: { [TODAY]: 9_995 }, from: null, day: TODAY, expected: 5 },
    { days: { [TODAY]: 10_000 }, from: null, day: TODAY, expected: 0 },
    { days: { [TODAY]: 12_000 }, from: null, day: TODAY, expected: 0 },
    { days: { [YESTERDAY]: 9_995 }, from: null, day: TODAY, expected: 10_000 },
    { days: { [TODAY]: 9_000 }, from: null, day: YESTERDAY, expected: 10_000 },
    { days: {}, from: null, day: TODAY, expected: 10_000 },
    { days: { [TODAY]: 1 }, from: TODAY, day: TODAY, expected: 9_999 },
    { days: { [TODAY]: 1 }, from: TODAY, day: YESTERDAY, expected: null },
  ])('capRemaining($days from $from) on $day = $expected', ({ days, from, day, expected }) => {
    expect(capRemaining({ from, days }, day, 10_000)).toBe(expected);
  });
});

describe('levels while earning', () => {
  it('crossing a threshold emits level_up; the level before the event sets the multiplier', () => {
    const world = new World([user({ lifetimeEarned: 995 })]);
    expect(world.user().level).toBe(1);
    const d = expectApplied(world.apply(earn('text_request'), T0));
    expect(d.amount).toBe(10); // × 1.0, not × 1.1
    expect(d.notices).toEqual([{ type: 'level_up', userId: 'u1', from: 1, to: 2 }]);
    expect(world.user().lifetimeEarned).toBe(1_005);
    expect(world.user().level).toBe(2);

    const next = expectApplied(world.apply(earn('text_request'), T0 + 5 * SECOND));
    expect(next.amount).toBe(11); // now × 1.1
    expect(next.notices).toEqual([]);
  });

  it('no level_up below the threshold', () => {
    const d = expectApplied(run([user({ lifetimeEarned: 985 })], earn('text_request')));
    expect(d.notices).toEqual([]);
    expect(stateOf(d).level).toBe(1);
    expect(stateOf(d).lifetimeEarned).toBe(995);
  });

  it('a milestone login can jump levels and reports both notices', () => {
    const state = user({ ...loggedIn(YESTERDAY, 99), lifetimeEarned: 900 });
    const d = expectApplied(run([state], earn('daily_login')));
    expect(d.amount).toBe(15_050);
    expect(d.notices).toEqual([
      { type: 'streak_milestone', userId: 'u1', streak: 100, bonus: 15_000 },
      { type: 'level_up', userId: 'u1', from: 1, to: 4 },
    ]);
    expect(stateOf(d).level).toBe(4);
  });

  it('earning nothing changes no level and posts nothing', () => {
    const d = expectApplied(run([user({ lifetimeEarned: 999, ...tallies({ [TODAY]: 10_000 }) })], earn('text_request')));
    expect(d.amount).toBe(0);
    expect(d.postings).toEqual([]);
    expect(d.notices).toEqual([]);
    expect(stateOf(d).level).toBe(1);
  });
});
