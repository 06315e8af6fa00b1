import { own } from './lookup.ts';
import type { Program } from './program.schema.ts';
import type { UserState } from './user-state.ts';

/** The tier in force at `now`: a paid tier falls back to the default on its own when it ends. */
export function effectiveTier(state: Pick<UserState, 'tier' | 'tierEndsAt'>, now: number, program: Program): string {
  if (state.tier === program.default_tier) return state.tier;
  if (state.tierEndsAt !== null && state.tierEndsAt <= now) return program.default_tier;
  return own(program.tiers, state.tier) ? state.tier : program.default_tier;
}

/** The multiplier (basis points) of the tier in force at `now`. */
export function tierMultiplierBp(state: Pick<UserState, 'tier' | 'tierEndsAt'>, now: number, program: Program): number {
  const tier = own(program.tiers, effectiveTier(state, now, program));
  if (!tier) throw new Error(`default tier ${program.default_tier} is missing`);
  return tier.multiplier;
}
