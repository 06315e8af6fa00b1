import { sql } from 'kysely';
import type { Program } from '@points-engine/domain';
import type { Tx } from '@points-engine/db';
import type { SystemAccountIds } from '../state.repository.ts';
import { SYSTEM_USER } from './system-batch.ts';

export interface CycleBatchInput {
  period: number;
  /** Users after this id (exclusive) … */
  after: string;
  /** … up to this id (inclusive; null: no bound) are this batch's range. */
  until: string | null;
  limit: number;
  now: number;
}

/** Picks the next users of a range with something used or waiting, and locks them in id order. */
export async function lockCycleUsers(tx: Tx, input: CycleBatchInput): Promise<string[]> {
  const rows = await sql<{ user_id: string }>`
    SELECT user_id FROM users WHERE user_id IN (
      SELECT DISTINCT user_id FROM accounts
      WHERE user_id > ${input.after} AND (${input.until}::text IS NULL OR user_id <= ${input.until}::text)
        AND bucket IN ('used', 'pending') AND balance > 0
      ORDER BY user_id LIMIT ${input.limit})
    ORDER BY user_id FOR UPDATE`.execute(tx);
  return rows.rows.map((row) => row.user_id);
}

/**
 * One cycle batch over locked users, entirely inside PostgreSQL: every user's flush, trim and
 * replenishment (the set-based twin of the pure `cycleForUser`, which the tests hold it to), one
 * entry per changed account with its balance before and after, one per system account, and one
 * ledger transaction. Nothing travels to the process and back: the batch's cost is PostgreSQL's
 * writes alone. Returns the transaction id, or null when nothing changed.
 */
export async function writeCycleBatch(
  tx: Tx,
  users: readonly string[],
  input: CycleBatchInput,
  program: Program,
  systemAccounts: SystemAccountIds,
): Promise<string | null> {
  if (users.length === 0) return null;
  const key = `cycle:${input.period}:${input.after}`;
  const at = new Date(input.now).toISOString();
  const counts = (asset: 'allowance' | 'credit' | 'points') => program.assets[asset].counts_as_experience;
  const system = (name: `${'issuance' | 'spent'}:${'allowance' | 'credit' | 'points' | 'experience'}`): string => {
    const id = systemAccounts.get(name);
    if (!id) throw new Error(`no system account ${name}`);
    return id;
  };
  const details = { period: input.period, from_user: input.after, users: users.length };
  const payload = JSON.stringify({ kind: 'cycle', ...details });
  const outcome = JSON.stringify({
    idempotency_key: key, kind: 'cycle', user_id: SYSTEM_USER, status: 'applied', reason: null,
    amount: 0, balances: {}, details, applied_at: at,
  });
  const result = await sql<{ transaction_id: string | null }>`
    WITH st AS (
      SELECT u.user_id, coalesce(u.allowance_capacity, 0)::int8 AS capacity,
        coalesce(max(a.balance) FILTER (WHERE a.asset = 'allowance' AND a.bucket = 'main'), 0) AS a_main,
        coalesce(max(a.balance) FILTER (WHERE a.asset = 'allowance' AND a.bucket = 'held'), 0) AS a_held,
        coalesce(max(a.balance) FILTER (WHERE a.asset = 'allowance' AND a.bucket = 'used'), 0) AS a_used,
        coalesce(max(a.balance) FILTER (WHERE a.asset = 'allowance' AND a.bucket = 'pending'), 0) AS a_pending,
        coalesce(max(a.balance) FILTER (WHERE a.asset = 'credit' AND a.bucket = 'used'), 0) AS c_used,
        coalesce(max(a.balance) FILTER (WHERE a.asset = 'points' AND a.bucket = 'used'), 0) AS p_used,
        coalesce(max(a.balance) FILTER (WHERE a.asset = 'experience' AND a.bucket = 'main'), 0) AS x_main,
        max(a.id) FILTER (WHERE a.asset = 'allowance' AND a.bucket = 'main') AS a_main_id,
        max(a.id) FILTER (WHERE a.asset = 'allowance' AND a.bucket = 'used') AS a_used_id,
        max(a.id) FILTER (WHERE a.asset = 'allowance' AND a.bucket = 'pending') AS a_pending_id,
        max(a.id) FILTER (WHERE a.asset = 'credit' AND a.bucket = 'used') AS c_used_id,
        max(a.id) FILTER (WHERE a.asset = 'points' AND a.bucket = 'used') AS p_used_id,
        max(a.id) FILTER (WHERE a.asset = 'experience' AND a.bucket = 'main') AS x_main_id
      FROM users u LEFT JOIN accounts a ON a.user_id = u.user_id
      WHERE u.user_id = ANY(${[...users]}::text[])
      GROUP BY u.user_id, u.allowance_capacity
    ), trim AS (
      -- Trim first, then give back from what is left (see cycleForUser).
      SELECT st.*, a_pending + a_used AS waiting,
        least(a_pending + a_used, greatest(0, a_main + a_held + a_pending + a_used - capacity)) AS trimmed
      FROM st
    ), eff AS (
      SELECT trim.*,
        least(waiting - trimmed, (capacity + ${program.allowance.replenish_divisor}::int8 - 1) / ${program.allowance.replenish_divisor}::int8) AS replenished,
        least(
          CASE WHEN ${counts('allowance')} THEN a_used ELSE 0 END::numeric
            + CASE WHEN ${counts('credit')} THEN c_used ELSE 0 END + CASE WHEN ${counts('points')} THEN p_used ELSE 0 END,
          ${Number.MAX_SAFE_INTEGER}::int8 - x_main)::int8 AS experience
      FROM trim
    ), ch AS (
      SELECT * FROM (
        SELECT user_id, 'allowance' AS asset, 'used' AS bucket, a_used_id AS account_id, -a_used AS delta FROM eff
        UNION ALL SELECT user_id, 'allowance', 'pending', a_pending_id, a_used - replenished - trimmed FROM eff
        UNION ALL SELECT user_id, 'allowance', 'main', a_main_id, replenished FROM eff
        UNION ALL SELECT user_id, 'credit', 'used', c_used_id, -c_used FROM eff
        UNION ALL SELECT user_id, 'points', 'used', p_used_id, -p_used FROM eff
        UNION ALL SELECT user_id, 'experience', 'main', x_main_id, experience FROM eff
      ) c WHERE delta <> 0
    ), t AS (
      INSERT INTO ledger_transactions (idempotency_key, kind, user_id, status, reason, amount, payload_hash, payload, outcome, created_at)
      SELECT ${key}, 'cycle', ${SYSTEM_USER}, 'applied', NULL, 0, ${key}, ${payload}::jsonb, ${outcome}::jsonb, clock_timestamp()
      WHERE EXISTS (SELECT 1 FROM ch)
      RETURNING id
    ), upd AS (
      UPDATE accounts a SET balance = a.balance + ch.delta
      FROM ch, t WHERE a.id = ch.account_id
      RETURNING a.id, a.user_id, a.asset, a.balance AS after, ch.delta
    ), ins AS (
      INSERT INTO accounts (user_id, asset, bucket, balance, min_balance)
      SELECT ch.user_id, ch.asset, ch.bucket, ch.delta, 0 FROM ch, t WHERE ch.account_id IS NULL
      RETURNING id, user_id, asset, balance AS after, balance AS delta
    ), sys AS (
      SELECT * FROM (VALUES
        (${system('issuance:allowance')}::int8, 'allowance', (SELECT sum(trimmed) FROM eff)),
        (${system('spent:credit')}::int8, 'credit', (SELECT sum(c_used) FROM eff)),
        (${system('spent:points')}::int8, 'points', (SELECT sum(p_used) FROM eff)),
        (${system('issuance:experience')}::int8, 'experience', -(SELECT sum(experience) FROM eff))
      ) s(account_id, asset, amount) WHERE amount <> 0
    ), e AS (
      INSERT INTO entries (transaction_id, account_id, user_id, asset, amount, balance_before, balance_after, created_at)
      SELECT t.id, x.id, x.user_id, x.asset, x.delta, x.after - x.delta, x.after, ${at}::timestamptz
      FROM t, (SELECT * FROM upd UNION ALL SELECT * FROM ins) x
      UNION ALL
      SELECT t.id, sys.account_id, NULL, sys.asset, sys.amount::int8, NULL, NULL, ${at}::timestamptz FROM t, sys
    )
    SELECT (SELECT id FROM t)::text AS transaction_id`.execute(tx);
  return result.rows[0]?.transaction_id ?? null;
}
