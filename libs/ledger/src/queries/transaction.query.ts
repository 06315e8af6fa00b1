import { z } from 'zod';
import { eventOutcomeSchema, type EventOutcome } from '@points-engine/domain';
import type { Executor } from '@points-engine/db';
import { int, int8Id } from './wire.schema.ts';

/** An event the ledger recorded, by its idempotency key: its outcome, and how many deliveries reused the key for another payload. */
export const recordedTransactionSchema = z.object({
  transaction_id: int8Id,
  status: z.enum(['applied', 'rejected']),
  reason: z.string().nullable(),
  outcome: eventOutcomeSchema,
  conflicting_deliveries: int.meta({ description: 'deliveries refused because they reused this key for a different payload (idempotency_conflicts)' }),
});
export type RecordedTransaction = z.output<typeof recordedTransactionSchema>;

/** The recorded outcome of an event by its idempotency key, or undefined if none is recorded. */
export async function getRecordedTransaction(db: Executor, idempotencyKey: string): Promise<RecordedTransaction | undefined> {
  const row = await db
    .selectFrom('ledger_transactions')
    .select(['id', 'status', 'reason', 'outcome', 'created_at'])
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
  if (!row) return undefined;
  const conflicts = await db
    .selectFrom('idempotency_conflicts')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
  // The outcome column holds what the ledger wrote with the transaction: an EventOutcome.
  return { transaction_id: row.id, status: row.status, reason: row.reason, outcome: row.outcome as EventOutcome, conflicting_deliveries: Number(conflicts?.count ?? 0) };
}

/** Which of these idempotency keys the ledger has recorded (one statement for the whole list). */
export async function recordedKeys(db: Executor, idempotencyKeys: readonly string[]): Promise<Set<string>> {
  if (idempotencyKeys.length === 0) return new Set();
  const rows = await db.selectFrom('ledger_transactions').select('idempotency_key').where((eb) => eb('idempotency_key', '=', eb.fn.any(eb.val([...idempotencyKeys])))).execute();
  return new Set(rows.map((row) => row.idempotency_key));
}
