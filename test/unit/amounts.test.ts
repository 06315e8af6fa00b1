// Pure: amounts.ts has no I/O; this file needs no services.
import { describe, expect, it } from 'vitest';
import { applyMultipliers, BP_ONE, toBasisPoints, toSafeInteger } from '@points-engine/domain';

describe('toBasisPoints', () => {
  it('has ×1.0 = 10,000 basis points', () => {
    expect(BP_ONE).toBe(10_000);
  });

  it.each([
    [1, 10_000],
    [1.0, 10_000],
    [1.1, 11_000],
    [1.2, 12_000],
    [1.3, 13_000],
    [1.5, 15_000],
    [2, 20_000],
    [0.0001, 1],
    [1.2345, 12_345],
    [0.5, 5_000],
    [1000, 10_000_000],
  ])('%s → %i bp', (multiplier, bp) => {
    expect(toBasisPoints(multiplier)).toBe(bp);
  });

  it.each([1.00001, 1.23456, 0.00005, 999.99999, Math.PI])('rejects %s (finer than 0.0001)', (multiplier) => {
    expect(() => toBasisPoints(multiplier)).toThrow(RangeError);
    expect(() => toBasisPoints(multiplier)).toThrow(/more precision than 0.0001/);
  });
});

describe('applyMultipliers', () => {
  it.each([
    // The seed's worked examples: base × level × tier.
    { base: 10, bps: [10_000, 10_000], expected: 10 },
    { base: 10, bps: [12_000, 15_000], expected: 18 },
    { base: 20, bps: [12_000, 15_000], expected: 36 },
    { base: 10, bps: [20_000, 20_000], expected: 40 },
    { base: 20, bps: [20_000, 20_000], expected: 80 },
    { base: 15, bps: [20_000, 20_000], expected: 60 },
    // Rounded down to a whole point, never to nearest.
    { base: 15, bps: [11_000, 12_000], expected: 19 }, // 19.8
    { base: 10, bps: [11_000, 12_000], expected: 13 }, // 13.2
    { base: 7, bps: [15_000], expected: 10 }, // 10.5
    { base: 1, bps: [19_999], expected: 1 }, // 1.9999
    { base: 1, bps: [9_999], expected: 0 }, // 0.9999
    // No multipliers, or a zero base.
    { base: 10, bps: [], expected: 10 },
    { base: 0, bps: [20_000], expected: 0 },
    // Exact for large values where floating point would not be.
    { base: Number.MAX_SAFE_INTEGER, bps: [10_000, 10_000], expected: Number.MAX_SAFE_INTEGER },
    { base: 900_719_925_474, bps: [12_345, 10_001], expected: 1_112_049_941_872 }, // 1112049941872.45...
  ])('$base × $bps bp = $expected', ({ base, bps, expected }) => {
    expect(applyMultipliers(base, bps)).toBe(expected);
  });

  it('is exact where decimal floating point is not (100 × 1.15)', () => {
    expect(Math.floor(100 * 1.15)).toBe(114); // the reason multipliers are basis points
    expect(applyMultipliers(100, [toBasisPoints(1.15)])).toBe(115);
    expect(applyMultipliers(1000, [11_000, 13_000])).toBe(1430);
  });
});

describe('toSafeInteger', () => {
  it.each([
    ['0', 0],
    ['123', 123],
    [42, 42],
    [5n, 5],
    ['-7', -7],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ] as const)('%s → %i', (value, expected) => {
    expect(toSafeInteger(value)).toBe(expected);
  });

  it.each(['9007199254740992', 9_007_199_254_740_992n, '1.5', 1.5, 'abc', Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects %s',
    (value) => {
      expect(() => toSafeInteger(value)).toThrow(RangeError);
    },
  );
});
