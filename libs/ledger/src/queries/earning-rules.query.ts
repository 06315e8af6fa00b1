import { BP_ONE, earningTerms, newUserState, type Program } from '@points-engine/domain';
import type { Executor } from '@points-engine/db';
import { activityLabel, levelName, type Lang } from '@points-engine/i18n';
import { toUserState } from '../user-state.mapper.ts';

const decimal = (bp: number) => bp / BP_ONE;

/**
 * "How to earn" for one user: every activity with its label, base, the user's level and tier
 * multipliers and what it earns them now, rate limits, the daily cap and what is left of it today,
 * streak milestones, referral and subscription bonuses. Balances are not read: the rules need the
 * user row only. An unknown user gets the rules as they apply to a newcomer.
 */
export async function getEarningRules(db: Executor, program: Program, userId: string, options: { now: number; lang: Lang }) {
  const row = await db.selectFrom('users').selectAll().where('user_id', '=', userId).executeTakeFirst();
  const state = row ? toUserState(row, {}, program) : newUserState(userId, program);
  const terms = earningTerms(state, program, options.now);
  const levelRule = program.levels.find((l) => l.level === terms.level);
  return {
    user_id: userId,
    lang: options.lang,
    timezone: program.timezone,
    day: terms.day,
    level: { level: terms.level, name: levelName(program, terms.level, options.lang), icon: levelRule?.icon ?? '', multiplier: decimal(terms.level_multiplier_bp) },
    tier: { name: terms.tier, multiplier: decimal(terms.tier_multiplier_bp) },
    activities: terms.activities.map((a) => ({
      activity: a.activity,
      label: activityLabel(program, a.activity, options.lang),
      base: a.base,
      multiplied: a.multiplied,
      level_multiplier: a.multiplied ? decimal(terms.level_multiplier_bp) : 1,
      tier_multiplier: a.multiplied ? decimal(terms.tier_multiplier_bp) : 1,
      earns_now: a.earns_now,
      min_interval_seconds: a.min_interval_seconds,
      ready_in_seconds: a.ready_in_seconds,
      capped: a.capped,
      daily_login: a.daily_login,
      claimed_today: a.claimed_today,
    })),
    daily_cap: terms.daily_cap,
    streak: terms.streak,
    referral: terms.referral,
    subscriptions: terms.subscriptions.map((s) => ({ tier: s.tier, multiplier: decimal(s.multiplier_bp), bonus: s.bonus, period_days: s.period_days, current: s.current })),
  };
}

export type EarningRulesView = Awaited<ReturnType<typeof getEarningRules>>;
