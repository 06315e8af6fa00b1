// Pure: payment webhook payloads → ledger events (zod and the default program); this file needs no services.
import { describe, expect, it } from 'vitest';
import { decideRateLimit } from '@pe/auth';
import { defaultProgram, pointsEventSchema } from '@pe/domain';
import {
  nowPaymentsEvent,
  nowPaymentsIpnSchema,
  resolveOrderReference,
  resolveProduct,
  starsEvent,
  starsSchemaFor,
  tonEvent,
  tonPaymentSchema,
  type ProductTable,
} from '../../apps/api/src/routes/webhooks.mapping.ts';

const products: ProductTable = {
  premium_month: { type: 'subscription', tier: 'PREMIUM', periods: 1 },
  starter: { type: 'credit_pack', pack: 'small' },
};

describe('resolveProduct', () => {
  it.each([
    { spec: 'sub:PREMIUM', product: { type: 'subscription', tier: 'PREMIUM', periods: 1 } },
    { spec: 'sub:VIP:3', product: { type: 'subscription', tier: 'VIP', periods: 3 } },
    { spec: 'pack:small', product: { type: 'credit_pack', pack: 'small' } },
    { spec: 'credit:500', product: { type: 'credit', credit: 500 } },
    { spec: 'premium_month', product: { type: 'subscription', tier: 'PREMIUM', periods: 1 } },
    { spec: 'starter', product: { type: 'credit_pack', pack: 'small' } },
  ])('$spec', ({ spec, product }) => {
    expect(resolveProduct(spec, products, defaultProgram, 'p')).toEqual({ ok: true, value: product });
  });

  it.each([
    { spec: 'sub:GOLD', message: /not a paid tier/ },
    { spec: 'sub:FREE', message: /not a paid tier/ },
    { spec: 'sub:PREMIUM:0', message: /periods/ },
    { spec: 'sub:PREMIUM:121', message: /periods/ },
    { spec: 'pack:huge', message: /not a credit pack/ },
    { spec: 'credit:0', message: /not a product/ },
    { spec: 'credit:-5', message: /not a product/ },
    { spec: 'credit:1.5', message: /not a product/ },
    { spec: 'unknown_name', message: /no product named/ },
    { spec: 'sub:premium', message: /not a product/ },
    { spec: '', message: /not a product/ },
  ])('refuses $spec, naming the field', ({ spec, message }) => {
    const resolved = resolveProduct(spec, products, defaultProgram, 'order_id');
    expect(resolved).toMatchObject({ ok: false, field: 'order_id' });
    expect(resolved.ok ? '' : resolved.message).toMatch(message);
  });

  it('a named product needs PAYMENT_PRODUCTS', () => {
    expect(resolveProduct('starter', undefined, defaultProgram, 'p')).toMatchObject({ ok: false, message: expect.stringMatching(/PAYMENT_PRODUCTS/) });
  });
});

describe('resolveOrderReference ({user_id}/{product}[/{reference}])', () => {
  it.each([
    { ref: '42/sub:PREMIUM:1', userId: '42', product: { type: 'subscription', tier: 'PREMIUM', periods: 1 } },
    { ref: 'tg:42/pack:small/1717171717', userId: 'tg:42', product: { type: 'credit_pack', pack: 'small' } },
    { ref: 'u_7/premium_month', userId: 'u_7', product: { type: 'subscription', tier: 'PREMIUM', periods: 1 } },
  ])('$ref', ({ ref, userId, product }) => {
    expect(resolveOrderReference(ref, products, defaultProgram, 'order_id')).toEqual({ ok: true, value: { userId, product } });
  });

  it.each(['sub:PREMIUM:1', '42', '/pack:small', '42/pack:small/a/b', 'a b/pack:small'])('refuses %s', (ref) => {
    expect(resolveOrderReference(ref, products, defaultProgram, 'order_id')).toMatchObject({ ok: false, field: 'order_id' });
  });
});

describe('provider payloads → events', () => {
  it('a finished NOWPayments IPN becomes a purchase_bonus keyed by the payment id, and a valid event', () => {
    const ipn = nowPaymentsIpnSchema.parse({ payment_id: 5077125051, payment_status: 'finished', order_id: '42/pack:small', price_amount: 9.99, price_currency: 'usd', outcome_amount: 1 });
    const resolved = nowPaymentsEvent(ipn, products, defaultProgram);
    expect(resolved).toEqual({
      ok: true,
      value: {
        kind: 'purchase_bonus',
        idempotency_key: 'nowpayments:5077125051',
        user_id: '42',
        provider: 'nowpayments',
        payment_id: '5077125051',
        product: { type: 'credit_pack', pack: 'small' },
        metadata: { order_id: '42/pack:small', price_amount: 9.99, price_currency: 'usd' },
      },
    });
    expect(pointsEventSchema.safeParse(resolved.ok && resolved.value).success).toBe(true);
  });

  it('a NOWPayments IPN without an order id names order_id', () => {
    const ipn = nowPaymentsIpnSchema.parse({ payment_id: 1, payment_status: 'finished' });
    expect(nowPaymentsEvent(ipn, products, defaultProgram)).toMatchObject({ ok: false, field: 'order_id' });
  });

  const payment = { currency: 'XTR', total_amount: 500, invoice_payload: 'sub:PREMIUM:1', telegram_payment_charge_id: 'stxAbC123' };
  it('a Stars payment (flat, or as the Telegram update) becomes a purchase_bonus keyed stars:{charge_id}', () => {
    for (const body of [{ user_id: 42, successful_payment: payment }, { update_id: 9, message: { from: { id: 42 }, successful_payment: payment } }]) {
      const delivery = starsSchemaFor(body).parse(body);
      const resolved = starsEvent(delivery, products, defaultProgram);
      expect(resolved).toMatchObject({ ok: true, value: { kind: 'purchase_bonus', idempotency_key: 'stars:stxAbC123', user_id: '42', product: { type: 'subscription', tier: 'PREMIUM', periods: 1 } } });
      expect(pointsEventSchema.safeParse(resolved.ok && resolved.value).success).toBe(true);
    }
  });

  it('an invoice payload may carry the bot\'s own prefix before the product', () => {
    const delivery = starsSchemaFor({}).parse({ user_id: 42, successful_payment: { ...payment, invoice_payload: 'order-77/pack:medium' } });
    expect(starsEvent(delivery, products, defaultProgram)).toMatchObject({ ok: true, value: { product: { type: 'credit_pack', pack: 'medium' } } });
  });

  it('a Stars refund becomes a reverse of stars:{charge_id}, keyed stars-refund:{charge_id}', () => {
    const delivery = starsSchemaFor({}).parse({ user_id: '42', refunded_payment: payment });
    const resolved = starsEvent(delivery, products, defaultProgram);
    expect(resolved).toMatchObject({ ok: true, value: { kind: 'reverse', idempotency_key: 'stars-refund:stxAbC123', user_id: '42', transaction_key: 'stars:stxAbC123' } });
    expect(pointsEventSchema.safeParse(resolved.ok && resolved.value).success).toBe(true);
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

  it('a TON payment becomes a purchase_bonus keyed ton:{tx_hash}', () => {
    const ton = tonPaymentSchema.parse({ tx_hash: 'abcdef0123456789abcdef', user_id: 42, product: 'credit:500', amount: '1500000000' });
    expect(tonEvent(ton, products, defaultProgram)).toMatchObject({ ok: true, value: { idempotency_key: 'ton:abcdef0123456789abcdef', user_id: '42', product: { type: 'credit', credit: 500 } } });
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
