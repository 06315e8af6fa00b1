import { z } from 'zod';
import { reverseEventSchema, type PointsEventInput } from './events.schema.ts';
import { rejectPayment, type PaymentRejection } from './payment-decision.ts';

/**
 * The reverse a refund asks for, less its user: the user always comes from the original
 * payment's ledger transaction, never from the refund delivery (a delivery naming someone else
 * must not be able to reverse, or block, anyone's purchase).
 */
export const refundReverseSchema = reverseEventSchema.omit({ user_id: true });
export type RefundReverse = z.input<typeof refundReverseSchema>;

export interface RefundClaim {
  reverse: RefundReverse;
  /** The user the delivery names (Telegram Stars forwards one), kept only to detect a mismatch. */
  claimedUserId: string | null;
}

/** The original payment's ledger transaction, as a refund needs it. */
export interface RefundedOriginal {
  userId: string;
}

export type RefundDecision = { status: 'accepted'; event: PointsEventInput } | { status: 'parked' } | PaymentRejection;

/**
 * Decides a verified refund. Before its payment's ledger transaction exists the refund is parked
 * (stored, applied by the sweeper once the payment lands): sending it to the ledger early would
 * record `transaction_not_found` under the refund key, and a genuine refund later would replay
 * that. A delivery naming another user than the buyer is rejected (the mismatch recorded);
 * otherwise the reverse is the buyer's.
 */
export function decideRefund(claim: RefundClaim, original: RefundedOriginal | undefined): RefundDecision {
  if (!original) return { status: 'parked' };
  if (claim.claimedUserId !== null && claim.claimedUserId !== original.userId) {
    return rejectPayment('user_mismatch', `the refund names user ${claim.claimedUserId}, the payment was made by ${original.userId}`, {
      claimed_user_id: claim.claimedUserId,
      user_id: original.userId,
      transaction_key: claim.reverse.transaction_key,
    });
  }
  return { status: 'accepted', event: { ...claim.reverse, kind: 'reverse', user_id: original.userId } };
}
