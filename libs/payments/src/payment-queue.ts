import type { PointsClient } from '@points-engine/client';
import type { PointsEvent } from '@points-engine/domain';

/** Where a stored payment's event goes to be applied: the event queues. */
export interface PaymentQueue {
  /** Hands the event to the queue under its idempotency key's job id; resolves with the job id. */
  enqueue(event: PointsEvent): Promise<string>;
}

/**
 * The event queues through a PointsClient. A job that already exists under the key's job id is
 * left as it is (BullMQ ignores the add), except a failed one, which is retried: a payment whose
 * job exhausted its attempts must not stay unapplied because its failed job holds the id.
 */
export function paymentQueue(client: PointsClient): PaymentQueue {
  return {
    async enqueue(event) {
      const existing = await client.findEventJob(event.idempotency_key, event.user_id);
      if (existing && (await existing.isFailed())) {
        await existing.retry('failed');
        return existing.id as string;
      }
      return (await client.send(event)).jobId;
    },
  };
}
