import type { Writable } from 'node:stream';
import { reconcileLedger, type ReconcileReport } from '@pe/ledger';
import type { Db } from '@pe/db';

export type { ReconcileReport };

/**
 * `npm run reconcile`: the ledger invariants on a live database in bounded id ranges
 * (reconcileLedger, the same check GET /api/admin/reconcile runs), drawing a progress bar on
 * `progress`. Reads only; changes nothing.
 */
export async function reconcile(db: Db, batch: number, progress: Writable): Promise<ReconcileReport> {
  const report = await reconcileLedger(db, {
    batch,
    onProgress: (done, total) => {
      const share = Math.min(1, done / total);
      progress.write(`\rreconcile [${'#'.repeat(Math.round(share * 30)).padEnd(30, '.')}] ${Math.round(share * 100)}%`);
    },
  });
  progress.write('\n');
  return report;
}
