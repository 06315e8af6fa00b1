import { own } from './lookup.ts';
import { knowsDay, type DaySet } from './rule-windows.ts';
import { addDays } from './time.ts';

export interface StreakStep {
  /** The streak after a login on `today`. */
  readonly streak: number;
  /** Milestone bonus earned today (0 when today's streak length is not a milestone). */
  readonly bonus: number;
  readonly alreadyClaimed: boolean;
}

/** A login on `today` continues the streak if the last login was yesterday, and restarts it otherwise. */
export function nextStreak(
  lastLoginDay: string | null,
  currentStreak: number,
  today: string,
  milestones: Readonly<Record<string, number>>,
): StreakStep {
  if (lastLoginDay !== null && lastLoginDay >= today) {
    return { streak: currentStreak, bonus: 0, alreadyClaimed: true };
  }
  const streak = lastLoginDay === addDays(today, -1) ? currentStreak + 1 : 1;
  return { streak, bonus: own(milestones, String(streak)) ?? 0, alreadyClaimed: false };
}

/**
 * What a daily login on `day` does, given the latest login day and the recent ones:
 * - `next`: a day after the latest one, which continues or restarts the streak (and may pay a milestone);
 * - `late`: an unclaimed day before the latest one (applied out of order): it may pay the base
 *   amount, but never builds, extends or pays a streak, so backdating can only claim days;
 * - `claimed`: the day was already claimed;
 * - `too_old`: the day is before the recent days kept, so whether it was claimed is unknown.
 */
export type LoginStep = { type: 'next'; streak: number; bonus: number } | { type: 'late' } | { type: 'claimed' } | { type: 'too_old' };

export function loginStep(
  lastLoginDay: string | null,
  currentStreak: number,
  recent: DaySet,
  day: string,
  milestones: Readonly<Record<string, number>>,
): LoginStep {
  if (lastLoginDay === null || day > lastLoginDay) {
    const step = nextStreak(lastLoginDay, currentStreak, day, milestones);
    return { type: 'next', streak: step.streak, bonus: step.bonus };
  }
  if (day === lastLoginDay || recent.days.includes(day)) return { type: 'claimed' };
  return knowsDay(recent.from, day) ? { type: 'late' } : { type: 'too_old' };
}

/** The streak a user shows on `today`: it is broken once a whole day passed without a login. */
export function visibleStreak(lastLoginDay: string | null, currentStreak: number, today: string): number {
  if (lastLoginDay === null) return 0;
  return lastLoginDay >= addDays(today, -1) ? currentStreak : 0;
}
