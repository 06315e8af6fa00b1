import { payloadHash, type LedgerEvent, type PointsEvent } from '@points-engine/domain';
import { findRecordedEvents, recordIdempotencyConflicts, type IdempotencyConflict, type RecordedEvent } from '@points-engine/ledger';
import type { ApiDeps } from '../deps.ts';
import { idempotencyConflict } from '../errors.ts';
import { isDependencyUnavailable } from '../middleware/dependency-errors.ts';
import type { Placed } from './event-scopes.ts';

type GuardDeps = Pick<ApiDeps, 'db' | 'client' | 'logger'>;

/** Longest the ledger look-up may take before the request is queued without it (the worker still catches a reuse). */
const LEDGER_LOOKUP_TIMEOUT_MS = 2_000;

interface Found {
  placed: Placed<PointsEvent>;
  /** The first event's ledger transaction, or null when it is only queued (or in this request). */
  firstTransactionId: string | null;
  why: string;
}

/**
 * Before anything of a request is queued: refuses (409 `idempotency_conflict`, naming the field)
 * a request in which an event reuses a key for a different payload — one recorded in the ledger
 * (one query for the whole request), one still queued under the job ids the send would use
 * (PointsClient.queuedEvents), or an earlier event of the same request. Each refused delivery is
 * recorded in idempotency_conflicts. A replay (same payload) passes. While PostgreSQL cannot
 * answer, the ledger part is skipped so producers keep queueing (the worker then records the
 * conflict and fails that job). Answers the keys the ledger had not recorded, for confirmQueued.
 */
export async function refuseReusedKeys(deps: GuardDeps, placed: readonly Placed<PointsEvent>[]): Promise<Set<string>> {
  const keys = [...new Set(placed.map((p) => p.event.idempotency_key))];
  // Both look-ups at once; hashes only where there is something to compare (a new key has none).
  const [recorded, queued] = await Promise.all([recordedOrNull(deps, keys), deps.client.queuedEvents(placed.map((p) => p.event))]);
  const found: Found[] = [];
  const firstInRequest = new Map<string, Placed<PointsEvent>>();
  for (const p of placed) {
    const key = p.event.idempotency_key;
    const first = firstInRequest.get(key);
    const row = recorded?.get(key);
    if (first === undefined) firstInRequest.set(key, p);
    else if (!sameEvent(first.event, p.event)) found.push({ placed: p, firstTransactionId: null, why: `used twice in this request with different payloads (also at ${first.at || 'the top'})` });
    if (row) {
      if (row.payloadHash !== payloadHash(p.event as LedgerEvent)) found.push({ placed: p, firstTransactionId: row.transactionId, why: `already recorded for a different ${row.kind} event` });
    } else if ((queued.get(key) ?? []).some((other) => !sameEvent(other, p.event))) {
      found.push({ placed: p, firstTransactionId: null, why: 'already queued for a different event' });
    }
  }
  if (found.length > 0) await refuse(deps, found, 'nothing of this request was queued');
  return new Set(keys.filter((key) => !recorded?.has(key)));
}

/**
 * After queueing: a key the ledger had not recorded may have been queued by another request at
 * the same moment with another payload, and BullMQ keeps the job it has under an id (ours was
 * dropped). Refuses (409, recorded) if Redis now holds a different payload under our key.
 */
export async function confirmQueued(deps: GuardDeps, placed: readonly Placed<PointsEvent>[], unrecorded: ReadonlySet<string>): Promise<void> {
  const candidates = placed.filter((p) => unrecorded.has(p.event.idempotency_key));
  if (candidates.length === 0) return;
  // Only the jobs this send used: a job of ours holding another payload means ours was dropped.
  const queued = await deps.client.sentEvents(placed.map((p) => p.event));
  const found: Found[] = candidates
    .filter((p) => (queued.get(p.event.idempotency_key) ?? []).some((other) => !sameEvent(other, p.event)))
    .map((p) => ({ placed: p, firstTransactionId: null, why: 'queued by another request for a different event at the same moment' }));
  if (found.length > 0) await refuse(deps, found, 'the other events of this request were queued');
}

/**
 * Whether a queued (or earlier) payload is the same event as ours. Usually it is the very object
 * we serialised, so equal JSON settles it without hashing; otherwise the ledger's own comparison
 * (payloadHash: key order and occurred_at aside).
 */
function sameEvent(other: unknown, event: PointsEvent): boolean {
  // A raw job's data can be anything (a hostile batch holds nulls): not an event is not ours.
  if (other === null || typeof other !== 'object') return false;
  return JSON.stringify(other) === JSON.stringify(event) || payloadHash(other as LedgerEvent) === payloadHash(event as LedgerEvent);
}

/** Records a reuse the queue caught (PointsClient.spend saw another payload under the job id) and refuses it. */
export async function refuseQueuedReuse(deps: GuardDeps, placed: Placed<PointsEvent>): Promise<never> {
  const recorded = await recordedOrNull(deps, [placed.event.idempotency_key]);
  const first = recorded?.get(placed.event.idempotency_key);
  return refuse(deps, [{ placed, firstTransactionId: first?.transactionId ?? null, why: 'already queued for a different event' }], 'it was not queued');
}

async function refuse(deps: GuardDeps, all: Found[], outcome: string): Promise<never> {
  // One row per refused delivery, however many reasons it has.
  const found = all.filter((f, i) => all.findIndex((g) => g.placed === f.placed) === i);
  const conflicts: IdempotencyConflict[] = found.map((f) => ({ key: f.placed.event.idempotency_key, hash: payloadHash(f.placed.event as LedgerEvent), payload: f.placed.event as unknown as Record<string, unknown>, firstTransactionId: f.firstTransactionId }));
  try {
    await recordIdempotencyConflicts(deps.db, conflicts);
  } catch (error) {
    deps.logger.warn({ err: error, keys: conflicts.map((c) => c.key).slice(0, 5) }, 'idempotency conflict refused but not recorded');
  }
  const first = found.reduce((a, b) => (order(a) <= order(b) ? a : b));
  const field = `${first.placed.at}idempotency_key`;
  throw idempotencyConflict(field, `${field} ${first.placed.event.idempotency_key} was ${first.why}; ${outcome}`);
}

/** The ledger's rows for these keys, or null when PostgreSQL cannot answer in time. */
async function recordedOrNull(deps: GuardDeps, keys: string[]): Promise<Map<string, RecordedEvent> | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const rows = await Promise.race([
      findRecordedEvents(deps.db, keys),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`no answer in ${LEDGER_LOOKUP_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' })), LEDGER_LOOKUP_TIMEOUT_MS);
      }),
    ]);
    return new Map(rows.map((row) => [row.idempotencyKey, row]));
  } catch (error) {
    if (!isDependencyUnavailable(error)) throw error;
    deps.logger.warn({ err: error }, 'ledger not reachable: keys queued without the reuse check (the worker still refuses a reuse)');
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** Events in body order: `events.3.` after `events.2.`, a lone event first. */
function order(f: Found): number {
  const index = /^events\.(\d+)\./.exec(f.placed.at)?.[1];
  return index === undefined ? -1 : Number(index);
}
