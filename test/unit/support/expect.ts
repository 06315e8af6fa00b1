// Pure assertion helpers for domain decisions; no services needed.
import { expect } from 'vitest';
import {
  postToBalances,
  sumsByAsset,
  type AccountRef,
  type AppliedDecision,
  type BalanceKey,
  type Decision,
  type Posting,
  type RejectReason,
  type RejectedDecision,
  type UserState,
} from '@points-engine/domain';

/**
 * The invariants every decision must keep, checked after every `decide()` in these tests:
 * an applied decision's postings sum to zero per asset, every posting is a non-zero safe integer,
 * no user balance ends negative, and (given the loaded states) each returned user is exactly its
 * loaded state plus the postings, with every user a posting touches among the returned users.
 * A rejected decision carries no postings at all.
 */
export function expectBalanced(decision: Decision, before?: ReadonlyMap<string, UserState>): void {
  if (decision.status === 'rejected') {
    expect(decision).not.toHaveProperty('postings');
    expect(decision).not.toHaveProperty('users');
    return;
  }
  for (const [asset, sum] of sumsByAsset(decision.postings)) {
    expect(sum, `postings of ${asset} must sum to 0`).toBe(0);
  }
  for (const posting of decision.postings) {
    expect(Number.isSafeInteger(posting.amount), `posting ${label(posting.account)} is a safe integer`).toBe(true);
    expect(posting.amount, `posting ${label(posting.account)} is not 0`).not.toBe(0);
  }
  for (const state of decision.users) {
    for (const [key, value] of Object.entries(state.balances)) {
      expect(value, `${state.userId} ${key} must not be negative`).toBeGreaterThanOrEqual(0);
    }
  }
  if (!before) return;
  const returned = new Set(decision.users.map((state) => state.userId));
  expect(returned.size, 'each user is returned once').toBe(decision.users.length);
  for (const posting of decision.postings) {
    if (posting.account.owner === 'user') {
      expect(returned.has(posting.account.userId), `user ${posting.account.userId} touched by a posting is returned`).toBe(true);
    }
  }
  for (const state of decision.users) {
    const prior = before.get(state.userId);
    expect(prior, `user ${state.userId} was loaded`).toBeDefined();
    if (!prior) continue;
    expect(state.balances, `${state.userId} balances = loaded balances + postings`).toEqual(
      postToBalances(state.userId, prior.balances, decision.postings),
    );
  }
}

/** Asserts the decision was applied and narrows it. */
export function expectApplied(decision: Decision): AppliedDecision {
  if (decision.status !== 'applied') {
    expect.fail(`expected an applied decision, got rejected '${decision.reason}' ${JSON.stringify(decision.details)}`);
  }
  return decision;
}

/** Asserts the decision was rejected for `reason` and narrows it. */
export function expectRejected(decision: Decision, reason: RejectReason): RejectedDecision {
  if (decision.status !== 'rejected') {
    expect.fail(`expected rejection '${reason}', got applied amount ${decision.amount} (${String(decision.reason)})`);
  }
  expect(decision.reason).toBe(reason);
  return decision;
}

/** The new state of a user the decision changed (fails when the decision did not change it). */
export function stateOf(decision: AppliedDecision, userId = 'u1'): UserState {
  const state = decision.users.find((candidate) => candidate.userId === userId);
  if (!state) expect.fail(`decision did not change user ${userId}`);
  return state;
}

/** A balance of a user, 0 when the account was never touched. */
export function bal(state: UserState, key: BalanceKey): number {
  return state.balances[key] ?? 0;
}

/** A readable account name: `u1/points:main` or `issuance/points`. */
export function label(account: AccountRef): string {
  return account.owner === 'user' ? `${account.userId}/${account.asset}:${account.bucket}` : `${account.name}/${account.asset}`;
}

/** Postings as `account amount` strings, in order, for compact exact assertions. */
export function describePostings(postings: readonly Posting[]): string[] {
  return postings.map((posting) => `${label(posting.account)} ${posting.amount > 0 ? '+' : ''}${posting.amount}`);
}
