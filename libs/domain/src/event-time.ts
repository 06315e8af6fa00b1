/**
 * How far a producer's `occurred_at` may stray from when the event arrived. The API enforces it;
 * the rules size their windows (rule-windows.ts) from it, so an event inside the bound is always
 * checked against everything it could collide with.
 */
export interface EventTimeBound {
  /** How old an event may be when it arrives (EVENT_MAX_AGE_SECONDS). */
  readonly maxAgeSeconds: number;
  /** How far ahead of the receiving clock it may be (EVENT_MAX_FUTURE_SECONDS: clock skew). */
  readonly maxFutureSeconds: number;
}

export const DEFAULT_EVENT_TIME_BOUND: EventTimeBound = { maxAgeSeconds: 600, maxFutureSeconds: 60 };

/**
 * Largest EVENT_MAX_AGE_SECONDS and EVENT_MAX_FUTURE_SECONDS: under a day each, so an event in
 * the bound lands on one of at most three program days and the day windows stay a few entries.
 */
export const MAX_EVENT_AGE_SECONDS = 86_399;
export const MAX_EVENT_FUTURE_SECONDS = 3_600;

/**
 * Whether an event stamped `occurredAt` may be accepted on arrival at `arrivalMs`: null if so (no
 * stamp counts as "now"), else why not, in words for a 400.
 */
export function checkEventTime(occurredAt: string | undefined, arrivalMs: number, bound: EventTimeBound): string | null {
  if (occurredAt === undefined) return null;
  const at = Date.parse(occurredAt);
  if (Number.isNaN(at)) return 'not a valid instant';
  if (at < arrivalMs - bound.maxAgeSeconds * 1000) {
    return `more than ${bound.maxAgeSeconds} s before the server's clock (${new Date(arrivalMs).toISOString()}); send events as they happen, or leave occurred_at out`;
  }
  if (at > arrivalMs + bound.maxFutureSeconds * 1000) {
    return `more than ${bound.maxFutureSeconds} s after the server's clock (${new Date(arrivalMs).toISOString()}); check the producer's clock`;
  }
  return null;
}

/**
 * How far apart two events' instants can be when both arrived within the bound in either order:
 * the oldest an earlier one may claim to the furthest ahead a later one may. A window keeps what
 * lies within this span (plus an activity's interval) of its latest entry.
 */
export function boundSpanMs(bound: EventTimeBound): number {
  return (bound.maxAgeSeconds + bound.maxFutureSeconds) * 1000;
}
