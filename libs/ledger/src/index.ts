export { applyBatch, type LedgerContext } from './apply-batch.ts';
export { GroupCommitter, type GroupCommitOptions } from './group-commit.ts';
export { inSerializableTransaction, isRetryable, RetryableConflict, type RetryOptions } from './retry.ts';
export { payloadHash } from './payload-hash.ts';
export type { EventOutcome, EventResult } from './outcome.ts';
export { ensureSystemAccounts, findTransactions, findLapsedHolds, type SystemAccountIds } from './state.repository.ts';
export { mainBalances, toUserState } from './user-state.mapper.ts';
export { checkInvariants, type InvariantViolation, type InvariantOptions } from './invariants.ts';
