// Isolation: its own database and BullMQ prefix (startTestEngine) with a hand-set worker clock, fresh random users; scheduled runs are called with that engine's own context.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { cycleIndex, defaultProgram, startOfDay, type Program } from '@points-engine/domain';
import { runCycle, runDayBoundary } from '@points-engine/ledger';
import { randomUser } from '../support/services.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';
import { applied, iso, manualClock, MINUTE, noon, SECOND, send, userRow } from '../support/program/harness.ts';

// Points expire 30 days after the day they arrived, so a day boundary after that writes the user's
// state back through the expiry run (libs/ledger/src/cycles/system-batch.ts).
const program: Program = { ...defaultProgram, expiry: { ...defaultProgram.expiry, points_after_days: 30 } };
const CLOCK = Date.parse('2026-09-01T00:00:00Z'); // after every occurred_at below
const D = '2026-03-10';
const T = noon(D);

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine({ program, now: manualClock(CLOCK).now });
});
afterAll(async () => {
  await engine.close();
});

let seq = 0;
const earn = (user: string, activity: string, at: number) =>
  send(engine, { kind: 'earn', idempotency_key: `${activity}:${user}:${++seq}`, user_id: user, activity, occurred_at: iso(at) });
const windowColumnsOf = async (user: string) => {
  const row = await userRow(engine, user);
  return { rule_windows: row.rule_windows, last_earned_at: row.last_earned_at, cap_day: row.cap_day, cap_earned: row.cap_earned, last_login_day: row.last_login_day };
};

describe('the rules’ windows in the users row', () => {
  it('survive between batches: a late event is checked against every kept instant, not only the latest', async () => {
    const user = randomUser('win');
    expect(await earn(user, 'text_request', T)).toMatchObject({ amount: 10, reason: null });
    expect(await earn(user, 'text_request', T - 6 * SECOND)).toMatchObject({ amount: 10, reason: null });
    // 9 s before the latest, but 3 s after the late one: with only the latest kept it earned.
    expect(await earn(user, 'text_request', T - 9 * SECOND)).toMatchObject({ amount: 0, reason: 'rate_limited' });
    expect(await earn(user, 'text_request', T - 12 * SECOND)).toMatchObject({ amount: 10, reason: null });

    const stored = await windowColumnsOf(user);
    expect(stored.rule_windows).toMatchObject({
      earned: { text_request: { at: [T - 12 * SECOND, T - 6 * SECOND, T] } },
      cap: { days: { [D]: 30 } },
      logins: { from: null, days: [] },
    });
    // The single-value columns stay filled with the latest of each, for readers and older code.
    expect(stored).toMatchObject({ last_earned_at: { text_request: T }, cap_day: D, cap_earned: '30', last_login_day: null });
  });

  it('a row written before migration 0008 (rule_windows NULL) starts from its single values, knowing nothing before them', async () => {
    const user = randomUser('old');
    await earn(user, 'chart_request', T - 3_600 * SECOND);
    await sql`UPDATE users SET rule_windows = NULL, last_earned_at = ${JSON.stringify({ text_request: T })}::jsonb, cap_day = ${D}::date,
              cap_earned = 9995, last_login_day = ${D}::date, current_streak = 3, longest_streak = 3 WHERE user_id = ${user}`.execute(engine.db);

    expect(await earn(user, 'text_request', T - 7 * SECOND)).toMatchObject({ amount: 0, reason: 'too_old' });
    expect(await earn(user, 'text_request', T + 5 * SECOND)).toMatchObject({ amount: 5, reason: 'daily_cap' });
    expect(await earn(user, 'daily_login', T)).toMatchObject({ amount: 0, reason: 'already_claimed' });
    expect(await earn(user, 'daily_login', T - 86_400 * SECOND)).toMatchObject({ amount: 0, reason: 'too_old' });
    expect(await earn(user, 'daily_login', noon('2026-03-11'))).toMatchObject({ amount: 50, reason: null, details: { streak: 4 } });
    expect((await userRow(engine, user)).rule_windows).toMatchObject({ logins: { days: ['2026-03-11'] } });
    expect(await engine.invariants()).toEqual([]);
  });

  it('the 15-minute cycle and the day boundary (streak reset, expiry) leave them as they were', async () => {
    const user = randomUser('run');
    await earn(user, 'daily_login', T);
    await earn(user, 'text_request', T + SECOND);
    await earn(user, 'vision_request', T + 2 * SECOND);
    // Allowance used: the cycle visits this user.
    await applied(engine, { kind: 'spend', idempotency_key: `spend:${user}`, user_id: user, amount: 30, occurred_at: iso(T + 3 * SECOND) });
    const before = await windowColumnsOf(user);
    expect(before.rule_windows).not.toBeNull();

    const cycleNow = T + 20 * MINUTE;
    const period = cycleIndex(cycleNow, program.allowance.cycle_minutes);
    expect((await runCycle({ ...engine.ledger, now: () => cycleNow }, period)).users).toBeGreaterThanOrEqual(1);
    expect(await windowColumnsOf(user)).toEqual(before);

    const day = '2026-04-20'; // the day boundary resets the streak and expires the March lot
    const result = await runDayBoundary({ ...engine.ledger, now: () => startOfDay(day, program.timezone) + MINUTE }, day);
    expect(result.expiredUsers).toBeGreaterThanOrEqual(1);
    const row = await userRow(engine, user);
    expect(row.current_streak).toBe(0);
    expect(await windowColumnsOf(user)).toEqual(before);
    expect(await engine.invariants()).toEqual([]);
  });
});
