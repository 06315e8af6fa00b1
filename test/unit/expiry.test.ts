// Pure: expiry.ts has no I/O; this file needs no services.
import { describe, expect, it } from 'vitest';
import { pointsToExpire } from '@points-engine/domain';

describe('pointsToExpire (oldest points leave first)', () => {
  it.each([
    { inflow: 1_000, outflow: 0, available: 1_000, expected: 1_000 },
    { inflow: 1_000, outflow: 300, available: 2_000, expected: 700 }, // spends ate the old lots first
    { inflow: 1_000, outflow: 1_000, available: 500, expected: 0 }, // the old lots are all gone
    { inflow: 1_000, outflow: 1_500, available: 500, expected: 0 }, // never negative
    { inflow: 1_000, outflow: 0, available: 400, expected: 400 }, // never more than is there
    { inflow: 0, outflow: 0, available: 100, expected: 0 },
  ])('inflow $inflow, outflow $outflow, available $available → $expected', ({ inflow, outflow, available, expected }) => {
    expect(pointsToExpire(inflow, outflow, available)).toBe(expected);
  });
});
