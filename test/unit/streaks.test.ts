// Pure: streak rules, directly and through decide(); this file needs no services.
import { describe, expect, it } from 'vitest';
import { defaultProgram, loginStep, nextStreak, visibleStreak, type DaySet } from '@points-engine/domain';
import { bal, expectApplied, stateOf } from './support/expect.ts';
import { DAY, ev, loggedIn, MINUTE, programWith, run, T0, TODAY, user, World, YESTERDAY } from './support/world.ts';

const milestones = defaultProgram.earning.streak_milestones;
const login = (occurred_at?: string) => ev({ kind: 'earn', user_id: 'u1', activity: 'daily_login', ...(occurred_at ? { occurred_at } : {}) });

describe('nextStreak', () => {
  it.each([
    { last: null, streak: 0, today: TODAY, next: 1, bonus: 50, claimed: false },
    { last: YESTERDAY, streak: 1, today: TODAY, next: 2, bonus: 0, claimed: false },
    { last: YESTERDAY, streak: 2, today: TODAY, next: 3, bonus: 150, claimed: false },
    { last: YESTERDAY, streak: 6, today: TODAY, next: 7, bonus: 500, claimed: false },
    { last: YESTERDAY, streak: 29, today: TODAY, next: 30, bonus: 3_000, claimed: false },
    // One missed day (or more) restarts at 1, which is itself a milestone.
    { last: '2026-03-08', streak: 6, today: TODAY, next: 1, bonus: 50, claimed: false },
    { last: '2026-01-01', streak: 40, today: TODAY, next: 1, bonus: 50, claimed: false },
    // Across a month end.
    { last: '2026-02-28', streak: 13, today: '2026-03-01', next: 14, bonus: 1_200, claimed: false },
    // Same day (or a late login for an earlier day): already claimed, nothing changes.
    { last: TODAY, streak: 5, today: TODAY, next: 5, bonus: 0, claimed: true },
    { last: TODAY, streak: 5, today: YESTERDAY, next: 5, bonus: 0, claimed: true },
  ])('last $last (streak $streak), login $today → $next (+$bonus)', ({ last, streak, today, next, bonus, claimed }) => {
    expect(nextStreak(last, streak, today, milestones)).toEqual({ streak: next, bonus, alreadyClaimed: claimed });
  });
});

describe('loginStep: a login for any day, in any order', () => {
  const recent = (days: string[], from: string | null = null): DaySet => ({ from, days });
  it.each([
    { last: null, streak: 0, recent: recent([]), day: TODAY, step: { type: 'next', streak: 1, bonus: 50 } },
    { last: YESTERDAY, streak: 2, recent: recent([YESTERDAY]), day: TODAY, step: { type: 'next', streak: 3, bonus: 150 } },
    { last: '2026-03-08', streak: 6, recent: recent(['2026-03-08']), day: TODAY, step: { type: 'next', streak: 1, bonus: 50 } },
    { last: TODAY, streak: 5, recent: recent([TODAY]), day: TODAY, step: { type: 'claimed' } },
    { last: TODAY, streak: 5, recent: recent([YESTERDAY, TODAY]), day: YESTERDAY, step: { type: 'claimed' } },
    // Before the latest login day and unclaimed: the base only, never a streak step.
    { last: TODAY, streak: 1, recent: recent([TODAY]), day: YESTERDAY, step: { type: 'late' } },
    { last: TODAY, streak: 1, recent: recent([TODAY], YESTERDAY), day: YESTERDAY, step: { type: 'late' } },
    // Before the recent days kept: unknown whether it was claimed.
    { last: TODAY, streak: 1, recent: recent([TODAY], TODAY), day: YESTERDAY, step: { type: 'too_old' } },
    { last: TODAY, streak: 9, recent: recent([YESTERDAY, TODAY], YESTERDAY), day: '2026-03-01', step: { type: 'too_old' } },
  ])('last $last (streak $streak), recent $recent.days from $recent.from, login on $day → $step.type', ({ last, streak, recent: days, day, step }) => {
    expect(loginStep(last, streak, days, day, milestones)).toEqual(step);
  });
});

describe('visibleStreak', () => {
  it.each([
    { last: null, streak: 0, today: TODAY, visible: 0 },
    { last: TODAY, streak: 5, today: TODAY, visible: 5 },
    { last: YESTERDAY, streak: 5, today: TODAY, visible: 5 }, // today's login may still come
    { last: '2026-03-08', streak: 5, today: TODAY, visible: 0 }, // a whole day missed
    { last: '2026-02-01', streak: 30, today: TODAY, visible: 0 },
  ])('last $last, streak $streak, on $today shows $visible', ({ last, streak, today, visible }) => {
    expect(visibleStreak(last, streak, today)).toBe(visible);
  });
});

describe('streaks through decide()', () => {
  it('a gap of one missed day restarts the streak at 1 and keeps the longest', () => {
    const state = user(loggedIn('2026-03-08', 6, 9));
    expect(visibleStreak(state.lastLoginDay, state.currentStreak, TODAY)).toBe(0);
    const d = expectApplied(run([state], login()));
    expect(d.amount).toBe(100); // 50 + the day-1 bonus of 50
    expect(d.details).toMatchObject({ streak: 1, streak_bonus: 50 });
    expect(stateOf(d).currentStreak).toBe(1);
    expect(stateOf(d).longestStreak).toBe(9);
    expect(stateOf(d).lastLoginDay).toBe(TODAY);
  });

  it('a second login on the same day earns 0 (already_claimed) and changes nothing', () => {
    const world = new World([user()]);
    expect(expectApplied(world.apply(login(), T0)).amount).toBe(100);
    const after = world.user();
    const again = expectApplied(world.apply(login(), T0 + 6 * 3_600_000)); // later the same day
    expect(again.amount).toBe(0);
    expect(again.reason).toBe('already_claimed');
    expect(again.postings).toEqual([]);
    expect(again.users).toEqual([]);
    expect(again.notices).toEqual([]);
    expect(world.user()).toEqual(after);
  });

  it('continues over consecutive days and breaks after a missed one', () => {
    const world = new World([user()]);
    const days = [0, 1, 2, 4, 5]; // day 3 missed
    const results = days.map((day) => {
      const d = expectApplied(world.apply(login(), T0 + day * DAY));
      return [d.amount, world.user().currentStreak];
    });
    expect(results).toEqual([
      [100, 1],
      [50, 2],
      [200, 3],
      [100, 1],
      [50, 2],
    ]);
    expect(world.user().longestStreak).toBe(3);
    expect(bal(world.user(), 'points:main')).toBe(500);
  });

  it('the visible streak drops to 0 once a whole day passed without a login', () => {
    const world = new World([user()]);
    world.apply(login(), T0);
    world.apply(login(), T0 + DAY);
    const { lastLoginDay, currentStreak } = world.user();
    expect(visibleStreak(lastLoginDay, currentStreak, '2026-03-11')).toBe(2);
    expect(visibleStreak(lastLoginDay, currentStreak, '2026-03-12')).toBe(2);
    expect(visibleStreak(lastLoginDay, currentStreak, '2026-03-13')).toBe(0);
  });

  it('program days follow the program time zone (Moscow: 21:30 UTC continues the streak)', () => {
    const moscow = programWith({ timezone: 'Europe/Moscow' });
    const world = new World([user({}, moscow)], moscow);
    expect(expectApplied(world.apply(login(), Date.parse('2026-03-10T12:00:00Z'))).amount).toBe(100);
    // Still 2026-03-10 in Moscow: already claimed.
    expect(expectApplied(world.apply(login(), Date.parse('2026-03-10T20:00:00Z'))).reason).toBe('already_claimed');
    // 2026-03-11 in Moscow, though still 2026-03-10 in UTC: day 2.
    const next = expectApplied(world.apply(login(), Date.parse('2026-03-10T21:30:00Z')));
    expect(next.amount).toBe(50);
    expect(world.user().lastLoginDay).toBe('2026-03-11');
  });
});

describe('logins applied out of order', () => {
  const justAfterMidnight = Date.parse(`${TODAY}T00:04:00Z`);
  const lateEvening = `${YESTERDAY}T23:56:00Z`;

  it('a login for a day before the last login day pays the base once, and never builds the streak or pays a milestone', () => {
    const world = new World([user()]);
    expect(expectApplied(world.apply(login(), justAfterMidnight)).amount).toBe(100); // streak 1: 50 + 50
    const late = expectApplied(world.apply(login(lateEvening), justAfterMidnight));
    expect([late.amount, late.reason, late.notices]).toEqual([50, null, []]);
    expect(late.details).toMatchObject({ streak: 1, streak_bonus: 0, late_login: true });
    expect(world.user()).toMatchObject({ currentStreak: 1, longestStreak: 1, lastLoginDay: TODAY, loginDays: { from: YESTERDAY, days: [YESTERDAY, TODAY] } });
    // The late day is now claimed.
    const again = expectApplied(world.apply(login(`${YESTERDAY}T23:59:00Z`), justAfterMidnight + MINUTE));
    expect([again.amount, again.reason]).toEqual([0, 'already_claimed']);
  });

  it('in arrival order the same two logins pay the same total (150) and make a streak of 2', () => {
    const world = new World([user()]);
    const amounts = [world.apply(login(lateEvening), justAfterMidnight), world.apply(login(), justAfterMidnight)].map((d) => expectApplied(d).amount);
    expect(amounts).toEqual([100, 50]);
    expect(world.user().currentStreak).toBe(2);
  });

  it('30 logins stamped one day apart, newest first, claim only the newest day: every earlier day is before the reach of the newest', () => {
    const world = new World([user(loggedIn('2026-02-01', 1))]);
    const results = Array.from({ length: 30 }, (_, i) => expectApplied(world.apply(login(new Date(T0 - i * DAY).toISOString()), T0)));
    expect(results[0]).toMatchObject({ amount: 100, details: { streak: 1 } });
    // From noon the days windows reach back 660 s: every earlier day is before them.
    expect(results.slice(1).map((d) => d.reason)).toEqual(Array(29).fill('too_old'));
    expect(bal(world.user(), 'points:main')).toBe(100);
    expect(world.user().currentStreak).toBe(1);
  });

  it('a row from before the windows (only the last login day known) treats any earlier day as too old', () => {
    const state = user({ lastLoginDay: TODAY, currentStreak: 4, longestStreak: 4, loginDays: { from: TODAY, days: [TODAY] } });
    const d = expectApplied(run([state], login(lateEvening), { now: justAfterMidnight }));
    expect([d.amount, d.reason]).toEqual([0, 'too_old']);
  });
});
