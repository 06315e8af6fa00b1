import { decideDeduct, decideGrant, decideSetTokenBalance } from './adjustments.ts';
import type { DecideContext } from './decision-builder.ts';
import { reject, type Decision, type RejectedDecision } from './decision.ts';
import { decideEarn } from './earning.ts';
import type { LedgerEvent } from './internal-events.ts';
import { decidePurchase, purchaseReferrer } from './purchases.ts';
import { decideReverse, usersOfOriginal, type OriginalTransaction } from './reversal.ts';
import { decideHold, decideLapse, decideSettle, decideSpend, decideVoid } from './spending.ts';
import type { HoldState, UserState } from './user-state.ts';

/** The world one event is decided against: the users it touches and the holds it names. */
export interface DecideInput {
  readonly users: ReadonlyMap<string, UserState>;
  readonly holds: ReadonlyMap<string, HoldState>;
  /** Transactions named by `reverse` events, by idempotency key. */
  readonly originals?: ReadonlyMap<string, OriginalTransaction>;
}

/**
 * Amounts are exact only up to 2^53 − 1, and the ledger reads every stored balance back as a safe
 * integer. An event that would take a user's balance or lifetime total past it (a second purchase
 * of 2^53 − 1 credit) is rejected with `amount_overflow` and recorded like any rejection: applied,
 * that user's balance could no longer be read (500) and every later event of theirs failed; thrown,
 * it failed the whole job, so the valid events sharing its batch were never applied.
 */
function overflowOf(decision: Decision): RejectedDecision | null {
  if (decision.status !== 'applied') return null;
  for (const state of decision.users) {
    const totals = { ...state.balances, lifetimeEarned: state.lifetimeEarned, lifetimeSpent: state.lifetimeSpent, pointsConsumed: state.pointsConsumed, ...state.capTallies.days };
    for (const [name, value] of Object.entries(totals)) {
      if (!Number.isSafeInteger(value)) return reject('amount_overflow', { user_id: state.userId, total: name });
    }
  }
  return null;
}

/** Decides any ledger event. Pure: same program, instant, state and event give the same decision. */
export function decide(ctx: DecideContext, input: DecideInput, event: LedgerEvent): Decision {
  const decision = decideByKind(ctx, input, event);
  return overflowOf(decision) ?? decision;
}

function decideByKind(ctx: DecideContext, input: DecideInput, event: LedgerEvent): Decision {
  switch (event.kind) {
    case 'earn':
      return decideEarn(ctx, input.users, event);
    case 'spend':
      return decideSpend(ctx, input.users, event);
    case 'hold':
      return decideHold(ctx, input.users, event);
    case 'settle':
      return decideSettle(ctx, input.users, input.holds, event);
    case 'void':
      return decideVoid(ctx, input.users, input.holds, event);
    case 'lapse_hold': {
      const hold = input.holds.get(event.hold_key);
      return hold ? decideLapse(ctx, input.users, hold) : reject('hold_not_found', { hold_key: event.hold_key });
    }
    case 'purchase_bonus':
      return decidePurchase(ctx, input.users, event);
    case 'grant':
      return decideGrant(ctx, input.users, event);
    case 'deduct':
      return decideDeduct(ctx, input.users, event);
    case 'set_token_balance':
      return decideSetTokenBalance(ctx, input.users, event);
    case 'reverse':
      return decideReverse(ctx, input.users, input.originals ?? new Map(), event);
  }
}

/** Users an event touches that are known before any state is loaded. */
export function usersNamedBy(event: LedgerEvent): string[] {
  const users = [event.user_id];
  if (event.kind === 'earn' && event.referred_user_id) users.push(event.referred_user_id);
  if (event.kind === 'purchase_bonus' && event.referrer_id) users.push(event.referrer_id);
  return users;
}

/** Users an event touches that only loaded state reveals (a buyer's referrer, a reversal's payees). */
export function usersRevealedBy(event: LedgerEvent, users: ReadonlyMap<string, UserState>, originals: ReadonlyMap<string, OriginalTransaction> = new Map()): string[] {
  if (event.kind === 'reverse') return usersOfOriginal(originals.get(event.transaction_key));
  if (event.kind !== 'purchase_bonus') return [];
  const referrer = purchaseReferrer(event, users.get(event.user_id));
  return referrer ? [referrer] : [];
}

/** The hold an event names, if any. */
export function holdNamedBy(event: LedgerEvent): string | null {
  return event.kind === 'settle' || event.kind === 'void' || event.kind === 'lapse_hold' ? event.hold_key : null;
}
