import type { Db } from '@points-engine/db';
import {
  decideRefund,
  payloadHash,
  pointsEventSchema,
  rejectPayment,
  type PaymentIntake,
  type PaymentRejection,
  type PointsEvent,
  type PointsEventInput,
} from '@points-engine/domain';
import type { Logger } from '@points-engine/logger';
import type { PaymentQueue } from './payment-queue.ts';
import { findLedgerTransaction, markQueued, storePayment, type NewPayment, type PaymentRow } from './payments.repository.ts';

/** What the provider is answered (always with 200: the delivery is stored, or refused for good). */
export type PaymentAnswer =
  | { status: 'queued'; idempotency_key: string; job_id: string }
  /** Stored, but the queue could not be reached: the payment sweeper will queue it. */
  | { status: 'stored'; idempotency_key: string }
  | { status: 'applied'; idempotency_key: string }
  /** A refund waiting for its payment's transaction; the sweeper applies it once that exists. */
  | { status: 'parked'; idempotency_key: string }
  | { status: 'rejected'; reason: string; message: string };

export interface ReceiveDeps {
  db: Db;
  queue: PaymentQueue;
  logger: Pick<Logger, 'warn' | 'error'>;
  enqueueTimeoutMs?: number;
}

/**
 * How long a webhook waits for Redis to take a stored payment's job. BullMQ waits for a
 * connection that is not ready instead of failing, so an outage would hang every delivery (and
 * the provider would time out and resend); the payment is already stored, so it is answered
 * `stored` and the sweeper queues it.
 */
export const ENQUEUE_TIMEOUT_MS = 3_000;

type Decided = { status: 'accepted'; event: PointsEvent } | { status: 'parked' } | PaymentRejection;

/**
 * Receives a verified payment or refund: decides what the database can tell (a refund's buyer, a
 * key already taken), stores it in `payments` — before anything is answered, so money never
 * depends on Redis alone — then queues its event. The stored row decides the answer, so a
 * repeated delivery is answered as the first one was, and queued again (idempotent) while the
 * ledger has not recorded it.
 */
export async function receivePayment(deps: ReceiveDeps, intake: PaymentIntake): Promise<{ answer: PaymentAnswer; row: PaymentRow }> {
  const decided = await decide(deps.db, intake);
  const row = await storePayment(deps.db, toRow(intake, decided));
  if (row.status === 'rejected') {
    deps.logger.warn({ provider: row.provider, kind: row.kind, payment_id: row.payment_id, reason: row.reason }, 'payment rejected');
    return { row, answer: { status: 'rejected', reason: row.reason ?? 'rejected', message: String(row.detail['message'] ?? row.reason) } };
  }
  if (row.status === 'parked' || row.status === 'applied') return { row, answer: { status: row.status, idempotency_key: row.event_key } };
  const event = pointsEventSchema.parse(row.event);
  try {
    const jobId = await withTimeout(deps.queue.enqueue(event), deps.enqueueTimeoutMs ?? ENQUEUE_TIMEOUT_MS);
    await markQueued(deps.db, row.id);
    return { row, answer: { status: 'queued', idempotency_key: row.event_key, job_id: jobId } };
  } catch (error) {
    // The payment is stored: acknowledging it stops the provider's retries, and the sweeper
    // queues it once Redis answers. Refusing it would only have the provider resend it.
    deps.logger.error({ err: error, provider: row.provider, payment_id: row.payment_id }, 'payment stored but not queued: the sweeper will queue it');
    return { row, answer: { status: 'stored', idempotency_key: row.event_key } };
  }
}

/** The promise, or a rejection once `ms` passed (the promise runs on: an add that lands late is a harmless duplicate). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the queue did not answer within ${ms} ms`)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function decide(db: Db, intake: PaymentIntake): Promise<Decided> {
  let decision: { status: 'accepted'; event: PointsEventInput } | { status: 'parked' } | PaymentRejection;
  if (intake.type === 'purchase') decision = intake.decision;
  else {
    const original = await findLedgerTransaction(db, intake.originalKey);
    decision = decideRefund(intake.claim, original && { userId: original.user_id });
  }
  if (decision.status !== 'accepted') return decision;
  const event = pointsEventSchema.parse(decision.event);
  return (await keyTaken(db, event)) ?? { status: 'accepted', event };
}

/**
 * The rejection of an event whose key the ledger already holds with another payload: the payment
 * would be a silent replay of someone else's event, so it is refused where an operator sees it.
 */
export async function keyTaken(db: Db, event: PointsEvent): Promise<PaymentRejection | undefined> {
  const recorded = await findLedgerTransaction(db, event.idempotency_key);
  if (!recorded || recorded.payload_hash === payloadHash(event)) return undefined;
  return rejectPayment('key_taken', `the ledger already holds another event under ${event.idempotency_key}`, { idempotency_key: event.idempotency_key });
}

function toRow(intake: PaymentIntake, decided: Decided): NewPayment {
  const common = {
    provider: intake.provider,
    kind: intake.type,
    paymentId: intake.paymentId,
    eventKey: intake.eventKey,
    originalKey: intake.type === 'refund' ? intake.originalKey : null,
    claimedUserId: intake.type === 'refund' ? intake.claim.claimedUserId : null,
  };
  const buyer = intake.type === 'purchase' ? intake.userId : null;
  if (decided.status === 'rejected') {
    return { ...common, status: 'rejected', userId: buyer, event: null, reason: decided.reason, detail: { ...intake.detail, ...decided.detail, message: decided.message } };
  }
  if (decided.status === 'parked') {
    const reverse = intake.type === 'refund' ? intake.claim.reverse : null;
    return { ...common, status: 'parked', userId: null, event: reverse, reason: null, detail: intake.detail };
  }
  return { ...common, status: 'received', userId: decided.event.user_id, event: decided.event, reason: null, detail: intake.detail };
}
