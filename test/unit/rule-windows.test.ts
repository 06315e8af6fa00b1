// Pure: the arrival bound on occurred_at and the rules' window operations, as tables of cases; no services.
import { describe, expect, it } from 'vitest';
import { addDay, addInstant, addTally, boundSpanMs, checkEventTime, DEFAULT_EVENT_TIME_BOUND, latestTally, tallyOn } from '@points-engine/domain';
import { windowColumns, windowsOf } from '@points-engine/ledger';
import { SECOND, T0, TODAY, user, YESTERDAY } from './support/world.ts';

const iso = (ms: number) => new Date(ms).toISOString();

describe('checkEventTime: occurred_at against the arrival clock', () => {
  const bound = DEFAULT_EVENT_TIME_BOUND;
  it.each([
    { what: 'no occurred_at', occurred: undefined, ok: true },
    { what: 'now', occurred: iso(T0), ok: true },
    { what: 'exactly max age old', occurred: iso(T0 - 600 * SECOND), ok: true },
    { what: '1 ms older than max age', occurred: iso(T0 - 600 * SECOND - 1), ok: false },
    { what: 'a day old', occurred: iso(T0 - 86_400 * SECOND), ok: false },
    { what: 'exactly max future ahead', occurred: iso(T0 + 60 * SECOND), ok: true },
    { what: '1 ms further ahead', occurred: iso(T0 + 60 * SECOND + 1), ok: false },
    { what: 'the same instant in another offset', occurred: '2026-03-10T15:00:00+03:00', ok: true },
    { what: 'ten minutes ago in another offset', occurred: '2026-03-10T14:50:00+03:00', ok: true },
    { what: 'eleven minutes ago in another offset', occurred: '2026-03-10T14:49:00+03:00', ok: false },
  ])('$what: accepted $ok', ({ occurred, ok }) => {
    const problem = checkEventTime(occurred, T0, bound);
    expect(problem === null).toBe(ok);
  });

  it('says which side of the bound and what the server clock read', () => {
    expect(checkEventTime(iso(T0 - 601 * SECOND), T0, bound)).toMatch(/^more than 600 s before the server's clock \(2026-03-10T12:00:00.000Z\)/);
    expect(checkEventTime(iso(T0 + 61 * SECOND), T0, { maxAgeSeconds: 5, maxFutureSeconds: 0 })).toMatch(/^more than 0 s after the server's clock/);
    expect(checkEventTime('not a time', T0, bound)).toBe('not a valid instant');
  });

  it('the span the windows keep is max age + max future', () => {
    expect(boundSpanMs(bound)).toBe(660 * SECOND);
    expect(boundSpanMs({ maxAgeSeconds: 86_399, maxFutureSeconds: 3_600 })).toBe(89_999 * SECOND);
  });
});

describe('window operations', () => {
  it.each([
    { what: 'the first instant', window: undefined, t: T0, keep: 10, after: { from: T0 - 10, at: [T0] } },
    { what: 'a later one moves the reach', window: { from: T0 - 10, at: [T0] }, t: T0 + 15, keep: 10, after: { from: T0 + 5, at: [T0 + 15] } },
    { what: 'a late one inside the reach is kept in order', window: { from: T0 - 10, at: [T0] }, t: T0 - 4, keep: 10, after: { from: T0 - 10, at: [T0 - 4, T0] } },
    { what: 'the reach never moves back', window: { from: T0 + 100, at: [T0 + 100] }, t: T0 + 105, keep: 10, after: { from: T0 + 100, at: [T0 + 100, T0 + 105] } },
  ])('addInstant: $what', ({ window, t, keep, after }) => {
    expect(addInstant(window, t, keep)).toEqual(after);
  });

  it('addTally adds to its own day, drops days before the reach and never moves it back', () => {
    const start = addTally({ from: null, days: {} }, YESTERDAY, 7, YESTERDAY);
    expect(start).toEqual({ from: YESTERDAY, days: { [YESTERDAY]: 7 } });
    const both = addTally(start, TODAY, 5, YESTERDAY);
    expect(both).toEqual({ from: YESTERDAY, days: { [YESTERDAY]: 7, [TODAY]: 5 } });
    expect(addTally(both, YESTERDAY, 3, '2026-03-08')).toEqual({ from: YESTERDAY, days: { [YESTERDAY]: 10, [TODAY]: 5 } });
    const moved = addTally(both, TODAY, 1, TODAY);
    expect(moved).toEqual({ from: TODAY, days: { [TODAY]: 6 } });
    expect([tallyOn(moved, TODAY), tallyOn(moved, '2026-03-11'), tallyOn(moved, YESTERDAY)]).toEqual([6, 0, null]);
    expect(latestTally(moved)).toEqual({ day: TODAY, earned: 6 });
    expect(latestTally({ from: null, days: {} })).toBeNull();
  });

  it('addDay keeps the days sorted and each once', () => {
    const set = addDay(addDay({ from: null, days: [] }, TODAY, YESTERDAY), YESTERDAY, YESTERDAY);
    expect(set).toEqual({ from: YESTERDAY, days: [YESTERDAY, TODAY] });
    expect(addDay(set, TODAY, YESTERDAY)).toEqual(set);
    expect(addDay(set, '2026-03-11', TODAY)).toEqual({ from: TODAY, days: [TODAY, '2026-03-11'] });
  });
});

describe('stored windows (libs/ledger rule-windows.codec)', () => {
  const row = {
    user_id: 'u1', rule_windows: null, last_earned_at: { text_request: T0 }, cap_day: TODAY, cap_earned: '9995', last_login_day: YESTERDAY,
  };

  it('a row from before migration 0008 reads as windows that know only its latest values (nothing before them)', () => {
    expect(windowsOf(row)).toEqual({
      earnedAt: { text_request: { from: T0, at: [T0] } },
      capTallies: { from: TODAY, days: { [TODAY]: 9_995 } },
      loginDays: { from: YESTERDAY, days: [YESTERDAY] },
    });
    expect(windowsOf({ ...row, last_earned_at: {}, cap_day: null, cap_earned: '0', last_login_day: null })).toEqual({
      earnedAt: {},
      capTallies: { from: null, days: {} },
      loginDays: { from: null, days: [] },
    });
  });

  it('writes rule_windows and the single-value columns, and reads back what it wrote', () => {
    const state = user({
      earnedAt: { text_request: { from: T0 - 665 * SECOND, at: [T0 - 6 * SECOND, T0] }, constructor: { from: null, at: [T0] } },
      capTallies: { from: YESTERDAY, days: { [YESTERDAY]: 40, [TODAY]: 30 } },
      loginDays: { from: YESTERDAY, days: [YESTERDAY, TODAY] },
      lastLoginDay: TODAY,
    });
    const columns = windowColumns(state);
    expect(JSON.parse(columns.lastEarnedAt)).toEqual({ text_request: T0, constructor: T0 });
    expect([columns.capDay, columns.capEarned]).toEqual([TODAY, 30]);
    const read = windowsOf({ ...row, rule_windows: JSON.parse(columns.ruleWindows) as unknown });
    expect(read).toEqual({ earnedAt: state.earnedAt, capTallies: state.capTallies, loginDays: state.loginDays });
  });

  it.each([
    ['not an object', 7],
    ['a window without at', { earned: { text_request: { from: null } }, cap: { from: null, days: {} }, logins: { from: null, days: [] } }],
    ['an unsafe instant', { earned: { text_request: { from: null, at: [2 ** 60] } }, cap: { from: null, days: {} }, logins: { from: null, days: [] } }],
    ['a tally keyed by a non-day', { earned: {}, cap: { from: null, days: { today: 5 } }, logins: { from: null, days: [] } }],
    ['a login day that is not a day', { earned: {}, cap: { from: null, days: {} }, logins: { from: null, days: [20260310] } }],
  ])('a malformed rule_windows (%s) fails loudly, naming the user', (_what, value) => {
    expect(() => windowsOf({ ...row, rule_windows: value })).toThrow(/users.rule_windows of u1 is malformed/);
  });
});
