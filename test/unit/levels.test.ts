// Pure: levels.ts has no I/O; this file needs no services.
import { describe, expect, it } from 'vitest';
import { defaultProgram, levelFor, levelProgress } from '@points-engine/domain';

const levels = defaultProgram.levels;

describe('levelFor (default program = the seed table)', () => {
  it.each([
    [0, 1, 10_000],
    [999, 1, 10_000],
    [1_000, 2, 11_000],
    [4_999, 2, 11_000],
    [5_000, 3, 12_000],
    [14_999, 3, 12_000],
    [15_000, 4, 13_000],
    [49_999, 4, 13_000],
    [50_000, 5, 15_000],
    [149_999, 5, 15_000],
    [150_000, 6, 20_000],
    [10_000_000, 6, 20_000],
  ])('lifetime %i → level %i (×%i bp)', (lifetime, level, multiplier) => {
    const rule = levelFor(lifetime, levels);
    expect(rule.level).toBe(level);
    expect(rule.multiplier).toBe(multiplier);
  });

  it('names and icons come from the seed', () => {
    expect(levels.map((l) => [l.name.en, l.icon])).toEqual([
      ['Beginner', '🌱'],
      ['Trader', '📈'],
      ['Analyst', '🔍'],
      ['Expert', '⭐'],
      ['Master', '💎'],
      ['Legend', '👑'],
    ]);
  });

  it('throws on a program without levels', () => {
    expect(() => levelFor(0, [])).toThrow(/no levels/);
  });
});

describe('levelProgress', () => {
  it.each([
    { lifetime: 0, level: 1, next: 2, pointsToNext: 1_000, progress: 0 },
    { lifetime: 500, level: 1, next: 2, pointsToNext: 500, progress: 0.5 },
    { lifetime: 999, level: 1, next: 2, pointsToNext: 1, progress: 0.99 },
    { lifetime: 1_000, level: 2, next: 3, pointsToNext: 4_000, progress: 0 },
    { lifetime: 1_234, level: 2, next: 3, pointsToNext: 3_766, progress: 0.05 }, // 0.0585 floors to 0.05
    { lifetime: 4_999, level: 2, next: 3, pointsToNext: 1, progress: 0.99 }, // 0.99975 never shows as 1
    { lifetime: 100_000, level: 5, next: 6, pointsToNext: 50_000, progress: 0.5 },
    { lifetime: 150_000, level: 6, next: null, pointsToNext: 0, progress: 1 },
    { lifetime: 999_999, level: 6, next: null, pointsToNext: 0, progress: 1 },
  ])('lifetime $lifetime → level $level, next $next, $pointsToNext to go, progress $progress', (row) => {
    const result = levelProgress(row.lifetime, levels);
    expect(result.level.level).toBe(row.level);
    expect(result.next?.level ?? null).toBe(row.next);
    expect(result.pointsToNext).toBe(row.pointsToNext);
    expect(result.progress).toBe(row.progress);
  });
});
