// Pure builders and a tiny in-memory world for decide(); no services needed.
import { expect } from 'vitest';
import {
  addDays,
  decide,
  defaultProgram,
  lapseKey,
  levelFor,
  newUserState,
  pointsEventSchema,
  programSchema,
  defaultProgramInput,
  type Decision,
  type HoldState,
  type LapseHoldEvent,
  type LedgerEvent,
  type PointsEvent,
  type PointsEventInput,
  type Program,
  type ProgramInput,
  type UserState,
} from '@points-engine/domain';
import { expectBalanced } from './expect.ts';

/** The fixed instant tests run at: program day 2026-03-10 in the default (UTC) program. */
export const T0 = Date.parse('2026-03-10T12:00:00Z');
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** 'YYYY-MM-DD' of T0 in UTC. */
export const TODAY = '2026-03-10';
export const YESTERDAY = '2026-03-09';

/**
 * A user built on `newUserState()`. The level follows `lifetimeEarned` unless given, so a user
 * "at 5000 lifetime" is level 3 like the ledger would have stored it.
 */
export function user(patch: Partial<UserState> = {}, program: Program = defaultProgram): UserState {
  const base = newUserState(patch.userId ?? 'u1', program);
  const lifetimeEarned = patch.lifetimeEarned ?? base.lifetimeEarned;
  return { ...base, level: levelFor(lifetimeEarned, program.levels).level, ...patch };
}

/** A user state patch: `earned` capped points tallied on each of these days (the window knows every day). */
export const tallies = (days: Readonly<Record<string, number>>, from: string | null = null): Partial<UserState> => ({ capTallies: { from, days } });

/** A user state patch: these instants passed an activity's rate limit (the window knows every instant). */
export const earnedAt = (activity: string, at: readonly number[], from: number | null = null): Partial<UserState> => ({ earnedAt: { [activity]: { from, at } } });

/** A user state patch: a login streak of `streak` days ending on `day` (each of those days claimed). */
export function loggedIn(day: string, streak: number, longest = streak): Partial<UserState> {
  const days = Array.from({ length: Math.min(streak, 3) }, (_, i) => addDays(day, i - Math.min(streak, 3) + 1));
  return { lastLoginDay: day, currentStreak: streak, longestStreak: longest, loginDays: { from: days[0] ?? null, days } };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A producer event as written, with the idempotency key optional (a unique one is generated). */
export type EventSpec = DistributiveOmit<PointsEventInput, 'idempotency_key'> & { idempotency_key?: string };

let sequence = 0;
/** Parses a producer event through the real schema (so tests only send events producers can send). */
export function ev(spec: EventSpec): PointsEvent {
  sequence += 1;
  return pointsEventSchema.parse({ idempotency_key: `test-${sequence}`, ...spec });
}

/** The engine's own lapse event for a hold. */
export function lapse(holdKey: string, userId = 'u1'): LapseHoldEvent {
  return { kind: 'lapse_hold', idempotency_key: lapseKey(holdKey), user_id: userId, hold_key: holdKey };
}

/** A program made from the default input with some parts replaced, validated. */
export function programWith(patch: Partial<ProgramInput>): Program {
  return programSchema.parse({ ...structuredClone(defaultProgramInput), ...patch });
}

export interface RunOptions {
  now?: number;
  program?: Program;
  holds?: readonly HoldState[];
}

/**
 * The only way these tests call `decide()`: it also checks the decision is balanced
 * (`expectBalanced`), deterministic (the same inputs decide the same), and leaves its inputs untouched.
 */
export function run(users: readonly UserState[], event: LedgerEvent, options: RunOptions = {}): Decision {
  const usersById = new Map(users.map((state) => [state.userId, state]));
  const holdsByKey = new Map((options.holds ?? []).map((hold) => [hold.holdKey, hold]));
  const ctx = { program: options.program ?? defaultProgram, now: options.now ?? T0 };
  const snapshot = structuredClone({ users: [...usersById.values()], holds: [...holdsByKey.values()] });
  const decision = decide(ctx, { users: usersById, holds: holdsByKey }, event);
  expectBalanced(decision, usersById);
  expect(decide(ctx, { users: usersById, holds: holdsByKey }, event), 'decide is deterministic').toEqual(decision);
  expect({ users: [...usersById.values()], holds: [...holdsByKey.values()] }, 'decide does not mutate its inputs').toEqual(snapshot);
  return decision;
}

/** Users and holds that follow applied decisions, for sequences of events. */
export class World {
  readonly users = new Map<string, UserState>();
  readonly holds = new Map<string, HoldState>();

  constructor(
    users: readonly UserState[],
    readonly program: Program = defaultProgram,
  ) {
    for (const state of users) this.users.set(state.userId, state);
  }

  apply(event: LedgerEvent, now: number): Decision {
    const decision = run([...this.users.values()], event, { now, program: this.program, holds: [...this.holds.values()] });
    if (decision.status === 'applied') {
      for (const state of decision.users) this.users.set(state.userId, state);
      for (const hold of decision.holds) this.holds.set(hold.holdKey, hold);
    }
    return decision;
  }

  user(userId = 'u1'): UserState {
    const state = this.users.get(userId);
    if (!state) throw new Error(`no user ${userId}`);
    return state;
  }

  hold(holdKey: string): HoldState {
    const hold = this.holds.get(holdKey);
    if (!hold) throw new Error(`no hold ${holdKey}`);
    return hold;
  }
}
