import type { Redis } from 'ioredis';
import { queuedEventsSource } from '@points-engine/jobs';
import type { AcceptedSource } from '@points-engine/ledger';

/**
 * Every place that holds events the engine acknowledged until the ledger has them; reconcile
 * (`npm run reconcile`, GET /api/admin/reconcile) reports what they hold past a threshold. A new
 * place that answers 200/202 before the ledger has the event adds its source here.
 */
export function acceptedSources(deps: { redis: Redis; prefix: string; partitions: number }): AcceptedSource[] {
  return [queuedEventsSource({ connection: deps.redis, prefix: deps.prefix, partitions: deps.partitions })];
}

/** The default threshold: an event accepted longer ago than this should be in the ledger. */
export const UNAPPLIED_AFTER_SECONDS = 300;
