import { EMPTY_DAY_SET, EMPTY_DAY_TALLIES, latestTally, toSafeInteger, type DaySet, type DayTallies, type InstantWindow, type UserState } from '@points-engine/domain';
import type { UserRow } from '@points-engine/db';

type Windows = Pick<UserState, 'earnedAt' | 'capTallies' | 'loginDays'>;

/**
 * The earning rules' windows of a user row: `rule_windows` (migration 0008), or for a row not
 * written since, what the single-value columns knew: the latest instant, day tally and login day,
 * each with nothing known before it (so an event older than that earns nothing: docs/rules.md).
 */
export function windowsOf(row: Pick<UserRow, 'user_id' | 'rule_windows' | 'last_earned_at' | 'cap_day' | 'cap_earned' | 'last_login_day'>): Windows {
  if (row.rule_windows !== null && row.rule_windows !== undefined) return parseWindows(row.rule_windows, row.user_id);
  const earnedAt: Record<string, InstantWindow> = {};
  for (const [activity, at] of Object.entries(row.last_earned_at ?? {})) {
    if (Number.isSafeInteger(at)) earnedAt[activity] = { from: at, at: [at] };
  }
  return {
    earnedAt,
    capTallies: row.cap_day === null ? EMPTY_DAY_TALLIES : { from: row.cap_day, days: { [row.cap_day]: toSafeInteger(row.cap_earned) } },
    loginDays: row.last_login_day === null ? EMPTY_DAY_SET : { from: row.last_login_day, days: [row.last_login_day] },
  };
}

/** The columns that store a user's windows: `rule_windows`, and the latest of each for readers and older code. */
export function windowColumns(state: UserState): { ruleWindows: string; lastEarnedAt: string; capDay: string | null; capEarned: number } {
  const lastEarnedAt: Record<string, number> = {};
  for (const [activity, window] of Object.entries(state.earnedAt)) {
    const latest = window.at.at(-1);
    if (latest !== undefined) lastEarnedAt[activity] = latest;
  }
  const cap = latestTally(state.capTallies);
  return {
    ruleWindows: JSON.stringify({ earned: state.earnedAt, cap: state.capTallies, logins: state.loginDays }),
    lastEarnedAt: JSON.stringify(lastEarnedAt),
    capDay: cap?.day ?? null,
    capEarned: cap?.earned ?? 0,
  };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isDay = (value: unknown): value is string => typeof value === 'string' && DAY.test(value);
const isFromDay = (value: unknown): value is string | null => value === null || isDay(value);

/** Checked by hand rather than with a schema: every apply and balance read loads it. */
function parseWindows(value: unknown, userId: string): Windows {
  const fail = (what: string): never => {
    throw new Error(`users.rule_windows of ${userId} is malformed: ${what}`);
  };
  if (!isRecord(value)) return fail('not an object');
  const { earned, cap, logins } = value;
  if (!isRecord(earned) || !isRecord(cap) || !isRecord(logins)) return fail('earned, cap or logins missing');

  const earnedAt: Record<string, InstantWindow> = {};
  for (const [activity, window] of Object.entries(earned)) {
    if (!isRecord(window) || !Array.isArray(window['at']) || !window['at'].every(Number.isSafeInteger)) return fail(`earned.${activity}`);
    const from = window['from'];
    if (from !== null && !Number.isSafeInteger(from)) return fail(`earned.${activity}.from`);
    earnedAt[activity] = { from: from as number | null, at: window['at'] as number[] };
  }

  const days = cap['days'];
  if (!isFromDay(cap['from']) || !isRecord(days)) return fail('cap');
  for (const [day, points] of Object.entries(days)) if (!isDay(day) || !Number.isSafeInteger(points)) return fail(`cap.days.${day}`);
  const capTallies: DayTallies = { from: cap['from'], days: days as Record<string, number> };

  const loginList = logins['days'];
  if (!isFromDay(logins['from']) || !Array.isArray(loginList) || !loginList.every(isDay)) return fail('logins');
  const loginDays: DaySet = { from: logins['from'], days: loginList };
  return { earnedAt, capTallies, loginDays };
}
