// Pure: streak rules, directly and through decide(); this file needs no services.
import { describe, expect, it } from 'vitest';
import { defaultProgram, nextStreak, visibleStreak } from '@pe/domain';
import { bal, expectApplied, stateOf } from './support/expect.ts';
import { DAY, ev, programWith, run, T0, TODAY, user, World, YESTERDAY } from './support/world.ts';

const milestones = defaultProgram.earning.streak_milestones;
const login = () => ev({ kind: 'earn', user_id: 'u1', activity: 'daily_login' });

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
    const state = user({ lastLoginDay: '2026-03-08', currentStreak: 6, longestStreak: 9 });
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
