import { z } from 'zod';
import {
  canonicalTonHash,
  decidePaidProduct,
  rejectPayment,
  toStorableText,
  type Catalogue,
  type PaymentIntake,
  type ProviderPayment,
  type PurchaseIntake,
} from '@points-engine/domain';

/**
 * What the payment webhooks accept and what each verified body asks for. Pure: a provider's body
 * plus the catalogue in, a PaymentIntake out (a purchase accepted with its event or rejected with
 * a reason, or a refund) — or a 400 from the schemas when the body is not the provider's shape.
 */

const userId = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform(String)
  .pipe(z.string().regex(/^[A-Za-z0-9_.:@-]{1,64}$/, '1–64 letters, digits or _ . : @ -'));

/** An amount as a provider wrote it: checked by the pricing decision, so a bad one is a recorded rejection, not a 400 the provider retries. */
const providerAmount = z.union([z.number(), z.string().max(64)]).nullish();

/**
 * An order reference that names the buyer and the product (NOWPayments `order_id`, which carries
 * nothing else of ours): `{user_id}/{product}` with an optional `/{anything}` the bot may add to
 * keep its order ids unique, e.g. `42/sub:PREMIUM:1/1717171717`. `/` never occurs in either.
 */
export function parseOrderReference(reference: string): { userId: string; spec: string } | null {
  const [user, spec, ...rest] = reference.split('/');
  const parsedUser = userId.safeParse(user ?? '');
  if (!parsedUser.success || spec === undefined || rest.length > 1) return null;
  return { userId: parsedUser.data, spec };
}

/** A purchase: accepted with its purchase_bonus event when the paid price covers the product, else rejected. */
function purchase(base: Omit<PurchaseIntake, 'type' | 'decision' | 'userId'>, user: string, spec: string, catalogue: Catalogue, payment: ProviderPayment, metadata: Record<string, unknown>): PurchaseIntake {
  const decided = decidePaidProduct(catalogue, spec, payment);
  if (decided.status === 'rejected') return { ...base, type: 'purchase', userId: user, decision: decided };
  return {
    ...base,
    type: 'purchase',
    userId: user,
    decision: {
      status: 'accepted',
      event: { kind: 'purchase_bonus', idempotency_key: base.eventKey, user_id: user, provider: base.provider, payment_id: base.paymentId, product: decided.product, metadata },
    },
  };
}

// ---- NOWPayments -------------------------------------------------------------------------------

/** The IPN fields we read; NOWPayments sends more (all of them are covered by the signature). */
export const nowPaymentsIpnSchema = z.object({
  payment_id: z
    .union([z.number().int().nonnegative(), z.string().regex(/^[A-Za-z0-9_-]{1,100}$/)])
    .transform(String),
  payment_status: z.string().regex(/^[a-z_]{1,32}$/),
  order_id: z.string().max(200).nullish(),
  price_amount: providerAmount,
  price_currency: z.string().max(16).nullish(),
  pay_amount: providerAmount,
  pay_currency: z.string().max(16).nullish(),
  actually_paid: providerAmount,
});
export type NowPaymentsIpn = z.output<typeof nowPaymentsIpnSchema>;

/** Only a finished payment grants; a refunded one reverses that grant; waiting, confirming, partially_paid, failed, expired … are recorded only. */
export const NOWPAYMENTS_GRANTING_STATUS = 'finished';
export const NOWPAYMENTS_REFUND_STATUS = 'refunded';

export const nowPaymentsPurchaseKey = (paymentId: string) => `nowpayments:${paymentId}`;

/** What a finished or refunded IPN asks for; undefined for the statuses that are only recorded. */
export function nowPaymentsIntake(ipn: NowPaymentsIpn, catalogue: Catalogue): PaymentIntake | undefined {
  const detail = {
    order_id: ipn.order_id ?? null,
    price_amount: ipn.price_amount ?? null,
    price_currency: ipn.price_currency ?? null,
    pay_amount: ipn.pay_amount ?? null,
    pay_currency: ipn.pay_currency ?? null,
    actually_paid: ipn.actually_paid ?? null,
  };
  const paymentId = ipn.payment_id;
  if (ipn.payment_status === NOWPAYMENTS_REFUND_STATUS) {
    const key = `nowpayments-refund:${paymentId}`;
    return {
      type: 'refund',
      provider: 'nowpayments',
      paymentId,
      eventKey: key,
      originalKey: nowPaymentsPurchaseKey(paymentId),
      detail,
      // The buyer is the purchase's: the refund IPN's order id is never trusted for it. The metadata
      // is what refunds carried before 0007, so a refund recorded then replays instead of conflicting.
      claim: {
        reverse: { kind: 'reverse', idempotency_key: key, transaction_key: nowPaymentsPurchaseKey(paymentId), reason: 'nowpayments_refund', metadata: { order_id: ipn.order_id == null ? null : toStorableText(ipn.order_id), price_amount: ipn.price_amount ?? null } },
        claimedUserId: null,
      },
    };
  }
  if (ipn.payment_status !== NOWPAYMENTS_GRANTING_STATUS) return undefined;
  const base = { provider: 'nowpayments' as const, paymentId, eventKey: nowPaymentsPurchaseKey(paymentId), detail };
  const order = ipn.order_id ? parseOrderReference(ipn.order_id) : null;
  if (!order) {
    return { ...base, type: 'purchase', userId: null, decision: rejectPayment('invalid_reference', `order_id ${JSON.stringify(ipn.order_id ?? null)} is not {user_id}/{product}[/{reference}]`) };
  }
  const payment = { provider: 'nowpayments' as const, priceAmount: ipn.price_amount, priceCurrency: ipn.price_currency, payAmount: ipn.pay_amount, actuallyPaid: ipn.actually_paid };
  // Only what defines the purchase: a repeated IPN must hash to the same payload.
  const metadata = { order_id: toStorableText(ipn.order_id ?? ''), price_amount: ipn.price_amount ?? null, price_currency: ipn.price_currency == null ? null : toStorableText(ipn.price_currency) };
  return purchase(base, order.userId, order.spec, catalogue, payment, metadata);
}

// ---- Telegram Stars ----------------------------------------------------------------------------

const starsPaymentSchema = z.object({
  currency: z.literal('XTR'),
  total_amount: z.number().int().positive(),
  invoice_payload: z.string().min(1).max(128),
  telegram_payment_charge_id: z.string().regex(/^[\x21-\x7e]{1,180}$/, 'printable ASCII, at most 180 characters'),
});
type StarsPayment = z.output<typeof starsPaymentSchema>;

function onePayment(value: { successful_payment?: unknown; refunded_payment?: unknown }, ctx: z.RefinementCtx) {
  if ((value.successful_payment === undefined) === (value.refunded_payment === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['successful_payment'], message: 'give exactly one of successful_payment or refunded_payment' });
  }
}

/** What the bot forwards: `{user_id, successful_payment | refunded_payment}` … */
export const starsFlatSchema = z
  .object({ user_id: userId, successful_payment: starsPaymentSchema.optional(), refunded_payment: starsPaymentSchema.optional() })
  .superRefine(onePayment);
/** … or the Telegram Update (or its message) exactly as the bot received it, the buyer in `message.from.id`. */
export const starsUpdateSchema = z.object({
  message: z
    .object({
      from: z.object({ id: userId }),
      successful_payment: starsPaymentSchema.optional(),
      refunded_payment: starsPaymentSchema.optional(),
    })
    .superRefine(onePayment),
});

export interface StarsDelivery {
  userId: string;
  kind: 'successful_payment' | 'refunded_payment';
  payment: StarsPayment;
}

/** The schema that fits the body's shape (so a 400 names the field as the sender wrote it), reading out one delivery. */
export function starsSchemaFor(body: unknown): z.ZodType<StarsDelivery> {
  if (typeof body === 'object' && body !== null && 'message' in body) {
    return starsUpdateSchema.transform(({ message }) => delivery(message.from.id, message));
  }
  return starsFlatSchema.transform((flat) => delivery(flat.user_id, flat));
}

function delivery(user: string, value: { successful_payment?: StarsPayment | undefined; refunded_payment?: StarsPayment | undefined }): StarsDelivery {
  return value.successful_payment
    ? { userId: user, kind: 'successful_payment', payment: value.successful_payment }
    : { userId: user, kind: 'refunded_payment', payment: value.refunded_payment as StarsPayment };
}

export const starsPurchaseKey = (chargeId: string) => `stars:${chargeId}`;

/**
 * A Stars payment buys the product its invoice payload names (`{product}` or `{anything}/{product}`;
 * the buyer is the Telegram user who paid) when `total_amount` covers its price in stars. A refund
 * reverses that purchase for its buyer; the user the refund names is only compared.
 */
export function starsIntake(stars: StarsDelivery, catalogue: Catalogue): PaymentIntake {
  const { payment } = stars;
  const chargeId = payment.telegram_payment_charge_id;
  const detail = { user_id: stars.userId, invoice_payload: payment.invoice_payload, total_amount: payment.total_amount };
  if (stars.kind === 'refunded_payment') {
    const key = `stars-refund:${chargeId}`;
    return {
      type: 'refund',
      provider: 'telegram_stars',
      paymentId: chargeId,
      eventKey: key,
      originalKey: starsPurchaseKey(chargeId),
      detail,
      claim: {
        reverse: { kind: 'reverse', idempotency_key: key, transaction_key: starsPurchaseKey(chargeId), reason: 'telegram_stars_refund', metadata: { total_amount: payment.total_amount, currency: payment.currency } },
        claimedUserId: stars.userId,
      },
    };
  }
  const spec = payment.invoice_payload.split('/').pop() ?? '';
  const base = { provider: 'telegram_stars' as const, paymentId: chargeId, eventKey: starsPurchaseKey(chargeId), detail };
  const metadata = { invoice_payload: toStorableText(payment.invoice_payload), total_amount: payment.total_amount, currency: payment.currency };
  return purchase(base, stars.userId, spec, catalogue, { provider: 'telegram_stars', totalAmount: payment.total_amount }, metadata);
}

// ---- TON payment watcher -----------------------------------------------------------------------

/** What a TON payment watcher sends once a transfer is final: the transaction, the buyer, the product, what was paid. */
export const tonPaymentSchema = z.object({
  /** The transaction hash, hex or base64(url) of its 32 bytes; read as its canonical lower-case hex. */
  tx_hash: z
    .string()
    .regex(/^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/, 'a transaction hash: 32 bytes as hex (64 digits) or base64/base64url (43–44 characters)')
    .transform((text, ctx) => {
      const hash = canonicalTonHash(text);
      if (hash === null) ctx.addIssue({ code: 'custom', message: 'not a transaction hash: 32 bytes as hex (64 digits) or base64/base64url (43–44 characters)' });
      return hash ?? z.NEVER;
    }),
  user_id: userId,
  product: z.string().min(1).max(128),
  /** Nanotons received (1 TON = 10^9), a decimal string or a safe integer; compared with the product's price. */
  amount: z.union([z.string().regex(/^\d{1,40}$/, 'whole nanotons'), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)]).transform(String),
  sender: z.string().max(128).optional(),
});
export type TonPayment = z.output<typeof tonPaymentSchema>;

export const tonPurchaseKey = (hash: string) => `ton:${hash}`;

/** A final TON transfer buys the product it names when `amount` covers the product's price in nanotons. */
export function tonIntake(payment: TonPayment, catalogue: Catalogue): PaymentIntake {
  const detail = { user_id: payment.user_id, product: payment.product, amount: payment.amount, sender: payment.sender ?? null };
  const base = { provider: 'ton' as const, paymentId: payment.tx_hash, eventKey: tonPurchaseKey(payment.tx_hash), detail };
  const metadata = { amount: payment.amount, sender: payment.sender === undefined ? null : toStorableText(payment.sender) };
  return purchase(base, payment.user_id, payment.product, catalogue, { provider: 'ton', amount: payment.amount }, metadata);
}
