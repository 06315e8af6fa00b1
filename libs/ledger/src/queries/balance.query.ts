import {
  allowanceCapacity,
  availableAllowance,
  cycleIndex,
  effectiveTier,
  levelProgress,
  own,
  replenishStep,
  toSafeInteger,
  visibleStreak,
  dayOf,
  type BalanceKey,
  type Program,
} from '@points-engine/domain';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Executor, UserRow } from '@points-engine/db';
import type { Lang } from '@points-engine/i18n';
import { toUserState } from '../user-state.mapper.ts';
import { int, isoTime } from './wire.schema.ts';

export type { Lang };

/** GET /api/points/balance: what getBalance answers (the API documents it from this schema). */
export const balanceViewSchema = z.object({
  user_id: z.string(),
  balance: int.meta({ description: 'spendable points (`points:main`)' }),
  lifetime_earned: int,
  lifetime_spent: int,
  level: int,
  level_name: z.string(),
  level_icon: z.string(),
  earning_multiplier: z.number().meta({ description: "the level's multiplier (1.2)" }),
  current_streak: int.meta({ description: 'daily-login streak; 0 once a day was missed' }),
  longest_streak: int,
  next_level_points: int.meta({ description: 'points still to earn to reach the next level (0 at the top)' }),
  progress_to_next_level: z.number().min(0).max(1),
  tier: z.string(),
  tier_multiplier: z.number(),
  tier_ends_at: isoTime.nullable().meta({ description: 'when a paid tier falls back to the default tier; null for the default tier' }),
  points_held: int.meta({ description: 'points reserved by open holds' }),
  allowance: z.object({
    available: int,
    capacity: int,
    held: int,
    used_this_cycle: int,
    awaiting_replenishment: int,
    next_replenish: int.meta({ description: 'what the next cycle gives back' }),
    next_cycle_at: isoTime,
  }),
  credit: z.object({ available: int, held: int, used_this_cycle: int }),
  experience: int,
  open_holds: int.meta({ description: 'number of open holds' }),
}).meta({ id: 'Balance' });
export type BalanceView = z.output<typeof balanceViewSchema>;

/** A user's whole balance picture; an unknown user gets the empty picture, not an error. */
export async function getBalance(db: Executor, userId: string, program: Program, now: number, lang: Lang = 'en'): Promise<BalanceView> {
  const found = await readUserPicture(db, userId);
  const balances: Partial<Record<BalanceKey, number>> = {};
  for (const [asset, bucket, balance] of found.accounts) balances[`${asset}:${bucket}` as BalanceKey] = toSafeInteger(balance ?? '0');
  const state = found.user
    ? toUserState(found.user, balances, program)
    : toUserState(
        {
          user_id: userId, tier: null, tier_ends_at: null, token_balance: '0', allowance_capacity: null, level: 1,
          lifetime_earned: '0', lifetime_spent: '0', points_consumed: '0', current_streak: 0, longest_streak: 0,
          last_login_day: null, cap_day: null, cap_earned: '0', last_earned_at: {}, rule_windows: null, referrer_id: null,
          created_at: new Date(now), updated_at: new Date(now),
        },
        balances,
        program,
      );
  const b = (key: BalanceKey) => balances[key] ?? 0;
  const progress = levelProgress(state.lifetimeEarned, program.levels);
  const tier = effectiveTier(state, now, program);
  const tierRule = own(program.tiers, tier);
  const capacity = state.allowanceCapacity ?? allowanceCapacity(state.tokenBalance, program.allowance);
  const cycleMs = program.allowance.cycle_minutes * 60_000;
  const pending = b('allowance:pending') + b('allowance:used');
  const today = dayOf(now, program.timezone);
  return {
    user_id: userId,
    balance: b('points:main'),
    lifetime_earned: state.lifetimeEarned,
    lifetime_spent: state.lifetimeSpent,
    level: progress.level.level,
    level_name: progress.level.name[lang],
    level_icon: progress.level.icon,
    earning_multiplier: progress.level.multiplier / 10_000,
    current_streak: visibleStreak(state.lastLoginDay, state.currentStreak, today),
    longest_streak: state.longestStreak,
    next_level_points: progress.pointsToNext,
    progress_to_next_level: progress.progress,
    tier,
    tier_multiplier: (tierRule?.multiplier ?? 10_000) / 10_000,
    tier_ends_at: tier === program.default_tier || state.tierEndsAt === null ? null : new Date(state.tierEndsAt).toISOString(),
    points_held: b('points:held'),
    allowance: {
      available: availableAllowance(state, program),
      capacity,
      held: b('allowance:held'),
      used_this_cycle: b('allowance:used'),
      awaiting_replenishment: b('allowance:pending'),
      next_replenish: Math.min(pending, replenishStep(capacity, program.allowance)),
      next_cycle_at: new Date((cycleIndex(now, program.allowance.cycle_minutes) + 1) * cycleMs).toISOString(),
    },
    credit: { available: b('credit:main'), held: b('credit:held'), used_this_cycle: b('credit:used') },
    experience: b('experience:main'),
    open_holds: Number(found.openHolds),
  };
}

// users columns are all NULL (user_id too) when the user has no row yet.
type PictureRow = Omit<UserRow, 'user_id'> & { user_id: string | null; pe_accounts: [string, string, string | null][]; pe_open_holds: string };

/**
 * The user row, their balances and their open holds in one statement: a balance read is one
 * round trip (three parallel queries took three pool clients and three times the driver work).
 */
async function readUserPicture(db: Executor, userId: string): Promise<{ user: UserRow | null; accounts: [string, string, string | null][]; openHolds: string }> {
  const result = await sql<PictureRow>`
    SELECT u.*,
      (SELECT coalesce(json_agg(json_build_array(a.asset, a.bucket, a.balance::text)), '[]'::json) FROM accounts a WHERE a.user_id = q.id) AS pe_accounts,
      (SELECT count(*) FROM holds h WHERE h.user_id = q.id AND h.status = 'open')::text AS pe_open_holds
    FROM (SELECT ${userId}::text AS id) q LEFT JOIN users u ON u.user_id = q.id`.execute(db);
  const row = result.rows[0];
  if (!row) throw new Error('the balance statement returned no row');
  const { pe_accounts: accounts, pe_open_holds: openHolds, user_id: id, ...user } = row;
  return { user: id === null ? null : { ...user, user_id: id }, accounts, openHolds };
}
