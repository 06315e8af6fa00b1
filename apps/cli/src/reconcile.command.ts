import type { Writable } from 'node:stream';
import { findUnapplied, reconcileLedger, type AcceptedSource, type ReconcileReport, type UnappliedReport } from '@points-engine/ledger';
import type { Db } from '@points-engine/db';

export type { ReconcileReport };

/**
 * `npm run reconcile`: the ledger invariants on a live database in bounded id ranges
 * (reconcileLedger, the same check GET /api/admin/reconcile runs), drawing a progress bar on
 * `progress`; then, as a section of its own, the events accepted more than `unappliedAfterSeconds`
 * ago that the ledger does not have (findUnapplied over `sources`). Reads only; changes nothing.
 */
export async function reconcile(
  db: Db,
  batch: number,
  progress: Writable,
  accepted: { sources: readonly AcceptedSource[]; unappliedAfterSeconds: number } = { sources: [], unappliedAfterSeconds: 300 },
): Promise<ReconcileReport & { unapplied: UnappliedReport }> {
  const report = await reconcileLedger(db, {
    batch,
    onProgress: (done, total) => {
      const share = Math.min(1, done / total);
      progress.write(`\rreconcile [${'#'.repeat(Math.round(share * 30)).padEnd(30, '.')}] ${Math.round(share * 100)}%`);
    },
  });
  progress.write('\n');
  const unapplied = await findUnapplied(db, accepted.sources, { now: Date.now(), olderThanMs: accepted.unappliedAfterSeconds * 1000 });
  if (!unapplied.ok) progress.write(`${unapplied.count} accepted event(s) older than ${accepted.unappliedAfterSeconds} s are not in the ledger: ${JSON.stringify(unapplied.by_state)}\n`);
  return { ...report, unapplied };
}
