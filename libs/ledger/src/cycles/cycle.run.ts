import { cycleForUser, cycleIndex, systemAccount, transfer, userAccount, type Posting } from '@pe/domain';
import { sql } from 'kysely';
import type { Db } from '@pe/db';
import type { LedgerContext } from '../apply-batch.ts';
import { inSerializableTransaction } from '../retry.ts';
import { advanceRun, claimRun, loadLockedUsers, writeSystemTransaction } from './system-batch.ts';

export const CYCLE_RUN = 'cycle';

/** The postings of one user's cycle (flush, then replenish), from the pure rule. */
export function cyclePostings(userId: string, effect: ReturnType<typeof cycleForUser>, usedCredit: number, usedPoints: number): Posting[] {
  const postings: Posting[] = [];
  const allowance = (bucket: 'main' | 'used' | 'pending') => userAccount(userId, 'allowance', bucket);
  postings.push(...transfer(allowance('used'), allowance('pending'), effect.toPending));
  postings.push(...transfer(allowance('pending'), allowance('main'), effect.replenished));
  postings.push(...transfer(allowance('pending'), systemAccount('issuance', 'allowance'), effect.trimmed));
  postings.push(...transfer(userAccount(userId, 'credit', 'used'), systemAccount('spent', 'credit'), usedCredit));
  postings.push(...transfer(userAccount(userId, 'points', 'used'), systemAccount('spent', 'points'), usedPoints));
  postings.push(...transfer(systemAccount('issuance', 'experience'), userAccount(userId, 'experience', 'main'), effect.experience));
  return postings;
}

/**
 * Runs the cycle of one period over every user who has something to flush or replenish, in
 * bounded batches; each batch commits with the run's cursor, so a rerun resumes where it
 * stopped and a finished period changes nothing.
 */
export async function runCycle(ctx: LedgerContext, period: number, batchSize = 2000): Promise<{ users: number; batches: number }> {
  let users = 0;
  let batches = 0;
  for (;;) {
    const done = await inSerializableTransaction(ctx.db, async (tx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(tx);
      const run = await claimRun(tx, CYCLE_RUN, String(period));
      if (!run) return { finished: true, count: 0 };
      const candidates = await tx
        .selectFrom('accounts')
        .select('user_id')
        .distinct()
        .where('user_id', '>', run.cursor)
        .where('bucket', 'in', ['used', 'pending'])
        .where('balance', '>', '0')
        .orderBy('user_id')
        .limit(batchSize)
        .execute();
      const ids = candidates.map((c) => c.user_id as string);
      const loaded = await loadLockedUsers(tx, ids, ctx.program);
      const postings: Posting[] = [];
      for (const state of loaded.states.values()) {
        const effect = cycleForUser(state, ctx.program);
        postings.push(...cyclePostings(state.userId, effect, state.balances['credit:used'] ?? 0, state.balances['points:used'] ?? 0));
      }
      const now = (ctx.now ?? Date.now)();
      await writeSystemTransaction(tx, {
        key: `cycle:${period}:${run.cursor}`,
        kind: 'cycle',
        now,
        postings,
        loaded,
        systemAccounts: ctx.systemAccounts,
        details: { period, from_user: run.cursor, users: ids.length },
      });
      const finished = ids.length < batchSize;
      await advanceRun(tx, CYCLE_RUN, String(period), ids.at(-1) ?? run.cursor, ids.length, finished);
      return { finished, count: ids.length };
    }, ctx.retry);
    users += done.count;
    if (done.count > 0 || !done.finished) batches++;
    if (done.finished) return { users, batches };
  }
}

/**
 * Runs every cycle period that is due and not yet finished, oldest first: a scheduler that was
 * down catches up instead of skipping. More than `replenish_divisor` missed periods refill an
 * allowance completely, so older ones are not replayed one by one.
 */
export async function catchUpCycles(ctx: LedgerContext, now: number): Promise<number[]> {
  const current = cycleIndex(now, ctx.program.allowance.cycle_minutes);
  const last = await lastFinishedPeriod(ctx.db);
  const first = last === null ? current : Math.max(last + 1, current - ctx.program.allowance.replenish_divisor);
  const ran: number[] = [];
  for (let period = first; period <= current; period++) {
    await runCycle(ctx, period);
    ran.push(period);
  }
  return ran;
}

async function lastFinishedPeriod(db: Db): Promise<number | null> {
  const row = await db
    .selectFrom('cycle_runs')
    .select((eb) => eb.fn.max(eb.cast<number>('period', 'bigint')).as('period'))
    .where('kind', '=', CYCLE_RUN)
    .where('finished_at', 'is not', null)
    .executeTakeFirst();
  return row?.period === null || row?.period === undefined ? null : Number(row.period);
}

