// Pure: allowance rules, directly and through decide(); this file needs no services.
import { describe, expect, it } from 'vitest';
import { allowanceCapacity, availableAllowance, cycleForUser, defaultProgram, programSchema, defaultProgramInput, replenishStep } from '@points-engine/domain';
import { bal, describePostings, expectApplied, stateOf } from './support/expect.ts';
import { ev, run, user, World, T0 } from './support/world.ts';

const rules = defaultProgram.allowance;
const spend = (amount: number) => ev({ kind: 'spend', user_id: 'u1', amount });
const setTokens = (tokens: string | number) => ev({ kind: 'set_token_balance', user_id: 'u1', token_balance: tokens });

describe('allowanceCapacity = floor((tokens + 199800) / 540)', () => {
  it.each([
    [0n, 370],
    [200n, 370], // 370.37
    [340n, 370], // 370.63
    [1_000n, 371], // 371.85
    [539n, 370], // 370.998
    [540n, 371], // exactly 371
    [1_080n, 372], // exactly 372
    [540_000n, 1_370],
    [1_000_000n, 2_221], // 2221.85
    [10n ** 18n, 1_851_851_851_852_221], // tokens beyond 2^53, exact bigint division
  ])('tokens %s → %i', (tokens, capacity) => {
    expect(allowanceCapacity(tokens, rules)).toBe(capacity);
  });

  it('clamps an unrepresentable capacity to the largest safe integer', () => {
    expect(allowanceCapacity(10n ** 30n, rules)).toBe(Number.MAX_SAFE_INTEGER);
    expect(allowanceCapacity(BigInt(Number.MAX_SAFE_INTEGER) * 540n - 199_800n, rules)).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('replenishStep = ceil(capacity / 18)', () => {
  it.each([
    [370, 21],
    [1_370, 77],
    [360, 20],
    [18, 1],
    [19, 2],
    [1, 1],
    [0, 0],
  ])('capacity %i → %i per cycle', (capacity, step) => {
    expect(replenishStep(capacity, rules)).toBe(step);
  });

  it('refills a whole capacity in at most 18 cycles', () => {
    for (const capacity of [1, 17, 18, 19, 370, 371, 1_370, 99_999]) expect(replenishStep(capacity, rules) * 18).toBeGreaterThanOrEqual(capacity);
  });
});

describe('availableAllowance', () => {
  it.each([
    { label: 'never opened, no tokens', patch: {}, expected: 370 },
    { label: 'never opened, 540000 tokens', patch: { tokenBalance: 540_000n }, expected: 1_370 },
    { label: 'opened: what is in main', patch: { allowanceCapacity: 370, balances: { 'allowance:main': 12, 'allowance:pending': 300 } }, expected: 12 },
    { label: 'opened and empty', patch: { allowanceCapacity: 370 }, expected: 0 },
  ])('$label → $expected', ({ patch, expected }) => {
    expect(availableAllowance(user(patch), defaultProgram)).toBe(expected);
  });
});

describe('opening the allowance on first use', () => {
  it('a first spend issues the capacity to allowance:main and draws the allowance first', () => {
    const d = expectApplied(run([user({ balances: { 'credit:main': 500, 'points:main': 500 } })], spend(50)));
    expect(describePostings(d.postings)).toEqual([
      'issuance/allowance -370',
      'u1/allowance:main +370',
      'u1/allowance:main -50',
      'u1/allowance:used +50',
    ]);
    const after = stateOf(d);
    expect(after.allowanceCapacity).toBe(370);
    expect(bal(after, 'allowance:main')).toBe(320);
    expect(bal(after, 'allowance:used')).toBe(50);
    expect(bal(after, 'credit:main')).toBe(500);
    expect(bal(after, 'points:main')).toBe(500);
    expect(d.details).toEqual({ cost: 50, drawn: { allowance: 50 } });
  });

  it('sizes the first issue from the token balance', () => {
    const d = expectApplied(run([user({ tokenBalance: 540_000n })], spend(1_000)));
    expect(describePostings(d.postings).slice(0, 2)).toEqual(['issuance/allowance -1370', 'u1/allowance:main +1370']);
    expect(stateOf(d).allowanceCapacity).toBe(1_370);
    expect(bal(stateOf(d), 'allowance:main')).toBe(370);
  });

  it('issues only once: a later spend draws what is left', () => {
    const world = new World([user()]);
    world.apply(spend(100), T0);
    const second = expectApplied(world.apply(spend(100), T0 + 1_000));
    expect(describePostings(second.postings)).toEqual(['u1/allowance:main -100', 'u1/allowance:used +100']);
    expect(bal(world.user(), 'allowance:main')).toBe(170);
    expect(bal(world.user(), 'allowance:used')).toBe(200);
  });
});

describe('cycleForUser (one 15-minute cycle)', () => {
  it.each([
    {
      label: 'flushes used allowance to pending and gives back capacity/18',
      patch: { allowanceCapacity: 370, balances: { 'allowance:main': 100, 'allowance:used': 270 } },
      expected: { experience: 270, toPending: 270, replenished: 21, trimmed: 0 },
    },
    {
      label: 'counts used credit and points as experience too',
      patch: { allowanceCapacity: 370, balances: { 'allowance:used': 200, 'allowance:main': 170, 'credit:used': 50, 'points:used': 30 } },
      expected: { experience: 280, toPending: 200, replenished: 21, trimmed: 0 },
    },
    {
      label: 'replenishes from pending left by earlier cycles',
      patch: { allowanceCapacity: 370, balances: { 'allowance:main': 100, 'allowance:pending': 270 } },
      expected: { experience: 0, toPending: 0, replenished: 21, trimmed: 0 },
    },
    {
      label: 'is bounded by what is pending',
      patch: { allowanceCapacity: 370, balances: { 'allowance:main': 365, 'allowance:pending': 5 } },
      expected: { experience: 0, toPending: 0, replenished: 5, trimmed: 0 },
    },
    {
      label: 'gives nothing back when nothing is pending',
      patch: { allowanceCapacity: 370, balances: { 'allowance:main': 370 } },
      expected: { experience: 0, toPending: 0, replenished: 0, trimmed: 0 },
    },
    {
      label: 'uses the step of a larger capacity',
      patch: { allowanceCapacity: 1_370, balances: { 'allowance:main': 0, 'allowance:used': 1_000, 'allowance:pending': 370 } },
      expected: { experience: 1_000, toPending: 1_000, replenished: 77, trimmed: 0 },
    },
    {
      label: 'trims pending above a shrunk capacity',
      patch: { allowanceCapacity: 370, balances: { 'allowance:main': 0, 'allowance:used': 1_300 } },
      expected: { experience: 1_300, toPending: 1_300, replenished: 21, trimmed: 930 },
    },
    {
      label: 'counts held allowance toward the capacity when trimming',
      patch: { allowanceCapacity: 370, balances: { 'allowance:held': 300, 'allowance:pending': 200 } },
      expected: { experience: 0, toPending: 0, replenished: 21, trimmed: 130 },
    },
    {
      label: 'a never-opened allowance has nothing to do',
      patch: {},
      expected: { experience: 0, toPending: 0, replenished: 0, trimmed: 0 },
    },
  ])('$label', ({ patch, expected }) => {
    expect(cycleForUser(user(patch), defaultProgram)).toEqual(expected);
  });

  it('only assets marked counts_as_experience count', () => {
    const input = structuredClone(defaultProgramInput);
    input.assets.points.counts_as_experience = false;
    const program = programSchema.parse(input);
    const state = user({ allowanceCapacity: 370, balances: { 'allowance:used': 10, 'credit:used': 20, 'points:used': 40, 'allowance:main': 360 } });
    expect(cycleForUser(state, program).experience).toBe(30);
  });

  it('keeps allowance main + held + pending at capacity once trimmed and replenished', () => {
    const state = user({ allowanceCapacity: 370, balances: { 'allowance:main': 0, 'allowance:used': 1_300 } });
    const { toPending, replenished, trimmed } = cycleForUser(state, defaultProgram);
    const main = 0 + replenished;
    const pending = toPending - replenished - trimmed;
    expect(main + pending).toBe(370);
  });
});

describe('set_token_balance resizes the allowance', () => {
  it('opens a never-used allowance at the new capacity', () => {
    const d = expectApplied(run([user()], setTokens(540_000)));
    expect(d.amount).toBe(1_370);
    expect(describePostings(d.postings)).toEqual(['issuance/allowance -1370', 'u1/allowance:main +1370']);
    expect(stateOf(d).allowanceCapacity).toBe(1_370);
    expect(stateOf(d).tokenBalance).toBe(540_000n);
    expect(d.details).toEqual({ token_balance: '540000', capacity: 1_370, issued: 1_370, withdrawn: 0 });
  });

  it('grows an opened allowance by the difference at once', () => {
    const state = user({ allowanceCapacity: 370, balances: { 'allowance:main': 300, 'allowance:used': 70 } });
    const d = expectApplied(run([state], setTokens('540000')));
    expect(describePostings(d.postings)).toEqual(['issuance/allowance -1000', 'u1/allowance:main +1000']);
    expect(bal(stateOf(d), 'allowance:main')).toBe(1_300);
    expect(bal(stateOf(d), 'allowance:used')).toBe(70);
    expect(stateOf(d).allowanceCapacity).toBe(1_370);
  });

  it('shrinks from main first, then pending', () => {
    const state = user({ tokenBalance: 540_000n, allowanceCapacity: 1_370, balances: { 'allowance:main': 100, 'allowance:pending': 1_270 } });
    const d = expectApplied(run([state], setTokens(0)));
    expect(d.details).toEqual({ token_balance: '0', capacity: 370, issued: 0, withdrawn: 1_000 });
    expect(describePostings(d.postings)).toEqual([
      'u1/allowance:main -100',
      'issuance/allowance +100',
      'u1/allowance:pending -900',
      'issuance/allowance +900',
    ]);
    expect(bal(stateOf(d), 'allowance:main')).toBe(0);
    expect(bal(stateOf(d), 'allowance:pending')).toBe(370);
    expect(stateOf(d).allowanceCapacity).toBe(370);
  });

  it('a shrink main can cover leaves pending alone', () => {
    const state = user({ tokenBalance: 540_000n, allowanceCapacity: 1_370, balances: { 'allowance:main': 1_200, 'allowance:pending': 170 } });
    const d = expectApplied(run([state], setTokens(0)));
    expect(bal(stateOf(d), 'allowance:main')).toBe(200);
    expect(bal(stateOf(d), 'allowance:pending')).toBe(170);
  });

  it('leaves used and held amounts for later cycles to trim', () => {
    const state = user({ tokenBalance: 540_000n, allowanceCapacity: 1_370, balances: { 'allowance:main': 70, 'allowance:used': 1_000, 'allowance:held': 300 } });
    const d = expectApplied(run([state], setTokens(0)));
    expect(d.details).toMatchObject({ capacity: 370, withdrawn: 70 });
    const after = stateOf(d);
    expect([bal(after, 'allowance:main'), bal(after, 'allowance:used'), bal(after, 'allowance:held')]).toEqual([0, 1_000, 300]);
    expect(cycleForUser(after, defaultProgram)).toEqual({ experience: 1_000, toPending: 1_000, replenished: 21, trimmed: 930 });
  });

  it('the same capacity posts nothing', () => {
    const state = user({ allowanceCapacity: 370, balances: { 'allowance:main': 370 } });
    const d = expectApplied(run([state], setTokens(340)));
    expect(d.postings).toEqual([]);
    expect(d.details).toMatchObject({ capacity: 370, issued: 0, withdrawn: 0 });
    expect(stateOf(d).tokenBalance).toBe(340n);
  });

  it('accepts token balances beyond 2^53 as decimal strings', () => {
    const d = expectApplied(run([user()], setTokens('100000000000000000000')));
    expect(stateOf(d).tokenBalance).toBe(10n ** 20n);
    expect(stateOf(d).allowanceCapacity).toBe(Number.MAX_SAFE_INTEGER); // clamped
  });
});
