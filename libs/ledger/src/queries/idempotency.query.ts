import { sql } from 'kysely';
import type { Executor } from '@points-engine/db';

/** What the ledger recorded under an idempotency key: enough to tell a replay from a reuse. */
export interface RecordedEvent {
  idempotencyKey: string;
  transactionId: string;
  kind: string;
  payloadHash: string;
}

/** The recorded transactions of these keys (one query for any number of keys). */
export async function findRecordedEvents(db: Executor, keys: readonly string[]): Promise<RecordedEvent[]> {
  if (keys.length === 0) return [];
  const rows = await db
    .selectFrom('ledger_transactions')
    .select(['idempotency_key', 'id', 'kind', 'payload_hash'])
    .where((eb) => eb('idempotency_key', '=', eb.fn.any(sql<string[]>`${[...new Set(keys)]}::text[]`)))
    .execute();
  return rows.map((row) => ({ idempotencyKey: row.idempotency_key, transactionId: row.id, kind: row.kind, payloadHash: row.payload_hash }));
}

/** A delivery refused because its key was first used for a different event. */
export interface IdempotencyConflict {
  key: string;
  hash: string;
  payload: Record<string, unknown>;
  /** The ledger transaction of the first event; null while that event is only queued. */
  firstTransactionId: string | null;
}

/** Records refused deliveries in idempotency_conflicts (one statement). */
export async function recordIdempotencyConflicts(db: Executor, conflicts: readonly IdempotencyConflict[]): Promise<void> {
  if (conflicts.length === 0) return;
  await sql`
    INSERT INTO idempotency_conflicts (idempotency_key, payload_hash, payload, first_transaction_id)
    SELECT * FROM unnest(${conflicts.map((c) => c.key)}::text[], ${conflicts.map((c) => c.hash)}::text[],
                         ${conflicts.map((c) => JSON.stringify(c.payload))}::jsonb[], ${conflicts.map((c) => c.firstTransactionId)}::int8[])`.execute(db);
}
