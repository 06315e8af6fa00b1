import { activityPoints } from './earning.ts';
import { levelFor } from './levels.ts';
import { own } from './lookup.ts';
import type { Program } from './program.schema.ts';
import { tallyOn } from './rule-windows.ts';
import { visibleStreak } from './streaks.ts';
import { effectiveTier, tierMultiplierBp } from './tiers.ts';
import { dayOf } from './time.ts';
import type { UserState } from './user-state.ts';

/** One activity as it pays this user now. */
export interface ActivityTerms {
  activity: string;
  base: number;
  multiplied: boolean;
  /** What one event earns the user at `now`: base × level × tier (rounded down) or the flat base. */
  earns_now: number;
  min_interval_seconds: number;
  /** Seconds until the rate limit lets this activity earn again (0: now). */
  ready_in_seconds: number;
  capped: boolean;
  daily_login: boolean;
  /** For a daily-login activity: today's login is already claimed. */
  claimed_today: boolean | null;
}

/** The earning rules of the program as they apply to one user at `now` (no labels: the reader localizes). */
export interface EarningTerms {
  day: string;
  level: number;
  /** Basis points (10,000 = ×1.0). */
  level_multiplier_bp: number;
  tier: string;
  tier_multiplier_bp: number;
  activities: ActivityTerms[];
  daily_cap: { limit: number; earned_today: number; left_today: number };
  streak: {
    current: number;
    milestones: { days: number; bonus: number }[];
    /** The next milestone the current streak can reach (a login today counts), null past the last. */
    next: { days: number; bonus: number; logins_needed: number } | null;
  };
  referral: { signup_activity: string; signup_bonus: number; purchase_bonus: number };
  subscriptions: { tier: string; multiplier_bp: number; bonus: number; period_days: number; current: boolean }[];
}

/** How the program pays this user at `now`: every activity with the multipliers in force, limits and bonuses. */
export function earningTerms(state: UserState, program: Program, now: number): EarningTerms {
  const day = dayOf(now, program.timezone);
  const level = levelFor(state.lifetimeEarned, program.levels);
  const tier = effectiveTier(state, now, program);
  const limit = program.earning.daily_cap;
  // A day the tallies no longer know lies before their window: nothing counted on it that we can see.
  const earnedToday = tallyOn(state.capTallies, day) ?? 0;
  const claimedToday = state.lastLoginDay === day || state.loginDays.days.includes(day);
  const activities = Object.entries(program.earning.activities).map(([activity, rule]): ActivityTerms => {
    const latest = own(state.earnedAt, activity)?.at.at(-1);
    const readyAt = latest === undefined ? now : latest + rule.min_interval_seconds * 1000;
    return {
      activity,
      base: rule.base,
      multiplied: rule.multiplied,
      earns_now: activityPoints(rule, state, now, program),
      min_interval_seconds: rule.min_interval_seconds,
      ready_in_seconds: Math.max(0, Math.ceil((readyAt - now) / 1000)),
      capped: rule.capped,
      daily_login: rule.daily_login,
      claimed_today: rule.daily_login ? claimedToday : null,
    };
  });
  const streak = visibleStreak(state.lastLoginDay, state.currentStreak, day);
  const milestones = Object.entries(program.earning.streak_milestones)
    .map(([days, bonus]) => ({ days: Number(days), bonus }))
    .sort((a, b) => a.days - b.days);
  // Today's login, if not yet claimed, is the first of the logins still needed.
  const next = milestones.find((m) => m.days > streak) ?? null;
  const signup = own(program.earning.activities, program.earning.referral_signup_activity);
  return {
    day,
    level: level.level,
    level_multiplier_bp: level.multiplier,
    tier,
    tier_multiplier_bp: tierMultiplierBp(state, now, program),
    activities,
    daily_cap: { limit, earned_today: earnedToday, left_today: Math.max(0, limit - earnedToday) },
    streak: { current: streak, milestones, next: next ? { ...next, logins_needed: next.days - streak } : null },
    referral: { signup_activity: program.earning.referral_signup_activity, signup_bonus: signup?.base ?? 0, purchase_bonus: program.earning.referral_purchase_bonus },
    subscriptions: Object.entries(program.tiers)
      .filter(([name]) => name !== program.default_tier)
      .map(([name, rule]) => ({ tier: name, multiplier_bp: rule.multiplier, bonus: rule.subscription_bonus, period_days: rule.period_days, current: name === tier })),
  };
}
