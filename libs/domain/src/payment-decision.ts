import { atLeast, exactOf, formatExact, parseDecimalAmount, parseIntegerAmount, type Exact } from './payment-amounts.ts';
import { priceThrough, resolveProduct, type Catalogue, type Product } from './payment-catalogue.ts';
import type { PaymentProvider } from './price-list.schema.ts';

/** Why a verified payment or refund credits nothing: stable codes an operator reads in `payments.reason`. */
export type PaymentRejectionReason =
  | 'invalid_reference' // the order id / payload does not name a buyer and a product
  | 'unknown_product' // names no product of the catalogue
  | 'unpriced' // the product has no price through this provider (or in this currency)
  | 'invalid_amount' // the amount paid is missing, zero, negative, not a number or absurd
  | 'underpaid' // less than the price
  | 'user_mismatch' // a refund naming someone other than the buyer
  | 'key_taken'; // the ledger key was already used by another event

export interface PaymentRejection {
  status: 'rejected';
  reason: PaymentRejectionReason;
  message: string;
  detail: Record<string, string | null>;
}

/** A rejection with its stable reason, a sentence for the operator, and the figures behind it. */
export const rejectPayment = (reason: PaymentRejectionReason, message: string, detail: Record<string, string | null> = {}): PaymentRejection => ({
  status: 'rejected',
  reason,
  message,
  detail,
});

/** What a verified delivery says was paid, as the provider wrote it (parsed here, so a bad amount is a rejection, not a 400). */
export type ProviderPayment =
  | { provider: 'telegram_stars'; totalAmount: unknown }
  | { provider: 'ton'; amount: unknown }
  | { provider: 'nowpayments'; priceAmount: unknown; priceCurrency: unknown; payAmount?: unknown; actuallyPaid?: unknown };

export type PaidProductDecision = { status: 'accepted'; product: Product; paid: string; price: string } | PaymentRejection;

const UNIT: Record<PaymentProvider, string> = { telegram_stars: 'XTR', ton: 'nanotons', nowpayments: '' };

/**
 * Decides whether a verified payment buys the product its reference names: the product must be
 * in the catalogue, priced through the provider, and the amount paid must cover the price.
 *
 * - Telegram Stars: `total_amount` (XTR) ≥ the price in stars.
 * - TON: `amount` (nanotons) ≥ the price in nanotons.
 * - NOWPayments: `price_amount` ≥ the price in `price_currency` (the invoice was for at least
 *   the price), and, when the IPN carries both, `actually_paid` ≥ `pay_amount` (the payer sent
 *   all the crypto the invoice asked for).
 */
export function decidePaidProduct(catalogue: Catalogue, spec: string, payment: ProviderPayment): PaidProductDecision {
  const resolved = resolveProduct(catalogue, spec);
  if (!resolved.ok) return rejectPayment(resolved.reason, resolved.message, { product: spec });
  let paid: Exact | null;
  let currency: string | undefined;
  if (payment.provider === 'nowpayments') {
    currency = typeof payment.priceCurrency === 'string' ? payment.priceCurrency.toLowerCase() : undefined;
    paid = parseDecimalAmount(payment.priceAmount);
    if (!paid) return rejectPayment('invalid_amount', `price_amount ${describe(payment.priceAmount)} is not a positive decimal`, { product: spec, paid: describe(payment.priceAmount) });
  } else {
    const raw = payment.provider === 'telegram_stars' ? payment.totalAmount : payment.amount;
    const whole = parseIntegerAmount(raw);
    if (whole === null) return rejectPayment('invalid_amount', `${payment.provider === 'ton' ? 'amount' : 'total_amount'} ${describe(raw)} is not a positive whole number of ${UNIT[payment.provider]}`, { product: spec, paid: describe(raw) });
    paid = exactOf(whole);
  }
  const unit = currency ?? UNIT[payment.provider];
  const price = priceThrough(resolved.terms, payment.provider, currency);
  if (!price) {
    return rejectPayment('unpriced', `${spec} has no ${payment.provider} price${currency === undefined ? '' : ` in ${describe(currency)}`}`, { product: spec, currency: currency ?? unit });
  }
  const detail = { product: spec, currency: unit, paid: formatExact(paid), price: formatExact(price) };
  if (!atLeast(paid, price)) return rejectPayment('underpaid', `paid ${detail.paid} ${unit}, the price of ${spec} is ${detail.price} ${unit}`, detail);
  if (payment.provider === 'nowpayments') {
    const short = shortOfInvoice(payment.payAmount, payment.actuallyPaid);
    if (short) return rejectPayment(short.reason, short.message, { ...detail, pay_amount: describe(payment.payAmount), actually_paid: describe(payment.actuallyPaid) });
  }
  return { status: 'accepted', product: resolved.product, paid: detail.paid, price: detail.price };
}

/** NOWPayments: a finished IPN whose crypto did not all arrive (when it says both how much was asked and how much came). */
function shortOfInvoice(payAmount: unknown, actuallyPaid: unknown): { reason: PaymentRejectionReason; message: string } | null {
  if (payAmount == null || actuallyPaid == null) return null;
  const asked = parseDecimalAmount(payAmount);
  const arrived = parseDecimalAmount(actuallyPaid, { allowZero: true });
  if (!asked || !arrived) return { reason: 'invalid_amount', message: `pay_amount ${describe(payAmount)} / actually_paid ${describe(actuallyPaid)} are not decimals` };
  if (!atLeast(arrived, asked)) return { reason: 'underpaid', message: `actually_paid ${formatExact(arrived)} is less than pay_amount ${formatExact(asked)}` };
  return null;
}

/** A value from a delivery as text an operator can read (and jsonb can store), bounded. */
function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}
