import type { z } from 'zod';

/** An event that does not match its schema; `field` names the first offending field. */
export class EventValidationError extends Error {
  readonly field: string;
  constructor(readonly issues: z.core.$ZodIssue[]) {
    const first = issues[0];
    const field = first ? first.path.join('.') || '(body)' : '(body)';
    super(`invalid event: ${field}: ${first?.message ?? 'invalid'}`);
    this.name = 'EventValidationError';
    this.field = field;
  }
}

/** No outcome arrived in time; the event stays queued and will still be applied. */
export class OutcomeTimeoutError extends Error {
  constructor(readonly jobId: string, timeoutMs: number) {
    super(`no outcome for job ${jobId} within ${timeoutMs} ms; it is still queued`);
    this.name = 'OutcomeTimeoutError';
  }
}

/**
 * The idempotency key was first used with a different payload; the first event stands. `recorded`:
 * the ledger already wrote it to idempotency_conflicts (the worker found it), as opposed to a
 * payload the queue kept under the key's job id (nothing recorded yet).
 */
export class IdempotencyConflictError extends Error {
  constructor(
    readonly idempotencyKey: string,
    readonly recorded = false,
  ) {
    super(`idempotency key ${idempotencyKey} was first used with a different payload`);
    this.name = 'IdempotencyConflictError';
  }
}
