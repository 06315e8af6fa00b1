import type { Db } from '@points-engine/db';
import { FAILED_EVENT_JOB_RETENTION_MS, type KeyIndex } from '@points-engine/jobs';
import { recordedKeys } from '@points-engine/ledger';

/**
 * Drops key-index entries that no longer point anywhere useful: keys the ledger has (their batch
 * completed but the worker could not drop them), and entries older than a failed job is kept.
 * Entries of batches still queued or failed, and of batches Redis lost, stay (reconcile reports
 * the last as accepted but not applied). `now` is real time: the index ages in real days.
 */
export async function sweepKeyIndex(deps: { db: Db; index: KeyIndex; partitions: number }, now = Date.now()): Promise<number> {
  let dropped = 0;
  for (let partition = 0; partition < deps.partitions; partition++) {
    for await (const page of deps.index.scan(partition)) {
      const recorded = await recordedKeys(deps.db, page.map((entry) => entry.idempotencyKey));
      const stale = page.filter((entry) => recorded.has(entry.idempotencyKey) || now - entry.acceptedAt > FAILED_EVENT_JOB_RETENTION_MS);
      dropped += await deps.index.remove(partition, stale.map((entry) => entry.idempotencyKey));
    }
  }
  return dropped;
}
