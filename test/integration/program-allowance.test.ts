// Isolation: each describe starts its own engine (own database and BullMQ prefix) with a hand-set clock; random user ids; cycles run with explicit periods and instants.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleIndex, defaultProgram } from '@points-engine/domain';
import { catchUpCycles, runCycle, type LedgerContext } from '@points-engine/ledger';
import { randomUser } from '../support/services.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';
import { accountBalances, apiBalance, applied, entryCount, iso, manualClock, MINUTE, send, userRow } from '../support/program/harness.ts';

const T0 = Date.parse('2026-03-10T12:00:00Z');
const CYCLE_MS = defaultProgram.allowance.cycle_minutes * MINUTE;
const P0 = cycleIndex(T0, defaultProgram.allowance.cycle_minutes);
/** An instant inside cycle period `p` (one minute after it starts). */
const inPeriod = (p: number) => p * CYCLE_MS + MINUTE;
/** StationThis: capacity = floor((tokens + 199,800) / 540), in exact integer arithmetic. */
const capacityFor = (tokens: bigint) => Number((tokens + 199_800n) / 540n);
/** A cycle gives back ceil(capacity / 18). */
const stepFor = (capacity: number) => Math.ceil(capacity / 18);

let seq = 0;
const key = (user: string, what: string) => `${what}:${user}:${++seq}`;

describe('allowance capacity, spend order and the 15-minute cycle', () => {
  const clock = manualClock(T0 + 5 * MINUTE);
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine({ now: clock.now });
  });
  afterAll(async () => {
    await engine.close();
  });
  const ctxAt = (now: number): LedgerContext => ({ ...engine.ledger, now: () => now });
  const spend = (user: string, amount: number) => send(engine, { kind: 'spend', idempotency_key: key(user, 'spend'), user_id: user, amount, occurred_at: iso(T0) });

  it('capacity = floor((tokens + 199800) / 540), set by set_token_balance and shown by the balance endpoint', async () => {
    // A user never seen has the no-coiner capacity: floor(199800 / 540) = 370.
    const fresh = await apiBalance(engine, randomUser());
    expect(fresh.allowance).toMatchObject({ capacity: 370, available: 370 });

    const cases: [string, number][] = [
      ['0', 370],
      ['539', 370], // 200,339 / 540 = 370.99…
      ['540', 371], // 200,340 / 540 = 371 exactly
      ['1000000', 2_221], // 1,199,800 / 540 = 2,221.85…
      ['123456789012345678', capacityFor(123456789012345678n)], // beyond 2^53: exact BigInt arithmetic
    ];
    for (const [tokens, capacity] of cases) {
      expect(capacity).toBe(capacityFor(BigInt(tokens)));
      const user = randomUser();
      const outcome = await applied(engine, { kind: 'set_token_balance', idempotency_key: key(user, 'tokens'), user_id: user, token_balance: tokens });
      expect(outcome).toMatchObject({ amount: capacity, details: { capacity, issued: capacity, withdrawn: 0 }, balances: { allowance: capacity } });
      expect((await apiBalance(engine, user)).allowance).toMatchObject({ capacity, available: capacity, next_replenish: 0 });
      expect((await userRow(engine, user)).token_balance).toBe(tokens);
    }

    // Shrinking takes the difference back from what is available.
    const user = randomUser();
    await applied(engine, { kind: 'set_token_balance', idempotency_key: key(user, 'tokens'), user_id: user, token_balance: '1000000' });
    const shrink = await applied(engine, { kind: 'set_token_balance', idempotency_key: key(user, 'tokens'), user_id: user, token_balance: '0' });
    expect(shrink).toMatchObject({ amount: 370, details: { capacity: 370, issued: 0, withdrawn: 2_221 - 370 } });
    expect((await apiBalance(engine, user)).allowance).toMatchObject({ capacity: 370, available: 370 });
    expect(await engine.invariants()).toEqual([]);
  });

  // One user carried through the spend and cycle tests below.
  const spender = randomUser('spender');

  it('spends draw the allowance first, purchased credit only when the allowance cannot cover, then points', async () => {
    await applied(engine, {
      kind: 'purchase_bonus', idempotency_key: key(spender, 'pay'), user_id: spender, provider: 'test', payment_id: key(spender, 'p'),
      product: { type: 'credit', credit: 1_000 }, occurred_at: iso(T0),
    });
    await applied(engine, { kind: 'grant', idempotency_key: key(spender, 'grant'), user_id: spender, asset: 'points', amount: 500, reason: 'setup', occurred_at: iso(T0) });

    expect(await spend(spender, 300)).toMatchObject({ status: 'applied', amount: 300, details: { drawn: { allowance: 300 } }, balances: { allowance: 70, credit: 1_000, points: 500 } });
    expect(await spend(spender, 100)).toMatchObject({ status: 'applied', details: { drawn: { allowance: 70, credit: 30 } }, balances: { allowance: 0, credit: 970, points: 500 } });
    expect(await spend(spender, 1_000)).toMatchObject({ status: 'applied', details: { drawn: { credit: 970, points: 30 } }, balances: { allowance: 0, credit: 0, points: 470 } });
    const view = await apiBalance(engine, spender);
    expect(view).toMatchObject({ balance: 470, lifetime_spent: 30, allowance: { available: 0, used_this_cycle: 370 }, credit: { available: 0, used_this_cycle: 1_000 } });
    expect(await engine.invariants()).toEqual([]);
  });

  it('a spend nothing covers is rejected insufficient_funds and changes nothing', async () => {
    const entriesBefore = await entryCount(engine);
    const balancesBefore = await accountBalances(engine, spender);
    const rowBefore = await userRow(engine, spender);
    const outcome = await spend(spender, 471);
    expect(outcome).toMatchObject({ status: 'rejected', reason: 'insufficient_funds', amount: 0, details: { cost: 471, available: { allowance: 0, credit: 0, points: 470 } } });
    expect(await entryCount(engine)).toBe(entriesBefore);
    expect(await accountBalances(engine, spender)).toEqual(balancesBefore);
    expect(await userRow(engine, spender)).toEqual(rowBefore);
    const recorded = await engine.db.selectFrom('ledger_transactions').select(['status', 'reason']).where('idempotency_key', '=', outcome.idempotency_key).execute();
    expect(recorded).toEqual([{ status: 'rejected', reason: 'insufficient_funds' }]);
    expect(await engine.invariants()).toEqual([]);
  });

  it('the cycle turns used allowance, credit and points into experience and gives back ceil(capacity / 18)', async () => {
    const result = await runCycle(ctxAt(inPeriod(P0 + 1)), P0 + 1);
    expect(result.users).toBeGreaterThanOrEqual(1);
    const view = await apiBalance(engine, spender);
    // 370 allowance + 1,000 credit + 30 points were used; capacity 370 gives back ceil(370/18) = 21 (not 20).
    expect(stepFor(370)).toBe(21);
    expect(view).toMatchObject({
      experience: 1_400,
      balance: 470,
      allowance: { capacity: 370, available: 21, used_this_cycle: 0, awaiting_replenishment: 349, next_replenish: 21 },
      credit: { available: 0, used_this_cycle: 0 },
    });
    const balances = await accountBalances(engine, spender);
    expect(balances).toMatchObject({ 'points:used': 0, 'credit:used': 0, 'allowance:used': 0, 'allowance:pending': 349, 'experience:main': 1_400 });
    expect(await engine.invariants()).toEqual([]);
  });

  it('running the same period twice changes nothing; the next period gives back another step', async () => {
    const entriesBefore = await entryCount(engine);
    const before = await apiBalance(engine, spender);
    const again = await runCycle(ctxAt(inPeriod(P0 + 1) + MINUTE), P0 + 1);
    expect(again).toEqual({ users: 0, batches: 0 });
    expect(await entryCount(engine)).toBe(entriesBefore);
    expect(await apiBalance(engine, spender)).toEqual(before);

    await runCycle(ctxAt(inPeriod(P0 + 2)), P0 + 2);
    const next = await apiBalance(engine, spender);
    expect(next.allowance).toMatchObject({ available: 42, awaiting_replenishment: 328 });
    expect(next.experience).toBe(1_400);
    expect(await engine.invariants()).toEqual([]);
  });

  it('after a capacity shrink while allowance is used or held, no cycle gives back above the new capacity, and the excess is trimmed once used', async () => {
    const used = randomUser('used');
    const voided = randomUser('voided');
    const settled = randomUser('settled');
    const users = [used, voided, settled];
    const allowanceTotal = async (user: string) => {
      const balances = await accountBalances(engine, user);
      return ['main', 'held', 'used', 'pending'].reduce((sum, bucket) => sum + (balances[`allowance:${bucket}`] ?? 0), 0);
    };
    for (const user of users) {
      await applied(engine, { kind: 'set_token_balance', idempotency_key: key(user, 'tokens'), user_id: user, token_balance: '1000000' });
    }
    await applied(engine, { kind: 'spend', idempotency_key: key(used, 'spend'), user_id: used, amount: 2_000, occurred_at: iso(T0) });
    const holdV = await applied(engine, { kind: 'hold', idempotency_key: key(voided, 'hold'), user_id: voided, amount: 2_000, occurred_at: iso(T0) });
    const holdS = await applied(engine, { kind: 'hold', idempotency_key: key(settled, 'hold'), user_id: settled, amount: 2_000, occurred_at: iso(T0) });
    for (const user of users) {
      // 2,221 → 370: the 221 still available is taken back at once; the 2,000 used or held waits for the cycles.
      const shrink = await applied(engine, { kind: 'set_token_balance', idempotency_key: key(user, 'tokens'), user_id: user, token_balance: '0' });
      expect(shrink.details).toMatchObject({ capacity: 370, withdrawn: 221 });
    }
    // A held amount comes back in full (the reservation was made under the old capacity)…
    expect((await applied(engine, { kind: 'void', idempotency_key: key(voided, 'void'), user_id: voided, hold_key: holdV.idempotency_key })).balances['allowance']).toBe(2_000);
    const settle = await applied(engine, { kind: 'settle', idempotency_key: key(settled, 'settle'), user_id: settled, hold_key: holdS.idempotency_key, amount: 100 });
    expect(settle).toMatchObject({ amount: 100, reason: null, details: { drawn: { allowance: 100 } }, balances: { allowance: 1_900 } });

    // …but no cycle gives anything back while the user is above capacity: the used 2,000 (and the
    // settled 100) are trimmed from pending instead of replenishing.
    await runCycle(ctxAt(inPeriod(P0 + 3)), P0 + 3);
    expect(await allowanceTotal(used)).toBe(370);
    expect((await apiBalance(engine, used)).allowance).toMatchObject({ available: 21, awaiting_replenishment: 349 });
    expect((await apiBalance(engine, settled)).allowance).toMatchObject({ available: 1_900, awaiting_replenishment: 0 });
    expect((await apiBalance(engine, voided)).allowance).toMatchObject({ available: 2_000, awaiting_replenishment: 0 });

    // Once the excess is used, the next flush brings every one of them back to the new capacity.
    for (const [user, amount] of [[voided, 2_000], [settled, 1_900]] as const) {
      await applied(engine, { kind: 'spend', idempotency_key: key(user, 'spend'), user_id: user, amount, occurred_at: iso(T0) });
    }
    await runCycle(ctxAt(inPeriod(P0 + 4)), P0 + 4);
    for (const user of users) {
      expect({ user, total: await allowanceTotal(user) }).toEqual({ user, total: 370 });
      expect((await apiBalance(engine, user)).allowance.capacity).toBe(370);
    }
    expect(await engine.invariants()).toEqual([]);
  });
});

describe('catching up on cycles after downtime', () => {
  const clock = manualClock(T0);
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine({ now: clock.now });
  });
  afterAll(async () => {
    await engine.close();
  });
  const ctxAt = (now: number): LedgerContext => ({ ...engine.ledger, now: () => now });
  const cycleRuns = () =>
    engine.db.selectFrom('cycle_runs').select(['period', 'finished_at']).where('kind', '=', 'cycle').orderBy('period').execute();
  const cycleTransactions = async () =>
    (await engine.db.selectFrom('ledger_transactions').select('idempotency_key').where('kind', '=', 'cycle').execute()).map((r) => r.idempotency_key).sort();

  it('runs every missed period once, oldest first; more than 18 missed periods refill the allowance completely', async () => {
    const user = randomUser();
    // First start: nothing finished yet, so only the current period runs.
    expect(await catchUpCycles(ctxAt(inPeriod(P0)), inPeriod(P0))).toEqual([P0]);

    const spent = await applied(engine, { kind: 'spend', idempotency_key: key(user, 'spend'), user_id: user, amount: 370, occurred_at: iso(inPeriod(P0)) });
    expect(spent.balances['allowance']).toBe(0);

    // Down for four periods: each one runs once (the first flushes the 370 used, each gives back 21).
    const later = inPeriod(P0 + 4);
    expect(await catchUpCycles(ctxAt(later), later)).toEqual([P0 + 1, P0 + 2, P0 + 3, P0 + 4]);
    expect((await apiBalance(engine, user)).allowance).toMatchObject({ available: 4 * 21, awaiting_replenishment: 370 - 4 * 21 });
    expect(await cycleTransactions()).toEqual([1, 2, 3, 4].map((i) => `cycle:${P0 + i}:`).sort());

    // The same instant again: nothing is due, nothing changes.
    const entries = await entryCount(engine);
    expect(await catchUpCycles(ctxAt(later), later)).toEqual([]);
    expect(await entryCount(engine)).toBe(entries);
    const runs = await cycleRuns();
    expect(runs.map((r) => Number(r.period))).toEqual([0, 1, 2, 3, 4].map((i) => P0 + i));
    expect(runs.every((r) => r.finished_at !== null)).toBe(true);

    // Use everything again, then stay down for 25 periods: only the last 19 (current − 18 … current) run,
    // and 19 × ceil(370/18) ≥ 370 refills it completely.
    await applied(engine, { kind: 'spend', idempotency_key: key(user, 'spend'), user_id: user, amount: 84, occurred_at: iso(later) });
    const muchLater = inPeriod(P0 + 29);
    const ran = await catchUpCycles(ctxAt(muchLater), muchLater);
    expect(ran).toEqual(Array.from({ length: 19 }, (_, i) => P0 + 11 + i));
    const view = await apiBalance(engine, user);
    expect(view.allowance).toMatchObject({ capacity: 370, available: 370, awaiting_replenishment: 0, used_this_cycle: 0 });
    expect(view.experience).toBe(370 + 84);
    expect(await engine.invariants()).toEqual([]);
  });
});
