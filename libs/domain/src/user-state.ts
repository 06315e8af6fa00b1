import type { Balances } from './postings.ts';
import type { Program } from './program.schema.ts';
import { EMPTY_DAY_SET, EMPTY_DAY_TALLIES, type DaySet, type DayTallies, type InstantWindow } from './rule-windows.ts';

/** Everything the rules know about one user; the ledger loads it, the rules return a new one. */
export interface UserState {
  readonly userId: string;
  readonly tier: string;
  /** Epoch ms when a paid tier ends; null for the default tier. */
  readonly tierEndsAt: number | null;
  /** Token holdings that size the allowance (may exceed 2^53). */
  readonly tokenBalance: bigint;
  /** Allowance capacity issued to the user; null until the allowance is first used. */
  readonly allowanceCapacity: number | null;
  readonly level: number;
  readonly lifetimeEarned: number;
  readonly lifetimeSpent: number;
  /** Points that ever left the user (spent, deducted, expired): expiry eats the oldest lots first. */
  readonly pointsConsumed: number;
  readonly currentStreak: number;
  readonly longestStreak: number;
  /** The latest program day with a claimed daily login (the streak ends there). */
  readonly lastLoginDay: string | null;
  /** Recent program days with a claimed daily login, `lastLoginDay` included. */
  readonly loginDays: DaySet;
  /** Capped points credited per recent program day (the daily cap's tallies). */
  readonly capTallies: DayTallies;
  /** Per activity with a rate limit: instants of its recent earning events. */
  readonly earnedAt: Readonly<Record<string, InstantWindow>>;
  readonly referrerId: string | null;
  readonly balances: Balances;
}

/** The state of a user the ledger has never seen. */
export function newUserState(userId: string, program: Program): UserState {
  return {
    userId,
    tier: program.default_tier,
    tierEndsAt: null,
    tokenBalance: 0n,
    allowanceCapacity: null,
    level: 1,
    lifetimeEarned: 0,
    lifetimeSpent: 0,
    pointsConsumed: 0,
    currentStreak: 0,
    longestStreak: 0,
    lastLoginDay: null,
    loginDays: EMPTY_DAY_SET,
    capTallies: EMPTY_DAY_TALLIES,
    earnedAt: {},
    referrerId: null,
    balances: {},
  };
}

export type HoldStatus = 'open' | 'settled' | 'voided' | 'lapsed';

/** A reservation made by a `hold` event, drawn per asset in spend order. */
export interface HoldState {
  readonly holdKey: string;
  readonly userId: string;
  readonly amounts: Readonly<Partial<Record<'allowance' | 'credit' | 'points', number>>>;
  readonly status: HoldStatus;
  readonly expiresAt: number;
}
