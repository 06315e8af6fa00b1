import { own } from './lookup.ts';
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

/** The streak a user shows on `today`: it is broken once a whole day passed without a login. */
export function visibleStreak(lastLoginDay: string | null, currentStreak: number, today: string): number {
  if (lastLoginDay === null) return 0;
  return lastLoginDay >= addDays(today, -1) ? currentStreak : 0;
}
