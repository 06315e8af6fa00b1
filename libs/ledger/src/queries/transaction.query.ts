import type { Executor } from '@points-engine/db';

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

/** Which of these idempotency keys the ledger has recorded (one statement for the whole list). */
export async function recordedKeys(db: Executor, idempotencyKeys: readonly string[]): Promise<Set<string>> {
  if (idempotencyKeys.length === 0) return new Set();
  const rows = await db.selectFrom('ledger_transactions').select('idempotency_key').where((eb) => eb('idempotency_key', '=', eb.fn.any(eb.val([...idempotencyKeys])))).execute();
  return new Set(rows.map((row) => row.idempotency_key));
}
