// Pure: spend, hold, settle, void and lapse decided through decide(); this file needs no services.
import { describe, expect, it } from 'vitest';
import { allocate, defaultProgram, holdNamedBy, priceOf, type HoldState, type HoldStatus, type UserState } from '@points-engine/domain';
import { bal, describePostings, expectApplied, expectRejected, stateOf } from './support/expect.ts';
import { ev, lapse, MINUTE, programWith, run, SECOND, T0, user, World } from './support/world.ts';

/** A user whose allowance is open (capacity 370) with these amounts in main. */
const opened = (allowance: number, credit: number, points: number, patch: Partial<UserState> = {}): UserState =>
  user({
    allowanceCapacity: 370,
    lifetimeEarned: points,
    balances: { 'allowance:main': allowance, 'credit:main': credit, 'points:main': points },
    ...patch,
  });

const spend = (amount: number, userId = 'u1') => ev({ kind: 'spend', user_id: userId, amount });
const hold = (key: string, amount: number, userId = 'u1') => ev({ kind: 'hold', idempotency_key: key, user_id: userId, amount });
const settle = (key: string, amount: number, userId = 'u1') => ev({ kind: 'settle', user_id: userId, hold_key: key, amount });
const voidHold = (key: string, userId = 'u1') => ev({ kind: 'void', user_id: userId, hold_key: key });

const mains = (state: UserState) => [bal(state, 'allowance:main'), bal(state, 'credit:main'), bal(state, 'points:main')];

describe('priceOf', () => {
  it.each([
    { cost: { amount: 42 }, expected: 42 },
    { cost: { amount: 42, task_type: 'video' }, expected: 42 }, // an explicit amount wins
    { cost: { task_type: 'image', duration_seconds: 3 }, expected: 6 },
    { cost: { task_type: 'image', duration_seconds: 2.1 }, expected: 6 }, // every started second
    { cost: { task_type: 'image', duration_seconds: 0 }, expected: 0 },
    { cost: { task_type: 'video', duration_seconds: 10 }, expected: 60 },
    { cost: { task_type: 'video' }, expected: 20 },
    { cost: { task_type: 'upscale', duration_seconds: 100 }, expected: 10 },
    { cost: { task_type: 'chat' }, expected: 1 },
    { cost: { task_type: 'teleport' }, expected: null },
    { cost: {}, expected: null },
  ])('$cost costs $expected', ({ cost, expected }) => {
    expect(priceOf(cost, defaultProgram)).toBe(expected);
  });
});

describe('allocate', () => {
  const order = ['allowance', 'credit', 'points'] as const;
  it.each([
    { cost: 50, available: { allowance: 370, credit: 0, points: 0 }, expected: { allowance: 50 } },
    { cost: 100, available: { allowance: 30, credit: 100, points: 0 }, expected: { allowance: 30, credit: 70 } },
    { cost: 200, available: { allowance: 30, credit: 100, points: 1_000 }, expected: { allowance: 30, credit: 100, points: 70 } },
    { cost: 60, available: { allowance: 10, credit: 20, points: 30 }, expected: { allowance: 10, credit: 20, points: 30 } },
    { cost: 61, available: { allowance: 10, credit: 20, points: 30 }, expected: null },
    { cost: 0, available: { allowance: 0, credit: 0, points: 0 }, expected: {} },
    { cost: 5, available: { allowance: -10, credit: 5, points: 0 }, expected: { credit: 5 } }, // a negative balance gives nothing
  ])('$cost from $available → $expected', ({ cost, available, expected }) => {
    expect(allocate(cost, available, order)).toEqual(expected);
  });

  it('follows the given order', () => {
    expect(allocate(150, { allowance: 100, credit: 100, points: 100 }, ['points', 'credit', 'allowance'])).toEqual({ points: 100, credit: 50 });
  });
});

describe('spend', () => {
  it.each([
    { label: 'allowance covers', state: () => opened(370, 100, 100), cost: 200, drawn: { allowance: 200 }, after: [170, 100, 100] },
    { label: 'allowance, then credit', state: () => opened(30, 100, 1_000), cost: 100, drawn: { allowance: 30, credit: 70 }, after: [0, 30, 1_000] },
    {
      label: 'allowance, credit, then points',
      state: () => opened(30, 100, 1_000),
      cost: 200,
      drawn: { allowance: 30, credit: 100, points: 70 },
      after: [0, 0, 930],
    },
    { label: 'credit when the allowance is empty', state: () => opened(0, 100, 100), cost: 50, drawn: { credit: 50 }, after: [0, 50, 100] },
    { label: 'points last', state: () => opened(0, 0, 100), cost: 100, drawn: { points: 100 }, after: [0, 0, 0] },
    { label: 'exactly everything', state: () => opened(10, 20, 30), cost: 60, drawn: { allowance: 10, credit: 20, points: 30 }, after: [0, 0, 0] },
  ])('$label: $cost draws $drawn', ({ state, cost, drawn, after }) => {
    const before = state();
    const d = expectApplied(run([before], spend(cost)));
    expect(d.amount).toBe(cost);
    expect(d.reason).toBeNull();
    expect(d.details).toEqual({ cost, drawn });
    const next = stateOf(d);
    expect(mains(next)).toEqual(after);
    expect([bal(next, 'allowance:used'), bal(next, 'credit:used'), bal(next, 'points:used')]).toEqual([
      drawn.allowance ?? 0,
      drawn.credit ?? 0,
      drawn.points ?? 0,
    ]);
    // Only points count as lifetime spent / consumed (for expiry).
    expect(next.lifetimeSpent).toBe(before.lifetimeSpent + (drawn.points ?? 0));
    expect(next.pointsConsumed).toBe(before.pointsConsumed + (drawn.points ?? 0));
    expect(next.lifetimeEarned).toBe(before.lifetimeEarned);
  });

  it('moves each asset from main to used without touching system accounts', () => {
    const d = expectApplied(run([opened(30, 100, 1_000)], spend(200)));
    expect(describePostings(d.postings)).toEqual([
      'u1/allowance:main -30',
      'u1/allowance:used +30',
      'u1/credit:main -100',
      'u1/credit:used +100',
      'u1/points:main -70',
      'u1/points:used +70',
    ]);
  });

  it('prices a task type (video, 10 s = 20 + 4 × 10)', () => {
    const d = expectApplied(run([opened(370, 0, 0)], ev({ kind: 'spend', user_id: 'u1', task_type: 'video', duration_seconds: 10 })));
    expect(d.amount).toBe(60);
    expect(bal(stateOf(d), 'allowance:main')).toBe(310);
  });

  it('a spend nothing covers is rejected insufficient_funds with no postings', () => {
    const d = expectRejected(run([user()], spend(371)), 'insufficient_funds');
    expect(d.details).toEqual({ cost: 371, available: { allowance: 370, credit: 0, points: 0 } });
  });

  it('a spend all assets together cannot cover is rejected (nothing partially drawn)', () => {
    const d = expectRejected(run([opened(10, 20, 30)], spend(61)), 'insufficient_funds');
    expect(d.details).toEqual({ cost: 61, available: { allowance: 10, credit: 20, points: 30 } });
  });

  it('rejects an unknown task type', () => {
    const d = expectRejected(run([opened(370, 0, 0)], ev({ kind: 'spend', user_id: 'u1', task_type: 'teleport' })), 'unknown_task_type');
    expect(d.details).toEqual({ task_type: 'teleport' });
  });

  it("follows the program's spend order", () => {
    const program = programWith({
      spending: { ...structuredClone(defaultProgram.spending), order: ['points', 'credit', 'allowance'] },
    });
    const d = expectApplied(run([opened(100, 100, 100)], spend(150), { program }));
    expect(d.details).toEqual({ cost: 150, drawn: { points: 100, credit: 50 } });
    expect(stateOf(d).lifetimeSpent).toBe(100);
  });
});

describe('holds', () => {
  it('a hold reserves into held: available drops, nothing is spent yet', () => {
    const d = expectApplied(run([user()], hold('h1', 300)));
    expect(d.amount).toBe(300);
    expect(describePostings(d.postings)).toEqual([
      'issuance/allowance -370',
      'u1/allowance:main +370',
      'u1/allowance:main -300',
      'u1/allowance:held +300',
    ]);
    const after = stateOf(d);
    expect(bal(after, 'allowance:main')).toBe(70);
    expect(bal(after, 'allowance:held')).toBe(300);
    expect(bal(after, 'allowance:used')).toBe(0);
    expect(d.holds).toEqual([{ holdKey: 'h1', userId: 'u1', amounts: { allowance: 300 }, status: 'open', expiresAt: T0 + 30 * MINUTE }]);
    expect(d.details).toEqual({ cost: 300, held: { allowance: 300 }, expires_at: new Date(T0 + 30 * MINUTE).toISOString() });
  });

  it('a hold spans assets in spend order and does not count as spent', () => {
    const d = expectApplied(run([opened(100, 100, 100)], hold('h1', 250)));
    const after = stateOf(d);
    expect(mains(after)).toEqual([0, 0, 50]);
    expect([bal(after, 'allowance:held'), bal(after, 'credit:held'), bal(after, 'points:held')]).toEqual([100, 100, 50]);
    expect(d.holds[0]?.amounts).toEqual({ allowance: 100, credit: 100, points: 50 });
    expect(after.lifetimeSpent).toBe(0);
    expect(after.pointsConsumed).toBe(0);
  });

  it('expires hold_ttl_minutes after the event occurred', () => {
    const occurred = T0 - 10 * MINUTE;
    const event = ev({ kind: 'hold', idempotency_key: 'h1', user_id: 'u1', amount: 10, occurred_at: new Date(occurred).toISOString() });
    expect(expectApplied(run([user()], event)).holds[0]?.expiresAt).toBe(occurred + 30 * MINUTE);
  });

  it.each([
    { label: 'more than everything available', state: () => user(), event: () => hold('h1', 371), reason: 'insufficient_funds' as const },
    { label: 'an unknown task type', state: () => user(), event: () => ev({ kind: 'hold', idempotency_key: 'h1', user_id: 'u1', task_type: 'teleport' }), reason: 'unknown_task_type' as const },
  ])('a hold for $label is rejected $reason', ({ state, event, reason }) => {
    expectRejected(run([state()], event()), reason);
  });

  /** u1 (fresh, capacity 370) with an open hold h1 of 300: main 70, held 300. */
  const withHold = (amount = 300): World => {
    const world = new World([user(), user({ userId: 'u2' })]);
    expectApplied(world.apply(hold('h1', amount), T0));
    return world;
  };

  it('settle with a lower actual cost charges the actual and returns the rest', () => {
    const world = withHold();
    const d = expectApplied(world.apply(settle('h1', 200), T0 + MINUTE));
    expect(d.amount).toBe(200);
    expect(d.reason).toBeNull();
    expect(d.details).toEqual({ cost: 200, drawn: { allowance: 200 }, shortfall: 0, hold_key: 'h1' });
    const after = world.user();
    expect(bal(after, 'allowance:main')).toBe(170);
    expect(bal(after, 'allowance:held')).toBe(0);
    expect(bal(after, 'allowance:used')).toBe(200);
    expect(world.hold('h1').status).toBe('settled');
  });

  it('settle above the hold but within what is available charges it all', () => {
    const world = withHold(100);
    const d = expectApplied(world.apply(settle('h1', 150), T0 + MINUTE));
    expect([d.amount, d.reason]).toEqual([150, null]);
    expect(bal(world.user(), 'allowance:main')).toBe(220);
    expect(bal(world.user(), 'allowance:used')).toBe(150);
  });

  it('settle above everything available charges what is available with reason shortfall', () => {
    const world = withHold();
    const d = expectApplied(world.apply(settle('h1', 500), T0 + MINUTE));
    expect([d.amount, d.reason]).toEqual([370, 'shortfall']);
    expect(d.details).toMatchObject({ cost: 500, shortfall: 130, drawn: { allowance: 370 } });
    expect(bal(world.user(), 'allowance:main')).toBe(0);
    expect(bal(world.user(), 'allowance:held')).toBe(0);
    expect(bal(world.user(), 'allowance:used')).toBe(370);
    expect(world.hold('h1').status).toBe('settled');
  });

  it('settle draws across assets in spend order and books points as spent', () => {
    const world = new World([opened(100, 100, 100)]);
    world.apply(hold('h1', 150), T0);
    const d = expectApplied(world.apply(settle('h1', 250), T0 + MINUTE));
    expect(d.details).toMatchObject({ drawn: { allowance: 100, credit: 100, points: 50 }, shortfall: 0 });
    expect(mains(world.user())).toEqual([0, 0, 50]);
    expect(world.user().lifetimeSpent).toBe(50);
    expect(world.user().pointsConsumed).toBe(50);
  });

  it('settle can price the actual cost by task type', () => {
    const world = withHold();
    const d = expectApplied(world.apply(ev({ kind: 'settle', user_id: 'u1', hold_key: 'h1', task_type: 'image', duration_seconds: 30 }), T0 + MINUTE));
    expect(d.amount).toBe(60);
    expect(bal(world.user(), 'allowance:main')).toBe(310);
  });

  it('settle with an unknown task type is rejected and leaves the hold open', () => {
    const world = withHold();
    expectRejected(world.apply(ev({ kind: 'settle', user_id: 'u1', hold_key: 'h1', task_type: 'teleport' }), T0 + MINUTE), 'unknown_task_type');
    expect(world.hold('h1').status).toBe('open');
  });

  it('void returns everything', () => {
    const world = withHold();
    const d = expectApplied(world.apply(voidHold('h1'), T0 + MINUTE));
    expect([d.amount, d.reason]).toEqual([300, null]);
    expect(d.details).toEqual({ released: 300, hold_key: 'h1' });
    expect(describePostings(d.postings)).toEqual(['u1/allowance:held -300', 'u1/allowance:main +300']);
    expect(bal(world.user(), 'allowance:main')).toBe(370);
    expect(bal(world.user(), 'allowance:held')).toBe(0);
    expect(bal(world.user(), 'allowance:used')).toBe(0);
    expect(world.hold('h1').status).toBe('voided');
  });

  it('lapse releases the hold and emits hold_lapsed', () => {
    const world = withHold();
    const d = expectApplied(world.apply(lapse('h1'), T0 + 31 * MINUTE));
    expect(d.amount).toBe(300);
    expect(d.notices).toEqual([{ type: 'hold_lapsed', userId: 'u1', holdKey: 'h1', released: 300 }]);
    expect(bal(world.user(), 'allowance:main')).toBe(370);
    expect(bal(world.user(), 'allowance:held')).toBe(0);
    expect(world.hold('h1').status).toBe('lapsed');
  });

  it('a lapsed hold can still be settled: the work was done, so the cost is charged from what is available', () => {
    const world = withHold();
    world.apply(lapse('h1'), T0 + 31 * MINUTE);
    const d = expectApplied(world.apply(settle('h1', 200), T0 + 32 * MINUTE));
    expect(describePostings(d.postings)).toEqual(['u1/allowance:main -200', 'u1/allowance:used +200']); // nothing to release
    expect(bal(world.user(), 'allowance:main')).toBe(170);
    expect(world.hold('h1').status).toBe('settled');
  });

  const closedHold = (status: HoldStatus): HoldState => ({ holdKey: 'h1', userId: 'u1', amounts: { allowance: 100 }, status, expiresAt: T0 + MINUTE });
  const settledUser = () => opened(270, 0, 0, { balances: { 'allowance:main': 270, 'allowance:used': 100 } });

  it.each([
    { status: 'settled' as const, action: 'settle' },
    { status: 'voided' as const, action: 'settle' },
    { status: 'settled' as const, action: 'void' },
    { status: 'voided' as const, action: 'void' },
    { status: 'lapsed' as const, action: 'void' },
    { status: 'settled' as const, action: 'lapse' },
    { status: 'voided' as const, action: 'lapse' },
    { status: 'lapsed' as const, action: 'lapse' },
  ])('$action of a $status hold → hold_closed', ({ status, action }) => {
    const event = action === 'settle' ? settle('h1', 10) : action === 'void' ? voidHold('h1') : lapse('h1');
    const d = expectRejected(run([settledUser()], event, { holds: [closedHold(status)] }), 'hold_closed');
    expect(d.details).toEqual({ hold_key: 'h1', status });
  });

  it.each([
    { action: 'settle', event: () => settle('h1', 10, 'u2') },
    { action: 'void', event: () => voidHold('h1', 'u2') },
  ])("$action of another user's hold → hold_not_found, and the hold stays open", ({ event }) => {
    const world = withHold();
    const d = expectRejected(world.apply(event(), T0 + MINUTE), 'hold_not_found');
    expect(d.details).toEqual({ hold_key: 'h1' });
    expect(world.hold('h1').status).toBe('open');
    expect(bal(world.user(), 'allowance:held')).toBe(300);
  });

  it.each([
    { action: 'settle', event: () => settle('nope', 10) },
    { action: 'void', event: () => voidHold('nope') },
    { action: 'lapse', event: () => lapse('nope') },
  ])('$action of an unknown hold → hold_not_found', ({ event }) => {
    expectRejected(run([user()], event()), 'hold_not_found');
  });

  it('a full hold/settle cycle keeps every asset whole (nothing created or lost)', () => {
    const world = new World([opened(100, 100, 100)]);
    world.apply(hold('h1', 250), T0);
    world.apply(settle('h1', 120), T0 + 10 * SECOND);
    const state = world.user();
    const total = (asset: 'allowance' | 'credit' | 'points') =>
      bal(state, `${asset}:main`) + bal(state, `${asset}:held`) + bal(state, `${asset}:used`);
    expect([total('allowance'), total('credit'), total('points')]).toEqual([100, 100, 100]);
    expect([bal(state, 'allowance:used'), bal(state, 'credit:used'), bal(state, 'points:used')]).toEqual([100, 20, 0]);
  });
});

describe('holdNamedBy', () => {
  it.each([
    { event: () => settle('h1', 10), expected: 'h1' },
    { event: () => voidHold('h2'), expected: 'h2' },
    { event: () => lapse('h3'), expected: 'h3' },
    { event: () => hold('h4', 10), expected: null }, // a hold creates its key, it does not name one
    { event: () => spend(10), expected: null },
  ])('$expected', ({ event, expected }) => {
    expect(holdNamedBy(event())).toBe(expected);
  });
});
