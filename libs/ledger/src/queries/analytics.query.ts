import { sql } from 'kysely';
import { z } from 'zod';
import { addDays, dayOf, exactTotal, type Program } from '@points-engine/domain';
import type { Executor } from '@points-engine/db';
import { kindLabel, levelName, type Lang } from '@points-engine/i18n';
import { SYSTEM_USER } from '../cycles/system-batch.ts';
import { getLeaderboard, leaderboardEntrySchema } from './leaderboard.query.ts';
import { exactTotalSchema as total, int as integer, isoTime } from './wire.schema.ts';

/** The last 24 hours' activity. */
const recentActivitySchema = z.object({
  transactions: integer,
  applied: integer,
  rejected: integer,
  active_users: integer.meta({ description: 'users with a transaction' }),
  earned: total.meta({ description: 'points credited by earns, purchases and grants' }),
  spent: total,
});

/** GET /api/admin/analytics: the operator's overview. */
export const analyticsViewSchema = z.object({
  generated_at: isoTime,
  totals: z.object({
    users: integer,
    points_in_circulation: total.meta({ description: 'spendable and held points of all users' }),
    points_held: total,
    credit_in_circulation: total,
    earned: total.meta({ description: 'lifetime earnings of all users' }),
    spent: total,
  }),
  last_24h: recentActivitySchema.extend({ since: isoTime, new_users: integer }),
  by_type: z.array(
    z.object({ type: z.string(), label: z.string(), transactions: integer, applied: integer, rejected: integer, amount: total.meta({ description: 'headline amount of the applied ones' }) }),
  ),
  levels: z.array(z.object({ level: integer, name: z.string(), icon: z.string(), threshold: integer, users: integer })),
  streaks: z.object({
    active: integer.meta({ description: 'users whose streak is alive (last login today or yesterday)' }),
    average_active: z.number(),
    longest_current: integer,
    longest_ever: integer,
    at_least: z.array(z.object({ days: integer, users: integer })).meta({ description: 'users with an alive streak of at least each milestone' }),
  }),
  top: z.array(leaderboardEntrySchema).meta({ description: 'the top 5 by lifetime earnings' }),
});
export type AnalyticsView = z.output<typeof analyticsViewSchema>;

const DAY_MS = 86_400_000;
// Sums over every user can pass 2^53 − 1 even though each balance cannot: served exactly.
const int = exactTotal;

/**
 * The operator's overview (the seed's /points_analytics): totals, the last 24 hours, activity by
 * transaction type, users per level, streaks and the top 5. It scans users and the ledger's
 * transactions (the 24-hour part only the recent ones), so poll it, don't put it on a hot path.
 */
export async function getAnalytics(db: Executor, program: Program, now: number, lang: Lang): Promise<AnalyticsView> {
  const since = new Date(now - DAY_MS);
  const today = dayOf(now, program.timezone);
  const thresholds = program.levels.map((l) => l.threshold);
  const milestones = Object.keys(program.earning.streak_milestones).map(Number).sort((a, b) => a - b);

  const [users, balances, byType, recent, levels, streaks, top] = await Promise.all([
    sql<{ users: string; earned: string | null; spent: string | null; new_users: string }>`
      SELECT count(*)::text AS users, sum(lifetime_earned)::text AS earned, sum(lifetime_spent)::text AS spent,
             (count(*) FILTER (WHERE created_at >= ${since}))::text AS new_users
      FROM users`.execute(db),
    sql<{ asset: string; bucket: string; total: string }>`
      SELECT asset, bucket, sum(balance)::text AS total FROM accounts
      WHERE user_id IS NOT NULL GROUP BY asset, bucket`.execute(db),
    sql<{ kind: string; transactions: string; applied: string; rejected: string; amount: string }>`
      SELECT kind, count(*)::text AS transactions, (count(*) FILTER (WHERE status = 'applied'))::text AS applied,
             (count(*) FILTER (WHERE status = 'rejected'))::text AS rejected,
             (coalesce(sum(amount) FILTER (WHERE status = 'applied'), 0))::text AS amount
      FROM ledger_transactions GROUP BY kind ORDER BY count(*) DESC, kind`.execute(db),
    recentActivity(db, since),
    sql<{ level: number; users: string }>`
      SELECT width_bucket(lifetime_earned, ${thresholds}::int8[]) AS level, count(*)::text AS users
      FROM users GROUP BY 1`.execute(db),
    // A streak is alive while the last login was today or yesterday (as the balance shows it).
    sql<{ active: string; average: string | null; longest_current: number | null; longest_ever: number | null; at_least: string[] }>`
      WITH s AS (
        SELECT current_streak, longest_streak, current_streak > 0 AND last_login_day >= ${addDays(today, -1)}::date AS alive FROM users
      )
      SELECT (SELECT count(*) FROM s WHERE alive)::text AS active,
             (SELECT avg(current_streak) FROM s WHERE alive)::text AS average,
             (SELECT max(current_streak) FROM s WHERE alive) AS longest_current,
             (SELECT max(longest_streak) FROM s) AS longest_ever,
             ARRAY(SELECT (SELECT count(*) FROM s WHERE alive AND current_streak >= m)::text FROM unnest(${milestones}::int4[]) AS m) AS at_least`.execute(db),
    getLeaderboard(db, program, { period: 'all', limit: 5, now, lang }),
  ]);

  const total = users.rows[0];
  const balance = (asset: string, bucket: string) => BigInt(balances.rows.find((r) => r.asset === asset && r.bucket === bucket)?.total ?? '0');
  const perLevel = new Map(levels.rows.map((r) => [r.level, Number(r.users)]));
  const streak = streaks.rows[0];
  return {
    generated_at: new Date(now).toISOString(),
    totals: {
      users: Number(total?.users ?? 0),
      points_in_circulation: int(balance('points', 'main') + balance('points', 'held')),
      points_held: int(balance('points', 'held')),
      credit_in_circulation: int(balance('credit', 'main') + balance('credit', 'held')),
      earned: int(total?.earned),
      spent: int(total?.spent),
    },
    last_24h: { since: since.toISOString(), new_users: Number(total?.new_users ?? 0), ...recent },
    by_type: byType.rows.map((r) => ({
      type: r.kind,
      label: kindLabel(r.kind, lang),
      transactions: Number(r.transactions),
      applied: Number(r.applied),
      rejected: Number(r.rejected),
      amount: int(r.amount),
    })),
    levels: program.levels.map((level) => ({
      level: level.level,
      name: levelName(program, level.level, lang),
      icon: level.icon,
      threshold: level.threshold,
      users: perLevel.get(level.level) ?? 0,
    })),
    streaks: {
      active: Number(streak?.active ?? 0),
      average_active: streak?.average ? Math.round(Number(streak.average) * 100) / 100 : 0,
      longest_current: streak?.longest_current ?? 0,
      longest_ever: streak?.longest_ever ?? 0,
      at_least: milestones.map((days, i) => ({ days, users: Number(streak?.at_least[i] ?? 0) })),
    },
    top: top.items,
  };
}

/**
 * The last 24 hours from the ledger: transactions by status, active users, and points earned
 * (credited to `points:main` by earning kinds, before any reversal) and spent (moved into
 * `points:used` by spends and settles, as lifetime_spent counts them). Entries are found by
 * transaction id from the first recent transaction, so only recent rows are read.
 */
async function recentActivity(db: Executor, since: Date): Promise<z.output<typeof recentActivitySchema>> {
  const first = await db
    .selectFrom('ledger_transactions')
    .select((eb) => eb.fn.min('id').as('id'))
    .where('created_at', '>=', since)
    .executeTakeFirst();
  const firstId = first?.id ?? null;
  if (firstId === null) return { transactions: 0, applied: 0, rejected: 0, active_users: 0, earned: 0, spent: 0 };
  const [counts, flows] = await Promise.all([
    sql<{ transactions: string; applied: string; rejected: string; active_users: string }>`
      SELECT count(*)::text AS transactions, (count(*) FILTER (WHERE status = 'applied'))::text AS applied,
             (count(*) FILTER (WHERE status = 'rejected'))::text AS rejected,
             (count(DISTINCT user_id) FILTER (WHERE user_id <> ${SYSTEM_USER}))::text AS active_users
      FROM ledger_transactions WHERE id >= ${firstId}::int8`.execute(db),
    sql<{ earned: string | null; spent: string | null }>`
      SELECT (sum(e.amount) FILTER (WHERE a.bucket = 'main' AND t.kind IN ('earn', 'purchase_bonus', 'grant')))::text AS earned,
             (sum(e.amount) FILTER (WHERE a.bucket = 'used' AND t.kind IN ('spend', 'settle')))::text AS spent
      FROM entries e JOIN accounts a ON a.id = e.account_id JOIN ledger_transactions t ON t.id = e.transaction_id
      WHERE e.transaction_id >= ${firstId}::int8 AND e.user_id IS NOT NULL AND e.asset = 'points' AND e.amount > 0`.execute(db),
  ]);
  const c = counts.rows[0];
  return {
    transactions: Number(c?.transactions ?? 0),
    applied: Number(c?.applied ?? 0),
    rejected: Number(c?.rejected ?? 0),
    active_users: Number(c?.active_users ?? 0),
    earned: int(flows.rows[0]?.earned),
    spent: int(flows.rows[0]?.spent),
  };
}
