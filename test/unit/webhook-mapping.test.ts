// Pure: payment webhook payloads → intakes (zod, the default program's catalogue); this file needs no services.
import { describe, expect, it } from 'vitest';
import { decideRateLimit } from '@points-engine/auth';
import { buildCatalogue, defaultProgram, pointsEventSchema, type Catalogue, type PaymentIntake } from '@points-engine/domain';
import {
  nowPaymentsIntake,
  nowPaymentsIpnSchema,
  parseOrderReference,
  starsIntake,
  starsSchemaFor,
  tonIntake,
  tonPaymentSchema,
} from '../../apps/api/src/routes/webhooks.mapping.ts';

const built = buildCatalogue(defaultProgram, { premium_month: { type: 'subscription', tier: 'PREMIUM', periods: 1 }, starter: { type: 'credit_pack', pack: 'small' } });
if (!built.ok) throw new Error(built.problems.join('; '));
const catalogue: Catalogue = built.catalogue;

/** The event an accepted purchase queues (fails the test otherwise), checked against the event schema. */
function acceptedEvent(intake: PaymentIntake | undefined) {
  if (intake?.type !== 'purchase' || intake.decision.status !== 'accepted') throw new Error(`not an accepted purchase: ${JSON.stringify(intake)}`);
  expect(pointsEventSchema.safeParse(intake.decision.event).success).toBe(true);
  return intake.decision.event;
}

describe('parseOrderReference ({user_id}/{product}[/{reference}])', () => {
  it.each([
    { ref: '42/sub:PREMIUM:1', userId: '42', spec: 'sub:PREMIUM:1' },
    { ref: 'tg:42/pack:small/1717171717', userId: 'tg:42', spec: 'pack:small' },
    { ref: 'u_7/premium_month', userId: 'u_7', spec: 'premium_month' },
  ])('$ref', ({ ref, userId, spec }) => {
    expect(parseOrderReference(ref)).toEqual({ userId, spec });
  });

  it.each(['sub:PREMIUM:1', '42', '/pack:small', '42/pack:small/a/b', 'a b/pack:small'])('refuses %s', (ref) => {
    expect(parseOrderReference(ref)).toBeNull();
  });
});

describe('NOWPayments IPN → intake', () => {
  const ipn = (fields: Record<string, unknown>) => nowPaymentsIpnSchema.parse({ payment_id: 5077125051, payment_status: 'finished', order_id: '42/pack:small', price_amount: 1.99, price_currency: 'usd', ...fields });

  it('a finished IPN that pays the price becomes a purchase_bonus keyed by the payment id', () => {
    const intake = nowPaymentsIntake(ipn({ pay_amount: 0.00003, actually_paid: 0.00003, pay_currency: 'btc', outcome_amount: 1 }), catalogue);
    expect(intake).toMatchObject({ type: 'purchase', provider: 'nowpayments', paymentId: '5077125051', eventKey: 'nowpayments:5077125051', userId: '42' });
    expect(acceptedEvent(intake)).toEqual({
      kind: 'purchase_bonus',
      idempotency_key: 'nowpayments:5077125051',
      user_id: '42',
      provider: 'nowpayments',
      payment_id: '5077125051',
      product: { type: 'credit_pack', pack: 'small' },
      metadata: { order_id: '42/pack:small', price_amount: 1.99, price_currency: 'usd' },
    });
  });

  it.each([
    { name: 'no order id', fields: { order_id: null }, reason: 'invalid_reference' },
    { name: 'an order id without a product', fields: { order_id: '42' }, reason: 'invalid_reference' },
    { name: 'an unknown pack', fields: { order_id: '42/pack:nonexistent' }, reason: 'unknown_product' },
    { name: 'price_amount 1 for credit:999999999999999', fields: { order_id: 'u/credit:999999999999999', price_amount: 1 }, reason: 'underpaid' },
    { name: 'price_amount as a string "0"', fields: { price_amount: '0' }, reason: 'invalid_amount' },
    { name: 'a currency with no price', fields: { price_currency: 'eur' }, reason: 'unpriced' },
  ])('a finished IPN with $name is a rejected purchase ($reason)', ({ fields, reason }) => {
    expect(nowPaymentsIntake(ipn(fields), catalogue)).toMatchObject({ type: 'purchase', eventKey: 'nowpayments:5077125051', decision: { status: 'rejected', reason } });
  });

  it('a refunded IPN is a refund of nowpayments:{id}, claiming no user (the buyer comes from the payment)', () => {
    expect(nowPaymentsIntake(ipn({ payment_status: 'refunded', order_id: 'someone-else/pack:small' }), catalogue)).toEqual({
      type: 'refund',
      provider: 'nowpayments',
      paymentId: '5077125051',
      eventKey: 'nowpayments-refund:5077125051',
      originalKey: 'nowpayments:5077125051',
      detail: expect.objectContaining({ order_id: 'someone-else/pack:small' }),
      claim: {
        reverse: { kind: 'reverse', idempotency_key: 'nowpayments-refund:5077125051', transaction_key: 'nowpayments:5077125051', reason: 'nowpayments_refund', metadata: { order_id: 'someone-else/pack:small', price_amount: 1.99 } },
        claimedUserId: null,
      },
    });
  });

  it.each(['waiting', 'confirming', 'partially_paid', 'failed', 'expired'])('%s asks for nothing (recorded only)', (status) => {
    expect(nowPaymentsIntake(ipn({ payment_status: status }), catalogue)).toBeUndefined();
  });

  it('amounts in any JSON form pass the schema (the decision judges them); a payment id that is not one is a 400', () => {
    for (const price_amount of [0, -50, 1e308, '1e3', 'NaN', null]) expect(nowPaymentsIpnSchema.safeParse({ payment_id: 1, payment_status: 'finished', price_amount }).success).toBe(true);
    expect(nowPaymentsIpnSchema.safeParse({ payment_id: 'bad id!', payment_status: 'finished' }).error?.issues[0]?.path).toEqual(['payment_id']);
  });
});

describe('Telegram Stars → intake', () => {
  const payment = { currency: 'XTR', total_amount: 350, invoice_payload: 'sub:PREMIUM:1', telegram_payment_charge_id: 'stxAbC123' };

  it('a payment (flat, or as the Telegram update) that pays the price becomes a purchase_bonus keyed stars:{charge_id}', () => {
    for (const body of [{ user_id: 42, successful_payment: payment }, { update_id: 9, message: { from: { id: 42 }, successful_payment: payment } }]) {
      const intake = starsIntake(starsSchemaFor(body).parse(body), catalogue);
      expect(acceptedEvent(intake)).toMatchObject({ kind: 'purchase_bonus', idempotency_key: 'stars:stxAbC123', user_id: '42', product: { type: 'subscription', tier: 'PREMIUM', periods: 1 } });
    }
  });

  it('an invoice payload may carry the bot\'s own prefix before the product; PAYMENT_PRODUCTS names still work', () => {
    const prefixed = starsSchemaFor({}).parse({ user_id: 42, successful_payment: { ...payment, total_amount: 500, invoice_payload: 'order-77/pack:medium' } });
    expect(acceptedEvent(starsIntake(prefixed, catalogue))).toMatchObject({ product: { type: 'credit_pack', pack: 'medium' } });
    const named = starsSchemaFor({}).parse({ user_id: 42, successful_payment: { ...payment, invoice_payload: 'premium_month' } });
    expect(acceptedEvent(starsIntake(named, catalogue))).toMatchObject({ product: { type: 'subscription', tier: 'PREMIUM' } });
  });

  it('total_amount 1 with payload credit:999999999999999 is a rejected purchase (underpaid)', () => {
    const delivery = starsSchemaFor({}).parse({ user_id: 42, successful_payment: { ...payment, total_amount: 1, invoice_payload: 'credit:999999999999999' } });
    expect(starsIntake(delivery, catalogue)).toMatchObject({ type: 'purchase', decision: { status: 'rejected', reason: 'underpaid' } });
  });

  it('a refund is a refund of stars:{charge_id} keyed stars-refund:{charge_id}, the named user only claimed', () => {
    const delivery = starsSchemaFor({}).parse({ user_id: '42', refunded_payment: payment });
    expect(starsIntake(delivery, catalogue)).toMatchObject({
      type: 'refund',
      eventKey: 'stars-refund:stxAbC123',
      originalKey: 'stars:stxAbC123',
      claim: { reverse: { kind: 'reverse', idempotency_key: 'stars-refund:stxAbC123', transaction_key: 'stars:stxAbC123' }, claimedUserId: '42' },
    });
  });

  it.each([
    { name: 'both payment kinds', body: { user_id: 42, successful_payment: payment, refunded_payment: payment }, path: ['successful_payment'] },
    { name: 'neither', body: { user_id: 42 }, path: ['successful_payment'] },
    { name: 'not Stars', body: { user_id: 42, successful_payment: { ...payment, currency: 'USD' } }, path: ['successful_payment', 'currency'] },
    { name: 'no buyer in the update', body: { message: { successful_payment: payment } }, path: ['message', 'from'] },
  ])('a Stars body with $name names the field', ({ body, path }) => {
    const parsed = starsSchemaFor(body).safeParse(body);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(path);
  });
});

describe('TON watcher → intake', () => {
  const hash = '9f2c1e0a4b7d8e6f5a3c2b1d0e9f8a7b9f2c1e0a4b7d8e6f5a3c2b1d0e9f8a7b';
  const body = (fields: Record<string, unknown>) => ({ tx_hash: hash, user_id: 42, product: 'credit:500', amount: '350000000', ...fields });

  it('a payment that pays the price becomes a purchase_bonus keyed ton:{lower-case hex}, however the hash is written', () => {
    const bytes = Buffer.from(hash, 'hex');
    for (const written of [hash, hash.toUpperCase(), bytes.toString('base64'), bytes.toString('base64url')]) {
      const intake = tonIntake(tonPaymentSchema.parse(body({ tx_hash: written })), catalogue);
      expect(intake).toMatchObject({ paymentId: hash, eventKey: `ton:${hash}` });
      expect(acceptedEvent(intake)).toMatchObject({ idempotency_key: `ton:${hash}`, payment_id: hash, user_id: '42', product: { type: 'credit', credit: 500 } });
    }
  });

  it.each([
    { name: 'amount "1"', fields: { amount: '1' }, reason: 'underpaid' },
    { name: 'amount "0"', fields: { amount: 0 }, reason: 'invalid_amount' },
    { name: 'product constructor', fields: { product: 'constructor' }, reason: 'unknown_product' },
    { name: 'product pack:constructor', fields: { product: 'pack:constructor' }, reason: 'unknown_product' },
  ])('$name is a rejected purchase ($reason)', ({ fields, reason }) => {
    expect(tonIntake(tonPaymentSchema.parse(body(fields)), catalogue)).toMatchObject({ decision: { status: 'rejected', reason } });
  });

  it.each([
    { name: 'a 16-byte hash', fields: { tx_hash: 'a3f1c2d4e5f60718293a4b5c6d7e8f90' }, path: ['tx_hash'] },
    { name: 'a 33-byte hash', fields: { tx_hash: Buffer.alloc(33, 7).toString('base64') }, path: ['tx_hash'] },
    { name: 'no amount (now required)', fields: { amount: undefined }, path: ['amount'] },
    { name: 'a negative amount', fields: { amount: '-1' }, path: ['amount'] },
    { name: 'a fractional amount', fields: { amount: 1.5 }, path: ['amount'] },
  ])('$name is a 400 naming $path', ({ fields, path }) => {
    expect(tonPaymentSchema.safeParse(body(fields)).error?.issues[0]?.path).toEqual(path);
  });
});

describe('decideRateLimit (fixed window)', () => {
  it.each([
    { count: 1, ttlMs: 60_000, limit: 3, allowed: true, remaining: 2, reset: 60 },
    { count: 3, ttlMs: 1_500, limit: 3, allowed: true, remaining: 0, reset: 2 },
    { count: 4, ttlMs: 59_001, limit: 3, allowed: false, remaining: 0, reset: 60 },
    { count: 4, ttlMs: 10, limit: 3, allowed: false, remaining: 0, reset: 1 },
    { count: 9, ttlMs: -1, limit: 3, allowed: false, remaining: 0, reset: 60 },
  ])('request $count of $limit with $ttlMs ms left', ({ count, ttlMs, limit, allowed, remaining, reset }) => {
    expect(decideRateLimit(count, ttlMs, limit, 60_000)).toEqual({ allowed, limit, remaining, resetSeconds: reset });
  });
});
