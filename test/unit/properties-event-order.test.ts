// Pure: property-based (fast-check, fixed seed) earnings whose occurred_at a producer chose, applied in any order, folded through decide(); no services, nothing shared.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activityPoints, boundSpanMs, DEFAULT_EVENT_TIME_BOUND, newUserState, startOfDay, type Program } from '@points-engine/domain';
import { fcParams, programOf, HOUR, programArb, scenarioArb, SECOND, EPOCH, DAY, MINUTE, type EventDraft, type ProgramVariant, type Scenario, type Step, type Timing } from './support/arbitraries.ts';
import { legacyEarn, newLegacyState, type LegacyEarningState } from './support/legacy-earning.ts';
import { appliedEvents, calendarDay, dayBefore, simulate, type EventRecord, type Simulation } from './support/simulation.ts';

const RUNS = 300;
/** The default bound (600 s old, 60 s ahead): what the API lets through, and what the rules' windows reach. */
const BOUND = DEFAULT_EVENT_TIME_BOUND;
const SPAN = boundSpanMs(BOUND);

type EarnRecord = EventRecord & { event: Extract<EventRecord['event'], { kind: 'earn' }> };
const earnsOf = (sim: Simulation) => appliedEvents(sim).filter((r): r is EarnRecord & typeof r => r.event.kind === 'earn');
/** An earn that got past every limit check and so entered the windows (its instant, tally and day are kept). */
const accepted = (r: EarnRecord) => r.decision.status === 'applied' && !['rate_limited', 'too_old', 'already_claimed'].includes(r.decision.reason ?? '');

const users = fc.constantFrom('u1', 'u2');
const earnDraft: fc.Arbitrary<EventDraft> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('earn' as const), user_id: users, activity: fc.constantFrom('text_request', 'vision_request', 'chart_request') }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('earn' as const), user_id: users, activity: fc.constant('daily_login') }) },
);

/**
 * Events that arrive one after another (the producer's `occurred_at` anywhere within the bound of
 * its arrival), then applied in an order of the generator's choosing: arrival order, or any
 * permutation (several worker processes, a job retried later). An event is applied no earlier
 * than it arrived.
 */
interface Arrivals {
  program: ProgramVariant;
  start: number;
  arrivals: { draft: EventDraft; gapMs: number; skewMs: number; applyDelayMs: number }[];
  order: number[];
}
const skewArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.integer({ min: -20 * SECOND, max: 5 * SECOND }) },
  { weight: 3, arbitrary: fc.integer({ min: -BOUND.maxAgeSeconds * SECOND, max: BOUND.maxFutureSeconds * SECOND }) },
  { weight: 1, arbitrary: fc.constantFrom(-BOUND.maxAgeSeconds * SECOND, BOUND.maxFutureSeconds * SECOND) },
);
const gapArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant(0) },
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 8 * SECOND }) },
  { weight: 2, arbitrary: fc.integer({ min: 8 * SECOND, max: 5 * MINUTE }) },
  { weight: 1, arbitrary: fc.integer({ min: 3 * HOUR, max: 26 * HOUR }) },
);
const delayArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 2 * SECOND }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 30 * SECOND }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 * MINUTE }) },
);
function arrivalsArb(order: 'arrival' | 'any', draft = earnDraft): fc.Arbitrary<Arrivals> {
  return fc
    .record({
      program: programArb,
      // Often just before a program midnight, so events of two days arrive close together.
      start: fc.oneof(fc.integer({ min: EPOCH - DAY, max: EPOCH }), fc.integer({ min: -15 * MINUTE, max: 0 }).map((before) => EPOCH + before)),
      arrivals: fc.array(fc.record({ draft, gapMs: gapArb, skewMs: skewArb, applyDelayMs: delayArb }), { minLength: 5, maxLength: 40 }),
    })
    .chain((a) => {
      const indexes = a.arrivals.map((_, i) => i);
      if (order === 'arrival') return fc.constant({ ...a, order: indexes });
      // Mostly each event waits its own delay (workers, retries) and is applied in that order; sometimes any permutation.
      let arrived = a.start;
      const ready = a.arrivals.map((arrival) => (arrived += arrival.gapMs) + arrival.applyDelayMs);
      const byDelay = [...indexes].sort((x, y) => (ready[x] as number) - (ready[y] as number) || x - y);
      const shuffled = fc.shuffledSubarray(indexes, { minLength: indexes.length, maxLength: indexes.length });
      return fc.oneof({ weight: 3, arbitrary: fc.constant(byDelay) }, { weight: 1, arbitrary: shuffled }).map((o) => ({ ...a, order: o }));
    });
}

/** The scenario that applies the arrivals in their order: the ledger clock never goes back, and never before an arrival. */
function scenarioOf(a: Arrivals): Scenario {
  const arrivedAt: number[] = [];
  // EPOCH is midnight UTC: move a start near it to the program's own midnight.
  const start = a.start > EPOCH - HOUR ? startOfDay('2026-03-10', programOf(a.program).timezone) + (a.start - EPOCH) : a.start;
  let t = start;
  for (const arrival of a.arrivals) arrivedAt.push((t += arrival.gapMs));
  let now = start;
  const steps: Step[] = a.order.map((i) => {
    const arrival = a.arrivals[i] as Arrivals['arrivals'][number];
    const applyAt = Math.max(now, (arrivedAt[i] as number) + arrival.applyDelayMs);
    const occurred = (arrivedAt[i] as number) + arrival.skewMs;
    const timing: Timing = occurred <= applyAt ? { type: 'past', lagMs: applyAt - occurred, offsetMinutes: 0 } : { type: 'future', aheadMs: occurred - applyAt, offsetMinutes: 0 };
    const step: Step = { type: 'event', advanceMs: applyAt - now, draft: arrival.draft, timing };
    now = applyAt;
    return step;
  });
  return { program: a.program, start, steps };
}

describe('occurred_at within the bound, applied in any order', () => {
  const scenarios = arrivalsArb('any').map(scenarioOf);

  it('no two earning events of one activity and user that passed the rate limit are closer than its interval', () => {
    let limited = 0;
    const rateHeavy = fc.record({ kind: fc.constant('earn' as const), user_id: fc.constant('u1'), activity: fc.constantFrom('text_request', 'vision_request', 'chart_request') });
    fc.assert(
      fc.property(arrivalsArb('any', rateHeavy).map(scenarioOf), (scenario) => {
        const sim = simulate(scenario);
        const kept = new Map<string, number[]>();
        for (const r of earnsOf(sim)) {
          if (r.decision.reason === 'rate_limited') limited++;
          if (!accepted(r)) {
            expect(r.decision.status === 'applied' && r.decision.amount, `step ${r.step} earned while limited`).toBe(0);
            continue;
          }
          const interval = (sim.program.earning.activities[r.event.activity]?.min_interval_seconds ?? 0) * SECOND;
          const slot = `${r.event.user_id} ${r.event.activity}`;
          const earlier = kept.get(slot) ?? [];
          for (const x of earlier) expect(Math.abs(r.at - x), `${slot}: step ${r.step} at ${r.at} beside ${x}`).toBeGreaterThanOrEqual(interval);
          kept.set(slot, [...earlier, r.at]);
        }
      }),
      fcParams(RUNS),
    );
    expect(limited, 'the rate limit was hit often').toBeGreaterThan(RUNS);
  });

  it('the points credited per program day by capped activities never exceed daily_cap', () => {
    let full = 0;
    fc.assert(
      fc.property(
        arrivalsArb('any')
          .filter((a) => a.program.dailyCap <= 100)
          .map(scenarioOf),
        (scenario) => {
          const sim = simulate(scenario);
          const byDay = new Map<string, number>();
          for (const r of earnsOf(sim)) {
            if (!sim.program.earning.activities[r.event.activity]?.capped || r.decision.status !== 'applied') continue;
            const slot = `${r.event.user_id} ${calendarDay(r.at, sim.program.timezone)}`;
            const sum = (byDay.get(slot) ?? 0) + r.decision.amount;
            byDay.set(slot, sum);
            expect(sum, `${slot} after step ${r.step}`).toBeLessThanOrEqual(sim.program.earning.daily_cap);
            if (r.decision.reason === 'daily_cap') {
              full++;
              expect(sum, `${slot}: capped at step ${r.step}, so the day is full`).toBe(sim.program.earning.daily_cap);
            }
          }
        },
      ),
      fcParams(RUNS),
    );
    expect(full, 'the cap was reached often').toBeGreaterThan(RUNS / 2);
  });

  it('a milestone of m days is paid only when the m program days ending that day all have claimed logins; a late login pays no bonus and moves no streak', () => {
    let milestones = 0;
    let late = 0;
    const loginHeavy = fc.oneof({ weight: 1, arbitrary: earnDraft }, { weight: 2, arbitrary: fc.record({ kind: fc.constant('earn' as const), user_id: users, activity: fc.constant('daily_login') }) });
    fc.assert(
      fc.property(arrivalsArb('any', loginHeavy).map(scenarioOf), (scenario) => {
        const sim = simulate(scenario);
        const claimed = new Map<string, Set<string>>();
        for (const r of earnsOf(sim)) {
          if (r.event.activity !== 'daily_login' || !accepted(r)) continue;
          const user = r.event.user_id;
          const day = calendarDay(r.at, sim.program.timezone);
          const days = claimed.get(user) ?? new Set<string>();
          claimed.set(user, days);
          const label = `${user} on ${day}, step ${r.step}`;
          expect(days.has(day), `${label} was claimed twice`).toBe(false);
          days.add(day);
          const before = r.before.get(user) ?? newUserState(user, sim.program);
          const after = r.decision.users.find((s) => s.userId === user);
          if (r.decision.details['late_login'] === true) {
            late++;
            expect(r.decision.details['streak_bonus'], label).toBe(0);
            expect([after?.currentStreak, after?.lastLoginDay, r.decision.notices], label).toEqual([before.currentStreak, before.lastLoginDay, []]);
            continue;
          }
          const streak = r.decision.details['streak'] as number;
          let run = 1;
          for (let d = dayBefore(day); days.has(d); d = dayBefore(d)) run++;
          expect(streak, `${label}: streak ${streak}, consecutive claimed days ${run}`).toBeLessThanOrEqual(run);
          if ((r.decision.details['streak_bonus'] as number) > 0) milestones++;
        }
      }),
      fcParams(RUNS),
    );
    expect(milestones, 'milestones were paid').toBeGreaterThan(RUNS / 2);
    expect(late, 'logins arrived late for an earlier day').toBeGreaterThan(RUNS / 20);
  });
});

describe('occurred_at within the bound, applied in arrival order (an honest producer)', () => {
  const scenarios = arrivalsArb('arrival').map(scenarioOf);

  it('never earns too_old, and every limit is decided against the full history: rate limited exactly when an accepted event of the activity lies within its interval', () => {
    fc.assert(
      fc.property(scenarios, (scenario) => {
        const sim = simulate(scenario);
        const history = new Map<string, number[]>();
        for (const r of earnsOf(sim)) {
          const label = `step ${r.step}: ${r.event.user_id} ${r.event.activity} at ${r.at}`;
          expect(r.decision.reason, label).not.toBe('too_old');
          const interval = (sim.program.earning.activities[r.event.activity]?.min_interval_seconds ?? 0) * SECOND;
          const slot = `${r.event.user_id} ${r.event.activity}`;
          const earlier = history.get(slot) ?? [];
          const collides = earlier.some((x) => Math.abs(r.at - x) < interval);
          expect(r.decision.reason === 'rate_limited', `${label} beside ${JSON.stringify(earlier)}`).toBe(collides);
          if (accepted(r)) history.set(slot, [...earlier, r.at]);
        }
      }),
      fcParams(RUNS),
    );
  });
});

describe('any earning sequence, any occurred_at (a trusted Redis producer may claim any time)', () => {
  const earningEvents: fc.Arbitrary<EventDraft> = fc.oneof(
    { weight: 12, arbitrary: earnDraft },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('grant' as const), user_id: users, asset: fc.constant('points' as const), amount: fc.integer({ min: 1, max: 20_000 }) }) },
  );
  const scenarios = scenarioArb({ events: earningEvents, cycleWeight: 0, minSteps: 5, maxSteps: 40 });

  it('an event is too_old only if it is more than the span (max age + max future) before an earlier accepted earn of the user; otherwise each limit is exact', () => {
    let tooOld = 0;
    fc.assert(
      fc.property(scenarios, (scenario) => {
        const sim = simulate(scenario);
        const newest = new Map<string, number>();
        const history = new Map<string, number[]>();
        for (const r of earnsOf(sim)) {
          const user = r.event.user_id;
          const label = `step ${r.step}: ${user} ${r.event.activity} at ${r.at}, newest accepted ${newest.get(user)}`;
          const reach = (newest.get(user) ?? Number.NEGATIVE_INFINITY) - SPAN;
          const interval = (sim.program.earning.activities[r.event.activity]?.min_interval_seconds ?? 0) * SECOND;
          const slot = `${user} ${r.event.activity}`;
          const collides = (history.get(slot) ?? []).some((x) => Math.abs(r.at - x) < interval);
          if (r.decision.reason === 'too_old') {
            tooOld++;
            expect(r.at, label).toBeLessThan(reach);
            expect([r.decision.amount, r.decision.postings, r.decision.users], label).toEqual([0, [], []]);
          }
          if (r.decision.reason === 'rate_limited') expect(collides, `${label}: rate limited by nothing`).toBe(true);
          if (r.at >= reach && collides) expect(r.decision.reason, label).toBe('rate_limited');
          if (!accepted(r)) continue;
          history.set(slot, [...(history.get(slot) ?? []), r.at]);
          newest.set(user, Math.max(newest.get(user) ?? r.at, r.at));
        }
      }),
      fcParams(RUNS),
    );
    expect(tooOld, 'events reached back past the windows').toBeGreaterThan(RUNS / 4);
  });
});

describe('honest in-order producers get exactly what they got before the windows', () => {
  /** Event times never go back: not given (they count when applied), or in the future (which counts as now). */
  const inOrder: fc.Arbitrary<Timing> = fc.oneof(
    fc.constant<Timing>({ type: 'none' }),
    fc.record({ aheadMs: fc.integer({ min: 1, max: HOUR }), offsetMinutes: fc.constantFrom(0, 180, -300) }).map((t): Timing => ({ type: 'future', ...t })),
  );
  const events: fc.Arbitrary<EventDraft> = fc.oneof(
    { weight: 12, arbitrary: earnDraft },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('grant' as const), user_id: users, asset: fc.constant('points' as const), amount: fc.integer({ min: 1, max: 20_000 }) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('purchase_bonus' as const),
        user_id: users,
        product: fc.record({ type: fc.constant('subscription' as const), tier: fc.constantFrom('BASIC', 'PREMIUM', 'VIP'), periods: fc.constant(1) }),
      }),
    },
  );
  const advance = fc.oneof(
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 10, arbitrary: fc.integer({ min: 1, max: 30 * SECOND }) },
    { weight: 2, arbitrary: fc.integer({ min: 20 * MINUTE, max: 8 * HOUR }) },
    { weight: 1, arbitrary: fc.integer({ min: 20 * HOUR, max: 2 * DAY }) },
  );
  const scenarios = scenarioArb({ events, advance, timing: inOrder, cycleWeight: 0, minSteps: 5, maxSteps: 40, program: programArb.filter((p) => p.dailyCap <= 1_000) });

  it('each earn decides the same amount and reason as the rules that kept only the latest instant, day tally and login day', () => {
    let compared = 0;
    fc.assert(
      fc.property(scenarios, (scenario) => {
        const sim = simulate(scenario);
        const legacy = new Map<string, LegacyEarningState>();
        for (const r of earnsOf(sim)) {
          const user = r.event.user_id;
          const before = r.before.get(user) ?? newUserState(user, sim.program);
          const state = legacy.get(user) ?? newLegacyState();
          const expected = legacyEarn(state, before, r.event.activity, r.at, sim.program as Program);
          expect([r.decision.amount, r.decision.reason], `step ${r.step}: ${user} ${r.event.activity} at ${r.at}`).toEqual([expected.amount, expected.reason]);
          legacy.set(user, expected.next);
          compared++;
        }
      }),
      fcParams(RUNS),
    );
    expect(compared).toBeGreaterThan(RUNS * 5);
  });

  it('a capped earn that was not limited earns its full rate (base × level × tier)', () => {
    fc.assert(
      fc.property(scenarios, (scenario) => {
        const sim = simulate(scenario);
        for (const r of earnsOf(sim)) {
          const rule = sim.program.earning.activities[r.event.activity];
          if (!rule?.capped || rule.daily_login || r.decision.reason !== null) continue;
          const before = r.before.get(r.event.user_id) ?? newUserState(r.event.user_id, sim.program);
          expect(r.decision.amount, `step ${r.step}`).toBe(activityPoints(rule, before, r.at, sim.program));
        }
      }),
      fcParams(RUNS / 3),
    );
  });
});
