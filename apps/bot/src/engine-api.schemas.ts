import { z } from 'zod';

// What the bot reads from the engine's HTTP API: only the fields it shows, checked on arrival so
// an engine that answers something else fails with a clear message instead of "undefined" texts.
// Loose objects: the engine may add fields.

const int = z.number().int();

export const balanceAnswer = z.looseObject({
  balance: int,
  lifetime_earned: int,
  lifetime_spent: int,
  level: int,
  level_name: z.string(),
  level_icon: z.string(),
  earning_multiplier: z.number(),
  current_streak: int,
  longest_streak: int,
  next_level_points: int,
  progress_to_next_level: z.number(),
  tier: z.string(),
  tier_multiplier: z.number(),
  allowance: z.looseObject({ available: int, capacity: int }),
  credit: z.looseObject({ available: int }),
});
export type BalanceAnswer = z.output<typeof balanceAnswer>;

export const historyAnswer = z.looseObject({
  items: z.array(
    z.looseObject({
      type: z.string(),
      status: z.string(),
      reason_text: z.string().nullable(),
      amount: int,
      details: z.record(z.string(), z.unknown()),
      created_at: z.string(),
    }),
  ),
});
export type HistoryAnswer = z.output<typeof historyAnswer>;

const leaderboardRow = z.looseObject({ rank: int.nullable(), user_id: z.string(), earned: int, level_icon: z.string() });
export const leaderboardAnswer = z.looseObject({ period: z.string(), items: z.array(leaderboardRow), me: leaderboardRow.nullable() });
export type LeaderboardAnswer = z.output<typeof leaderboardAnswer>;

export const levelsAnswer = z.looseObject({
  levels: z.array(z.looseObject({ level: int, name: z.string(), icon: z.string(), threshold: int, multiplier: z.number() })),
});
export type LevelsAnswer = z.output<typeof levelsAnswer>;

export const statsAnswer = z.looseObject({
  days: int,
  earned: int,
  by_type: z.array(z.looseObject({ type: z.string(), label: z.string(), transactions: int, earned: int })),
  limited: z.array(z.looseObject({ reason: z.string().nullable(), reason_text: z.string().nullable(), count: int })),
});
export type StatsAnswer = z.output<typeof statsAnswer>;

export const earningRulesAnswer = z.looseObject({
  level: z.looseObject({ level: int, name: z.string(), icon: z.string(), multiplier: z.number() }),
  tier: z.looseObject({ name: z.string(), multiplier: z.number() }),
  activities: z.array(
    z.looseObject({ activity: z.string(), label: z.string(), base: int, multiplied: z.boolean(), earns_now: int, min_interval_seconds: int, daily_login: z.boolean(), claimed_today: z.boolean().nullable() }),
  ),
  daily_cap: z.looseObject({ limit: int, earned_today: int, left_today: int }),
  streak: z.looseObject({
    current: int,
    milestones: z.array(z.looseObject({ days: int, bonus: int })),
    next: z.looseObject({ days: int, bonus: int, logins_needed: int }).nullable(),
  }),
  referral: z.looseObject({ signup_bonus: int, purchase_bonus: int }),
  subscriptions: z.array(z.looseObject({ tier: z.string(), multiplier: z.number(), bonus: int, current: z.boolean() })),
});
export type EarningRulesAnswer = z.output<typeof earningRulesAnswer>;

const exact = z.union([int, z.string()]);
export const analyticsAnswer = z.looseObject({
  totals: z.looseObject({ users: int, points_in_circulation: exact, points_held: exact, credit_in_circulation: exact, earned: exact, spent: exact }),
  last_24h: z.looseObject({ transactions: int, applied: int, rejected: int, active_users: int, new_users: int, earned: exact, spent: exact }),
  by_type: z.array(z.looseObject({ type: z.string(), label: z.string(), transactions: int, applied: int, rejected: int, amount: exact })),
  levels: z.array(z.looseObject({ level: int, name: z.string(), icon: z.string(), users: int })),
  streaks: z.looseObject({ active: int, average_active: z.number(), longest_current: int, longest_ever: int }),
  top: z.array(leaderboardRow),
});
export type AnalyticsAnswer = z.output<typeof analyticsAnswer>;

/** GET /api/admin/config: the program document itself (it loads back as a PROGRAM_FILE). */
export const configAnswer = z.looseObject({
  earning: z.looseObject({
    activities: z.record(z.string(), z.looseObject({ base: int, min_interval_seconds: int.optional() })),
    daily_cap: int,
    streak_milestones: z.record(z.string(), int),
    referral_purchase_bonus: int,
  }),
  tiers: z.record(z.string(), z.looseObject({ multiplier: z.number(), subscription_bonus: int.optional() })),
  levels: z.array(z.looseObject({ level: int, name: z.looseObject({ ru: z.string(), en: z.string() }), icon: z.string(), threshold: int, multiplier: z.number() })),
});
export type ConfigAnswer = z.output<typeof configAnswer>;

export const adminUserAnswer = z.looseObject({
  user_id: z.string(),
  created_at: z.string(),
  tier: z.looseObject({ name: z.string(), ends_at: z.string().nullable() }),
  referrer_id: z.string().nullable(),
  referrals: int,
  balance: balanceAnswer,
  open_holds: z.array(z.unknown()),
  recent_history: historyAnswer.shape.items,
});
export type AdminUserAnswer = z.output<typeof adminUserAnswer>;

/** An admin grant/deduct: the outcome (200), or still queued (202). */
export const adjustmentAnswer = z.union([
  z.looseObject({ status: z.enum(['applied', 'rejected']), amount: int, reason: z.string().nullable(), reason_text: z.string().nullable(), balances: z.record(z.string(), int), replayed: z.boolean() }),
  z.looseObject({ status: z.literal('queued') }),
]);
export type AdjustmentAnswer = z.output<typeof adjustmentAnswer>;

/** What POST /webhooks/telegram-stars answers a verified delivery. */
export const paymentAnswer = z.looseObject({
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
export type PaymentAnswer = z.output<typeof paymentAnswer>;

/** The engine's error body. */
export const errorAnswer = z.looseObject({ error: z.string(), message: z.string(), field: z.string().optional() });
