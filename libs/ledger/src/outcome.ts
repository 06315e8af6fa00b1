/** What became of one event: stored with it and returned to every replay. */
export interface EventOutcome {
  idempotency_key: string;
  kind: string;
  user_id: string;
  status: 'applied' | 'rejected';
  /** Why it was rejected, or why an applied event earned less than its rate. */
  reason: string | null;
  amount: number;
  /** The user's spendable balances (`main` bucket per asset) after the event. */
  balances: Record<string, number>;
  details: Record<string, unknown>;
  applied_at: string;
}

/** The result one event gets from the ledger. */
export type EventResult =
  | { type: 'applied' | 'rejected'; outcome: EventOutcome; transactionId: string; replayed: boolean }
  | { type: 'conflict'; idempotencyKey: string; first: EventOutcome; transactionId: string };
