// The wire format of an outcome: stored in the ledger, returned by workers, read by producers.
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

/** The outcome as a job returns it: whether this delivery replayed an earlier one, and its transaction. */
export interface JobOutcome extends EventOutcome {
  replayed: boolean;
  transaction_id: string;
}
