import { z } from 'zod';
import { own, toStorableText, type PointsEventInput, type Program, type PurchaseBonusEvent } from '@pe/domain';

/**
 * What the payment webhooks accept and the events they turn into. Pure: a provider's verified body
 * (plus the operator's product table and the program) in, a ledger event or a field error out.
 */

export type Product = PurchaseBonusEvent['product'];
export type ProductTable = Readonly<Record<string, Product>> | undefined;
export type Resolved<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

const userId = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform(String)
  .pipe(z.string().regex(/^[A-Za-z0-9_.:@-]{1,64}$/, '1–64 letters, digits or _ . : @ -'));

const SPEC = /^(?:sub:(?<tier>[A-Z][A-Z0-9_]*)(?::(?<periods>\d{1,3}))?|pack:(?<pack>[a-z][a-z0-9_]{0,62})|credit:(?<credit>[1-9]\d{0,14})|(?<name>[a-z][a-z0-9_-]{0,62}))$/;

/**
 * A product reference as a bot writes it into an invoice payload or order id: `sub:PREMIUM`,
 * `sub:PREMIUM:3` (periods), `pack:small`, `credit:500`, or a name from PAYMENT_PRODUCTS. Tiers and
 * packs are checked against the program here, so a typo is refused at the webhook (and the
 * provider retries once it is fixed) instead of being recorded in the ledger as a rejection.
 */
export function resolveProduct(spec: string, products: ProductTable, program: Program, field: string): Resolved<Product> {
  const groups = SPEC.exec(spec)?.groups;
  if (!groups) return { ok: false, field, message: `"${spec}" is not a product (sub:TIER[:periods], pack:ID, credit:N or a PAYMENT_PRODUCTS name)` };
  let product: Product;
  if (groups['name']) {
    const named = own(products, groups['name']);
    if (!named) return { ok: false, field, message: `no product named "${groups['name']}" in PAYMENT_PRODUCTS` };
    product = named;
  } else if (groups['tier']) {
    const periods = groups['periods'] === undefined ? 1 : Number(groups['periods']);
    if (periods < 1 || periods > 120) return { ok: false, field, message: 'periods must be 1–120' };
    product = { type: 'subscription', tier: groups['tier'], periods };
  } else if (groups['pack']) {
    product = { type: 'credit_pack', pack: groups['pack'] };
  } else {
    product = { type: 'credit', credit: Number(groups['credit']) };
  }
  if (product.type === 'subscription' && (!own(program.tiers, product.tier) || product.tier === program.default_tier)) {
    return { ok: false, field, message: `"${product.tier}" is not a paid tier of the program` };
  }
  if (product.type === 'credit_pack' && !own(program.credit_packs, product.pack)) return { ok: false, field, message: `"${product.pack}" is not a credit pack of the program` };
  return { ok: true, value: product };
}

/**
 * An order reference that must also name the buyer (NOWPayments `order_id`, which carries nothing
 * else of ours): `{user_id}/{product}` with an optional `/{anything}` the bot may add to keep its
 * order ids unique, e.g. `42/sub:PREMIUM:1/1717171717`. `/` never occurs in a user id or a product.
 */
export function resolveOrderReference(reference: string, products: ProductTable, program: Program, field: string): Resolved<{ userId: string; product: Product }> {
  const [user, spec, ...rest] = reference.split('/');
  const parsedUser = userId.safeParse(user ?? '');
  if (!parsedUser.success || spec === undefined || rest.length > 1) {
    return { ok: false, field, message: `"${reference}" is not {user_id}/{product}[/{reference}]` };
  }
  const product = resolveProduct(spec, products, program, field);
  return product.ok ? { ok: true, value: { userId: parsedUser.data, product: product.value } } : product;
}

// ---- NOWPayments -------------------------------------------------------------------------------

/** The IPN fields we read; NOWPayments sends more (all of them are covered by the signature). */
export const nowPaymentsIpnSchema = z.object({
  payment_id: z
    .union([z.number().int().nonnegative(), z.string().regex(/^[A-Za-z0-9_-]{1,100}$/)])
    .transform(String),
  payment_status: z.string().regex(/^[a-z_]{1,32}$/),
  order_id: z.string().max(200).nullish(),
  price_amount: z.number().nullish(),
  price_currency: z.string().max(16).nullish(),
  pay_currency: z.string().max(16).nullish(),
  actually_paid: z.number().nullish(),
});
export type NowPaymentsIpn = z.output<typeof nowPaymentsIpnSchema>;

/** Only a finished payment grants; a refunded one reverses that grant; waiting, confirming, partially_paid, failed, expired … are recorded only. */
export const NOWPAYMENTS_GRANTING_STATUS = 'finished';
export const NOWPAYMENTS_REFUND_STATUS = 'refunded';

/** A refunded payment reverses the purchase its finished IPN granted (nothing, if none was). */
export function nowPaymentsRefundEvent(ipn: NowPaymentsIpn, products: ProductTable, program: Program): Resolved<PointsEventInput> {
  if (!ipn.order_id) return { ok: false, field: 'order_id', message: 'required for a refunded payment: {user_id}/{product}' };
  const order = resolveOrderReference(ipn.order_id, products, program, 'order_id');
  if (!order.ok) return order;
  return {
    ok: true,
    value: {
      kind: 'reverse',
      idempotency_key: `nowpayments-refund:${ipn.payment_id}`,
      user_id: order.value.userId,
      transaction_key: `nowpayments:${ipn.payment_id}`,
      reason: 'nowpayments_refund',
      metadata: { order_id: toStorableText(ipn.order_id), price_amount: ipn.price_amount ?? null },
    },
  };
}

export function nowPaymentsEvent(ipn: NowPaymentsIpn, products: ProductTable, program: Program): Resolved<PointsEventInput> {
  if (!ipn.order_id) return { ok: false, field: 'order_id', message: 'required for a finished payment: {user_id}/{product}' };
  const order = resolveOrderReference(ipn.order_id, products, program, 'order_id');
  if (!order.ok) return order;
  return {
    ok: true,
    value: {
      kind: 'purchase_bonus',
      idempotency_key: `nowpayments:${ipn.payment_id}`,
      user_id: order.value.userId,
      provider: 'nowpayments',
      payment_id: ipn.payment_id,
      product: order.value.product,
      // Only what defines the purchase: a repeated IPN must hash to the same payload.
      metadata: { order_id: toStorableText(ipn.order_id), price_amount: ipn.price_amount ?? null, price_currency: ipn.price_currency == null ? null : toStorableText(ipn.price_currency) },
    },
  };
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
 * A Stars payment grants the product its invoice payload names (`{product}` or
 * `{anything}/{product}`; the buyer is the Telegram user who paid). A refund reverses that grant.
 */
export function starsEvent(delivery: StarsDelivery, products: ProductTable, program: Program): Resolved<PointsEventInput> {
  const { payment } = delivery;
  const chargeId = payment.telegram_payment_charge_id;
  const field = `${delivery.kind}.invoice_payload`;
  if (delivery.kind === 'refunded_payment') {
    return {
      ok: true,
      value: {
        kind: 'reverse',
        idempotency_key: `stars-refund:${chargeId}`,
        user_id: delivery.userId,
        transaction_key: starsPurchaseKey(chargeId),
        reason: 'telegram_stars_refund',
        metadata: { total_amount: payment.total_amount, currency: payment.currency },
      },
    };
  }
  const spec = payment.invoice_payload.split('/').pop() ?? '';
  const product = resolveProduct(spec, products, program, field);
  if (!product.ok) return product;
  return {
    ok: true,
    value: {
      kind: 'purchase_bonus',
      idempotency_key: starsPurchaseKey(chargeId),
      user_id: delivery.userId,
      provider: 'telegram_stars',
      payment_id: chargeId,
      product: product.value,
      metadata: { invoice_payload: toStorableText(payment.invoice_payload), total_amount: payment.total_amount, currency: payment.currency },
    },
  };
}

// ---- TON payment watcher -----------------------------------------------------------------------

/** What a TON payment watcher sends once a transfer is final: the transaction, the buyer, the product. */
export const tonPaymentSchema = z.object({
  tx_hash: z.string().regex(/^[A-Za-z0-9+/=_-]{16,128}$/, 'hex or base64 transaction hash'),
  user_id: userId,
  product: z.string().min(1).max(128),
  /** Informational: nanotons as a decimal string, and the sender's address. */
  amount: z.union([z.string().regex(/^\d{1,40}$/), z.number().int().nonnegative()]).transform(String).optional(),
  sender: z.string().max(128).optional(),
});
export type TonPayment = z.output<typeof tonPaymentSchema>;

export function tonEvent(payment: TonPayment, products: ProductTable, program: Program): Resolved<PointsEventInput> {
  const product = resolveProduct(payment.product, products, program, 'product');
  if (!product.ok) return product;
  return {
    ok: true,
    value: {
      kind: 'purchase_bonus',
      idempotency_key: `ton:${payment.tx_hash}`,
      user_id: payment.user_id,
      provider: 'ton',
      payment_id: payment.tx_hash,
      product: product.value,
      metadata: { amount: payment.amount ?? null, sender: payment.sender === undefined ? null : toStorableText(payment.sender) },
    },
  };
}
