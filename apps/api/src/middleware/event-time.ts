import { checkEventTime, DEFAULT_EVENT_TIME_BOUND } from '@pe/domain';
import type { ApiDeps } from '../deps.ts';
import { badRequest } from '../errors.ts';

/**
 * Refuses (400) a request whose events claim an `occurred_at` outside the arrival bound, naming
 * `occurred_at`, or `{prefix}.N.occurred_at` in an array: a producer cannot choose when its events
 * count beyond clock skew and transit (docs/rules.md). Nothing of the request is queued.
 */
export function requireEventTimes(deps: Pick<ApiDeps, 'now' | 'eventTimeBound'>, events: readonly { occurred_at?: string | undefined }[], prefix?: string): void {
  const arrival = (deps.now ?? Date.now)();
  const bound = deps.eventTimeBound ?? DEFAULT_EVENT_TIME_BOUND;
  events.forEach((event, index) => {
    const problem = checkEventTime(event.occurred_at, arrival, bound);
    if (problem !== null) throw badRequest(prefix === undefined ? 'occurred_at' : `${prefix}.${index}.occurred_at`, problem);
  });
}
