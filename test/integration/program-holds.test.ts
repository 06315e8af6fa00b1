// Isolation: its own database and BullMQ prefix via startTestEngine, a hand-set worker clock, random user ids; lapse sweeps run at explicit instants that only the lapse tests' holds have reached.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lapseKey } from '@points-engine/domain';
import { lapseHolds, type LedgerContext } from '@points-engine/ledger';
import { randomUser } from '../support/services.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';
import { apiBalance, applied, entryCount, iso, manualClock, MINUTE, outboxRows, send } from '../support/program/harness.ts';

// Holds in the lapse tests are made on 1–3 March and swept 30 minutes later; every other hold is
// made on 10 March, so no sweep here ever reaches it.
const LAPSE_DAY_1 = Date.parse('2026-03-01T10:00:00Z');
const LAPSE_DAY_2 = Date.parse('2026-03-02T10:00:00Z');
const LAPSE_DAY_3 = Date.parse('2026-03-03T10:00:00Z');
const T = Date.parse('2026-03-10T12:00:00Z');
const TTL = 30 * MINUTE; // spending.hold_ttl_minutes

const clock = manualClock(Date.parse('2026-03-20T00:00:00Z'));
let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine({ now: clock.now });
});
afterAll(async () => {
  await engine.close();
});

let seq = 0;
const key = (user: string, what: string) => `${what}:${user}:${++seq}`;
const hold = (user: string, amount: number, at = T) => applied(engine, { kind: 'hold', idempotency_key: key(user, 'hold'), user_id: user, amount, occurred_at: iso(at) });
const settle = (user: string, holdKey: string, amount: number) =>
  send(engine, { kind: 'settle', idempotency_key: key(user, 'settle'), user_id: user, hold_key: holdKey, amount, occurred_at: iso(T) });
const voidHold = (user: string, holdKey: string) => send(engine, { kind: 'void', idempotency_key: key(user, 'void'), user_id: user, hold_key: holdKey, occurred_at: iso(T) });
const holdRow = (holdKey: string) => engine.db.selectFrom('holds').select(['status', 'amounts', 'closed_at']).where('hold_key', '=', holdKey).executeTakeFirstOrThrow();
const sweepAt = (now: number): LedgerContext => ({ ...engine.ledger, now: () => now });

describe('holds', () => {
  it('a hold reduces what is available (allowance first, then points_held) until it is voided', async () => {
    const user = randomUser();
    await applied(engine, { kind: 'grant', idempotency_key: key(user, 'grant'), user_id: user, asset: 'points', amount: 500, reason: 'setup', occurred_at: iso(T) });
    const first = await hold(user, 100);
    expect(first).toMatchObject({ amount: 100, details: { held: { allowance: 100 } }, balances: { allowance: 270, points: 500 } });
    expect(await apiBalance(engine, user)).toMatchObject({ balance: 500, points_held: 0, open_holds: 1, allowance: { available: 270, held: 100 } });

    const second = await hold(user, 400);
    expect(second.details['held']).toEqual({ allowance: 270, points: 130 });
    expect(await apiBalance(engine, user)).toMatchObject({ balance: 370, points_held: 130, open_holds: 2, allowance: { available: 0, held: 370 } });
    // Held amounts cannot be spent.
    expect(await send(engine, { kind: 'spend', idempotency_key: key(user, 'spend'), user_id: user, amount: 371 })).toMatchObject({ status: 'rejected', reason: 'insufficient_funds' });

    for (const h of [first, second]) expect(await voidHold(user, h.idempotency_key)).toMatchObject({ status: 'applied', amount: h.amount, reason: null });
    expect(await apiBalance(engine, user)).toMatchObject({ balance: 500, points_held: 0, open_holds: 0, allowance: { available: 370, held: 0 } });
    expect(await engine.invariants()).toEqual([]);
  });

  it('settling below the estimate charges the actual cost and gives the rest back; a second settle is refused', async () => {
    const user = randomUser();
    const h = await applied(engine, { kind: 'hold', idempotency_key: key(user, 'hold'), user_id: user, task_type: 'video', duration_seconds: 10, occurred_at: iso(T) });
    expect(h.amount).toBe(20 + 4 * 10);
    // 7.5 s is 8 started seconds: 20 + 4 × 8 = 52.
    const settled = await send(engine, { kind: 'settle', idempotency_key: key(user, 'settle'), user_id: user, hold_key: h.idempotency_key, task_type: 'video', duration_seconds: 7.5 });
    expect(settled).toMatchObject({ status: 'applied', amount: 52, reason: null, details: { cost: 52, drawn: { allowance: 52 }, shortfall: 0 } });
    expect(await apiBalance(engine, user)).toMatchObject({ open_holds: 0, allowance: { available: 370 - 52, held: 0, used_this_cycle: 52 } });
    expect(await holdRow(h.idempotency_key)).toMatchObject({ status: 'settled', closed_at: expect.any(Date) });
    expect(await settle(user, h.idempotency_key, 10)).toMatchObject({ status: 'rejected', reason: 'hold_closed' });
    expect(await voidHold(user, h.idempotency_key)).toMatchObject({ status: 'rejected', reason: 'hold_closed' });
    expect(await apiBalance(engine, user)).toMatchObject({ allowance: { available: 318, used_this_cycle: 52 } });
    expect(await engine.invariants()).toEqual([]);
  });

  it('settling above the estimate charges the actual cost when it is covered', async () => {
    const user = randomUser();
    const h = await hold(user, 100);
    expect(await settle(user, h.idempotency_key, 150)).toMatchObject({ status: 'applied', amount: 150, reason: null, details: { drawn: { allowance: 150 }, shortfall: 0 } });
    expect((await apiBalance(engine, user)).allowance).toMatchObject({ available: 220, held: 0, used_this_cycle: 150 });
    expect(await engine.invariants()).toEqual([]);
  });

  it('settling above what is available charges everything there is and reports the shortfall, never overdrawing', async () => {
    const user = randomUser();
    const h = await hold(user, 300);
    await applied(engine, { kind: 'spend', idempotency_key: key(user, 'spend'), user_id: user, amount: 50, occurred_at: iso(T) });
    // Released 300 + the 20 still available = 320 of a 500 cost.
    const settled = await settle(user, h.idempotency_key, 500);
    expect(settled).toMatchObject({ status: 'applied', amount: 320, reason: 'shortfall', details: { cost: 500, drawn: { allowance: 320 }, shortfall: 180 } });
    expect((await apiBalance(engine, user)).allowance).toMatchObject({ available: 0, held: 0, used_this_cycle: 370 });
    const negative = await engine.db.selectFrom('entries').select('id').where('user_id', '=', user).where('balance_after', '<', '0').execute();
    expect(negative).toEqual([]);
    expect(await engine.invariants()).toEqual([]);
  });

  it('a void gives an open hold back in full, once; another user cannot void it', async () => {
    const user = randomUser();
    const h = await hold(user, 200);
    expect((await apiBalance(engine, user)).allowance.available).toBe(170);
    expect(await voidHold(randomUser(), h.idempotency_key)).toMatchObject({ status: 'rejected', reason: 'hold_not_found' });
    expect(await voidHold(user, h.idempotency_key)).toMatchObject({ status: 'applied', amount: 200, details: { released: 200 }, balances: { allowance: 370 } });
    expect(await holdRow(h.idempotency_key)).toMatchObject({ status: 'voided' });
    expect(await voidHold(user, h.idempotency_key)).toMatchObject({ status: 'rejected', reason: 'hold_closed' });
    expect(await settle(user, h.idempotency_key, 10)).toMatchObject({ status: 'rejected', reason: 'hold_closed' });
    expect(await apiBalance(engine, user)).toMatchObject({ open_holds: 0, allowance: { available: 370, held: 0, used_this_cycle: 0 } });
    expect(await engine.invariants()).toEqual([]);
  });
});

describe('hold lapse', () => {
  it('a hold lapses once its TTL has passed: released, recorded as hold_lapsed in the outbox; a second sweep changes nothing', async () => {
    const user = randomUser();
    const h = await hold(user, 120, LAPSE_DAY_1);
    expect(await lapseHolds(sweepAt(LAPSE_DAY_1 + TTL - 1))).toBe(0);
    expect(await holdRow(h.idempotency_key)).toMatchObject({ status: 'open' });
    expect((await apiBalance(engine, user)).allowance.available).toBe(250);

    expect(await lapseHolds(sweepAt(LAPSE_DAY_1 + TTL))).toBe(1);
    expect(await holdRow(h.idempotency_key)).toMatchObject({ status: 'lapsed', closed_at: expect.any(Date) });
    expect(await apiBalance(engine, user)).toMatchObject({ open_holds: 0, allowance: { available: 370, held: 0, used_this_cycle: 0 } });
    const notices = await outboxRows(engine, user, 'hold_lapsed');
    expect(notices.map((n) => n.payload)).toEqual([expect.objectContaining({ holdKey: h.idempotency_key, released: 120 })]);

    const entries = await entryCount(engine);
    expect(await lapseHolds(sweepAt(LAPSE_DAY_1 + TTL + MINUTE))).toBe(0);
    expect(await entryCount(engine)).toBe(entries);
    expect(await outboxRows(engine, user, 'hold_lapsed')).toHaveLength(1);
    // A lapsed hold cannot be voided.
    expect(await voidHold(user, h.idempotency_key)).toMatchObject({ status: 'rejected', reason: 'hold_closed' });
    expect(await engine.invariants()).toEqual([]);
  });

  it('two sweeps running at once release a lapsed hold once', async () => {
    const user = randomUser();
    const h = await hold(user, 200, LAPSE_DAY_2);
    const ctx = sweepAt(LAPSE_DAY_2 + TTL + MINUTE);
    const counts = await Promise.all([lapseHolds(ctx), lapseHolds(ctx)]);
    expect(counts[0] + counts[1]).toBe(1); // the sweeps report one lapse between them
    const lapses = await engine.db.selectFrom('ledger_transactions').select(['status', 'amount']).where('idempotency_key', '=', lapseKey(h.idempotency_key)).execute();
    expect(lapses).toEqual([{ status: 'applied', amount: '200' }]);
    const releases = await engine.db
      .selectFrom('entries')
      .innerJoin('ledger_transactions as t', 't.id', 'entries.transaction_id')
      .select('entries.amount')
      .where('entries.user_id', '=', user)
      .where('t.kind', '=', 'lapse_hold')
      .execute();
    expect(releases.map((r) => Number(r.amount)).sort((a, b) => a - b)).toEqual([-200, 200]); // held → main, once
    expect(await outboxRows(engine, user, 'hold_lapsed')).toHaveLength(1);
    expect((await apiBalance(engine, user)).allowance).toMatchObject({ available: 370, held: 0 });
    expect(await engine.invariants()).toEqual([]);
  });

  it('a settle after the lapse still charges the actual cost (the work was done)', async () => {
    const user = randomUser();
    const h = await hold(user, 100, LAPSE_DAY_3);
    expect(await lapseHolds(sweepAt(LAPSE_DAY_3 + TTL))).toBe(1);
    expect((await apiBalance(engine, user)).allowance.available).toBe(370);
    const settled = await settle(user, h.idempotency_key, 80);
    expect(settled).toMatchObject({ status: 'applied', amount: 80, reason: null, details: { drawn: { allowance: 80 }, shortfall: 0 }, balances: { allowance: 290 } });
    expect(await holdRow(h.idempotency_key)).toMatchObject({ status: 'settled' });
    expect(await apiBalance(engine, user)).toMatchObject({ open_holds: 0, allowance: { available: 290, held: 0, used_this_cycle: 80 } });
    expect(await settle(user, h.idempotency_key, 80)).toMatchObject({ status: 'rejected', reason: 'hold_closed' });
    expect(await engine.invariants()).toEqual([]);
  });
});
