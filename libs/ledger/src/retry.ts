import { sql } from 'kysely';
import { isStalePreparedStatement, type Db, type Tx } from '@points-engine/db';

/** Thrown inside a transaction when another one changed what this one read; the transaction is retried. */
export class RetryableConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryableConflict';
  }
}

const RETRYABLE_CODES = new Set(['40001', '40P01']);
// A unique violation on these means a concurrent transaction inserted the same row first;
// a retry sees its row and takes the replay or update path.
const RETRYABLE_CONSTRAINTS = new Set(['ledger_transactions_idempotency_key', 'users_pkey', 'accounts_user_key', 'holds_pkey', 'user_days_pkey', 'reversals_pkey', 'reversals_reversal_key_key']);

/** True for serialization failures, deadlocks and races on rows another transaction just inserted. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof RetryableConflict || isStalePreparedStatement(error)) return true;
  const { code, constraint } = error as { code?: string; constraint?: string };
  if (code && RETRYABLE_CODES.has(code)) return true;
  return code === '23505' && constraint !== undefined && RETRYABLE_CONSTRAINTS.has(constraint);
}

export interface RetryOptions {
  /**
   * Take turns with every other ledger writer: a session advisory lock is held around the whole
   * transaction, taken before BEGIN so the snapshot starts after the previous writer committed.
   * Overlapping SERIALIZABLE batches that read hundreds of rows get relation-level predicate
   * locks and abort each other; taking turns keeps every commit and lets waiting batches grow.
   */
  applyLock?: boolean;
  /**
   * Hold the apply lock in shared mode: writers that lock every row they touch and work on
   * disjoint users (the cycle's streams) run side by side, while every exclusive writer still
   * waits for them and they for it.
   */
  sharedApplyLock?: boolean;
  /** The isolation level; SERIALIZABLE unless a writer guards itself with row locks (the cycle). */
  isolation?: 'serializable' | 'read committed';
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  onRetry?: (attempt: number, error: unknown) => void;
}

/**
 * Runs `work` in a SERIALIZABLE transaction (or the level `options.isolation` names), retrying
 * serialization failures and deadlocks with full-jitter exponential backoff. Any other error is
 * thrown at once.
 */
export async function inSerializableTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  if (options.applyLock) {
    const mode = options.sharedApplyLock ? '_shared' : '';
    const unlock = `SELECT pg_advisory_unlock${mode}(${APPLY_LOCK_KEY}::int8)`;
    return db.connection().execute(async (connection) => {
      await sql.raw(`SELECT pg_advisory_lock${mode}(${APPLY_LOCK_KEY}::int8)`).execute(connection);
      // The unlock rides with the COMMIT that succeeds (one round trip instead of two): a
      // successful return means it ran; after a failure the lock is still held, released here.
      let committed = false;
      try {
        const result = await retrying(connection, work, options, unlock);
        committed = true;
        return result;
      } finally {
        if (!committed) await sql.raw(unlock).execute(connection);
      }
    });
  }
  return retrying(db, work, options);
}

/** The advisory lock every ledger writer takes turns on ("pointsen" as a big-endian int8). */
export const APPLY_LOCK_KEY = '8101810177783850350';

async function retrying<T>(db: Db, work: (tx: Tx) => Promise<T>, options: RetryOptions, afterCommit?: string): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 12;
  const base = options.baseDelayMs ?? 2;
  const cap = options.maxDelayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(db, work, options.isolation ?? 'serializable', afterCommit);
    } catch (error) {
      if (!isRetryable(error) || attempt >= maxAttempts) throw error;
      options.onRetry?.(attempt, error);
      const delay = Math.random() * Math.min(cap, base * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * One transaction on one connection, with its settings sent together with BEGIN and
 * `afterCommit` (the apply lock's release) together with COMMIT: a small batch's transaction is a
 * dozen round trips, and Kysely's transaction() adds two of its own. Every ledger writer's
 * statements are look-ups by key, so the planner never picks a sequential scan for them (on a
 * table that grew faster than autovacuum analyzes it, it did).
 */
async function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>, isolation: 'serializable' | 'read committed', afterCommit?: string): Promise<T> {
  return db.connection().execute(async (connection) => {
    await sql.raw(`START TRANSACTION ISOLATION LEVEL ${isolation === 'serializable' ? 'SERIALIZABLE' : 'READ COMMITTED'}; SET LOCAL enable_seqscan = off`).execute(connection);
    let result: T;
    try {
      // The connection-bound executor runs inside the transaction opened above; only the type is Kysely's Transaction.
      result = await work(connection as unknown as Tx);
    } catch (error) {
      await sql.raw('ROLLBACK').execute(connection).catch(() => undefined);
      throw error;
    }
    await sql.raw(afterCommit ? `COMMIT; ${afterCommit}` : 'COMMIT').execute(connection);
    return result;
  });
}
