import { sql } from 'kysely';
import type { Executor } from '@pe/db';

export interface InvariantViolation {
  check: string;
  detail: Record<string, unknown>;
}

export interface InvariantOptions {
  /** Only accounts with id in [fromAccountId, toAccountId) — for bounded reconcile batches. */
  fromAccountId?: string;
  toAccountId?: string;
  /** Most violations to report per check. */
  limit?: number;
}

/**
 * Checks the ledger's invariants without changing anything: every transaction's entries sum to
 * zero per asset, every stored balance equals the sum of its entries, no user balance is below
 * its floor, and no entry points at a missing transaction or account.
 */
export async function checkInvariants(db: Executor, options: InvariantOptions = {}): Promise<InvariantViolation[]> {
  const limit = options.limit ?? 20;
  const from = options.fromAccountId ?? '0';
  const to = options.toAccountId ?? '9223372036854775807';
  const violations: InvariantViolation[] = [];
  const add = (check: string, rows: Record<string, unknown>[]) => rows.forEach((detail) => violations.push({ check, detail }));

  if (options.fromAccountId === undefined) {
    add(
      'entries sum to zero per asset',
      (await sql<Record<string, unknown>>`
        SELECT asset, sum(amount)::text AS total FROM entries GROUP BY asset HAVING sum(amount) <> 0 LIMIT ${limit}`.execute(db)).rows,
    );
    add(
      'each transaction balances per asset',
      (await sql<Record<string, unknown>>`
        SELECT transaction_id::text, asset, sum(amount)::text AS total FROM entries
        GROUP BY transaction_id, asset HAVING sum(amount) <> 0 LIMIT ${limit}`.execute(db)).rows,
    );
    add(
      'entries belong to a recorded transaction',
      (await sql<Record<string, unknown>>`
        SELECT e.id::text AS entry_id, e.transaction_id::text FROM entries e
        LEFT JOIN ledger_transactions t ON t.id = e.transaction_id WHERE t.id IS NULL LIMIT ${limit}`.execute(db)).rows,
    );
  }
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
