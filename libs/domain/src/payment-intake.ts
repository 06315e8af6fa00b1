import type { PointsEventInput } from './events.schema.ts';
import type { PaymentRejection } from './payment-decision.ts';
import type { RefundClaim } from './payment-refund.ts';
import type { PaymentProvider } from './price-list.schema.ts';

/**
 * What a verified payment delivery asks for, decided as far as the delivery alone can decide it:
 * a purchase (accepted with its event, or rejected with a reason), or a refund (whose user and
 * fate depend on the original payment's ledger transaction, looked up when it is received).
 */
export type PaymentIntake = PurchaseIntake | RefundIntake;

interface IntakeBase {
  provider: PaymentProvider;
  /** The provider's payment id (a TON hash in its canonical form). */
  paymentId: string;
  /** The ledger idempotency key the payment maps to (`nowpayments:{id}`, `stars-refund:{id}`, …). */
  eventKey: string;
  /** What the delivery said, for the operator (amounts, currency, product reference). */
  detail: Record<string, unknown>;
}

export interface PurchaseIntake extends IntakeBase {
  type: 'purchase';
  /** The buyer the delivery names; null when it names none that parses. */
  userId: string | null;
  decision: { status: 'accepted'; event: PointsEventInput } | PaymentRejection;
}

export interface RefundIntake extends IntakeBase {
  type: 'refund';
  /** The purchase's key: its ledger transaction supplies the refund's user. */
  originalKey: string;
  claim: RefundClaim;
}
