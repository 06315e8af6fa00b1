import { sql } from 'kysely';
import type { AssetCode, Bucket, HoldState, OriginalTransaction, Posting, SystemAccount } from '@points-engine/domain';
import { toSafeInteger } from '@points-engine/domain';
import type { Db, Executor, HoldRow, Tx, UserRow } from '@points-engine/db';
import { RetryableConflict } from './retry.ts';

/**
 * Locks the users' rows in user_id order (so two transactions never wait on each other in a
 * cycle), creating the rows of users seen for the first time.
 */
export async function lockUsers(tx: Tx, userIds: readonly string[]): Promise<UserRow[]> {
  if (userIds.length === 0) return [];
  const sorted = [...new Set(userIds)].sort();
  const found = await tx.selectFrom('users').selectAll().where((eb) => eb('user_id', '=', eb.fn.any(eb.val(sorted)))).orderBy('user_id').forUpdate().execute();
  if (found.length === sorted.length) return found;
  const known = new Set(found.map((row) => row.user_id));
  const missing = sorted.filter((id) => !known.has(id));
  // One array parameter, not a VALUES row per user: the statement's text (and so its prepared
  // plan) stays the same whatever the number of new users.
  const inserted = (
    await sql<UserRow>`INSERT INTO users (user_id) SELECT unnest(${missing}::text[]) ON CONFLICT (user_id) DO NOTHING RETURNING *`.execute(tx)
  ).rows;
  // Fewer rows back means another transaction created some of these users after our snapshot.
  if (inserted.length !== missing.length) throw new RetryableConflict('users created concurrently');
  return [...found, ...inserted];
}

export interface AccountBalance {
  id: string;
  userId: string;
  asset: AssetCode;
  bucket: string;
  balance: number;
}

/** Every account of these users. The callers hold the users' row locks, which guard them. */
export async function loadUserAccounts(tx: Tx, userIds: readonly string[]): Promise<AccountBalance[]> {
  if (userIds.length === 0) return [];
  const rows = await tx
    .selectFrom('accounts')
    .select(['id', 'user_id', 'asset', 'bucket', 'balance'])
    .where((eb) => eb('user_id', '=', eb.fn.any(eb.val([...userIds]))))
    .execute();
  return rows.map((row) => ({
    id: row.id,
    userId: row.user_id as string,
    asset: row.asset as AssetCode,
    bucket: row.bucket,
    balance: toSafeInteger(row.balance ?? '0'),
  }));
}

/** Locks and loads the named holds. */
export async function lockHolds(tx: Tx, holdKeys: readonly string[]): Promise<HoldState[]> {
  if (holdKeys.length === 0) return [];
  const rows = await tx.selectFrom('holds').selectAll().where((eb) => eb('hold_key', '=', eb.fn.any(eb.val([...new Set(holdKeys)])))).orderBy('hold_key').forUpdate().execute();
  return rows.map(toHoldState);
}

export function toHoldState(row: HoldRow): HoldState {
  return { holdKey: row.hold_key, userId: row.user_id, amounts: row.amounts, status: row.status, expiresAt: row.expires_at.getTime() };
}

export type SystemAccountIds = ReadonlyMap<`${SystemAccount}:${AssetCode}`, string>;

/** Creates the system accounts if needed and returns their ids (they never change). */
export async function ensureSystemAccounts(db: Db, names: readonly SystemAccount[], assets: readonly AssetCode[]): Promise<SystemAccountIds> {
  const wanted = names.flatMap((system_name) => assets.map((asset) => ({ system_name, asset, bucket: 'main' })));
  await db
    .insertInto('accounts')
    .values(wanted)
    .onConflict((oc) => oc.columns(['system_name', 'asset']).where('system_name', 'is not', null).doNothing())
    .execute();
  const rows = await db.selectFrom('accounts').select(['id', 'system_name', 'asset']).where('system_name', 'is not', null).execute();
  return new Map(rows.map((row) => [`${row.system_name as SystemAccount}:${row.asset as AssetCode}`, row.id] as const));
}

/** First outcomes already recorded for these keys. */
export async function findTransactions(executor: Executor, keys: readonly string[]) {
  if (keys.length === 0) return [];
  return executor
    .selectFrom('ledger_transactions')
    .select(['id', 'idempotency_key', 'payload_hash', 'outcome'])
    .where((eb) => eb('idempotency_key', '=', eb.fn.any(eb.val([...keys]))))
    .execute();
}

/** Holds whose time ran out, oldest first (for the lapse sweep). */
export async function findLapsedHolds(executor: Executor, now: Date, limit: number) {
  return executor
    .selectFrom('holds')
    .select(['hold_key', 'user_id'])
    .where('status', '=', 'open')
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .limit(limit)
    .execute();
}


/** The transactions that `reverse` events name, with their postings and any reversal already applied. */
export async function loadOriginals(tx: Tx, keys: readonly string[]): Promise<OriginalTransaction[]> {
  if (keys.length === 0) return [];
  const rows = await tx
    .selectFrom('ledger_transactions')
    .leftJoin('reversals', 'reversals.original_key', 'ledger_transactions.idempotency_key')
    .select(['ledger_transactions.id', 'idempotency_key', 'kind', 'user_id', 'status', 'payload', 'outcome', 'reversals.reversal_key'])
    .where((eb) => eb('idempotency_key', '=', eb.fn.any(eb.val([...keys]))))
    .execute();
  if (rows.length === 0) return [];
  const entries = await tx
    .selectFrom('entries')
    .innerJoin('accounts', 'accounts.id', 'entries.account_id')
    .select(['entries.transaction_id', 'entries.amount', 'accounts.user_id', 'accounts.system_name', 'accounts.asset', 'accounts.bucket'])
    .where((eb) => eb('entries.transaction_id', '=', eb.fn.any(eb.val(rows.map((r) => r.id)))))
    .orderBy('entries.id')
    .execute();
  return rows.map((row) => ({
    key: row.idempotency_key,
    kind: row.kind,
    userId: row.user_id,
    status: row.status,
    payload: row.payload,
    at: originalTime(row.payload, row.outcome),

    reversedBy: row.reversal_key,
    postings: entries
      .filter((e) => e.transaction_id === row.id)
      .map((e): Posting => ({
        account: e.user_id
          ? { owner: 'user', userId: e.user_id, asset: e.asset as AssetCode, bucket: e.bucket as Bucket }
          : { owner: 'system', name: e.system_name as SystemAccount, asset: e.asset as AssetCode },
        amount: toSafeInteger(e.amount),
      })),
  }));
}

/** When a recorded event counted: its occurred_at, but never after it was applied (as eventTime). */
function originalTime(payload: Record<string, unknown>, outcome: Record<string, unknown>): number {
  const applied = Date.parse(String(outcome['applied_at']));
  const occurred = typeof payload['occurred_at'] === 'string' ? Date.parse(payload['occurred_at']) : Number.NaN;
  return Number.isNaN(occurred) ? applied : Math.min(occurred, applied);
}
