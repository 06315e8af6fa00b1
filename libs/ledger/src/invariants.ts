import { sql } from 'kysely';
import type { Db, Executor } from '@points-engine/db';

export interface InvariantViolation {
  check: string;
  detail: Record<string, unknown>;
}

const MAX_ID = '9223372036854775807';

/**
 * Checks transactions with id in [from, to): each balances to zero per asset, and every entry
 * belongs to a recorded transaction. Returns the per-asset sums of the range's entries too, so
 * a caller walking ranges can check the ledger-wide sums.
 */
export async function checkTransactionRange(db: Executor, from: string, to: string, limit = 20) {
  const violations: InvariantViolation[] = [];
  const unbalanced = await sql<Record<string, unknown>>`
    SELECT transaction_id::text, asset, sum(amount)::text AS total FROM entries
    WHERE transaction_id >= ${from}::int8 AND transaction_id < ${to}::int8
    GROUP BY transaction_id, asset HAVING sum(amount) <> 0 LIMIT ${limit}`.execute(db);
  unbalanced.rows.forEach((detail) => violations.push({ check: 'each transaction balances per asset', detail }));
  const orphans = await sql<Record<string, unknown>>`
    SELECT e.id::text AS entry_id, e.transaction_id::text FROM entries e
    LEFT JOIN ledger_transactions t ON t.id = e.transaction_id
    WHERE e.transaction_id >= ${from}::int8 AND e.transaction_id < ${to}::int8 AND t.id IS NULL LIMIT ${limit}`.execute(db);
  orphans.rows.forEach((detail) => violations.push({ check: 'entries belong to a recorded transaction', detail }));
  const sums = await sql<{ asset: string; total: string }>`
    SELECT asset, sum(amount)::text AS total FROM entries
    WHERE transaction_id >= ${from}::int8 AND transaction_id < ${to}::int8 GROUP BY asset`.execute(db);
  return { violations, sums: new Map(sums.rows.map((r) => [r.asset, BigInt(r.total)])) };
}

/**
 * Checks accounts with id in [from, to): each stored balance equals the sum of its entries, no
 * balance is below its floor, and no entry points at a missing account.
 */
export async function checkAccountRange(db: Executor, from: string, to: string, limit = 20): Promise<InvariantViolation[]> {
  const violations: InvariantViolation[] = [];
  const add = (check: string, rows: Record<string, unknown>[]) => rows.forEach((detail) => violations.push({ check, detail }));
  add(
    'stored balance equals the sum of entries',
    (await sql<Record<string, unknown>>`
      SELECT a.id::text AS account_id, a.user_id, a.asset, a.bucket, a.balance::text AS stored, coalesce(s.total, 0)::text AS entries
      FROM accounts a
      LEFT JOIN (SELECT account_id, sum(amount) AS total FROM entries
                 WHERE account_id >= ${from}::int8 AND account_id < ${to}::int8 GROUP BY account_id) s ON s.account_id = a.id
      WHERE a.user_id IS NOT NULL AND a.id >= ${from}::int8 AND a.id < ${to}::int8 AND a.balance <> coalesce(s.total, 0)
      LIMIT ${limit}`.execute(db)).rows,
  );
  add(
    'no balance below its floor',
    (await sql<Record<string, unknown>>`
      SELECT id::text AS account_id, user_id, asset, bucket, balance::text, min_balance::text FROM accounts
      WHERE balance < min_balance AND id >= ${from}::int8 AND id < ${to}::int8 LIMIT ${limit}`.execute(db)).rows,
  );
  add(
    'entries point at an existing account',
    (await sql<Record<string, unknown>>`
      SELECT e.id::text AS entry_id, e.account_id::text FROM entries e LEFT JOIN accounts a ON a.id = e.account_id
      WHERE a.id IS NULL AND e.account_id >= ${from}::int8 AND e.account_id < ${to}::int8 LIMIT ${limit}`.execute(db)).rows,
  );
  return violations;
}

/** Turns ledger-wide per-asset sums into violations (every asset must sum to zero). */
export function checkAssetSums(sums: ReadonlyMap<string, bigint>): InvariantViolation[] {
  return [...sums].filter(([, total]) => total !== 0n).map(([asset, total]) => ({ check: 'entries sum to zero per asset', detail: { asset, total: total.toString() } }));
}

/** Checks every invariant over the whole ledger in one pass (tests, benchmarks, small ledgers). */
export async function checkInvariants(db: Db): Promise<InvariantViolation[]> {
  return withCheckPlans(db, async (tx) => {
    const transactions = await checkTransactionRange(tx, '0', MAX_ID);
    return [...checkAssetSums(transactions.sums), ...transactions.violations, ...(await checkAccountRange(tx, '0', MAX_ID))];
  });
}

/**
 * Runs checks in a read-only transaction that never plans nested loops: they aggregate whole
 * tables, and on stale statistics (a table that just grew) the planner would otherwise re-sum the
 * entries once per account.
 */
export async function withCheckPlans<T>(db: Db, checks: (tx: Executor) => Promise<T>): Promise<T> {
  return db.transaction().setAccessMode('read only').execute(async (tx) => {
    await sql`SET LOCAL enable_nestloop = off`.execute(tx);
    return checks(tx);
  });
}
