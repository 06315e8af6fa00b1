import { EventValidationError, IdempotencyConflictError, OutcomeTimeoutError, type PointsClient, type PointsEventInput } from '@points-engine/client';

/** What became of a charge, for the bot's reply. */
export type ChargeResult =
  | { key: string; status: 'applied'; charged: number; balances: Record<string, number> }
  | { key: string; status: 'rejected'; reason: string; reply: string }
  | { key: string; status: 'pending' | 'invalid' | 'conflict'; reply: string };

/**
 * Charges a user before doing paid work, handling every outcome: applied (go on), rejected (tell
 * the user why), no outcome yet (the spend stays queued and will be applied: do not charge again
 * under a new key), invalid input, a key reused with another payload. Anything else (Redis
 * unreachable) is thrown: retry later with the same key, which cannot charge twice.
 */
export async function charge(points: PointsClient, spend: Extract<PointsEventInput, { kind: 'spend' }>): Promise<ChargeResult> {
  const key = spend.idempotency_key;
  try {
    const outcome = await points.spend(spend, { timeoutMs: 15_000 });
    if (outcome.status === 'applied') return { key, status: 'applied', charged: outcome.amount, balances: outcome.balances };
    const reply = outcome.reason === 'insufficient_funds' ? 'Not enough points for this.' : `Cannot do that: ${outcome.reason}.`;
    return { key, status: 'rejected', reason: outcome.reason, reply };
  } catch (error) {
    if (error instanceof OutcomeTimeoutError) return { key, status: 'pending', reply: 'Busy right now; your request is queued.' };
    if (error instanceof EventValidationError) return { key, status: 'invalid', reply: `Bad request (${error.field}).` };
    if (error instanceof IdempotencyConflictError) return { key, status: 'conflict', reply: 'This request was already made with other details.' };
    throw error;
  }
}
