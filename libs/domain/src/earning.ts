import { applyMultipliers } from './amounts.ts';
import { DecisionBuilder, eventTime, type DecideContext } from './decision-builder.ts';
import { reject, type Decision, type LimitReason } from './decision.ts';
import { boundSpanMs, DEFAULT_EVENT_TIME_BOUND } from './event-time.ts';
import type { EarnEvent } from './events.schema.ts';
import { levelFor } from './levels.ts';
import { own } from './lookup.ts';
import type { ActivityRule, Program } from './program.schema.ts';
import { addDay, addInstant, addTally, checkRateWindow, tallyOn, type DayTallies } from './rule-windows.ts';
import { loginStep } from './streaks.ts';
import { tierMultiplierBp } from './tiers.ts';
import { dayOf } from './time.ts';
import type { UserState } from './user-state.ts';

/** Points an activity earns before limits: base × level multiplier × tier multiplier, rounded down. */
export function activityPoints(rule: ActivityRule, state: UserState, at: number, program: Program): number {
  if (!rule.multiplied) return rule.base;
  const levelBp = levelFor(state.lifetimeEarned, program.levels).multiplier;
  return applyMultipliers(rule.base, [levelBp, tierMultiplierBp(state, at, program)]);
}

/** How much of `amount` still fits under the daily cap on `day`; null when that day is no longer known. */
export function capRemaining(tallies: DayTallies, day: string, dailyCap: number): number | null {
  const earned = tallyOn(tallies, day);
  return earned === null ? null : Math.max(0, dailyCap - earned);
}

/** Decides an `earn` event: activity rate, multipliers, streaks, rate limits and the daily cap. */
export function decideEarn(ctx: DecideContext, users: ReadonlyMap<string, UserState>, event: EarnEvent): Decision {
  const { program } = ctx;
  const rule = own(program.earning.activities, event.activity);
  if (!rule) return reject('unknown_activity', { activity: event.activity });
  const b = new DecisionBuilder(ctx, users);
  const at = eventTime(event.occurred_at, ctx.now);
  const userId = event.user_id;
  const state = b.user(userId);
  const details: Record<string, unknown> = { activity: event.activity };

  if (event.activity === program.earning.referral_signup_activity) {
    const referred = event.referred_user_id;
    if (!referred) return reject('missing_referred_user');
    if (referred === userId) return reject('self_referral');
    const current = b.user(referred).referrerId;
    if (current !== null && current !== userId) return reject('already_referred', { referred_user_id: referred });
    if (current === userId) return b.applied(0, 'already_claimed', { ...details, referred_user_id: referred });
    b.update(referred, { referrerId: userId });
    details['referred_user_id'] = referred;
  }

  // Each window reaches back the bound's span, so an event that arrived within the bound is checked against all it could collide with (docs/rules.md).
  const span = boundSpanMs(ctx.eventTimeBound ?? DEFAULT_EVENT_TIME_BOUND);
  const intervalMs = rule.min_interval_seconds * 1000;
  const rate = checkRateWindow(own(state.earnedAt, event.activity), at, intervalMs);
  if (rate !== 'clear') return b.applied(0, rate, details);

  const day = dayOf(at, program.timezone);
  // The day an event the span before this one falls on; a window already reaching from today needs no look.
  const reach = (from: string | null) => (from === day ? day : dayOf(at - span, program.timezone));
  const remaining = rule.capped ? capRemaining(state.capTallies, day, program.earning.daily_cap) : Number.POSITIVE_INFINITY;
  if (remaining === null) return b.applied(0, 'too_old', details);
  let amount = activityPoints(rule, state, at, program);
  let reason: LimitReason | null = null;

  if (rule.daily_login) {
    const step = loginStep(state.lastLoginDay, state.currentStreak, state.loginDays, day, program.earning.streak_milestones);
    if (step.type === 'claimed') return b.applied(0, 'already_claimed', details);
    if (step.type === 'too_old') return b.applied(0, 'too_old', details);
    const loginDays = addDay(state.loginDays, day, reach(state.loginDays.from));
    if (step.type === 'late') {
      b.update(userId, { loginDays });
      Object.assign(details, { streak: state.currentStreak, streak_bonus: 0, late_login: true });
    } else {
      amount += step.bonus;
      b.update(userId, { currentStreak: step.streak, longestStreak: Math.max(state.longestStreak, step.streak), lastLoginDay: day, loginDays });
      if (step.bonus > 0) b.notice({ type: 'streak_milestone', userId, streak: step.streak, bonus: step.bonus });
      Object.assign(details, { streak: step.streak, streak_bonus: step.bonus });
    }
  }

  if (rule.capped) {
    if (amount > remaining) {
      amount = remaining;
      reason = 'daily_cap';
    }
    if (amount > 0) b.update(userId, { capTallies: addTally(state.capTallies, day, amount, reach(state.capTallies.from)) });
  }

  if (intervalMs > 0) b.update(userId, { earnedAt: { ...state.earnedAt, [event.activity]: addInstant(own(state.earnedAt, event.activity), at, span + intervalMs) } });
  b.earnPoints(userId, amount, at);
  return b.applied(amount, reason, details);
}
