import { applyMultipliers } from './amounts.ts';
import { DecisionBuilder, eventTime, type DecideContext } from './decision-builder.ts';
import { reject, type Decision, type LimitReason } from './decision.ts';
import type { EarnEvent } from './events.schema.ts';
import { levelFor } from './levels.ts';
import { own } from './lookup.ts';
import type { ActivityRule, Program } from './program.schema.ts';
import { nextStreak } from './streaks.ts';
import { tierMultiplierBp } from './tiers.ts';
import { dayOf } from './time.ts';
import type { UserState } from './user-state.ts';

/** Points an activity earns before limits: base × level multiplier × tier multiplier, rounded down. */
export function activityPoints(rule: ActivityRule, state: UserState, at: number, program: Program): number {
  if (!rule.multiplied) return rule.base;
  const levelBp = levelFor(state.lifetimeEarned, program.levels).multiplier;
  return applyMultipliers(rule.base, [levelBp, tierMultiplierBp(state, at, program)]);
}

/** True when an earning event of this activity comes too soon after the last one. */
export function isRateLimited(rule: ActivityRule, lastAt: number | undefined, at: number): boolean {
  if (rule.min_interval_seconds === 0 || lastAt === undefined) return false;
  return Math.abs(at - lastAt) < rule.min_interval_seconds * 1000;
}

/** How much of `amount` still fits under the daily cap on `day`. */
export function capRemaining(state: Pick<UserState, 'capDay' | 'capEarned'>, day: string, dailyCap: number): number {
  const earnedToday = state.capDay === day ? state.capEarned : 0;
  return Math.max(0, dailyCap - earnedToday);
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

  if (isRateLimited(rule, own(state.lastEarnedAt, event.activity), at)) return b.applied(0, 'rate_limited', details);

  let amount = activityPoints(rule, state, at, program);
  let reason: LimitReason | null = null;
  const day = dayOf(at, program.timezone);

  if (rule.daily_login) {
    const step = nextStreak(state.lastLoginDay, state.currentStreak, day, program.earning.streak_milestones);
    if (step.alreadyClaimed) return b.applied(0, 'already_claimed', details);
    amount += step.bonus;
    b.update(userId, { currentStreak: step.streak, longestStreak: Math.max(state.longestStreak, step.streak), lastLoginDay: day });
    if (step.bonus > 0) b.notice({ type: 'streak_milestone', userId, streak: step.streak, bonus: step.bonus });
    Object.assign(details, { streak: step.streak, streak_bonus: step.bonus });
  }

  if (rule.capped) {
    const remaining = capRemaining(state, day, program.earning.daily_cap);
    if (amount > remaining) {
      amount = remaining;
      reason = 'daily_cap';
    }
    // A late event from an earlier day must not replace the tally of a later one (that reopened its cap).
    if (state.capDay === null || day >= state.capDay) {
      b.update(userId, { capDay: day, capEarned: (state.capDay === day ? state.capEarned : 0) + amount });
    }
  }

  const previous = own(state.lastEarnedAt, event.activity);
  b.update(userId, { lastEarnedAt: { ...state.lastEarnedAt, [event.activity]: Math.max(previous ?? at, at) } });
  b.earnPoints(userId, amount, at);
  return b.applied(amount, reason, details);
}
