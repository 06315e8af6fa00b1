// Pure: property-based (fast-check, fixed seed) allowance sequences — spends, holds, token balances, 15-minute cycles — folded through decide(); no services, nothing shared.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allowanceCapacity, BUCKETS, type UserState } from '@points-engine/domain';
import { fcParams, MINUTE, programArb, scenarioArb, type EventDraft, type Scenario } from './support/arbitraries.ts';
import { simulate, type Simulation } from './support/simulation.ts';

const RUNS = 300;
const users = fc.constantFrom('u1', 'u2');
const cost = fc.oneof(fc.integer({ min: 1, max: 40 }).map((amount) => ({ amount })), fc.integer({ min: 1, max: 400 }).map((amount) => ({ amount })));
const pick = fc.nat();
/** Everything that moves allowance, plus credit and points to share the spend order with. */
const allowanceEvents: fc.Arbitrary<EventDraft> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constantFrom('spend' as const, 'hold' as const), user_id: users, cost }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('settle' as const), user_id: fc.constant(null), hold: pick, anyKey: fc.constant(false), cost }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('void' as const), user_id: fc.constant(null), hold: pick, anyKey: fc.constant(false) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lapse_hold' as const), hold: pick }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('set_token_balance' as const),
      user_id: users,
      token_balance: fc.oneof(fc.constant('0'), fc.integer({ min: 0, max: 30_000 }).map(String), fc.integer({ min: 0, max: 300_000 }).map(String)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('grant' as const, 'deduct' as const), user_id: users, asset: fc.constantFrom('allowance' as const, 'credit' as const), amount: fc.integer({ min: 1, max: 60 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reverse' as const), user_id: fc.constant(null), target: pick, missing: fc.constant(false) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('earn' as const), user_id: users, activity: fc.constant('text_request') }) },
);
const scenarios = scenarioArb({
  events: allowanceEvents,
  advance: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5 * MINUTE }), fc.integer({ min: 5 * MINUTE, max: 20 * MINUTE })),
  cycleWeight: 5,
  minSteps: 10,
  maxSteps: 50,
  program: programArb.map((p) => ({ ...p, smallAllowance: p.smallAllowance || p.dailyCap < 100 })),
});

const bal = (state: UserState, key: `allowance:${(typeof BUCKETS)[number]}`) => state.balances[key] ?? 0;
const total = (state: UserState) => BUCKETS.reduce((sum, bucket) => sum + bal(state, `allowance:${bucket}`), 0);

/**
 * Per user, whether allowance above capacity may exist: an allowance grant puts it there on
 * purpose, a reversal can give a deduct back after the capacity shrank, and a shrink can only take
 * back what is in main and pending — allowance held at the time stays. `adjusted` users had any
 * allowance grant or deduct (a deduct lowers what the cycle refills to, by design).
 */
function history(sim: Simulation) {
  const flagged = new Map<number, Set<string>>();
  const adjusted = new Map<number, Set<string>>();
  const excess = new Set<string>();
  const touched = new Set<string>();
  for (const r of sim.trace) {
    if (r.type === 'event' && r.decision.status === 'applied') {
      const { event, decision } = r;
      const before = r.before.get(event.user_id);
      if (event.kind === 'grant' && event.asset === 'allowance') excess.add(event.user_id);
      if ((event.kind === 'grant' || event.kind === 'deduct') && event.asset === 'allowance') touched.add(event.user_id);
      if (event.kind === 'reverse' && decision.postings.some((p) => p.account.owner === 'user' && p.account.asset === 'allowance' && p.amount > 0)) excess.add(event.user_id);
      if (event.kind === 'set_token_balance' && before && bal(before, 'allowance:held') > (decision.details['capacity'] as number)) excess.add(event.user_id);
    }
    flagged.set(r.step, new Set(excess));
    adjusted.set(r.step, new Set(touched));
  }
  return { flagged: (step: number) => flagged.get(step) ?? new Set<string>(), adjusted: (step: number) => adjusted.get(step) ?? new Set<string>() };
}

describe('the allowance', () => {
  it('main + held never exceeds capacity, and after a cycle neither does main + held + used + pending — unless allowance was granted, given back by a reversal, or held through a shrink', () => {
    let checked = 0;
    fc.assert(
      fc.property(scenarios, (scenario: Scenario) => {
        const sim = simulate(scenario);
        const { flagged } = history(sim);
        for (const r of sim.trace) {
          const states = r.type === 'cycle' ? r.after : new Map((r.decision.status === 'applied' ? r.decision.users : []).map((s) => [s.userId, s]));
          for (const state of states.values()) {
            if (state.allowanceCapacity === null || flagged(r.step).has(state.userId)) continue;
            checked++;
            const label = `step ${r.step} (${r.type === 'cycle' ? 'cycle' : r.event.kind}) ${state.userId} ${JSON.stringify(state.balances)} capacity ${state.allowanceCapacity}`;
            expect(bal(state, 'allowance:main') + bal(state, 'allowance:held'), label).toBeLessThanOrEqual(state.allowanceCapacity);
            if (r.type === 'cycle') expect(total(state), label).toBeLessThanOrEqual(state.allowanceCapacity);
          }
        }
      }),
      fcParams(RUNS),
    );
    expect(checked).toBeGreaterThan(RUNS * 10);
  });

  it('once opened, the capacity is always the one the token balance gives', () => {
    fc.assert(
      fc.property(scenarios, (scenario) => {
        const sim = simulate(scenario);
        for (const state of sim.users.values()) {
          if (state.allowanceCapacity !== null) expect(state.allowanceCapacity, state.userId).toBe(allowanceCapacity(state.tokenBalance, sim.program.allowance));
        }
      }),
      fcParams(RUNS),
    );
  });

  it('no allowance is lost: without grants and deducts, a cycle leaves exactly capacity, and replenish_divisor quiet cycles refill main + held to it', () => {
    let refilled = 0;
    fc.assert(
      fc.property(scenarios, (scenario) => {
        const sim = simulate(scenario);
        const { flagged, adjusted } = history(sim);
        const quiet = new Map<string, number>();
        for (const r of sim.trace) {
          if (r.type === 'event') {
            if (r.decision.status !== 'applied') continue;
            for (const p of r.decision.postings) if (p.account.owner === 'user' && p.account.asset === 'allowance') quiet.set(p.account.userId, 0);
            continue;
          }
          for (const state of r.after.values()) {
            if (state.allowanceCapacity === null || flagged(r.step).has(state.userId) || adjusted(r.step).has(state.userId)) continue;
            const label = `cycle at step ${r.step}: ${state.userId} ${JSON.stringify(state.balances)} capacity ${state.allowanceCapacity}`;
            expect(total(state), label).toBe(state.allowanceCapacity);
            const cycles = (quiet.get(state.userId) ?? 0) + 1;
            quiet.set(state.userId, cycles);
            if (cycles >= sim.program.allowance.replenish_divisor) {
              refilled++;
              expect(bal(state, 'allowance:main') + bal(state, 'allowance:held'), label).toBe(state.allowanceCapacity);
            }
          }
        }
      }),
      fcParams(RUNS),
    );
    expect(refilled, 'users were refilled completely').toBeGreaterThan(RUNS / 2);
  });
});
