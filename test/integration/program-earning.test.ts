// Isolation: its own database and BullMQ prefix via startTestEngine, a hand-set worker clock, and fresh random user ids per test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultProgram, type Program } from '@points-engine/domain';
import { randomUser } from '../support/services.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';
import { applied, balanceAt, DAY, HOUR, iso, manualClock, MINUTE, noon, outboxRows, SECOND, send, userRow } from '../support/program/harness.ts';

// The default program plus one capped, unmultiplied activity worth 9,995, so a user can stand at
// 9,995 capped points today with one event (the seed activities would need ~900 events).
const program: Program = {
  ...defaultProgram,
  earning: {
    ...defaultProgram.earning,
    activities: {
      ...defaultProgram.earning.activities,
      bulk_import: { base: 9_995, multiplied: false, min_interval_seconds: 0, capped: true, daily_login: false },
    },
  },
};

// Every event carries its own occurred_at in March 2026; the worker's clock stands after all of them.
const clock = manualClock(Date.parse('2026-09-01T00:00:00Z'));
let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine({ program, now: clock.now });
});
afterAll(async () => {
  await engine.close();
});

let seq = 0;
const key = (user: string, what: string) => `${what}:${user}:${++seq}`;
const earn = (user: string, activity: string, at: number) =>
  send(engine, { kind: 'earn', idempotency_key: key(user, activity), user_id: user, activity, occurred_at: iso(at) });
const grant = (user: string, amount: number, at: number) =>
  applied(engine, { kind: 'grant', idempotency_key: key(user, 'grant'), user_id: user, asset: 'points', amount, reason: 'test setup', occurred_at: iso(at) });
const subscribe = (user: string, tier: string, at: number) =>
  applied(engine, {
    kind: 'purchase_bonus', idempotency_key: key(user, 'pay'), user_id: user, provider: 'test', payment_id: key(user, 'p'),
    product: { type: 'subscription', tier, periods: 1 }, occurred_at: iso(at),
  });

describe('SYNTRA worked examples through the worker', () => {
  it('FREE level 1: a text request earns 10, vision 20, chart 15', async () => {
    const user = randomUser();
    const t = noon('2026-03-02');
    expect(await earn(user, 'text_request', t)).toMatchObject({ status: 'applied', amount: 10, reason: null, balances: { points: 10 } });
    expect(await earn(user, 'vision_request', t)).toMatchObject({ status: 'applied', amount: 20, reason: null });
    expect(await earn(user, 'chart_request', t)).toMatchObject({ status: 'applied', amount: 15, reason: null, balances: { points: 45 } });
    expect(await engine.invariants()).toEqual([]);
  });

  it('PREMIUM level 3: text earns 18 and vision 36; the tier bonus counts toward the level', async () => {
    const user = randomUser();
    const t = noon('2026-03-03');
    // PREMIUM's 1,500 bonus is earned: lifetime 1,500 → level 2 (threshold 1,000).
    const purchase = await subscribe(user, 'PREMIUM', t);
    expect(purchase).toMatchObject({ amount: 1500, details: { bonus: 1500 } });
    expect((await userRow(engine, user)).lifetime_earned).toBe('1500');
    expect((await userRow(engine, user)).level).toBe(2);
    // + a 5,000 grant (grants count as earned): lifetime 6,500 → level 3 (5,000 ≤ 6,500 < 15,000).
    const granted = await grant(user, 5_000, t + MINUTE);
    const before = await balanceAt(engine, user, t + 2 * MINUTE);
    expect(before).toMatchObject({ lifetime_earned: 6_500, level: 3, earning_multiplier: 1.2, tier: 'PREMIUM', tier_multiplier: 1.5, balance: 6_500 });

    // 10 × 1.2 × 1.5 = 18 exactly (integer basis points, never 17.999…); 20 × 1.2 × 1.5 = 36.
    expect(await earn(user, 'text_request', t + 2 * MINUTE)).toMatchObject({ status: 'applied', amount: 18, reason: null, balances: { points: 6_518 } });
    expect(await earn(user, 'vision_request', t + 2 * MINUTE)).toMatchObject({ status: 'applied', amount: 36, reason: null, balances: { points: 6_554 } });

    // Level-ups are in the outbox, written by the transactions that caused them.
    const levelUps = await outboxRows(engine, user, 'level_up');
    expect(levelUps.map((r) => r.payload)).toEqual([expect.objectContaining({ from: 1, to: 2 }), expect.objectContaining({ from: 2, to: 3 })]);
    expect(levelUps.map((r) => r.transaction_id)).toEqual([purchase.transaction_id, granted.transaction_id]);
    expect(await engine.invariants()).toEqual([]);
  });

  it('VIP level 6: text earns 40, vision 80, chart 60', async () => {
    const user = randomUser();
    const t = noon('2026-03-04');
    await subscribe(user, 'VIP', t); // 3,000 bonus → lifetime 3,000, level 2
    await grant(user, 147_000, t + MINUTE); // lifetime exactly 150,000 → level 6 (Legend, ×2.0)
    expect(await balanceAt(engine, user, t + 2 * MINUTE)).toMatchObject({ lifetime_earned: 150_000, level: 6, earning_multiplier: 2, tier: 'VIP', tier_multiplier: 2 });
    expect(await earn(user, 'text_request', t + 2 * MINUTE)).toMatchObject({ amount: 40, reason: null });
    expect(await earn(user, 'vision_request', t + 2 * MINUTE)).toMatchObject({ amount: 80, reason: null });
    expect(await earn(user, 'chart_request', t + 2 * MINUTE)).toMatchObject({ amount: 60, reason: null });
    const levelUps = await outboxRows(engine, user, 'level_up');
    expect(levelUps.map((r) => r.payload)).toEqual([expect.objectContaining({ from: 1, to: 2 }), expect.objectContaining({ from: 2, to: 6 })]);
    expect(await engine.invariants()).toEqual([]);
  });

  it('a daily login on day 7 of a streak earns 550 (50 + the 7-day bonus 500); a second login that day earns nothing', async () => {
    const user = randomUser();
    const amounts: number[] = [];
    for (let day = 0; day < 7; day++) {
      const outcome = await earn(user, 'daily_login', noon('2026-03-05', day * DAY));
      expect(outcome).toMatchObject({ status: 'applied', details: { streak: day + 1 } });
      amounts.push(outcome.amount);
    }
    // Milestones 1:50, 3:150, 7:500 on top of the 50 base.
    expect(amounts).toEqual([100, 50, 200, 50, 50, 50, 550]);
    expect(await earn(user, 'daily_login', noon('2026-03-11', 3 * HOUR))).toMatchObject({ status: 'applied', amount: 0, reason: 'already_claimed' });
    const row = await userRow(engine, user);
    expect([row.current_streak, row.longest_streak, row.last_login_day]).toEqual([7, 7, '2026-03-11']);
    const milestones = await outboxRows(engine, user, 'streak_milestone');
    expect(milestones.map((r) => r.payload)).toEqual([1, 3, 7].map((streak) => expect.objectContaining({ streak })));
    expect(await engine.invariants()).toEqual([]);
  });

  it('a daily login on day 30 of a streak earns 3,050 (50 + the 30-day bonus 3,000)', async () => {
    const user = randomUser();
    const byDay = new Map<number, number>();
    for (let day = 1; day <= 30; day++) {
      const outcome = await earn(user, 'daily_login', noon('2026-02-01', (day - 1) * DAY));
      expect(outcome.details['streak']).toBe(day);
      byDay.set(day, outcome.amount);
    }
    expect([1, 2, 3, 7, 14, 29, 30].map((d) => byDay.get(d))).toEqual([100, 50, 200, 550, 1_250, 50, 3_050]);
    // Total: 30 × 50 + 50 + 150 + 500 + 1,200 + 3,000.
    expect((await userRow(engine, user)).lifetime_earned).toBe(String(30 * 50 + 50 + 150 + 500 + 1_200 + 3_000));
    expect(await engine.invariants()).toEqual([]);
  });
});

describe('rate limit and daily cap under concurrency', () => {
  it('20 simultaneous text requests with the same occurred_at: exactly one earns 10, the rest are rate_limited', async () => {
    const user = randomUser();
    const at = iso(noon('2026-03-20'));
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => send(engine, { kind: 'earn', idempotency_key: `burst:${user}:${i}`, user_id: user, activity: 'text_request', occurred_at: at })),
    );
    expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
    const earned = outcomes.filter((o) => o.amount > 0);
    expect(earned).toHaveLength(1);
    expect(earned[0]).toMatchObject({ amount: 10, reason: null });
    const limited = outcomes.filter((o) => o.amount === 0);
    expect(limited).toHaveLength(19);
    expect(new Set(limited.map((o) => o.reason))).toEqual(new Set(['rate_limited']));
    const row = await userRow(engine, user);
    expect(row.lifetime_earned).toBe('10');
    expect(row.cap_earned).toBe('10');
    expect((await balanceAt(engine, user, noon('2026-03-20'))).balance).toBe(10);
    expect(await engine.invariants()).toEqual([]);
  });

  it('at 9,995 capped points today, 20 simultaneous events ≥5 s apart earn exactly the remaining 5 (reason daily_cap)', async () => {
    const user = randomUser();
    const day = '2026-03-21';
    const start = Date.parse(`${day}T01:00:00Z`);
    expect(await earn(user, 'bulk_import', start - 30 * MINUTE)).toMatchObject({ status: 'applied', amount: 9_995, reason: null });
    // Lifetime 9,995 is level 3: each text request is worth 12 before the cap.
    expect((await userRow(engine, user)).level).toBe(3);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(engine, { kind: 'earn', idempotency_key: `cap:${user}:${i}`, user_id: user, activity: 'text_request', occurred_at: iso(start + i * 6 * SECOND) }),
      ),
    );
    expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
    const crossing = outcomes.filter((o) => o.amount > 0);
    expect(crossing).toHaveLength(1);
    expect(crossing[0]).toMatchObject({ amount: 5, reason: 'daily_cap' });
    expect(outcomes.filter((o) => o.amount === 0 && o.reason === 'daily_cap')).toHaveLength(19);
    // Nothing was rate limited: the events are 6 s apart whatever order they were applied in.
    expect(outcomes.some((o) => o.reason === 'rate_limited')).toBe(false);

    const today = await engine.db.selectFrom('user_days').select(['earned', 'inflow']).where('user_id', '=', user).where('day', '=', day).executeTakeFirstOrThrow();
    expect(today).toEqual({ earned: '10000', inflow: '10000' });
    const row = await userRow(engine, user);
    expect([row.cap_day, row.cap_earned, row.lifetime_earned]).toEqual([day, '10000', '10000']);
    // Daily logins are not capped, and the next program day has a fresh cap.
    expect(await earn(user, 'daily_login', start + HOUR)).toMatchObject({ amount: 100, reason: null });
    expect(await earn(user, 'text_request', start + DAY)).toMatchObject({ amount: 12, reason: null });
    expect(await engine.invariants()).toEqual([]);
  });
});
