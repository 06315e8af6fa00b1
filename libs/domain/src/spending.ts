import { openAllowance } from './allowance.ts';
import { DecisionBuilder, eventTime, type DecideContext } from './decision-builder.ts';
import { reject, type Decision, type RejectedDecision, type SpendableAsset } from './decision.ts';
import type { HoldEvent, SettleEvent, SpendEvent, VoidEvent } from './events.schema.ts';
import { own } from './lookup.ts';
import type { Program } from './program.schema.ts';
import type { HoldState, UserState } from './user-state.ts';

export type Allocation = Partial<Record<SpendableAsset, number>>;

/** The cost of a task: the price table's base plus its per-second rate for every started second. */
export function priceOf(
  cost: { amount?: number | undefined; task_type?: string | undefined; duration_seconds?: number | undefined },
  program: Program,
): number | null {
  if (cost.amount !== undefined) return cost.amount;
  const price = cost.task_type === undefined ? undefined : own(program.spending.prices, cost.task_type);
  if (!price) return null;
  return price.base + price.per_second * Math.ceil(cost.duration_seconds ?? 0);
}

/** Splits a cost over the assets in spend order; null when everything together does not cover it. */
export function allocate(cost: number, available: Readonly<Record<SpendableAsset, number>>, order: readonly SpendableAsset[]): Allocation | null {
  const parts: Allocation = {};
  let left = cost;
  for (const asset of order) {
    if (left === 0) break;
    const take = Math.min(left, Math.max(0, available[asset]));
    if (take > 0) parts[asset] = take;
    left -= take;
  }
  return left === 0 ? parts : null;
}

function availableByAsset(b: DecisionBuilder, userId: string): Record<SpendableAsset, number> {
  return {
    allowance: b.balance(userId, 'allowance'),
    credit: b.balance(userId, 'credit'),
    points: b.balance(userId, 'points'),
  };
}

/** Moves an allocation out of `main` into `used` (a spend) and books points as lifetime spent. */
function charge(b: DecisionBuilder, userId: string, parts: Allocation): void {
  for (const [asset, amount] of Object.entries(parts) as [SpendableAsset, number][]) {
    b.move(userId, asset, 'main', 'used', amount);
  }
  const points = parts.points ?? 0;
  if (points > 0) {
    const state = b.user(userId);
    b.update(userId, { lifetimeSpent: state.lifetimeSpent + points, pointsConsumed: state.pointsConsumed + points });
  }
}

/** Decides a `spend`: the allowance pays first, then credit, then points (the program's order). */
export function decideSpend(ctx: DecideContext, users: ReadonlyMap<string, UserState>, event: SpendEvent): Decision {
  const priced = priceAndAllocate(ctx, users, event);
  if ('status' in priced) return priced;
  const { b, cost, parts } = priced;
  charge(b, event.user_id, parts);
  return b.applied(cost, null, { cost, drawn: parts });
}

/** Decides a `hold`: reserves the estimated cost (moves it to `held`) until it is settled, voided or lapses. */
export function decideHold(ctx: DecideContext, users: ReadonlyMap<string, UserState>, event: HoldEvent): Decision {
  const priced = priceAndAllocate(ctx, users, event);
  if ('status' in priced) return priced;
  const { b, cost, parts } = priced;
  for (const [asset, amount] of Object.entries(parts) as [SpendableAsset, number][]) b.move(event.user_id, asset, 'main', 'held', amount);
  const expiresAt = eventTime(event.occurred_at, ctx.now) + ctx.program.spending.hold_ttl_minutes * 60_000;
  b.hold({ holdKey: event.idempotency_key, userId: event.user_id, amounts: parts, status: 'open', expiresAt });
  return b.applied(cost, null, { cost, held: parts, expires_at: new Date(expiresAt).toISOString() });
}

/** Prices a spend or hold and splits it over the assets in spend order, or says why it cannot. */
function priceAndAllocate(
  ctx: DecideContext,
  users: ReadonlyMap<string, UserState>,
  event: SpendEvent | HoldEvent,
): { b: DecisionBuilder; cost: number; parts: Allocation } | RejectedDecision {
  const cost = priceOf(event, ctx.program);
  if (cost === null) return reject('unknown_task_type', { task_type: event.task_type });
  const b = new DecisionBuilder(ctx, users);
  openAllowance(b, event.user_id, ctx.program);
  const parts = allocate(cost, availableByAsset(b, event.user_id), ctx.program.spending.order);
  if (!parts) return reject('insufficient_funds', { cost, available: availableByAsset(b, event.user_id) });
  return { b, cost, parts };
}

function release(b: DecisionBuilder, hold: HoldState): number {
  let released = 0;
  for (const [asset, amount] of Object.entries(hold.amounts) as [SpendableAsset, number][]) {
    b.move(hold.userId, asset, 'held', 'main', amount);
    released += amount;
  }
  return released;
}

function findHold(holds: ReadonlyMap<string, HoldState>, holdKey: string, userId: string): HoldState | undefined {
  const hold = holds.get(holdKey);
  return hold && hold.userId === userId ? hold : undefined;
}

/**
 * Decides a `settle`: releases the hold and charges the actual cost in spend order. The work was
 * done, so a cost above what is available charges everything available and reports the shortfall
 * instead of overdrawing. A lapsed hold can still be settled this way.
 */
export function decideSettle(
  ctx: DecideContext,
  users: ReadonlyMap<string, UserState>,
  holds: ReadonlyMap<string, HoldState>,
  event: SettleEvent,
): Decision {
  const hold = findHold(holds, event.hold_key, event.user_id);
  if (!hold) return reject('hold_not_found', { hold_key: event.hold_key });
  if (hold.status === 'settled' || hold.status === 'voided') return reject('hold_closed', { hold_key: event.hold_key, status: hold.status });
  const cost = priceOf(event, ctx.program);
  if (cost === null) return reject('unknown_task_type', { task_type: event.task_type });
  const b = new DecisionBuilder(ctx, users);
  if (hold.status === 'open') release(b, hold);
  const available = availableByAsset(b, event.user_id);
  const total = available.allowance + available.credit + available.points;
  const charged = Math.min(cost, total);
  const parts = allocate(charged, available, ctx.program.spending.order) ?? {};
  charge(b, event.user_id, parts);
  b.hold({ ...hold, status: 'settled' });
  const shortfall = cost - charged;
  return b.applied(charged, shortfall > 0 ? 'shortfall' : null, { cost, drawn: parts, shortfall, hold_key: event.hold_key });
}

/** Decides a `void`: gives an open hold back in full. */
export function decideVoid(
  ctx: DecideContext,
  users: ReadonlyMap<string, UserState>,
  holds: ReadonlyMap<string, HoldState>,
  event: VoidEvent,
): Decision {
  const hold = findHold(holds, event.hold_key, event.user_id);
  if (!hold) return reject('hold_not_found', { hold_key: event.hold_key });
  if (hold.status !== 'open') return reject('hold_closed', { hold_key: event.hold_key, status: hold.status });
  const b = new DecisionBuilder(ctx, users);
  const released = release(b, hold);
  b.hold({ ...hold, status: 'voided' });
  return b.applied(released, null, { released, hold_key: event.hold_key });
}

/** Releases a hold whose time ran out (the scheduler's lapse run). */
export function decideLapse(ctx: DecideContext, users: ReadonlyMap<string, UserState>, hold: HoldState): Decision {
  if (hold.status !== 'open') return reject('hold_closed', { hold_key: hold.holdKey, status: hold.status });
  const b = new DecisionBuilder(ctx, users);
  const released = release(b, hold);
  b.hold({ ...hold, status: 'lapsed' });
  b.notice({ type: 'hold_lapsed', userId: hold.userId, holdKey: hold.holdKey, released });
  return b.applied(released, null, { released, hold_key: hold.holdKey });
}
