// Isolation: each describe starts its own engine (own database and BullMQ prefix, a hand-set worker clock), so day runs, which visit every user, see only that describe's random users.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, defaultProgram, startOfDay, type Program } from '@points-engine/domain';
import { catchUpDays, runDayBoundary, type LedgerContext } from '@points-engine/ledger';
import { randomUser } from '../support/services.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';
import {
  accountBalances, applied, balanceAt, entryCount, HOUR, iso, manualClock, MINUTE, noon, outboxRows, pointsOnlyProgram, send, systemBalance, userRow,
} from '../support/program/harness.ts';

const CLOCK = Date.parse('2026-09-01T00:00:00Z'); // after every occurred_at below

/** An engine of this describe's own, started before and closed after its tests. */
function engineFor(program: Program = defaultProgram): { get: () => TestEngine; at: (now: number) => LedgerContext } {
  let engine: TestEngine | undefined;
  beforeAll(async () => {
    engine = await startTestEngine({ program, now: manualClock(CLOCK).now });
  });
  afterAll(async () => {
    await engine?.close();
  });
  const get = () => {
    if (!engine) throw new Error('engine not started');
    return engine;
  };
  return { get, at: (now) => ({ ...get().ledger, now: () => now }) };
}

let seq = 0;
const key = (user: string, what: string) => `${what}:${user}:${++seq}`;
const login = (engine: TestEngine, user: string, at: number) =>
  send(engine, { kind: 'earn', idempotency_key: key(user, 'login'), user_id: user, activity: 'daily_login', occurred_at: iso(at) });
const subscribe = (engine: TestEngine, user: string, tier: string, at: number, periods = 1) =>
  applied(engine, {
    kind: 'purchase_bonus', idempotency_key: key(user, 'pay'), user_id: user, provider: 'test', payment_id: key(user, 'p'),
    product: { type: 'subscription', tier, periods }, occurred_at: iso(at),
  });
/** Runs a day boundary with the ledger clock at the start of that day (plus a minute). */
const boundary = (ctxAt: (now: number) => LedgerContext, day: string, program: Program = defaultProgram) =>
  runDayBoundary(ctxAt(startOfDay(day, program.timezone) + MINUTE), day);

describe('streaks at the day boundary', () => {
  const e = engineFor();
  const D = '2026-03-10';

  it('resets the streak of users who missed yesterday, keeps the others, and a rerun changes nothing', async () => {
    const engine = e.get();
    const missed = randomUser('missed');
    const yesterday = randomUser('yesterday');
    const today = randomUser('today');
    for (const [user, days] of [[missed, [-3, -2]], [yesterday, [-2, -1]], [today, [-1, 0]]] as const) {
      for (const offset of days) expect(await login(engine, user, noon(addDays(D, offset)))).toMatchObject({ status: 'applied', reason: null });
    }
    expect(await boundary(e.at, D)).toMatchObject({ streaksReset: 1 });
    const streaks = async () => Promise.all([missed, yesterday, today].map(async (u) => { const r = await userRow(engine, u); return [r.current_streak, r.longest_streak]; }));
    expect(await streaks()).toEqual([[0, 2], [2, 2], [2, 2]]);
    expect((await balanceAt(engine, missed, noon(D))).current_streak).toBe(0);
    expect((await balanceAt(engine, yesterday, noon(D))).current_streak).toBe(2);

    expect(await boundary(e.at, D)).toMatchObject({ streaksReset: 0 });
    expect(await streaks()).toEqual([[0, 2], [2, 2], [2, 2]]);
    // The reset user starts again at 1 (50 + the 1-day bonus 50); the others continue to 3 (50 + 150).
    expect(await login(engine, missed, noon(D))).toMatchObject({ amount: 100, details: { streak: 1 } });
    expect(await login(engine, yesterday, noon(D))).toMatchObject({ amount: 200, details: { streak: 3 } });
    expect(await engine.invariants()).toEqual([]);
  });

  it('in the default UTC program, 20:00Z and 22:00Z are the same day: the second login is already claimed', async () => {
    const engine = e.get();
    const user = randomUser();
    expect(await login(engine, user, Date.parse('2026-03-10T20:00:00Z'))).toMatchObject({ amount: 100, details: { streak: 1 } });
    expect(await login(engine, user, Date.parse('2026-03-10T22:00:00Z'))).toMatchObject({ amount: 0, reason: 'already_claimed' });
    expect(await engine.invariants()).toEqual([]);
  });
});

describe('tiers at the day boundary', () => {
  const e = engineFor();

  it('a paid tier ends at the first boundary after its period: tier falls back, tier_ends_at is cleared', async () => {
    const engine = e.get();
    const ending = randomUser('ending');
    const longer = randomUser('longer');
    const bought = Date.parse('2026-03-10T12:00:00Z');
    await subscribe(engine, ending, 'PREMIUM', bought); // ends 2026-04-09T12:00Z
    await subscribe(engine, longer, 'PREMIUM', bought, 2); // ends 2026-05-09T12:00Z
    // Lifetime 1,500 → level 2 (×1.1): while PREMIUM, 10 × 1.1 × 1.5 = 16.5 → 16.
    expect(await send(engine, { kind: 'earn', idempotency_key: key(ending, 't'), user_id: ending, activity: 'text_request', occurred_at: '2026-04-09T10:00:00Z' })).toMatchObject({ amount: 16 });

    expect(await boundary(e.at, '2026-04-09')).toMatchObject({ tiersEnded: 0 });
    expect(await userRow(engine, ending)).toMatchObject({ tier: 'PREMIUM', tier_ends_at: new Date('2026-04-09T12:00:00Z') });

    expect(await boundary(e.at, '2026-04-10')).toMatchObject({ tiersEnded: 1 });
    expect(await userRow(engine, ending)).toMatchObject({ tier: null, tier_ends_at: null });
    expect(await balanceAt(engine, ending, noon('2026-04-10'))).toMatchObject({ tier: 'FREE', tier_multiplier: 1, tier_ends_at: null });
    expect(await userRow(engine, longer)).toMatchObject({ tier: 'PREMIUM', tier_ends_at: new Date('2026-05-09T12:00:00Z') });
    // After the end, 10 × 1.1 × 1.0 = 11.
    expect(await send(engine, { kind: 'earn', idempotency_key: key(ending, 't'), user_id: ending, activity: 'text_request', occurred_at: '2026-04-10T10:00:00Z' })).toMatchObject({ amount: 11 });
    expect(await boundary(e.at, '2026-04-10')).toMatchObject({ tiersEnded: 0 });
    expect(await engine.invariants()).toEqual([]);
  });
});

describe('point expiry at the day boundary', () => {
  const e = engineFor(pointsOnlyProgram);
  const after = pointsOnlyProgram.expiry.points_after_days; // 365
  const D = '2025-01-10';
  const day = (offset: number) => addDays(D, offset);

  it('expires only the unspent remainder of the oldest lot, into `expired`, once; warns warn_days ahead', async () => {
    const engine = e.get();
    const user = randomUser('old');
    const nextDay = randomUser('next');
    const points = async (u: string) => (await accountBalances(engine, u))['points:main'];

    // Lot of day D: 10 earned + 1,000 granted. Lot of D+10: 500 granted. Then 300 spent (from the oldest lot).
    expect(await send(engine, { kind: 'earn', idempotency_key: key(user, 't'), user_id: user, activity: 'text_request', occurred_at: iso(noon(D)) })).toMatchObject({ amount: 10 });
    await applied(engine, { kind: 'grant', idempotency_key: key(user, 'g'), user_id: user, asset: 'points', amount: 1_000, reason: 'bonus', occurred_at: iso(noon(D, HOUR)) });
    await applied(engine, { kind: 'grant', idempotency_key: key(user, 'g'), user_id: user, asset: 'points', amount: 500, reason: 'bonus', occurred_at: iso(noon(day(10))) });
    expect(await applied(engine, { kind: 'spend', idempotency_key: key(user, 's'), user_id: user, amount: 300, occurred_at: iso(noon(day(20))) })).toMatchObject({ balances: { points: 1_210 } });
    // Another user's lot arrives one day later and must expire one boundary later.
    await applied(engine, { kind: 'grant', idempotency_key: key(nextDay, 'g'), user_id: nextDay, asset: 'points', amount: 10, reason: 'bonus', occurred_at: iso(noon(day(1))) });
    const lot = await engine.db.selectFrom('user_days').select(['earned', 'inflow']).where('user_id', '=', user).where('day', '=', D).executeTakeFirstOrThrow();
    expect(lot).toEqual({ earned: '1010', inflow: '1010' });

    // warn_days (7) before: one points_expiring row with what would really expire (1,010 − 300).
    await boundary(e.at, day(after + 1 - 7));
    await boundary(e.at, day(after + 1 - 7));
    const warnings = await outboxRows(engine, user, 'points_expiring');
    expect(warnings.map((w) => w.payload)).toEqual([expect.objectContaining({ amount: 710, expires_on: day(after + 1) })]);
    expect(await outboxRows(engine, nextDay, 'points_expiring')).toEqual([]);

    // The day before: nothing expires yet.
    expect(await boundary(e.at, day(after))).toMatchObject({ expiredUsers: 0 });
    expect(await points(user)).toBe(1_210);

    // D + points_after_days + 1: the 710 left of day D's lot expires; day D+10's 500 stays.
    const expiredBefore = await systemBalance(engine, 'expired', 'points');
    expect(await boundary(e.at, day(after + 1))).toMatchObject({ expiredUsers: 1 });
    expect(await points(user)).toBe(500);
    expect(await points(nextDay)).toBe(10);
    expect((await systemBalance(engine, 'expired', 'points')) - expiredBefore).toBe(710);
    expect((await userRow(engine, user)).points_consumed).toBe('1010');
    const expiryEntries = await engine.db
      .selectFrom('entries')
      .innerJoin('ledger_transactions as t', 't.id', 'entries.transaction_id')
      .select(['entries.amount', 't.kind'])
      .where('entries.user_id', '=', user)
      .where('t.kind', '=', 'expiry')
      .execute();
    expect(expiryEntries).toEqual([{ amount: '-710', kind: 'expiry' }]);

    // A second run of the same day changes nothing.
    const entries = await entryCount(engine);
    expect(await boundary(e.at, day(after + 1))).toMatchObject({ expiredUsers: 0 });
    expect(await entryCount(engine)).toBe(entries);
    expect(await points(user)).toBe(500);

    // One day later the other user's lot goes.
    expect(await boundary(e.at, day(after + 2))).toMatchObject({ expiredUsers: 1 });
    expect(await points(nextDay)).toBe(0);

    // Spending 100 more draws on the D+10 lot, so only its remaining 400 expire at D+10+366.
    await applied(engine, { kind: 'spend', idempotency_key: key(user, 's'), user_id: user, amount: 100, occurred_at: iso(noon(day(after + 5))) });
    expect(await boundary(e.at, day(10 + after + 1))).toMatchObject({ expiredUsers: 1 });
    expect(await points(user)).toBe(0);
    expect((await systemBalance(engine, 'expired', 'points')) - expiredBefore).toBe(710 + 10 + 400);
    expect(await engine.invariants()).toEqual([]);
  });
  // Days from D+40 on: the expiry runs of the test above are keyed by day and already done.
  it('a reversed purchase takes its bonus off its own day: an older lot still expires on time', async () => {
    const engine = e.get();
    const user = randomUser('rev');
    const points = async () => (await accountBalances(engine, user))['points:main'];
    await applied(engine, { kind: 'grant', idempotency_key: key(user, 'g'), user_id: user, asset: 'points', amount: 1_000, reason: 'old lot', occurred_at: iso(noon(day(40))) });
    const payment = key(user, 'pay');
    await applied(engine, {
      kind: 'purchase_bonus', idempotency_key: payment, user_id: user, provider: 'test', payment_id: payment,
      product: { type: 'subscription', tier: 'PREMIUM' }, occurred_at: iso(noon(day(335))),
    });
    const reversal = await applied(engine, { kind: 'reverse', idempotency_key: key(user, 'refund'), user_id: user, transaction_key: payment, reason: 'refund', occurred_at: iso(noon(day(337))) });
    expect(reversal).toMatchObject({ amount: 1_500, reason: null });
    const bonusDay = await engine.db.selectFrom('user_days').select(['earned', 'inflow']).where('user_id', '=', user).where('day', '=', day(335)).executeTakeFirstOrThrow();
    expect(bonusDay).toEqual({ earned: '0', inflow: '0' });
    expect((await userRow(engine, user)).points_consumed).toBe('0');
    // The reversal consumed nothing, so the old lot's 1,000 expire on their day.
    expect(await points()).toBe(1_000);
    expect(await boundary(e.at, day(40 + after + 1))).toMatchObject({ expiredUsers: 1 });
    expect(await points()).toBe(0);
    expect(await engine.invariants()).toEqual([]);
  });
});

describe('catching up on day boundaries', () => {
  const e = engineFor();

  it('runs every day not yet run, once; a long downtime runs the last 31 days and today', async () => {
    const engine = e.get();
    const streaker = randomUser('streak');
    const subscriber = randomUser('sub');
    const start = Date.parse('2026-03-10T10:00:00Z');
    expect(await catchUpDays(e.at(start), start)).toEqual(['2026-03-10']);

    await login(engine, streaker, noon('2026-03-09'));
    await login(engine, streaker, Date.parse('2026-03-10T09:00:00Z'));
    await subscribe(engine, subscriber, 'PREMIUM', Date.parse('2026-02-10T12:00:00Z')); // ends 2026-03-12T12:00Z
    expect(await userRow(engine, streaker)).toMatchObject({ current_streak: 2 });

    // Down until just after midnight of 13 March: 11, 12 and 13 March run, in order.
    const later = Date.parse('2026-03-13T00:05:00Z');
    expect(await catchUpDays(e.at(later), later)).toEqual(['2026-03-11', '2026-03-12', '2026-03-13']);
    expect(await userRow(engine, streaker)).toMatchObject({ current_streak: 0, longest_streak: 2 }); // missed 11 March
    expect(await userRow(engine, subscriber)).toMatchObject({ tier: null, tier_ends_at: null });
    expect(await catchUpDays(e.at(later), later)).toEqual([]);
    const days = await engine.db.selectFrom('cycle_runs').select('period').where('kind', '=', 'day').orderBy('period').execute();
    expect(days.map((d) => d.period)).toEqual(['2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13']);

    const muchLater = Date.parse('2026-04-30T01:00:00Z');
    const ran = await catchUpDays(e.at(muchLater), muchLater);
    expect(ran).toHaveLength(32);
    expect([ran[0], ran.at(-1)]).toEqual(['2026-03-30', '2026-04-30']);
    expect(await engine.invariants()).toEqual([]);
  });
});

describe('program days in another time zone (Europe/Moscow, UTC+3)', () => {
  const moscow: Program = { ...defaultProgram, timezone: 'Europe/Moscow' };
  const e = engineFor(moscow);

  it('20:00Z and 22:00Z on 10 March are two Moscow days: the streak continues, and resets after a missed Moscow day', async () => {
    const engine = e.get();
    const user = randomUser();
    expect(await login(engine, user, Date.parse('2026-03-10T20:00:00Z'))).toMatchObject({ amount: 100, details: { streak: 1 } }); // 23:00 MSK, 10 March
    expect(await login(engine, user, Date.parse('2026-03-10T22:00:00Z'))).toMatchObject({ amount: 50, details: { streak: 2 } }); // 01:00 MSK, 11 March
    expect(await userRow(engine, user)).toMatchObject({ current_streak: 2, last_login_day: '2026-03-11' });
    const days = await engine.db.selectFrom('user_days').select(['day', 'earned']).where('user_id', '=', user).orderBy('day').execute();
    expect(days).toEqual([{ day: '2026-03-10', earned: '100' }, { day: '2026-03-11', earned: '50' }]);

    // The first catch-up at 22:00Z already runs Moscow's 11 March.
    const at = Date.parse('2026-03-10T22:00:00Z');
    expect(await catchUpDays(e.at(at), at)).toEqual(['2026-03-11']);
    expect(await boundary(e.at, '2026-03-12', moscow)).toMatchObject({ streaksReset: 0 });
    expect(await boundary(e.at, '2026-03-13', moscow)).toMatchObject({ streaksReset: 1 });
    expect(await userRow(engine, user)).toMatchObject({ current_streak: 0, longest_streak: 2 });
    expect(await engine.invariants()).toEqual([]);
  });

  it('a tier ends at the first Moscow midnight after its period, not the UTC one', async () => {
    const engine = e.get();
    const user = randomUser();
    await subscribe(engine, user, 'PREMIUM', Date.parse('2026-03-10T22:30:00Z')); // ends 2026-04-09T22:30Z = 10 April 01:30 MSK
    // 10 April starts at 2026-04-09T21:00Z in Moscow, before the end; in UTC it would start after it.
    expect(startOfDay('2026-04-10', moscow.timezone)).toBe(Date.parse('2026-04-09T21:00:00Z'));
    expect(await boundary(e.at, '2026-04-10', moscow)).toMatchObject({ tiersEnded: 0 });
    expect(await userRow(engine, user)).toMatchObject({ tier: 'PREMIUM' });
    expect(await boundary(e.at, '2026-04-11', moscow)).toMatchObject({ tiersEnded: 1 });
    expect(await userRow(engine, user)).toMatchObject({ tier: null, tier_ends_at: null });
    expect(await engine.invariants()).toEqual([]);
  });
});


