import { sql, type RawBuilder } from 'kysely';
import { addDays, dayOf, pointsToExpire, startOfDay, systemAccount, transfer, userAccount, type Posting, type UserState } from '@points-engine/domain';
import type { LedgerContext } from '../apply-batch.ts';
import { inSerializableTransaction } from '../retry.ts';
import { advanceRun, claimRun, loadLockedUsers, writeSystemTransaction } from './system-batch.ts';

export const DAY_RUN = 'day';

/**
 * The work due when program day `day` begins: streaks of users who missed yesterday reset,
 * tiers whose period ended fall back to the default, earned points past their lifetime expire
 * (oldest first) and users whose points expire soon are told. Keyed by the day: a rerun or a
 * concurrent run changes nothing.
 */
export async function runDayBoundary(ctx: LedgerContext, day: string, batchSize = 2000): Promise<{ streaksReset: number; tiersEnded: number; expiredUsers: number }> {
  const { program } = ctx;
  const dayStart = new Date(startOfDay(day, program.timezone));
  const yesterday = addDays(day, -1);
  const streaksReset = await updateInBatches(ctx, batchSize, (limit) => sql`
    UPDATE users SET current_streak = 0, updated_at = now()
    WHERE user_id IN (SELECT user_id FROM users WHERE current_streak > 0 AND last_login_day < ${yesterday}::date
                      ORDER BY user_id LIMIT ${limit} FOR UPDATE)`);
  const tiersEnded = await updateInBatches(ctx, batchSize, (limit) => sql`
    UPDATE users SET tier = NULL, tier_ends_at = NULL, updated_at = now()
    WHERE user_id IN (SELECT user_id FROM users WHERE tier_ends_at IS NOT NULL AND tier_ends_at <= ${dayStart}
                      ORDER BY user_id LIMIT ${limit} FOR UPDATE)`);
  const expiredUsers = program.expiry.points_after_days > 0 ? await expirePoints(ctx, day, batchSize) : 0;
  if (program.expiry.points_after_days > 0 && program.expiry.warn_days > 0) await warnExpiring(ctx, day);
  return { streaksReset, tiersEnded, expiredUsers };
}

/** Repeats a bounded UPDATE (which locks its rows in user_id order, like the apply path) until it changes nothing. */
async function updateInBatches(ctx: LedgerContext, batchSize: number, statement: (limit: number) => RawBuilder<unknown>): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await inSerializableTransaction(ctx.db, (tx) => statement(batchSize).execute(tx), ctx.retry);
    const changed = Number(result.numAffectedRows ?? 0);
    total += changed;
    if (changed < batchSize) return total;
  }
}

/** Points that arrived on or before this day expire when `day` begins. */
export const expiryCutoff = (day: string, afterDays: number): string => addDays(day, -afterDays - 1);

async function expirePoints(ctx: LedgerContext, day: string, batchSize: number): Promise<number> {
  const cutoff = expiryCutoff(day, ctx.program.expiry.points_after_days);
  let total = 0;
  for (;;) {
    const result = await inSerializableTransaction(ctx.db, async (tx) => {
      const run = await claimRun(tx, 'expiry', day);
      if (!run) return { finished: true, count: 0 };
      const due = (
        await sql<{ user_id: string; inflow: string }>`
          SELECT d.user_id, sum(d.inflow)::text AS inflow FROM user_days d
          WHERE d.day <= ${cutoff}::date AND d.user_id > ${run.cursor}
          GROUP BY d.user_id ORDER BY d.user_id LIMIT ${batchSize}`.execute(tx)
      ).rows;
      const loaded = await loadLockedUsers(tx, due.map((d) => d.user_id), ctx.program);
      const postings: Posting[] = [];
      const users: UserState[] = [];
      for (const { user_id, inflow } of due) {
        const state = loaded.states.get(user_id) as UserState;
        const amount = pointsToExpire(Number(inflow), state.pointsConsumed, state.balances['points:main'] ?? 0);
        if (amount === 0) continue;
        postings.push(...transfer(userAccount(user_id, 'points'), systemAccount('expired', 'points'), amount));
        users.push({ ...state, pointsConsumed: state.pointsConsumed + amount });
      }
      const now = (ctx.now ?? Date.now)();
      await writeSystemTransaction(tx, {
        key: `expiry:${day}:${run.cursor}`,
        kind: 'expiry',
        now,
        postings,
        loaded,
        users,
        systemAccounts: ctx.systemAccounts,
        details: { day, cutoff, users: users.length },
      });
      const finished = due.length < batchSize;
      await advanceRun(tx, 'expiry', day, due.at(-1)?.user_id ?? run.cursor, users.length, finished);
      return { finished, count: users.length };
    }, ctx.retry);
    total += result.count;
    if (result.finished) return total;
  }
}

/** One "points expiring soon" event per user and day, for points that expire `warn_days` from now. */
async function warnExpiring(ctx: LedgerContext, day: string): Promise<void> {
  const { points_after_days, warn_days } = ctx.program.expiry;
  const warnedDay = expiryCutoff(addDays(day, warn_days), points_after_days);
  const expiresOn = addDays(day, warn_days);
  await inSerializableTransaction(ctx.db, async (tx) => {
    const claimed = await sql`INSERT INTO cycle_runs (kind, period, finished_at) VALUES ('expiry-warning', ${day}, now())
                              ON CONFLICT DO NOTHING RETURNING kind`.execute(tx);
    if (claimed.rows.length === 0) return;
    // Only points that would really expire: what arrived up to that day minus what already left.
    await sql`
      INSERT INTO outbox (type, user_id, payload)
      SELECT 'points_expiring', d.user_id,
             jsonb_build_object('type', 'points_expiring', 'userId', d.user_id, 'expires_on', ${expiresOn}::text,
                                'amount', sum(d.inflow) - u.points_consumed)
      FROM user_days d JOIN users u ON u.user_id = d.user_id
      WHERE d.day <= ${warnedDay}::date
        AND d.user_id IN (SELECT user_id FROM user_days WHERE day = ${warnedDay}::date AND inflow > 0)
      GROUP BY d.user_id, u.points_consumed
      HAVING sum(d.inflow) - u.points_consumed > 0`.execute(tx);
  }, ctx.retry);
}

/** Runs every day boundary not yet run, up to today's (a scheduler that was down catches up). */
export async function catchUpDays(ctx: LedgerContext, now: number, maxDays = 31): Promise<string[]> {
  const today = dayOf(now, ctx.program.timezone);
  const row = await ctx.db.selectFrom('cycle_runs').select((eb) => eb.fn.max('period').as('day')).where('kind', '=', DAY_RUN).executeTakeFirst();
  const last = row?.day ?? null;
  const ran: string[] = [];
  let day = last === null ? today : addDays(last, 1);
  if (last !== null && day < addDays(today, -maxDays)) day = addDays(today, -maxDays);
  for (; day <= today; day = addDays(day, 1)) {
    await runDayBoundary(ctx, day);
    await sql`INSERT INTO cycle_runs (kind, period, finished_at) VALUES (${DAY_RUN}, ${day}, now()) ON CONFLICT DO NOTHING`.execute(ctx.db);
    ran.push(day);
  }
  return ran;
}

export { dayOf };
