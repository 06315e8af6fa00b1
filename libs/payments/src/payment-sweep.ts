import type { Db } from '@points-engine/db';
import { decideRefund, payloadHash, pointsEventSchema, refundReverseSchema } from '@points-engine/domain';
import type { Logger } from '@points-engine/logger';
import type { PaymentQueue } from './payment-queue.ts';
import { findLanded, findStale, findUnparkable, markApplied, markQueued, markRejected, unpark } from './payments.repository.ts';

export interface SweepOptions {
  /** An accepted payment with no ledger transaction this long after it was last queued is queued again. */
  requeueAfterSeconds: number;
  /** Most rows each step handles per run (the rest wait for the next minute). */
  batch?: number;
}

export interface SweepResult {
  /** Accepted payments found in the ledger, now marked applied. */
  applied: number;
  /** Accepted payments whose key the ledger holds with another event's payload. */
  keyTaken: number;
  /** Parked refunds whose payment landed: queued now. */
  unparked: number;
  /** Parked refunds whose payment landed for another user than the refund named. */
  refundsRejected: number;
  /** Accepted payments queued again because the ledger still had no transaction for them. */
  requeued: number;
}

/**
 * The payment sweeper (every minute, on the scheduler). Redis may lose a queued job (a crash
 * without AOF, a flushed queue, a job failed for good), but every accepted payment is a row in
 * PostgreSQL, so this run: (1) marks rows the ledger has recorded as applied (or key_taken when
 * the key holds another event); (2) applies parked refunds whose payment's transaction now exists,
 * with that transaction's user; (3) queues again, under the same idempotency key, every accepted
 * row still missing from the ledger `requeueAfterSeconds` after it was last queued. The ledger's
 * idempotency applies each once however often it is queued.
 */
export async function sweepPayments(deps: { db: Db; queue: PaymentQueue; logger: Pick<Logger, 'warn' | 'info'> }, options: SweepOptions): Promise<SweepResult> {
  const { db, queue, logger } = deps;
  const batch = options.batch ?? 500;
  const result: SweepResult = { applied: 0, keyTaken: 0, unparked: 0, refundsRejected: 0, requeued: 0 };

  const landed = await findLanded(db, batch);
  const applied: string[] = [];
  for (const row of landed) {
    const event = pointsEventSchema.parse(row.event);
    if (payloadHash(event) === row.payload_hash) applied.push(row.id);
    else {
      await markRejected(db, row.id, 'key_taken', { message: `the ledger already holds another event under ${event.idempotency_key}`, idempotency_key: event.idempotency_key }, ['received', 'queued']);
      logger.warn({ payment: row.id, idempotency_key: event.idempotency_key }, 'payment key taken by another event');
      result.keyTaken++;
    }
  }
  await markApplied(db, applied);
  result.applied = applied.length;

  for (const row of await findUnparkable(db, batch)) {
    const claim = { reverse: refundReverseSchema.parse(row.event), claimedUserId: row.claimed_user_id };
    const decision = decideRefund(claim, { userId: row.original_user_id });
    if (decision.status === 'rejected') {
      await markRejected(db, row.id, decision.reason, { ...decision.detail, message: decision.message }, ['parked']);
      result.refundsRejected++;
    } else if (decision.status === 'accepted') {
      const event = pointsEventSchema.parse(decision.event);
      if (!(await unpark(db, row.id, event.user_id, event))) continue;
      await queue.enqueue(event);
      await markQueued(db, row.id);
      result.unparked++;
    }
  }

  for (const row of await findStale(db, options.requeueAfterSeconds, batch)) {
    const event = pointsEventSchema.parse(row.event);
    await queue.enqueue(event);
    await markQueued(db, row.id);
    result.requeued++;
  }
  if (result.requeued > 0) logger.warn({ requeued: result.requeued }, 'payments queued again: their events were not in the ledger');
  return result;
}
