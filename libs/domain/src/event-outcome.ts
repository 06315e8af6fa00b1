// The wire format of an outcome: stored in the ledger, returned by workers, read by producers.
import { z } from 'zod';

/** What became of one event: stored with it and returned to every replay (the API documents it from this schema). */
export const eventOutcomeSchema = z.object({
  idempotency_key: z.string(),
  kind: z.string(),
  user_id: z.string(),
  status: z.enum(['applied', 'rejected']),
  /** Why it was rejected, or why an applied event earned less than its rate. */
  reason: z.string().nullable().meta({ description: 'why it was rejected (insufficient_funds, …), or why an applied event earned less than its rate (rate_limited, daily_cap, …)' }),
  amount: z.number().int(),
  /** The user's spendable balances (`main` bucket per asset) after the event. */
  balances: z.record(z.string(), z.number().int()).meta({ description: "the user's spendable balance per asset after the event" }),
  details: z.record(z.string(), z.unknown()),
  applied_at: z.iso.datetime(),
}).meta({ id: 'EventOutcome' });
export type EventOutcome = z.output<typeof eventOutcomeSchema>;

/** The outcome as a job returns it: whether this delivery replayed an earlier one, and its transaction. */
export const jobOutcomeSchema = eventOutcomeSchema.extend({
  replayed: z.boolean().meta({ description: 'true when the key was already recorded: this is the first outcome again, nothing applied twice' }),
  transaction_id: z.string().regex(/^\d+$/).meta({ description: 'the ledger transaction (int8 as a decimal string)' }),
}).meta({ id: 'Outcome' });
export type JobOutcome = z.output<typeof jobOutcomeSchema>;
