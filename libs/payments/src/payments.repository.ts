import { sql, type Selectable } from 'kysely';
import type { Executor, PaymentsTable } from '@points-engine/db';
import { toStorableText } from '@points-engine/domain';

export type PaymentRow = Selectable<PaymentsTable>;

/** A decided delivery, as it is stored. */
export interface NewPayment {
  provider: string;
  kind: 'purchase' | 'refund';
  paymentId: string;
  status: 'received' | 'rejected' | 'parked';
  userId: string | null;
  claimedUserId: string | null;
  eventKey: string;
  originalKey: string | null;
  event: Record<string, unknown> | null;
  reason: string | null;
  detail: Record<string, unknown>;
}

/**
 * JSON jsonb can store: a NUL or an unpaired surrogate in what a sender wrote (an order id, a
 * currency) becomes U+FFFD instead of failing the insert.
 */
export function storableJson(value: unknown): string {
  return JSON.stringify(value, (_key, child: unknown) => (typeof child === 'string' ? toStorableText(child) : child));
}

const text = (value: string | null) => (value === null ? null : toStorableText(value));

/**
 * Stores a verified payment or refund and returns the row as it stands. One row per (provider,
 * kind, payment id): a rejected or parked row takes the newer decision (a payment rejected for a
 * catalogue fixed since, a refund whose payment has landed), an accepted one is never downgraded.
 */
export async function storePayment(db: Executor, payment: NewPayment): Promise<PaymentRow> {
  const values = {
    provider: payment.provider,
    kind: payment.kind,
    payment_id: payment.paymentId,
    status: payment.status,
    user_id: text(payment.userId),
    claimed_user_id: text(payment.claimedUserId),
    event_key: payment.eventKey,
    original_key: payment.originalKey,
    event: payment.event === null ? null : storableJson(payment.event),
    reason: payment.reason,
    detail: storableJson(payment.detail),
  };
  const stored = await db
    .insertInto('payments')
    .values(values)
    .onConflict((oc) =>
      oc
        .columns(['provider', 'kind', 'payment_id'])
        .doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          user_id: eb.ref('excluded.user_id'),
          claimed_user_id: eb.ref('excluded.claimed_user_id'),
          event_key: eb.ref('excluded.event_key'),
          original_key: eb.ref('excluded.original_key'),
          event: eb.ref('excluded.event'),
          reason: eb.ref('excluded.reason'),
          detail: eb.ref('excluded.detail'),
          updated_at: sql`now()`,
        }))
        .where('payments.status', 'in', ['rejected', 'parked']),
    )
    .returningAll()
    .executeTakeFirst();
  if (stored) return stored;
  return db
    .selectFrom('payments')
    .selectAll()
    .where('provider', '=', payment.provider)
    .where('kind', '=', payment.kind)
    .where('payment_id', '=', payment.paymentId)
    .executeTakeFirstOrThrow();
}

/** Records that the row's event was handed to the queue (again). */
export async function markQueued(db: Executor, id: string): Promise<void> {
  await db
    .updateTable('payments')
    .set((eb) => ({ status: 'queued', queued_at: sql`now()`, attempts: eb('attempts', '+', 1), updated_at: sql`now()` }))
    .where('id', '=', id)
    .where('status', 'in', ['received', 'queued'])
    .execute();
}

/** The ledger transaction recorded under a key (the original a refund reverses, or a key already taken). */
export async function findLedgerTransaction(db: Executor, key: string): Promise<{ user_id: string; payload_hash: string } | undefined> {
  return db.selectFrom('ledger_transactions').select(['user_id', 'payload_hash']).where('idempotency_key', '=', key).executeTakeFirst();
}

/** Accepted rows (received or queued) whose key the ledger has recorded: to mark applied, or key_taken. */
export async function findLanded(db: Executor, limit: number) {
  return db
    .selectFrom('payments as p')
    .innerJoin('ledger_transactions as t', 't.idempotency_key', 'p.event_key')
    .select(['p.id', 'p.event', 't.payload_hash', 't.created_at'])
    .where('p.status', 'in', ['received', 'queued'])
    .orderBy('p.id')
    .limit(limit)
    .execute();
}

/** Marks rows applied, stamped with their ledger transaction's time (only rows still accepted, and only if the ledger has them). */
export async function markApplied(db: Executor, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`
    UPDATE payments p SET status = 'applied', applied_at = t.created_at, updated_at = now()
      FROM ledger_transactions t
     WHERE p.id = ANY(${[...ids]}::bigint[]) AND t.idempotency_key = p.event_key AND p.status IN ('received', 'queued')`.execute(db);
}

/** Rows that are no longer waiting: rejected with a reason (and detail) an operator reads. */
export async function markRejected(db: Executor, id: string, reason: string, detail: Record<string, unknown>, from: readonly string[]): Promise<void> {
  await db
    .updateTable('payments')
    .set({ status: 'rejected', reason, detail: storableJson(detail), event: null, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('status', 'in', [...from] as PaymentRow['status'][])
    .execute();
}

/** Parked refunds whose payment's ledger transaction now exists, with the buyer it names. */
export async function findUnparkable(db: Executor, limit: number) {
  return db
    .selectFrom('payments as p')
    .innerJoin('ledger_transactions as t', 't.idempotency_key', 'p.original_key')
    .select(['p.id', 'p.event', 'p.claimed_user_id', 't.user_id as original_user_id'])
    .where('p.status', '=', 'parked')
    .orderBy('p.id')
    .limit(limit)
    .execute();
}

/** Accepts a parked refund: its reverse, now with the buyer, becomes the row's event. Undefined if no longer parked. */
export async function unpark(db: Executor, id: string, userId: string, event: Record<string, unknown>): Promise<PaymentRow | undefined> {
  return db
    .updateTable('payments')
    .set({ status: 'received', user_id: userId, event: storableJson(event), reason: null, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('status', '=', 'parked')
    .returningAll()
    .executeTakeFirst();
}

/** Accepted rows with no ledger transaction, last handed to the queue (or stored) more than `seconds` ago. */
export async function findStale(db: Executor, seconds: number, limit: number): Promise<PaymentRow[]> {
  return db
    .selectFrom('payments as p')
    .selectAll('p')
    .where('p.status', 'in', ['received', 'queued'])
    .where(sql<boolean>`coalesce(p.queued_at, p.received_at) <= now() - make_interval(secs => ${seconds})`)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('ledger_transactions as t').select('t.id').whereRef('t.idempotency_key', '=', 'p.event_key'))))
    .orderBy('p.id')
    .limit(limit)
    .execute();
}

export interface UnappliedPayment {
  provider: string;
  kind: 'purchase' | 'refund';
  payment_id: string;
  event_key: string;
  status: 'received' | 'queued';
  attempts: number;
  received_at: Date;
  queued_at: Date | null;
}

/**
 * Verified payments accepted more than `olderThanMinutes` ago whose event the ledger has not
 * recorded: each was answered 200, so each is money owed (for reconcile's "accepted but not
 * applied"). Parked refunds are not listed: they wait, by design, for their payment.
 */
export async function listUnappliedPayments(db: Executor, options: { olderThanMinutes: number; limit?: number }): Promise<UnappliedPayment[]> {
  const rows = await db
    .selectFrom('payments as p')
    .select(['p.provider', 'p.kind', 'p.payment_id', 'p.event_key', 'p.status', 'p.attempts', 'p.received_at', 'p.queued_at'])
    .where('p.status', 'in', ['received', 'queued'])
    .where(sql<boolean>`p.received_at <= now() - make_interval(mins => ${options.olderThanMinutes})`)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('ledger_transactions as t').select('t.id').whereRef('t.idempotency_key', '=', 'p.event_key'))))
    .orderBy('p.id')
    .limit(options.limit ?? 1_000)
    .execute();
  return rows as UnappliedPayment[];
}
