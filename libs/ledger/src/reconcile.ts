import type { Db } from '@points-engine/db';
import { checkAccountRange, checkAssetSums, checkTransactionRange, withCheckPlans, type InvariantViolation } from './invariants.ts';

export interface ReconcileReport {
  /** True when no invariant is violated. */
  ok: boolean;
  /** Id span of the transactions and accounts walked. */
  transactions: number;
  accounts: number;
  /** Rows each range query covered. */
  batch: number;
  violations: InvariantViolation[];
}

export interface ReconcileOptions {
  /** Ids per range query (bounded work per statement). */
  batch?: number;
  /** Called after each range with the ranges done and the ranges in all. */
  onProgress?: (done: number, total: number) => void;
}

async function idBounds(db: Db, table: 'accounts' | 'ledger_transactions'): Promise<[number, number]> {
  const row = await db.selectFrom(table).select((eb) => [eb.fn.min('id').as('min'), eb.fn.max('id').as('max')]).executeTakeFirst();
  return [Number(row?.min ?? 0), Number(row?.max ?? -1)];
}

/**
 * Checks the ledger invariants on a live database in bounded id ranges: transactions first (each
 * balances per asset, entries belong to a recorded transaction, and the per-asset sums of every
 * range add up to zero), then accounts (each stored balance equals the sum of its entries, no
 * balance below its floor, no entry pointing at a missing account). Reads only; changes nothing.
 *
 * Safe while writers run: each range is one statement (one snapshot), a transaction's entries
 * commit together under one transaction id, and an account's balance is compared with its entries
 * in the same statement, so concurrent commits never show up as false violations.
 */
export async function reconcileLedger(db: Db, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const batch = Number.isFinite(options.batch) ? Math.max(1, Math.floor(options.batch as number)) : 10_000;
  const violations: InvariantViolation[] = [];
  const [tMin, tMax] = await idBounds(db, 'ledger_transactions');
  const [aMin, aMax] = await idBounds(db, 'accounts');
  const total = Math.max(1, Math.ceil((tMax - tMin + 1) / batch) + Math.ceil((aMax - aMin + 1) / batch));
  let done = 0;
  const tick = () => options.onProgress?.(++done, total);
  const sums = new Map<string, bigint>();
  for (let from = tMin; from <= tMax; from += batch) {
    const range = await withCheckPlans(db, (tx) => checkTransactionRange(tx, String(from), String(from + batch)));
    violations.push(...range.violations);
    for (const [asset, sum] of range.sums) sums.set(asset, (sums.get(asset) ?? 0n) + sum);
    tick();
  }
  violations.unshift(...checkAssetSums(sums));
  for (let from = aMin; from <= aMax; from += batch) {
    violations.push(...(await withCheckPlans(db, (tx) => checkAccountRange(tx, String(from), String(from + batch)))));
    tick();
  }
  if (done < total) options.onProgress?.(total, total);
  return {
    ok: violations.length === 0,
    transactions: Math.max(0, tMax - tMin + 1),
    accounts: Math.max(0, aMax - aMin + 1),
    batch,
    violations,
  };
}
