import type { DecisionBuilder } from './decision-builder.ts';
import type { Program } from './program.schema.ts';
import type { UserState } from './user-state.ts';

type AllowanceRules = Program['allowance'];

/** StationThis: capacity = floor((token balance + NOCOINERSTARTER) / POINTMULTI). */
export function allowanceCapacity(tokenBalance: bigint, rules: AllowanceRules): number {
  const capacity = (tokenBalance + BigInt(rules.no_coiner_starter)) / BigInt(rules.point_multi);
  return capacity > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(capacity);
}

/** What one cycle gives back: capacity / divisor, rounded up so a full refill takes at most `divisor` cycles. */
export function replenishStep(capacity: number, rules: AllowanceRules): number {
  return Math.ceil(capacity / rules.replenish_divisor);
}

/** Issues the allowance the first time a user needs it (it exists implicitly at full capacity until then). */
export function openAllowance(b: DecisionBuilder, userId: string, program: Program): void {
  const state = b.user(userId);
  if (state.allowanceCapacity !== null) return;
  const capacity = allowanceCapacity(state.tokenBalance, program.allowance);
  b.issue(userId, 'allowance', 'issuance', capacity);
  b.update(userId, { allowanceCapacity: capacity });
}

/**
 * Resizes an opened allowance to a new capacity: growth is issued at once; a shrink is taken back
 * from what is available, then from what awaits replenishment (used and held amounts are trimmed
 * by later cycles).
 */
export function resizeAllowance(b: DecisionBuilder, userId: string, capacity: number): { issued: number; withdrawn: number } {
  // An allowance never opened counts as capacity 0 issued so far: resizing opens it.
  const previous = b.user(userId).allowanceCapacity ?? 0;
  b.update(userId, { allowanceCapacity: capacity });
  const delta = capacity - previous;
  if (delta >= 0) {
    b.issue(userId, 'allowance', 'issuance', delta);
    return { issued: delta, withdrawn: 0 };
  }
  const fromMain = Math.min(b.balance(userId, 'allowance', 'main'), -delta);
  const fromPending = Math.min(b.balance(userId, 'allowance', 'pending'), -delta - fromMain);
  b.issue(userId, 'allowance', 'issuance', -fromMain, 'main');
  b.issue(userId, 'allowance', 'issuance', -fromPending, 'pending');
  return { issued: 0, withdrawn: fromMain + fromPending };
}

/** The allowance a user can use now, counting an allowance that was never opened at full capacity. */
export function availableAllowance(state: UserState, program: Program): number {
  if (state.allowanceCapacity === null) return allowanceCapacity(state.tokenBalance, program.allowance);
  return state.balances['allowance:main'] ?? 0;
}

export interface CycleEffect {
  /** Used amounts that count as experience at this flush (the experience balance saturates at 2^53 − 1). */
  experience: number;
  /** Used allowance that now waits for replenishment. */
  toPending: number;
  /** Allowance given back this cycle. */
  replenished: number;
  /** Allowance above capacity (after a shrink) returned to issuance. */
  trimmed: number;
}

/**
 * One 15-minute cycle for one user (the reference the set-based SQL cycle mirrors): flush used
 * amounts into experience (used allowance waits in pending), then give back capacity/divisor.
 */
export function cycleForUser(state: UserState, program: Program): CycleEffect {
  const balance = (key: `${string}:${string}`) => state.balances[key as keyof UserState['balances']] ?? 0;
  const usedAllowance = balance('allowance:used');
  let experience = 0;
  for (const asset of ['allowance', 'credit', 'points'] as const) {
    if (program.assets[asset].counts_as_experience) experience += balance(`${asset}:used`);
  }
  const capacity = state.allowanceCapacity ?? 0;
  const pending = balance('allowance:pending') + usedAllowance;
  const total = balance('allowance:main') + balance('allowance:held') + pending;
  // Trim first, then give back from what is left: replenishing first gave allowance back to a user
  // still above a shrunk capacity (when little is pending), leaving main + held + pending above it.
  const trimmed = Math.min(pending, Math.max(0, total - capacity));
  const replenished = Math.min(pending - trimmed, replenishStep(capacity, program.allowance));
  // Experience saturates at 2^53 − 1: past it the balance could not be read back (every later
  // event of the user failed), and a balance no one can spend needs no more.
  const roomForExperience = Number.MAX_SAFE_INTEGER - balance('experience:main');
  return { experience: Math.min(experience, roomForExperience), toPending: usedAllowance, replenished, trimmed };
}
