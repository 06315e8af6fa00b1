// Pure: the earning rules' limits as they were before the windows (commit fd2b518), kept as an oracle; no services.
import { activityPoints, dayOf, nextStreak, own, type Program, type UserState } from '@points-engine/domain';

/**
 * What the rules kept per user before rule windows: the latest earn instant per activity, one
 * day's cap tally and the last login day with the streak. For events whose instants never go
 * back (an honest producer, applied in order) the windowed rules must decide exactly as these.
 */
export interface LegacyEarningState {
  lastEarnedAt: Record<string, number>;
  capDay: string | null;
  capEarned: number;
  lastLoginDay: string | null;
  currentStreak: number;
}

export const newLegacyState = (): LegacyEarningState => ({ lastEarnedAt: {}, capDay: null, capEarned: 0, lastLoginDay: null, currentStreak: 0 });

/**
 * The amount and reason the old `decideEarn` gave an earn of `activity` at `at` (referral
 * bookkeeping aside), and the state it left. `before` supplies the multipliers (level, tier).
 */
export function legacyEarn(
  state: LegacyEarningState,
  before: UserState,
  activity: string,
  at: number,
  program: Program,
): { amount: number; reason: 'rate_limited' | 'daily_cap' | 'already_claimed' | null; next: LegacyEarningState } {
  const rule = own(program.earning.activities, activity);
  if (!rule) throw new Error(`legacyEarn: unknown activity ${activity}`);
  const last = own(state.lastEarnedAt, activity);
  if (rule.min_interval_seconds > 0 && last !== undefined && Math.abs(at - last) < rule.min_interval_seconds * 1000) {
    return { amount: 0, reason: 'rate_limited', next: state };
  }
  let amount = activityPoints(rule, before, at, program);
  let reason: 'daily_cap' | null = null;
  const day = dayOf(at, program.timezone);
  const next = { ...state, lastEarnedAt: { ...state.lastEarnedAt } };
  if (rule.daily_login) {
    const step = nextStreak(state.lastLoginDay, state.currentStreak, day, program.earning.streak_milestones);
    if (step.alreadyClaimed) return { amount: 0, reason: 'already_claimed', next: state };
    amount += step.bonus;
    next.currentStreak = step.streak;
    next.lastLoginDay = day;
  }
  if (rule.capped) {
    const remaining = Math.max(0, program.earning.daily_cap - (state.capDay === day ? state.capEarned : 0));
    if (amount > remaining) {
      amount = remaining;
      reason = 'daily_cap';
    }
    if (state.capDay === null || day >= state.capDay) {
      next.capEarned = (state.capDay === day ? state.capEarned : 0) + amount;
      next.capDay = day;
    }
  }
  next.lastEarnedAt[activity] = Math.max(last ?? at, at);
  return { amount, reason, next };
}
