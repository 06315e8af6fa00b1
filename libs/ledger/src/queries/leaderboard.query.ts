import { sql } from 'kysely';
import { z } from 'zod';
import { addDays, dayOf, levelFor, toSafeInteger, type Program } from '@points-engine/domain';
import type { Executor } from '@points-engine/db';
import { levelName, type Lang } from '@points-engine/i18n';
import { int, programDay } from './wire.schema.ts';

export const LEADERBOARD_PERIODS = ['day', 'week', 'month', 'all'] as const;
export type LeaderboardPeriod = (typeof LEADERBOARD_PERIODS)[number];

/** One user on the board. */
export const leaderboardEntrySchema = z.object({
  rank: int.min(1).nullable().meta({ description: 'distinct and stable (ties: user_id in byte order); null: earned nothing in the period' }),
  user_id: z.string(),
  earned: int.meta({ description: 'points earned in the period' }),
  level: int,
  level_name: z.string(),
  level_icon: z.string(),
}).meta({ id: 'LeaderboardEntry' });

/** GET /api/points/leaderboard: the board of a period, and the caller's own row. */
export const leaderboardViewSchema = z.object({
  period: z.enum(LEADERBOARD_PERIODS),
  from: programDay.nullable().meta({ description: 'first program day of the period (null for `all`)' }),
  to: programDay.nullable(),
  timezone: z.string(),
  items: z.array(leaderboardEntrySchema),
  me: leaderboardEntrySchema.nullable().meta({ description: 'the caller (a Mini App user, or `user_id`); null when nobody is named' }),
});
export type LeaderboardView = z.output<typeof leaderboardViewSchema>;
type LeaderboardEntry = z.output<typeof leaderboardEntrySchema>;

/**
 * The program days a period covers, up to today in the program's time zone: `day` is today,
 * `week` the calendar week from Monday, `month` the calendar month from the 1st; `all` has no
 * bounds. Calendar windows (not rolling ones) so a board resets when a competition period does.
 */
export function leaderboardWindow(period: LeaderboardPeriod, now: number, timezone: string): { from: string | null; to: string | null } {
  const today = dayOf(now, timezone);
  switch (period) {
    case 'day':
      return { from: today, to: today };
    case 'week': {
      const weekday = new Date(`${today}T00:00:00Z`).getUTCDay();
      return { from: addDays(today, -((weekday + 6) % 7)), to: today };
    }
    case 'month':
      return { from: `${today.slice(0, 8)}01`, to: today };
    case 'all':
      return { from: null, to: null };
  }
}

export interface LeaderboardOptions {
  period: LeaderboardPeriod;
  limit: number;
  now: number;
  lang: Lang;
  /** The caller, whose own rank is returned as `me` (even outside the top `limit`). */
  userId?: string | null | undefined;
}

/**
 * Users ranked by points earned in the period (user_days.earned per program day; `all` uses
 * lifetime earnings, which reversals reduce). Ranks are distinct and deterministic: earned
 * descending, then user_id ascending in byte order (COLLATE "C", independent of the database
 * locale). Users who earned nothing in the period are not ranked.
 */
export async function getLeaderboard(db: Executor, program: Program, options: LeaderboardOptions): Promise<LeaderboardView> {
  const { from, to } = leaderboardWindow(options.period, options.now, program.timezone);
  const me = options.userId ?? null;
  const totals =
    options.period === 'all'
      ? sql`SELECT user_id, lifetime_earned AS earned FROM users WHERE lifetime_earned > 0`
      : sql`SELECT user_id, sum(earned) AS earned FROM user_days
            WHERE day BETWEEN ${from}::date AND ${to}::date GROUP BY user_id HAVING sum(earned) > 0`;
  const rows = (
    await sql<{ user_id: string; earned: string; rank: string; lifetime_earned: string | null }>`
      WITH totals AS (${totals}),
      ranked AS (
        SELECT user_id, earned, row_number() OVER (ORDER BY earned DESC, user_id COLLATE "C") AS rank FROM totals
      )
      SELECT r.user_id, r.earned::text, r.rank::text, u.lifetime_earned::text
      FROM ranked r LEFT JOIN users u ON u.user_id = r.user_id
      WHERE r.rank <= ${options.limit} OR r.user_id = ${me}
      ORDER BY r.rank`.execute(db)
  ).rows;

  const entry = (userId: string, rank: number | null, earned: number, lifetimeEarned: number): LeaderboardEntry => {
    const level = levelFor(lifetimeEarned, program.levels);
    return { rank, user_id: userId, earned, level: level.level, level_name: levelName(program, level.level, options.lang), level_icon: level.icon };
  };
  const items = rows
    .filter((r) => Number(r.rank) <= options.limit)
    .map((r) => entry(r.user_id, Number(r.rank), toSafeInteger(r.earned), toSafeInteger(r.lifetime_earned ?? '0')));

  let mine: LeaderboardEntry | null = null;
  if (me !== null) {
    const ranked = rows.find((r) => r.user_id === me);
    if (ranked) mine = entry(me, Number(ranked.rank), toSafeInteger(ranked.earned), toSafeInteger(ranked.lifetime_earned ?? '0'));
    else {
      // Not ranked in this period: still show the caller's level, with no rank.
      const user = await db.selectFrom('users').select('lifetime_earned').where('user_id', '=', me).executeTakeFirst();
      mine = entry(me, null, 0, toSafeInteger(user?.lifetime_earned ?? '0'));
    }
  }
  return { period: options.period, from, to, timezone: program.timezone, items, me: mine };
}
