// Pure: folds generated steps through decide() the way the ledger does; no services needed.
import { isDeepStrictEqual } from 'node:util';
import { expect } from 'vitest';
import {
  BUCKETS,
  ASSETS,
  cycleForUser,
  decide,
  eventTime,
  holdNamedBy,
  lapseKey,
  levelFor,
  newUserState,
  pointsEventSchema,
  postToBalances,
  sumsByAsset,
  usersNamedBy,
  usersRevealedBy,
  type AppliedDecision,
  type CycleEffect,
  type Decision,
  type HoldState,
  type LedgerEvent,
  type OriginalTransaction,
  type Program,
  type UserState,
} from '@points-engine/domain';
import { cyclePostings } from '@points-engine/ledger';
import { isoWithOffset, programOf, type EventDraft, type Scenario, type Step } from './arbitraries.ts';
import { label as accountLabel } from './expect.ts';

export interface EventRecord {
  type: 'event';
  /** Position in the scenario's steps. */
  step: number;
  event: LedgerEvent;
  /** The ledger's clock when it was applied. */
  now: number;
  /** The instant it counts at (`eventTime`). */
  at: number;
  /** Every user as they were before (the world, not only those the event loaded). */
  before: ReadonlyMap<string, UserState>;
  holdsBefore: ReadonlyMap<string, HoldState>;
  /** The original a `reverse` named, as it was loaded. */
  original: OriginalTransaction | undefined;
  decision: Decision;
}

export interface CycleRecord {
  type: 'cycle';
  step: number;
  now: number;
  before: ReadonlyMap<string, UserState>;
  after: ReadonlyMap<string, UserState>;
  effects: ReadonlyMap<string, CycleEffect>;
}

export type TraceRecord = EventRecord | CycleRecord;

export interface Simulation {
  program: Program;
  trace: TraceRecord[];
  users: ReadonlyMap<string, UserState>;
  holds: ReadonlyMap<string, HoldState>;
  /** Recorded transactions by idempotency key (what `reverse` can name), with their decisions. */
  recorded: ReadonlyMap<string, { event: LedgerEvent; decision: Decision; at: number }>;
  /** Events rejected `amount_overflow`: applied, an amount would have passed 2^53 − 1. */
  overflows: { step: number; event: LedgerEvent }[];
}

export interface SimulateOptions {
  /**
   * Keeps every event's time on its applying day: a late `occurred_at` is moved up to the start
   * of the program day of `now`. Event days then never decrease (events may still be out of
   * order, or at the same instant, within a day).
   */
  lateWithinDay?: boolean;
}

/**
 * Applies a scenario the way libs/ledger/src/apply-batch.ts applies a batch of one event: the
 * users the event names (created on first sight) plus those loaded state reveals, the hold it
 * names, the original a `reverse` names (with its postings and reversal), then `decide()` at the
 * ledger's clock; an applied decision's users and holds replace the stored ones. A key already
 * recorded is a replay (the ledger's job) and is skipped. Cycle steps run the 15-minute cycle's
 * postings (libs/ledger cyclePostings of domain cycleForUser) over every user with something used
 * or pending.
 *
 * Checked at every step (any failure throws, so fast-check shrinks to it): the decision is
 * balanced, touches only loaded users, leaves no balance negative or unsafe, is deterministic and
 * does not mutate its inputs; a user's `held` buckets equal the open holds' amounts; every level
 * matches lifetime earnings.
 */
export function simulate(scenario: Scenario, options: SimulateOptions = {}): Simulation {
  const program = deepFreeze(programOf(scenario.program));
  const users = new Map<string, UserState>();
  const holds = new Map<string, HoldState>();
  const recorded = new Map<string, { event: LedgerEvent; decision: Decision; at: number }>();
  const originals = new Map<string, OriginalTransaction>();
  const trace: TraceRecord[] = [];
  const overflows: Simulation['overflows'] = [];
  let now = scenario.start;

  scenario.steps.forEach((step: Step, index) => {
    now += step.advanceMs;
    if (step.type === 'cycle') {
      trace.push(runCycle(program, users, now, index));
      checkWorld(users, holds, program, `after the cycle of step ${index}`);
      return;
    }
    const event = resolve(step.draft, { index, now, timing: step.timing, program, holds, recorded, lateWithinDay: options.lateWithinDay ?? false });
    if (!event || recorded.has(event.idempotency_key)) return;
    deepFreeze(event);

    const before = new Map(users);
    const holdsBefore = new Map(holds);
    const states = new Map<string, UserState>();
    const load = (ids: readonly string[]) => {
      for (const id of ids) {
        if (!users.has(id)) users.set(id, deepFreeze(newUserState(id, program)));
        states.set(id, users.get(id) as UserState);
      }
    };
    load(usersNamedBy(event));
    const original = event.kind === 'reverse' ? originals.get(event.transaction_key) : undefined;
    const named = new Map(original ? [[original.key, original]] : []);
    load(usersRevealedBy(event, states, named));
    const holdKey = holdNamedBy(event);
    const hold = holdKey === null ? undefined : holds.get(holdKey);
    const namedHolds = new Map(hold ? [[hold.holdKey, hold]] : []);

    const input = { users: states, holds: namedHolds, originals: named };
    const ctx = { program, now };
    const label = `step ${index} ${JSON.stringify(event)}`;
    const decision: Decision = decide(ctx, input, event);
    if (decision.status === 'rejected' && decision.reason === 'amount_overflow') overflows.push({ step: index, event });
    checkDecision(decision, states, label);
    // Inputs are deep-frozen when they enter the world, so a rule that mutated one would throw.
    if (!isDeepStrictEqual(decide(ctx, input, event), decision)) expect.fail(`${label}: decide is not deterministic`);
    deepFreeze(decision);

    const at = event.kind === 'lapse_hold' ? now : eventTime(event.occurred_at, now);
    trace.push({ type: 'event', step: index, event, now, at, before, holdsBefore, original, decision });
    recorded.set(event.idempotency_key, { event, decision, at });
    originals.set(event.idempotency_key, deepFreeze({
      key: event.idempotency_key,
      kind: event.kind,
      userId: event.user_id,
      status: decision.status,
      payload: deepFreeze(JSON.parse(JSON.stringify(event)) as Record<string, unknown>),
      at,
      postings: decision.status === 'applied' ? decision.postings : [],
      reversedBy: null,
    }));
    if (decision.status === 'applied') {
      for (const state of decision.users) users.set(state.userId, state);
      for (const changed of decision.holds) holds.set(changed.holdKey, changed);
      if (event.kind === 'reverse' && original) originals.set(original.key, deepFreeze({ ...original, reversedBy: event.idempotency_key }));
    }
    checkWorld(users, holds, program, `after ${label}`);
  });
  return { program, trace, users, holds, recorded, overflows };
}

interface ResolveContext {
  index: number;
  now: number;
  timing: Extract<Step, { type: 'event' }>['timing'];
  program: Program;
  holds: ReadonlyMap<string, HoldState>;
  recorded: ReadonlyMap<string, { event: LedgerEvent }>;
  lateWithinDay: boolean;
}

/** Turns a draft into a producer event (through the real schema), resolving its references. */
function resolve(draft: EventDraft, c: ResolveContext): LedgerEvent | null {
  const key = `e${c.index}`;
  const pick = <T>(list: readonly T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);
  const userOf = (k: string | undefined): string | undefined => (k === undefined ? undefined : (c.recorded.get(k)?.event.user_id ?? c.holds.get(k)?.userId));
  let occurredAt: string | undefined;
  if (c.timing.type === 'past') {
    let lag = c.timing.lagMs;
    // Halved until it stays on the day of `now` (late, but not for an earlier day).
    if (c.lateWithinDay) while (lag > 0 && calendarDay(c.now - lag, c.program.timezone) !== calendarDay(c.now, c.program.timezone)) lag = Math.floor(lag / 2);
    const instant = c.now - lag;
    occurredAt = isoWithOffset(instant, c.timing.offsetMinutes);
  } else if (c.timing.type === 'future') {
    occurredAt = isoWithOffset(c.now + c.timing.aheadMs, c.timing.offsetMinutes);
  }
  const common = { idempotency_key: key, ...(occurredAt ? { occurred_at: occurredAt } : {}) };
  const parse = (value: Record<string, unknown>) => pointsEventSchema.parse({ ...common, ...value });
  switch (draft.kind) {
    case 'earn':
    case 'purchase_bonus':
    case 'grant':
    case 'deduct':
    case 'set_token_balance':
      return parse(draft.kind === 'grant' || draft.kind === 'deduct' ? { ...draft, reason: 'property test' } : { ...draft });
    case 'spend':
    case 'hold':
      return parse({ kind: draft.kind, user_id: draft.user_id, ...draft.cost });
    case 'settle':
    case 'void': {
      const holdKey = (draft.anyKey ? pick([...c.recorded.keys()], draft.hold) : pick([...c.holds.keys()], draft.hold)) ?? 'no-such-hold';
      const user = draft.user_id ?? userOf(holdKey) ?? 'u1';
      return parse({ kind: draft.kind, user_id: user, hold_key: holdKey, ...(draft.kind === 'settle' ? draft.cost : {}) });
    }
    case 'lapse_hold': {
      const hold = pick([...c.holds.values()], draft.hold);
      if (!hold) return null;
      return { kind: 'lapse_hold', idempotency_key: lapseKey(hold.holdKey), user_id: hold.userId, hold_key: hold.holdKey };
    }
    case 'reverse': {
      const target = draft.missing ? undefined : pick([...c.recorded.keys()], draft.target);
      const user = draft.user_id ?? userOf(target) ?? 'u1';
      return parse({ kind: 'reverse', user_id: user, transaction_key: target ?? 'never-recorded', reason: 'property test' });
    }
  }
}

/** One 15-minute cycle over every user with something used or pending, as libs/ledger's runCycle. */
function runCycle(program: Program, users: Map<string, UserState>, now: number, step: number): CycleRecord {
  const before = new Map(users);
  const effects = new Map<string, CycleEffect>();
  for (const state of before.values()) {
    const due = Object.entries(state.balances).some(([key, value]) => (key.endsWith(':used') || key.endsWith(':pending')) && (value ?? 0) > 0);
    if (!due) continue;
    const effect = cycleForUser(state, program);
    effects.set(state.userId, effect);
    const postings = cyclePostings(state.userId, effect, state.balances['credit:used'] ?? 0, state.balances['points:used'] ?? 0);
    users.set(state.userId, deepFreeze({ ...state, balances: postToBalances(state.userId, state.balances, postings) }));
  }
  return { type: 'cycle', step, now, before, after: new Map(users), effects };
}

/**
 * What support/expect.ts `expectBalanced` checks, without an `expect` per value (this runs for
 * every step of every generated sequence): a rejected decision carries no postings or users; an
 * applied one's postings are non-zero safe integers summing to zero per asset, every user they
 * touch is returned once, was loaded, and its balances are exactly its loaded balances plus the
 * postings, none negative.
 */
function checkDecision(decision: Decision, loaded: ReadonlyMap<string, UserState>, label: string): void {
  const fail = (message: string): never => expect.fail(`${label}: ${message}`);
  if (decision.status === 'rejected') {
    if ('postings' in decision || 'users' in decision) fail('a rejected decision carries postings or users');
    return;
  }
  for (const [asset, sum] of sumsByAsset(decision.postings)) if (sum !== 0) fail(`postings of ${asset} sum to ${sum}`);
  for (const posting of decision.postings) {
    if (!Number.isSafeInteger(posting.amount) || posting.amount === 0) fail(`posting ${accountLabel(posting.account)} ${posting.amount}`);
  }
  const returned = new Set(decision.users.map((state) => state.userId));
  if (returned.size !== decision.users.length) fail('a user is returned twice');
  for (const posting of decision.postings) {
    if (posting.account.owner === 'user' && !returned.has(posting.account.userId)) fail(`user ${posting.account.userId} is touched but not returned`);
  }
  for (const state of decision.users) {
    const prior = loaded.get(state.userId);
    if (!prior) return fail(`user ${state.userId} was not loaded`);
    const expected: Record<string, number | undefined> = postToBalances(state.userId, prior.balances, decision.postings);
    const actual: Record<string, number | undefined> = state.balances;
    for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
      if (expected[key] !== actual[key]) fail(`${state.userId} ${key} is ${actual[key]}, loaded balance + postings = ${expected[key]}`);
      if ((actual[key] ?? 0) < 0) fail(`${state.userId} ${key} is negative (${actual[key]})`);
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}

function checkWorld(users: ReadonlyMap<string, UserState>, holds: ReadonlyMap<string, HoldState>, program: Program, where: string): void {
  for (const state of users.values()) {
    for (const asset of ASSETS) {
      for (const bucket of BUCKETS) {
        const value = state.balances[`${asset}:${bucket}`] ?? 0;
        if (!Number.isSafeInteger(value) || value < 0) expect.fail(`${where}: ${state.userId} ${asset}:${bucket} = ${value}`);
      }
    }
    for (const asset of ['allowance', 'credit', 'points'] as const) {
      let open = 0;
      for (const hold of holds.values()) if (hold.userId === state.userId && hold.status === 'open') open += hold.amounts[asset] ?? 0;
      if ((state.balances[`${asset}:held`] ?? 0) !== open) {
        expect.fail(`${where}: ${state.userId} ${asset}:held = ${state.balances[`${asset}:held`] ?? 0} but its open holds hold ${open}`);
      }
    }
    for (const [name, value] of Object.entries({ lifetimeEarned: state.lifetimeEarned, lifetimeSpent: state.lifetimeSpent, pointsConsumed: state.pointsConsumed, ...state.capTallies.days })) {
      if (!Number.isSafeInteger(value) || value < 0) expect.fail(`${where}: ${state.userId} ${name} = ${value}`);
    }
    if (state.level !== levelFor(state.lifetimeEarned, program.levels).level) {
      expect.fail(`${where}: ${state.userId} is level ${state.level} with lifetime earnings ${state.lifetimeEarned}`);
    }
  }
}

/** Narrows a trace to applied event records. */
export function appliedEvents(sim: Simulation): (EventRecord & { decision: AppliedDecision })[] {
  return sim.trace.filter((r): r is EventRecord & { decision: AppliedDecision } => r.type === 'event' && r.decision.status === 'applied');
}

// ---- an independent program calendar -----------------------------------------------------------

const calendars = new Map<string, Intl.DateTimeFormat>();
/**
 * The program day of an instant, worked out from the zone's calendar fields (not with the
 * domain's `dayOf`), so the properties do not trust the code they check.
 */
export function calendarDay(epochMs: number, timeZone: string): string {
  let format = calendars.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hourCycle: 'h23' });
    calendars.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(epochMs)).map((p) => [p.type, p.value]));
  return `${parts['year']}-${String(parts['month']).padStart(2, '0')}-${String(parts['day']).padStart(2, '0')}`;
}

/** The calendar day before a 'YYYY-MM-DD' day. */
export function dayBefore(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d - 1));
  return `${String(date.getUTCFullYear()).padStart(4, '0')}-${String(date.getUTCMonth() + 1).padStart(2, '0')}-${String(date.getUTCDate()).padStart(2, '0')}`;
}
