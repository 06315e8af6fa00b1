import { toSafeInteger, type Balances, type BalanceKey, type Program, type UserState } from '@points-engine/domain';
import type { UserRow } from '@points-engine/db';
import { windowsOf } from './rule-windows.codec.ts';

/** A loaded user row plus its account balances, as the rules see it. */
export function toUserState(row: UserRow, balances: Balances, program: Program): UserState {
  return {
    userId: row.user_id,
    tier: row.tier ?? program.default_tier,
    tierEndsAt: row.tier_ends_at ? row.tier_ends_at.getTime() : null,
    tokenBalance: BigInt(row.token_balance),
    allowanceCapacity: row.allowance_capacity === null ? null : toSafeInteger(row.allowance_capacity),
    level: row.level,
    lifetimeEarned: toSafeInteger(row.lifetime_earned),
    lifetimeSpent: toSafeInteger(row.lifetime_spent),
    pointsConsumed: toSafeInteger(row.points_consumed),
    currentStreak: row.current_streak,
    longestStreak: row.longest_streak,
    lastLoginDay: row.last_login_day,
    ...windowsOf(row),
    referrerId: row.referrer_id,
    balances,
  };
}

/** The spendable view of a user's balances: the `main` bucket of every asset that has one. */
export function mainBalances(balances: Balances): Record<string, number> {
  const result: Record<string, number> = { points: 0, allowance: 0, credit: 0, experience: 0 };
  for (const [key, value] of Object.entries(balances) as [BalanceKey, number][]) {
    const [asset, bucket] = key.split(':') as [string, string];
    if (bucket === 'main') result[asset] = value;
  }
  return result;
}
