import { EVENT_KIND_SCOPES, maySend, operatorName, REVERSE_SCOPES_BY_ORIGINAL, type ApiKeyIdentity } from '@points-engine/auth';
import type { PointsEvent } from '@points-engine/domain';
import type { Executor } from '@points-engine/db';
import { findRecordedEvents } from '@points-engine/ledger';
import { forbiddenEvent } from '../errors.ts';
import type { HttpEvent } from './http-events.schema.ts';

/** An event of a request and where it sits in the body ('' for a lone event, 'events.3.' in an array). */
export interface Placed<E> {
  event: E;
  at: string;
}

/**
 * Refuses (403) the first event the key may not send (EVENT_KIND_SCOPES), naming its place and
 * kind; nothing of the request is queued. A reverse by a key without admin is looked up: the
 * payments scope may reverse a recorded purchase_bonus and nothing else.
 */
export async function authorizeEvents(db: Executor, identity: ApiKeyIdentity, placed: readonly Placed<HttpEvent>[]): Promise<void> {
  const originalsNeeded = placed.flatMap(({ event }) => (event.kind === 'reverse' && !maySend(identity, 'reverse') ? [event.transaction_key] : []));
  const originals = new Map((await findRecordedEvents(db, originalsNeeded)).map((row) => [row.idempotencyKey, row.kind]));
  for (const { event, at } of placed) {
    const original = event.kind === 'reverse' ? originals.get(event.transaction_key) : undefined;
    if (maySend(identity, event.kind, original)) continue;
    const where = at ? `${at.slice(0, -1)} (${event.kind})` : event.kind;
    const also = event.kind === 'reverse' ? `; ${Object.entries(REVERSE_SCOPES_BY_ORIGINAL).map(([kind, scope]) => `${scope} may reverse a recorded ${kind}`).join(', ')}` : '';
    throw forbiddenEvent(`${at}kind`, `${where}: needs the ${EVENT_KIND_SCOPES[event.kind]} scope${also}; this key has ${identity.scopes.join(', ') || 'none'}`);
  }
}

/** The event as the ledger records it: adjustments carry the key's name and id as their operator. */
export function withOperator(event: HttpEvent, identity: ApiKeyIdentity): PointsEvent {
  if (event.kind === 'grant' || event.kind === 'deduct' || event.kind === 'reverse') return { ...event, operator: operatorName(identity) };
  return event as PointsEvent;
}
