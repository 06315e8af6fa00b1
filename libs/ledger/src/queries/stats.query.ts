import { sql } from 'kysely';
import { z } from 'zod';
import { addDays, dayOf, startOfDay, toSafeInteger, type Program } from '@points-engine/domain';
import type { Executor } from '@points-engine/db';
import { activityLabel, kindLabel, reasonText, type Lang } from '@points-engine/i18n';
import { int, programDay } from './wire.schema.ts';

/** GET /api/points/stats: what getStats answers. */
export const statsViewSchema = z.object({
  user_id: z.string(),
  days: int,
  from: programDay,
  to: programDay,
  timezone: z.string(),
  earned: int.meta({ description: 'points earned in these days (the sum of `by_day`)' }),
  lifetime_earned: int,
  lifetime_spent: int,
  reversed: int.meta({ description: 'points reversals took back in these days' }),
  by_type: z.array(
    z.object({
      type: z.string().meta({ description: 'the activity of an earn, referral_purchase, purchase_bonus or grant' }),
      kind: z.string().meta({ description: 'the event kind' }),
      label: z.string(),
      transactions: int,
      earned: int,
    }),
  ),
  by_day: z.array(z.object({ day: programDay, earned: int })).meta({ description: 'every day of the range, zeros included' }),
  limited: z
    .array(z.object({ reason: z.string().nullable(), reason_text: z.string().nullable(), count: int }))
    .meta({ description: 'earns a limit cut short (rate_limited, daily_cap, already_claimed, too_old)' }),
});
export type StatsView = z.output<typeof statsViewSchema>;

/** Kinds whose points credits count as earnings (they go through the earning path: lifetime, levels). */
const EARNING_KINDS = ['earn', 'purchase_bonus', 'grant'];

export interface StatsOptions {
  /** Program days covered, ending today. */
  days: number;
  now: number;
  lang: Lang;
}

/**
 * A user's earnings over the last `days` program days: per day (user_days) and per type (points
 * credited to `points:main`), both by the instant the event counted at, plus the earning events
 * a limit cut short and what reversals took back (by when those were applied).
 */
export async function getStats(db: Executor, program: Program, userId: string, options: StatsOptions): Promise<StatsView> {
  const to = dayOf(options.now, program.timezone);
  const from = addDays(to, -(options.days - 1));
  const since = new Date(startOfDay(from, program.timezone));

  const [user, days, types, limited, reversed] = await Promise.all([
    db.selectFrom('users').select(['lifetime_earned', 'lifetime_spent']).where('user_id', '=', userId).executeTakeFirst(),
    db.selectFrom('user_days').select(['day', 'earned']).where('user_id', '=', userId).where('day', '>=', from).where('day', '<=', to).execute(),
    sql<{ kind: string; activity: string | null; foreign: boolean; transactions: string; earned: string }>`
      SELECT t.kind, t.payload->>'activity' AS activity, t.user_id <> ${userId} AS foreign,
             count(DISTINCT t.id)::text AS transactions, sum(e.amount)::text AS earned
      FROM entries e
      JOIN accounts a ON a.id = e.account_id
      JOIN ledger_transactions t ON t.id = e.transaction_id
      WHERE e.user_id = ${userId} AND e.asset = 'points' AND a.bucket = 'main' AND e.amount > 0
        AND t.kind = ANY(${EARNING_KINDS}::text[])
        -- The instant the event counted at (as user_days has it): when it happened, never after it was applied.
        AND LEAST(COALESCE((t.payload->>'occurred_at')::timestamptz, t.created_at), t.created_at) >= ${since}
      GROUP BY 1, 2, 3
      ORDER BY sum(e.amount) DESC, 1, 2`.execute(db),
    db
      .selectFrom('ledger_transactions')
      .select(['reason', (eb) => eb.fn.countAll<string>().as('count')])
      .where('user_id', '=', userId)
      .where('kind', '=', 'earn')
      .where('reason', 'is not', null)
      .where('created_at', '>=', since)
      .groupBy('reason')
      .orderBy('reason')
      .execute(),
    sql<{ amount: string | null }>`
      SELECT (-sum(e.amount))::text AS amount
      FROM entries e JOIN accounts a ON a.id = e.account_id JOIN ledger_transactions t ON t.id = e.transaction_id
      WHERE e.user_id = ${userId} AND e.asset = 'points' AND a.bucket = 'main' AND e.amount < 0
        AND t.kind = 'reverse' AND t.created_at >= ${since}`.execute(db),
  ]);

  const earnedOn = new Map(days.map((d) => [d.day, toSafeInteger(d.earned)]));
  const byDay = Array.from({ length: options.days }, (_, i) => {
    const day = addDays(from, i);
    return { day, earned: earnedOn.get(day) ?? 0 };
  });
  const byType = types.rows.map((row) => {
    // A purchase someone else made pays this user as their referrer.
    const type = row.kind === 'earn' ? (row.activity ?? 'earn') : row.kind === 'purchase_bonus' && row.foreign ? 'referral_purchase' : row.kind;
    return {
      type,
      kind: row.kind,
      label: row.kind === 'earn' && row.activity ? activityLabel(program, row.activity, options.lang) : kindLabel(type, options.lang),
      transactions: Number(row.transactions),
      earned: toSafeInteger(row.earned),
    };
  });
  return {
    user_id: userId,
    days: options.days,
    from,
    to,
    timezone: program.timezone,
    earned: byDay.reduce((sum, d) => sum + d.earned, 0),
    lifetime_earned: toSafeInteger(user?.lifetime_earned ?? '0'),
    lifetime_spent: toSafeInteger(user?.lifetime_spent ?? '0'),
    reversed: toSafeInteger(reversed.rows[0]?.amount ?? '0'),
    by_type: byType,
    by_day: byDay,
    limited: limited.map((row) => ({ reason: row.reason, reason_text: reasonText(row.reason, options.lang), count: Number(row.count) })),
  };
}
