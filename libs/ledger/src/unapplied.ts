import type { Db } from '@points-engine/db';
import { recordedKeys } from './queries/transaction.query.ts';

/** An event the engine acknowledged (a 202 or 200) that some source still holds. */
export interface AcceptedEvent {
  /** Null when what the source holds carries no readable key (an invalid job payload). */
  idempotency_key: string | null;
  /** Which source holds it (`queue`, …). */
  source: string;
  /** The source's own handle on it: a job id, a payment id. */
  ref: string;
  /** The source's word for where it is: waiting, delayed, active, failed, missing, … */
  state: string;
  /** Why it failed, when it did. */
  reason: string | null;
  /** When it was accepted (ISO time). */
  accepted_at: string;
}

/**
 * A place that holds accepted events until the ledger has them: the event queues (and their key
 * index) today; a store of verified payments can be another. `accepted(before)` yields, a page at
 * a time, what it accepted before `before` (epoch ms) and still holds.
 */
export interface AcceptedSource {
  name: string;
  accepted(before: number): AsyncIterable<AcceptedEvent[]>;
}

export interface UnappliedReport {
  /** True when every event accepted longer ago than the threshold is in the ledger. */
  ok: boolean;
  older_than_seconds: number;
  /** Accepted events looked at (older than the threshold, still held by a source). */
  checked: number;
  /** Of those, not in the ledger. */
  count: number;
  by_source: Record<string, number>;
  by_state: Record<string, number>;
  /** The first `limit` of them. */
  events: AcceptedEvent[];
}

/**
 * Accepted events not applied after a threshold: everything the sources hold that is older than
 * `olderThanMs` and whose key the ledger has not recorded (checked a page at a time, one
 * statement per page). Reads only. This is the seam between the queue and the ledger that the
 * invariant check cannot see: an event answered 202 that never lands.
 */
export async function findUnapplied(db: Db, sources: readonly AcceptedSource[], options: { now: number; olderThanMs: number; limit?: number }): Promise<UnappliedReport> {
  const limit = options.limit ?? 100;
  const report: UnappliedReport = { ok: true, older_than_seconds: Math.round(options.olderThanMs / 1000), checked: 0, count: 0, by_source: {}, by_state: {}, events: [] };
  for (const source of sources) {
    for await (const page of source.accepted(options.now - options.olderThanMs)) {
      report.checked += page.length;
      const recorded = await recordedKeys(db, page.flatMap((event) => (event.idempotency_key === null ? [] : [event.idempotency_key])));
      for (const event of page) {
        if (event.idempotency_key !== null && recorded.has(event.idempotency_key)) continue;
        report.count++;
        report.by_source[event.source] = (report.by_source[event.source] ?? 0) + 1;
        report.by_state[event.state] = (report.by_state[event.state] ?? 0) + 1;
        if (report.events.length < limit) report.events.push(event);
      }
    }
  }
  report.ok = report.count === 0;
  return report;
}
