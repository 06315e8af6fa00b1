// Pure: tiers.ts has no I/O; this file needs no services.
import { describe, expect, it } from 'vitest';
import { defaultProgram, effectiveTier, tierMultiplierBp } from '@points-engine/domain';
import { T0 } from './support/world.ts';

describe('effectiveTier / tierMultiplierBp', () => {
  it.each([
    { tier: 'FREE', tierEndsAt: null, expected: 'FREE', bp: 10_000 },
    { tier: 'BASIC', tierEndsAt: T0 + 1, expected: 'BASIC', bp: 12_000 },
    { tier: 'PREMIUM', tierEndsAt: T0 + 1, expected: 'PREMIUM', bp: 15_000 },
    { tier: 'VIP', tierEndsAt: T0 + 30 * 86_400_000, expected: 'VIP', bp: 20_000 },
    { tier: 'VIP', tierEndsAt: null, expected: 'VIP', bp: 20_000 }, // a paid tier without an end stays
    // A paid tier ends on its own at tierEndsAt (inclusive).
    { tier: 'PREMIUM', tierEndsAt: T0, expected: 'FREE', bp: 10_000 },
    { tier: 'PREMIUM', tierEndsAt: T0 - 1, expected: 'FREE', bp: 10_000 },
    { tier: 'VIP', tierEndsAt: T0 - 86_400_000, expected: 'FREE', bp: 10_000 },
    // A tier the program no longer has falls back to the default.
    { tier: 'GOLD', tierEndsAt: T0 + 1, expected: 'FREE', bp: 10_000 },
  ])('$tier ending $tierEndsAt → $expected (×$bp bp)', ({ tier, tierEndsAt, expected, bp }) => {
    expect(effectiveTier({ tier, tierEndsAt }, T0, defaultProgram)).toBe(expected);
    expect(tierMultiplierBp({ tier, tierEndsAt }, T0, defaultProgram)).toBe(bp);
  });
});
