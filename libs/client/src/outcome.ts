import type { AppliedDecision, JobOutcome, RejectReason } from '@points-engine/domain';

type OutcomeFields = Omit<JobOutcome, 'status' | 'reason'>;

/**
 * The event changed the ledger. `reason` says why it earned or charged less than its rate, or is
 * null: `rate_limited`, `daily_cap`, `already_claimed`, `too_old` (earning), `shortfall` (a charge
 * the balance could not fully cover), `partially_reversed`.
 */
export type AppliedOutcome = OutcomeFields & { status: 'applied'; reason: AppliedDecision['reason'] };

/** The event changed nothing, for `reason` (`insufficient_funds`, `unknown_task_type`, `hold_not_found`, …). */
export type RejectedOutcome = OutcomeFields & { status: 'rejected'; reason: RejectReason };

/**
 * What `spend()` resolves with, by `status`. `replayed`: this key was applied before and this is its
 * first outcome again (rejections included); `balances`: the user's spendable balances after it.
 */
export type SpendOutcome = AppliedOutcome | RejectedOutcome;
