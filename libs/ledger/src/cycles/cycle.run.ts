import { cycleForUser, cycleIndex, systemAccount, transfer, userAccount, type Posting } from '@points-engine/domain';
import { sql } from 'kysely';
import type { Db, Tx } from '@points-engine/db';
import type { LedgerContext } from '../apply-batch.ts';
import { inSerializableTransaction } from '../retry.ts';
import { advanceRun, claimRun } from './system-batch.ts';
import { lockCycleUsers, writeCycleBatch } from './cycle.batch.ts';

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

/** How many streams a cycle period runs as when the context does not say (one per core of a small database host). */
export const DEFAULT_CYCLE_STREAMS = 2;
const STREAM_RUN = 'cycle-stream';

interface Stream {
  period: string;
  cursor: string;
  until: string | null;
}

/**
 * Runs the cycle of one period over every user who has something to flush or replenish. The
 * users are split into `streams` disjoint id ranges, processed side by side (each on its own
 * connection, so the database uses more than one core) in bounded batches. Each batch commits
 * with its stream's cursor, so a rerun resumes where it stopped and a finished period changes
 * nothing. A batch locks its users (as every ledger writer does before touching their accounts)
 * and holds the apply lock in shared mode: streams never touch the same user, and event batches
 * wait for the batch in flight, as they wait for each other.
 */
export async function runCycle(ctx: LedgerContext, period: number, batchSize = 2000, streams = ctx.cycleStreams ?? DEFAULT_CYCLE_STREAMS): Promise<{ users: number; batches: number }> {
  const planned = await planStreams(ctx, period, streams);
  if (planned === null) return { users: 0, batches: 0 };
  // Every stream runs to its end before a failure is reported, so none is left mid-batch.
  const settled = await Promise.allSettled(planned.map((stream) => runStream(ctx, period, stream, batchSize)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  const done = settled.map((s) => (s as PromiseFulfilledResult<{ users: number; batches: number }>).value);
  await inSerializableTransaction(ctx.db, async (tx) => {
    const totals = await tx
      .selectFrom('cycle_runs')
      .select((eb) => [eb.fn.countAll<string>().as('streams'), eb.fn.count<string>('finished_at').as('finished'), eb.fn.sum<string>('users').as('users')])
      .where('kind', '=', STREAM_RUN)
      .where('period', 'like', `${period}:%`)
      .executeTakeFirstOrThrow();
    if (totals.streams !== totals.finished) throw new Error(`cycle ${period}: ${totals.finished} of ${totals.streams} streams finished`);
    await sql`
      UPDATE cycle_runs SET users = ${totals.users ?? '0'}::int8, cursor = NULL, finished_at = now()
      WHERE kind = ${CYCLE_RUN} AND period = ${String(period)} AND finished_at IS NULL`.execute(tx);
  }, ctx.retry);
  return { users: done.reduce((sum, d) => sum + d.users, 0), batches: done.reduce((sum, d) => sum + d.batches, 0) };
}

/**
 * Claims the period and splits its users into ranges at quantiles of a sample of the ids that
 * have something used or waiting (the ranges cover every id, sampled or not). A rerun finds the
 * ranges stored by the first run. Null: the period is finished.
 */
async function planStreams(ctx: LedgerContext, period: number, streams: number): Promise<Stream[] | null> {
  return inSerializableTransaction(ctx.db, async (tx) => {
    const run = await claimRun(tx, CYCLE_RUN, String(period));
    if (!run) return null;
    const stored = await tx.selectFrom('cycle_runs').select(['period', 'cursor', 'until', 'finished_at']).where('kind', '=', STREAM_RUN).where('period', 'like', `${period}:%`).execute();
    if (stored.length > 0) return stored.filter((s) => s.finished_at === null).map((s) => ({ period: s.period, cursor: s.cursor ?? '', until: s.until }));
    const bounds = streams > 1 ? await sampleQuantiles(tx, streams) : [];
    const planned: Stream[] = [...bounds, null].map((until, i) => ({ period: `${period}:${i}`, cursor: i === 0 ? '' : (bounds[i - 1] as string), until }));
    await tx.insertInto('cycle_runs').values(planned.map((s) => ({ kind: STREAM_RUN, period: s.period, cursor: s.cursor, until: s.until }))).execute();
    return planned;
  }, ctx.retry);
}

async function sampleQuantiles(tx: Tx, streams: number): Promise<string[]> {
  const fractions = Array.from({ length: streams - 1 }, (_, i) => (i + 1) / streams);
  const row = await sql<{ bounds: (string | null)[] | null }>`
    SELECT percentile_disc(${fractions}::float8[]) WITHIN GROUP (ORDER BY user_id) AS bounds
    FROM accounts TABLESAMPLE SYSTEM (1) WHERE bucket IN ('used', 'pending') AND balance > 0`.execute(tx);
  // Kept in the database's order (the fractions ascend): the ranges are compared there, in its
  // collation, and JavaScript's sort disagrees with most (overlapping ranges cycled users twice).
  const bounds = row.rows[0]?.bounds ?? [];
  return bounds.filter((b, i): b is string => b !== null && b !== '' && b !== bounds[i - 1]);
}

async function runStream(ctx: LedgerContext, period: number, stream: Stream, batchSize: number): Promise<{ users: number; batches: number }> {
  let users = 0;
  let batches = 0;
  const options = { ...ctx.retry, sharedApplyLock: true, isolation: 'read committed' as const };
  for (;;) {
    const done = await inSerializableTransaction(ctx.db, async (tx) => {
      const row = await tx.selectFrom('cycle_runs').select(['cursor', 'finished_at']).where('kind', '=', STREAM_RUN).where('period', '=', stream.period).forUpdate().executeTakeFirstOrThrow();
      if (row.finished_at) return { finished: true, count: 0 };
      const input = { period, after: row.cursor ?? '', until: stream.until, limit: batchSize, now: (ctx.now ?? Date.now)() };
      const ids = await lockCycleUsers(tx, input);
      await writeCycleBatch(tx, ids, input, ctx.program, ctx.systemAccounts);
      const finished = ids.length < batchSize;
      await advanceRun(tx, STREAM_RUN, stream.period, ids.at(-1) ?? input.after, ids.length, finished);
      return { finished, count: ids.length };
    }, options);
    users += done.count;
    if (done.count > 0) batches++;
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

