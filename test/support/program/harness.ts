// Helpers for the points-program integration tests (test/integration/program-*.test.ts): a clock
// the tests set by hand, sending events through the real worker, and reads of what the ledger stored.
import { expect } from 'vitest';
import { sql } from 'kysely';
import type { SpendOutcome } from '@points-engine/client';
import { defaultProgram, type AssetCode, type PointsEventInput, type Program, type SystemAccount } from '@points-engine/domain';
import { getBalance, type BalanceView } from '@points-engine/ledger';
import type { TestEngine } from '../engine.ts';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** An ISO timestamp for `occurred_at`. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** Noon UTC of a 'YYYY-MM-DD' day, plus an offset. */
export const noon = (day: string, offsetMs = 0): number => Date.parse(`${day}T12:00:00Z`) + offsetMs;

/** A clock the test moves by hand; pass `clock.now` to startTestEngine so the worker applies events at known instants. */
export interface ManualClock {
  now: () => number;
  set(ms: number): void;
}
export function manualClock(start: number): ManualClock {
  let current = start;
  return {
    now: () => current,
    set: (ms) => {
      current = ms;
    },
  };
}

/** The default program with spends drawing on points only (so "spend 300 points" is one number). */
export const pointsOnlyProgram: Program = { ...defaultProgram, spending: { ...defaultProgram.spending, order: ['points'] } };

/**
 * Sends one event through the queue and the real worker and waits for its outcome. Failing the
 * job (an invalid payload, a conflict) rejects, so a test never mistakes a failure for an outcome.
 */
export async function send(engine: TestEngine, event: PointsEventInput): Promise<SpendOutcome> {
  return engine.client.spend(event);
}

/** Sends an event that must be applied; returns its outcome. */
export async function applied(engine: TestEngine, event: PointsEventInput): Promise<SpendOutcome> {
  const outcome = await send(engine, event);
  expect(outcome, `${event.kind} ${event.idempotency_key}`).toMatchObject({ status: 'applied' });
  return outcome;
}

const readerKeys = new WeakMap<TestEngine, Promise<string>>();

/** GET /api/points/balance through the real API with a reader key. */
export async function apiBalance(engine: TestEngine, userId: string): Promise<BalanceView> {
  let key = readerKeys.get(engine);
  if (!key) {
    key = engine.key('reader');
    readerKeys.set(engine, key);
  }
  const response = await engine.fetch(`/api/points/balance?user_id=${encodeURIComponent(userId)}`, { key: await key });
  expect(response.status).toBe(200);
  return (await response.json()) as BalanceView;
}

/** The balance picture at an explicit instant (tier and streak visibility depend on it). */
export function balanceAt(engine: TestEngine, userId: string, now: number): Promise<BalanceView> {
  return getBalance(engine.db, userId, engine.ledger.program, now);
}

/** How many entries touch this user's accounts (or the whole ledger without a user). */
export async function entryCount(engine: TestEngine, userId?: string): Promise<number> {
  let query = engine.db.selectFrom('entries').select((eb) => eb.fn.countAll<string>().as('n'));
  if (userId !== undefined) query = query.where('user_id', '=', userId);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

/** Every stored balance of a user as `asset:bucket` → amount (buckets that were never used are absent). */
export async function accountBalances(engine: TestEngine, userId: string): Promise<Record<string, number>> {
  const rows = await engine.db.selectFrom('accounts').select(['asset', 'bucket', 'balance']).where('user_id', '=', userId).execute();
  return Object.fromEntries(rows.map((r) => [`${r.asset}:${r.bucket}`, Number(r.balance)]));
}

/** A system account's balance: the sum of its entries (system accounts keep no stored balance). */
export async function systemBalance(engine: TestEngine, name: SystemAccount, asset: AssetCode): Promise<number> {
  const row = await sql<{ total: string }>`
    SELECT coalesce(sum(e.amount), 0)::text AS total FROM entries e JOIN accounts a ON a.id = e.account_id
    WHERE a.system_name = ${name} AND a.asset = ${asset}`.execute(engine.db);
  return Number(row.rows[0]?.total ?? 0);
}

/** The stored user row. */
export function userRow(engine: TestEngine, userId: string) {
  return engine.db.selectFrom('users').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();
}

/** Outbox rows of one type for one user, oldest first. */
export async function outboxRows(engine: TestEngine, userId: string, type: string) {
  return engine.db
    .selectFrom('outbox')
    .select(['type', 'payload', 'transaction_id'])
    .where('user_id', '=', userId)
    .where('type', '=', type)
    .orderBy('id')
    .execute();
}

/** The entries of one transaction, by its idempotency key. */
export async function entriesOf(engine: TestEngine, idempotencyKey: string) {
  return engine.db
    .selectFrom('entries')
    .innerJoin('ledger_transactions as t', 't.id', 'entries.transaction_id')
    .innerJoin('accounts as a', 'a.id', 'entries.account_id')
    .select(['entries.user_id', 'a.system_name', 'a.asset', 'a.bucket', 'entries.amount', 'entries.transaction_id'])
    .where('t.idempotency_key', '=', idempotencyKey)
    .orderBy('entries.id')
    .execute();
}
