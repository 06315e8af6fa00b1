import { sql } from 'kysely';
import type { Db } from '@points-engine/db';

export interface RetentionPolicy {
  /** Outbox rows handed to Redis more than this many days ago are deleted (undelivered rows never are). */
  outboxDays: number;
  /** Received payment webhooks (an audit log; payments are deduplicated in the ledger) and the hourly counts of unverified ones older than this are deleted. */
  webhookDays: number;
}

/**
 * Deletes what has served its purpose, in bounded batches so no statement holds many locks or
 * runs long: delivered outbox rows, old webhook receipts and unverified-delivery counts. The ledger
 * itself (transactions, entries) is append-only and never trimmed, and so are stored payments (they
 * are what money was owed for). Returns how many rows each table lost.
 */
export async function applyRetention(db: Db, policy: RetentionPolicy, now: number, batchSize = 5_000): Promise<{ outbox: number; webhookDeliveries: number; unverifiedCounts: number }> {
  const before = (days: number) => new Date(now - days * 86_400_000).toISOString();
  const drain = async (statement: () => Promise<number>): Promise<number> => {
    let total = 0;
    for (;;) {
      const deleted = await statement();
      total += deleted;
      if (deleted < batchSize) return total;
    }
  };
  const outbox = await drain(async () => {
    const result = await sql`
      DELETE FROM outbox WHERE id IN (
        SELECT id FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ${before(policy.outboxDays)}::timestamptz
        ORDER BY id LIMIT ${batchSize})`.execute(db);
    return Number(result.numAffectedRows ?? 0n);
  });
  const webhookDeliveries = await drain(async () => {
    const result = await sql`
      DELETE FROM webhook_deliveries WHERE id IN (
        SELECT id FROM webhook_deliveries WHERE received_at < ${before(policy.webhookDays)}::timestamptz
        ORDER BY received_at LIMIT ${batchSize})`.execute(db);
    return Number(result.numAffectedRows ?? 0n);
  });
  // One row per provider and hour: a single statement stays small.
  const counts = await sql`DELETE FROM webhook_unverified WHERE hour < ${before(policy.webhookDays)}::timestamptz`.execute(db);
  return { outbox, webhookDeliveries, unverifiedCounts: Number(counts.numAffectedRows ?? 0n) };
}
