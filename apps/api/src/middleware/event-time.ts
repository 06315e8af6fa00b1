import { checkEventTime, DEFAULT_EVENT_TIME_BOUND } from '@points-engine/domain';
import type { ApiDeps } from '../deps.ts';
import { badRequest } from '../errors.ts';

/**
 * Refuses (400) an event whose `occurred_at` lies outside the arrival bound, naming `occurred_at`
 * at its place in the body (`at`: '' for a lone event, 'events.3.' in an array): a producer cannot
 * choose when its events count beyond clock skew and transit (docs/rules.md).
 */
export function requireEventTime(deps: Pick<ApiDeps, 'now' | 'eventTimeBound'>, event: { occurred_at?: string | undefined }, at: string, arrival = (deps.now ?? Date.now)()): void {
  const problem = checkEventTime(event.occurred_at, arrival, deps.eventTimeBound ?? DEFAULT_EVENT_TIME_BOUND);
  if (problem !== null) throw badRequest(`${at}occurred_at`, problem);
}
