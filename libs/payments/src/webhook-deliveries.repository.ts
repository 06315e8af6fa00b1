import { sql } from 'kysely';
import type { Executor } from '@points-engine/db';
import { toStorableText } from '@points-engine/domain';
import { storableJson } from './payments.repository.ts';

/** A verified webhook delivery as it arrived, whatever became of it (an audit log kept WEBHOOK_RETENTION_DAYS). */
export interface VerifiedDelivery {
  provider: string;
  paymentId: string | null;
  /** The provider's status (`finished`, `successful_payment`, `confirmed`, …). */
  status: string;
  /** The ledger key it was queued or parked under; null when rejected or only recorded. */
  eventKey: string | null;
  detail: Record<string, unknown>;
}

/** Records a verified delivery in `webhook_deliveries`. */
export async function recordDelivery(db: Executor, delivery: VerifiedDelivery): Promise<void> {
  await db
    .insertInto('webhook_deliveries')
    .values({
      provider: delivery.provider,
      payment_id: delivery.paymentId === null ? null : toStorableText(delivery.paymentId),
      status: delivery.status,
      signature_ok: true,
      event_key: delivery.eventKey,
      detail: storableJson(delivery.detail),
    })
    .execute();
}

/**
 * Counts a webhook delivery whose signature did not verify in its provider's row for this hour.
 * Anyone can send such a delivery, so it must not cost a row each (they were kept 90 days); the
 * count, and the last sender's address, are what an operator needs to see a wrong secret or a probe.
 */
export async function countUnverifiedDelivery(db: Executor, provider: string, ip: string | null): Promise<void> {
  await sql`
    INSERT INTO webhook_unverified (provider, hour, deliveries, last_ip, last_at)
    VALUES (${provider}, date_trunc('hour', now()), 1, ${ip === null ? null : toStorableText(ip)}, now())
    ON CONFLICT (provider, hour) DO UPDATE
      SET deliveries = webhook_unverified.deliveries + 1, last_ip = EXCLUDED.last_ip, last_at = EXCLUDED.last_at`.execute(db);
}
