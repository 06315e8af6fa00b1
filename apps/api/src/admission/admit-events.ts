import type { Request } from 'express';
import type { PointsEvent } from '@points-engine/domain';
import type { ApiDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { requireEventTime } from '../middleware/event-time.ts';
import { parseOr400 } from '../middleware/validate.ts';
import { authorizeEvents, withOperator, type Placed } from './event-scopes.ts';
import { httpEventSchema } from './http-events.schema.ts';
import { refuseReusedKeys } from './idempotency-guard.ts';

export interface Admitted {
  placed: Placed<PointsEvent>[];
  /** Keys the ledger had not recorded (confirmQueued checks them after queueing). */
  unrecorded: Set<string>;
}

/**
 * Everything an event sent over HTTP passes before it is queued, in order: its schema with a
 * caller's key and no operator (400 naming the field), an `occurred_at` within the arrival bound
 * (400), the key's scope for its kind (403), the
 * operator set from the key, and no reuse of a key for another payload (409). `items` come with
 * their place in the body ('' for a lone event, 'events.3.' in an array).
 */
export async function admitEvents(deps: Pick<ApiDeps, 'db' | 'client' | 'logger' | 'now' | 'eventTimeBound'>, req: Request, items: readonly { item: unknown; at: string }[]): Promise<Admitted> {
  const parsed = items.map(({ item, at }) => ({ event: parseOr400(httpEventSchema, item, at.slice(0, -1)), at }));
  const arrival = (deps.now ?? Date.now)();
  for (const { event, at } of parsed) requireEventTime(deps, event, at, arrival);
  const principal = req.principal;
  if (principal?.kind !== 'key') throw new HttpError(401, 'unauthorized', 'an API key is required');
  await authorizeEvents(deps.db, principal.key, parsed);
  const placed = parsed.map(({ event, at }) => ({ event: withOperator(event, principal.key), at }));
  const unrecorded = await refuseReusedKeys(deps, placed);
  return { placed, unrecorded };
}
