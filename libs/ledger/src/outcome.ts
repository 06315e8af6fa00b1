import type { EventOutcome } from '@points-engine/domain';

export type { EventOutcome };

/** The result one event gets from the ledger. */
export type EventResult =
  | { type: 'applied' | 'rejected'; outcome: EventOutcome; transactionId: string; replayed: boolean }
  | { type: 'conflict'; idempotencyKey: string; first: EventOutcome; transactionId: string };
