import { allowanceCapacity, openAllowance, resizeAllowance } from './allowance.ts';
import { DecisionBuilder, eventTime, type DecideContext } from './decision-builder.ts';
import { reject, type Decision } from './decision.ts';
import type { DeductEvent, GrantEvent, SetTokenBalanceEvent } from './events.schema.ts';
import type { UserState } from './user-state.ts';

/** Decides an operator's `grant`: granted points count as earned (levels follow), like a bonus. */
export function decideGrant(ctx: DecideContext, users: ReadonlyMap<string, UserState>, event: GrantEvent): Decision {
  const b = new DecisionBuilder(ctx, users);
  if (event.asset === 'points') b.earnPoints(event.user_id, event.amount, eventTime(event.occurred_at, ctx.now), 'adjustments');
  else {
    if (event.asset === 'allowance') openAllowance(b, event.user_id, ctx.program);
    b.issue(event.user_id, event.asset, 'adjustments', event.amount);
  }
  return b.applied(event.amount, null, { asset: event.asset, reason: event.reason, operator: event.operator ?? null });
}

/** Decides an operator's `deduct`: never below zero, so a deduct larger than the balance is rejected. */
export function decideDeduct(ctx: DecideContext, users: ReadonlyMap<string, UserState>, event: DeductEvent): Decision {
  const b = new DecisionBuilder(ctx, users);
  if (event.asset === 'allowance') openAllowance(b, event.user_id, ctx.program);
  const available = b.balance(event.user_id, event.asset);
  if (available < event.amount) return reject('insufficient_funds', { asset: event.asset, available, amount: event.amount });
  b.issue(event.user_id, event.asset, 'adjustments', -event.amount);
  if (event.asset === 'points') b.update(event.user_id, { pointsConsumed: b.user(event.user_id).pointsConsumed + event.amount });
  return b.applied(event.amount, null, { asset: event.asset, reason: event.reason, operator: event.operator ?? null });
}

/** Decides `set_token_balance`: the allowance capacity follows the user's token holdings. */
export function decideSetTokenBalance(ctx: DecideContext, users: ReadonlyMap<string, UserState>, event: SetTokenBalanceEvent): Decision {
  const b = new DecisionBuilder(ctx, users);
  const tokenBalance = BigInt(event.token_balance);
  b.update(event.user_id, { tokenBalance });
  const capacity = allowanceCapacity(tokenBalance, ctx.program.allowance);
  const { issued, withdrawn } = resizeAllowance(b, event.user_id, capacity);
  return b.applied(capacity, null, { token_balance: event.token_balance, capacity, issued, withdrawn });
}
