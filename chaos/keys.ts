import { createApiKey, operatorName } from '@points-engine/auth';
import type { Db } from '@points-engine/db';
import type { Workload } from './workload.ts';

/**
 * The run's API keys. HTTP producers send every kind, so they hold every scope (admin); the
 * hostile requests use a bot's producer key. Over HTTP the server records the sending key as the
 * operator of a grant, deduct or reverse, so every event of those kinds carries that operator on
 * every channel: a duplicate sent on another channel is then the same payload.
 */
export async function chaosKeys(db: Db, workload: Workload) {
  const admin = await createApiKey(db, 'chaos-admin', ['admin']);
  const keys = {
    producer: (await createApiKey(db, 'chaos-producer', ['producer'])).key,
    reader: (await createApiKey(db, 'chaos-reader', ['reader'])).key,
    admin: admin.key,
    none: '',
    bogus: 'pe_bogus.key-that-does-not-exist',
  };
  const httpOperator = operatorName({ id: admin.id, name: 'chaos-admin' });
  for (const { event } of workload.events) {
    if (event.kind === 'grant' || event.kind === 'deduct' || event.kind === 'reverse') event.operator = httpOperator;
  }
  return keys;
}
