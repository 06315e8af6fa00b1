import type { Writable } from 'node:stream';
import { findUnapplied, reconcileLedger, type AcceptedSource, type ReconcileReport, type UnappliedReport } from '@points-engine/ledger';
import { loadConfig } from '@points-engine/config';
import type { Db } from '@points-engine/db';
import { createRedis } from '@points-engine/jobs';
import { acceptedSources } from '@points-engine/runtime';
import { openDatabase } from './cli-database.ts';

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

/**
 * The `reconcile` command: the report as JSON on stdout (progress on stderr); exit 0 when clean,
 * 2 when it found a violation or unapplied events. Reads only: it runs no migrations.
 */
export async function runReconcile(options: { batch: number; unappliedAfter: number }): Promise<{ output: string; exitCode: number }> {
  const config = loadConfig();
  const { db, close } = await openDatabase(config, 'read');
  const redis = createRedis(config.REDIS_URL, 'producer', { connectionName: `${config.QUEUE_PREFIX}:reconcile` });
  try {
    const sources = acceptedSources({ redis, prefix: config.QUEUE_PREFIX, partitions: config.QUEUE_PARTITIONS });
    const report = await reconcile(db, options.batch, process.stderr, { sources, unappliedAfterSeconds: options.unappliedAfter });
    return { output: `${JSON.stringify(report, null, 2)}\n`, exitCode: report.violations.length === 0 && report.unapplied.ok ? 0 : 2 };
  } finally {
    redis.disconnect();
    await close();
  }
}
