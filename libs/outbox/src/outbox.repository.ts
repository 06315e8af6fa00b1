import { sql } from 'kysely';
import type { Executor, Tx } from '@points-engine/db';
import type { OutboxRow } from './bot-event.mapper.ts';

/**
 * Locks up to `limit` undelivered rows, oldest first, skipping rows another relay holds; the
 * locks last until the caller's transaction ends, so no two relays publish a row at once.
 */
export async function claimUndelivered(tx: Tx, limit: number): Promise<OutboxRow[]> {
  return tx
    .selectFrom('outbox')
    .select(['id', 'event_id', 'type', 'user_id', 'payload', 'created_at'])
    .where('delivered_at', 'is', null)
    .orderBy('id')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

/** Marks claimed rows delivered (in the claiming transaction, after Redis accepted them). */
export async function markDelivered(tx: Tx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.updateTable('outbox').set({ delivered_at: sql`now()`, last_error: null }).where((eb) => eb('id', '=', eb.fn.any(eb.val([...ids])))).execute();
}

/** Counts a failed hand-off on rows no other relay holds now (never waits for a lock). */
export async function recordPublishError(db: Executor, ids: readonly string[], message: string): Promise<void> {
  if (ids.length === 0) return;
  await sql`
    UPDATE outbox SET publish_errors = publish_errors + 1, last_error = ${message.slice(0, 1000)}
    WHERE id IN (SELECT id FROM outbox WHERE id = ANY(${[...ids]}::int8[]) AND delivered_at IS NULL FOR UPDATE SKIP LOCKED)`.execute(db);
}

/** Records one HTTP callback attempt: delivered (the first 2xx) or its error (kept after a later success). */
export async function recordCallbackAttempt(db: Executor, eventId: string, attempt: number, error: string | null): Promise<void> {
  await db
    .updateTable('outbox')
    .set((eb) => ({
      callback_attempts: sql<number>`greatest(${eb.ref('callback_attempts')}, ${attempt}::int)`,
      ...(error === null
        ? { callback_delivered_at: sql<Date>`coalesce(${eb.ref('callback_delivered_at')}, now())` }
        : { callback_last_error: error.slice(0, 1000) }),
    }))
    .where('event_id', '=', eventId)
    .execute();
}
