import type { LevelRule } from './program.schema.ts';

/** The highest level whose threshold lifetime earnings have reached. */
export function levelFor(lifetimeEarned: number, levels: readonly LevelRule[]): LevelRule {
  let current = levels[0];
  if (!current) throw new Error('the program has no levels');
  for (const level of levels) if (lifetimeEarned >= level.threshold) current = level;
  return current;
}

export interface LevelProgress {
  level: LevelRule;
  next: LevelRule | null;
  /** Points still needed for the next level (0 at the top level). */
  pointsToNext: number;
  /** Share of the way from this level's threshold to the next, 0..1 (1 at the top level). */
  progress: number;
}

/** Where a user stands between their level and the next. */
export function levelProgress(lifetimeEarned: number, levels: readonly LevelRule[]): LevelProgress {
  const level = levelFor(lifetimeEarned, levels);
  const next = levels.find((candidate) => candidate.threshold > lifetimeEarned) ?? null;
  if (!next) return { level, next: null, pointsToNext: 0, progress: 1 };
  const span = next.threshold - level.threshold;
  const progress = Math.floor(((lifetimeEarned - level.threshold) / span) * 100) / 100;
  return { level, next, pointsToNext: next.threshold - lifetimeEarned, progress };
}
