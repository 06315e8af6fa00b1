import type { Writable } from 'node:stream';
import { checkAccountRange, checkAssetSums, checkTransactionRange, type InvariantViolation } from '@pe/ledger';
import type { Db } from '@pe/db';

export interface ReconcileReport {
  transactions: number;
  accounts: number;
  violations: InvariantViolation[];
}

async function idBounds(db: Db, table: 'accounts' | 'ledger_transactions'): Promise<[number, number]> {
  const row = await db.selectFrom(table).select((eb) => [eb.fn.min('id').as('min'), eb.fn.max('id').as('max')]).executeTakeFirst();
  return [Number(row?.min ?? 0), Number(row?.max ?? -1)];
}

/**
 * Checks the ledger invariants on a live database in bounded id ranges (transactions, then
 * accounts), drawing a progress bar on `progress`. Reads only; changes nothing.
 */
export async function reconcile(db: Db, batch: number, progress: Writable): Promise<ReconcileReport> {
  const violations: InvariantViolation[] = [];
  const [tMin, tMax] = await idBounds(db, 'ledger_transactions');
  const [aMin, aMax] = await idBounds(db, 'accounts');
  const steps = Math.max(1, Math.ceil((tMax - tMin + 1) / batch) + Math.ceil((aMax - aMin + 1) / batch));
  let step = 0;
  const tick = () => {
    step++;
    const done = Math.min(1, step / steps);
    progress.write(`\rreconcile [${'#'.repeat(Math.round(done * 30)).padEnd(30, '.')}] ${Math.round(done * 100)}%`);
  };
  const sums = new Map<string, bigint>();
  for (let from = tMin; from <= tMax; from += batch) {
    const range = await checkTransactionRange(db, String(from), String(from + batch));
    violations.push(...range.violations);
    for (const [asset, total] of range.sums) sums.set(asset, (sums.get(asset) ?? 0n) + total);
    tick();
  }
  violations.unshift(...checkAssetSums(sums));
  for (let from = aMin; from <= aMax; from += batch) {
    violations.push(...(await checkAccountRange(db, String(from), String(from + batch))));
    tick();
  }
  progress.write('\n');
  return { transactions: Math.max(0, tMax - tMin + 1), accounts: Math.max(0, aMax - aMin + 1), violations };
}
