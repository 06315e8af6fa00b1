/** What the last relay pass did. */
export interface PassResult {
  /** Rows handed to Redis and marked delivered. */
  delivered: number;
  /** Failed passes in a row (0 after a success). */
  failures: number;
}

export interface RelayTiming {
  batchSize: number;
  /** The idle wait between passes that found fewer rows than a batch. */
  pollMs: number;
  /** The longest wait after failures. */
  maxBackoffMs: number;
}

/**
 * How long the relay waits before its next pass: none while it is draining (a full batch means
 * more may be waiting), the poll interval when idle, and exponential backoff from the poll
 * interval after failures (Redis or PostgreSQL down), capped.
 */
export function nextPassDelay(last: PassResult, timing: RelayTiming): number {
  if (last.failures > 0) return Math.min(timing.maxBackoffMs, timing.pollMs * 2 ** Math.min(last.failures, 20));
  if (last.delivered >= timing.batchSize) return 0;
  return timing.pollMs;
}
