import type { Executor } from '@pe/db';

/** The recorded outcome of an event by its idempotency key, or undefined if none is recorded. */
export async function getRecordedTransaction(db: Executor, idempotencyKey: string) {
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
  return { transaction_id: row.id, status: row.status, reason: row.reason, outcome: row.outcome, conflicting_deliveries: Number(conflicts?.count ?? 0) };
}
