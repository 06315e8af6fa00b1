// Isolation: its own databases and BullMQ prefixes via startTestEngine (one engine with the webhook secrets, one without), an in-memory log; fresh users and payment ids per test.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { hmacSha256Hex, nowPaymentsSignature } from '@points-engine/auth';
import { buildCatalogue, defaultProgram, type PaymentIntake } from '@points-engine/domain';
import { nowPaymentsIntake, nowPaymentsIpnSchema } from '../../apps/api/src/routes/webhooks.mapping.ts';
import { randomUser } from '../support/services.ts';
import { waitUntil } from '../support/wait.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';

const IPN_SECRET = 'ipn-secret-for-integration';
const STARS_SECRET = 'stars_webhook_secret_0123456789';
const TON_SECRET = 'ton-watcher-secret-for-integration';
const PRODUCTS = { premium_month: { type: 'subscription' as const, tier: 'PREMIUM', periods: 1 } };

const rawLog: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    rawLog.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

let engine: TestEngine;
let disabled: TestEngine;
beforeAll(async () => {
  [engine, disabled] = await Promise.all([
    startTestEngine({
      logger: pino({ level: 'info' }, sink),
      config: { NOWPAYMENTS_IPN_SECRET: IPN_SECRET, TELEGRAM_STARS_WEBHOOK_SECRET: STARS_SECRET, TON_WEBHOOK_SECRET: TON_SECRET, PAYMENT_PRODUCTS: PRODUCTS },
    }),
    startTestEngine({ worker: false }),
  ]);
});
afterAll(async () => {
  await Promise.all([engine.close(), disabled.close()]);
});

const paymentId = () => Number.parseInt(randomBytes(5).toString('hex'), 16);
const chargeId = () => `stxTest${randomBytes(8).toString('hex')}`;

function nowPayments(body: Record<string, unknown>, signature = nowPaymentsSignature(body, IPN_SECRET), target = engine) {
  return target.fetch('/webhooks/nowpayments', { method: 'POST', body: JSON.stringify(body), headers: { 'x-nowpayments-sig': signature } });
}
function stars(body: Record<string, unknown>, token = STARS_SECRET) {
  return engine.fetch('/webhooks/telegram-stars', { method: 'POST', body: JSON.stringify(body), headers: { 'x-telegram-bot-api-secret-token': token } });
}
function ton(raw: string, signature = hmacSha256Hex(raw, TON_SECRET)) {
  return engine.fetch('/webhooks/ton', { method: 'POST', body: raw, headers: { 'x-signature': signature } });
}
const ipn = (id: number, user: string, status = 'finished', product = 'pack:small') => ({
  payment_id: id,
  payment_status: status,
  pay_address: 'TX1234',
  price_amount: 9.99,
  price_currency: 'usd',
  pay_amount: 3.3,
  actually_paid: status === 'finished' ? 3.3 : 0,
  pay_currency: 'trx',
  order_id: `${user}/${product}`,
  order_description: 'Пакет кредитов',
  purchase_id: String(id + 1),
  outcome_amount: 3.1,
  outcome_currency: 'trx',
});
const starsPayment = (charge: string, payload: string, stars = 250) => ({ currency: 'XTR', total_amount: stars, invoice_payload: payload, telegram_payment_charge_id: charge });

/** The ledger's verdict on a key, once the worker has recorded it. */
const ledgerRow = (key: string) =>
  waitUntil(`ledger row ${key}`, () => engine.db.selectFrom('ledger_transactions').select(['id', 'status', 'reason', 'kind']).where('idempotency_key', '=', key).executeTakeFirst());
const ledgerRows = (key: string) => engine.db.selectFrom('ledger_transactions').select('id').where('idempotency_key', '=', key).execute();
const balance = async (user: string, asset: string) =>
  Number((await engine.db.selectFrom('accounts').select('balance').where('user_id', '=', user).where('asset', '=', asset).where('bucket', '=', 'main').executeTakeFirst())?.balance ?? 0);
const deliveries = (provider: string, id: string) =>
  engine.db.selectFrom('webhook_deliveries').select(['status', 'signature_ok', 'event_key']).where('provider', '=', provider).where('payment_id', '=', id).orderBy('id').execute();
const payment = (provider: string, kind: 'purchase' | 'refund', id: string) =>
  engine.db.selectFrom('payments').select(['status', 'reason', 'user_id', 'event_key']).where('provider', '=', provider).where('kind', '=', kind).where('payment_id', '=', id).executeTakeFirst();
/** Unverified deliveries counted for a provider (all hours). */
const unverified = async (provider: string) =>
  Number((await engine.db.selectFrom('webhook_unverified').select((eb) => eb.fn.sum<string>('deliveries').as('n')).where('provider', '=', provider).executeTakeFirst())?.n ?? 0);
const built = buildCatalogue(defaultProgram, PRODUCTS);
if (!built.ok) throw new Error(built.problems.join('; '));
const eventOf = (intake: PaymentIntake | undefined) => {
  if (intake?.type !== 'purchase' || intake.decision.status !== 'accepted') throw new Error('the test payload does not map to an accepted purchase');
  return intake.decision.event;
};

describe('NOWPayments IPN', () => {
  it('a finished payment with a valid signature: 200 at once, then the credit pack is granted', async () => {
    const user = randomUser();
    const id = paymentId();
    const response = await nowPayments(ipn(id, user));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'queued', idempotency_key: `nowpayments:${id}` });
    expect(await ledgerRow(`nowpayments:${id}`)).toMatchObject({ status: 'applied', kind: 'purchase_bonus' });
    expect(await balance(user, 'credit')).toBe(1_000);
    expect(await deliveries('nowpayments', String(id))).toEqual([{ status: 'finished', signature_ok: true, event_key: `nowpayments:${id}` }]);
    // Stored before the answer, queued, with the buyer.
    expect(await payment('nowpayments', 'purchase', String(id))).toEqual({ status: 'queued', reason: null, user_id: user, event_key: `nowpayments:${id}` });
  });

  it('a forged signature: 401, logged without the secret, counted (no row of its own), nothing queued', async () => {
    const user = randomUser();
    const id = paymentId();
    const body = ipn(id, user);
    const counted = await unverified('nowpayments');
    const forged = nowPaymentsSignature(body, 'a-guessed-secret');
    const response = await nowPayments(body, forged);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'bad_signature' });
    // The handler queues before it answers, so a job would exist by now.
    expect(await engine.client.findEventJob(`nowpayments:${id}`, user)).toBeUndefined();
    expect(await ledgerRows(`nowpayments:${id}`)).toEqual([]);
    expect(await deliveries('nowpayments', String(id))).toEqual([]);
    expect(await payment('nowpayments', 'purchase', String(id))).toBeUndefined();
    expect(await unverified('nowpayments')).toBe(counted + 1);
    const warning = await waitUntil('the rejection log line', async () => rawLog.find((line) => line.includes('webhook signature rejected') && line.includes(String(id))));
    expect(warning).toContain('"provider":"nowpayments"');
    const requestLine = await waitUntil('the request log line', async () => rawLog.find((line) => line.includes('"url":"/webhooks/nowpayments"') && line.includes('"statusCode":401')));
    expect(requestLine).toContain('"x-nowpayments-sig":"[redacted]"');
    expect(rawLog.join('\n')).not.toContain(IPN_SECRET);
    expect(rawLog.join('\n')).not.toContain(forged);
  });

  it('the same body with a tampered amount fails its signature', async () => {
    const user = randomUser();
    const id = paymentId();
    const body = ipn(id, user, 'finished', 'pack:large');
    const signature = nowPaymentsSignature(body, IPN_SECRET);
    expect((await nowPayments({ ...body, price_amount: 0.01 }, signature)).status).toBe(401);
    expect(await engine.client.findEventJob(`nowpayments:${id}`, user)).toBeUndefined();
  });

  it('a replayed delivery is acknowledged each time and applied once (by the queue, then by the ledger)', async () => {
    const user = randomUser();
    const id = paymentId();
    const body = ipn(id, user, 'finished', 'pack:medium');
    const key = `nowpayments:${id}`;
    // The provider's retry storm: two deliveries at once.
    const [first, second] = await Promise.all([nowPayments(body), nowPayments(body)]);
    expect([first.status, second.status]).toEqual([200, 200]);
    // The event the webhook queued, rebuilt from the same body, waits for the first outcome.
    const event = eventOf(nowPaymentsIntake(nowPaymentsIpnSchema.parse(body), built.catalogue));
    const outcome = await engine.client.spend(event);
    expect(outcome).toMatchObject({ status: 'applied', idempotency_key: key, replayed: false });

    // A late redelivery after the job is gone: a new job, which the ledger recognises by its key.
    await (await engine.client.findEventJob(key, user))?.remove();
    expect((await nowPayments(body)).status).toBe(200);
    const replay = await engine.client.spend(event);
    expect(replay).toMatchObject({ status: 'applied', replayed: true, transaction_id: outcome.transaction_id });

    expect(await ledgerRows(key)).toHaveLength(1);
    expect(await balance(user, 'credit')).toBe(5_500);
    expect(await engine.db.selectFrom('idempotency_conflicts').select('id').where('idempotency_key', '=', key).execute()).toEqual([]);
    expect((await deliveries('nowpayments', String(id))).map((d) => d.event_key)).toEqual([key, key, key]);
  });

  it('a status other than finished is recorded and acknowledged, not granted; the finished IPN then grants', async () => {
    const user = randomUser();
    const id = paymentId();
    for (const status of ['waiting', 'confirming', 'partially_paid']) {
      const response = await nowPayments(ipn(id, user, status));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'recorded', payment_status: status });
    }
    expect(await engine.client.findEventJob(`nowpayments:${id}`, user)).toBeUndefined();
    expect(await ledgerRows(`nowpayments:${id}`)).toEqual([]);
    expect(await deliveries('nowpayments', String(id))).toEqual([
      { status: 'waiting', signature_ok: true, event_key: null },
      { status: 'confirming', signature_ok: true, event_key: null },
      { status: 'partially_paid', signature_ok: true, event_key: null },
    ]);
    expect(await balance(user, 'credit')).toBe(0);

    expect((await nowPayments(ipn(id, user, 'finished'))).status).toBe(200);
    expect(await ledgerRow(`nowpayments:${id}`)).toMatchObject({ status: 'applied' });
    expect(await balance(user, 'credit')).toBe(1_000);
  });

  it('a refunded IPN reverses the purchase its finished IPN granted (reverse keyed nowpayments-refund:{id}), once', async () => {
    const user = randomUser();
    const id = paymentId();
    expect((await nowPayments(ipn(id, user))).status).toBe(200);
    expect(await ledgerRow(`nowpayments:${id}`)).toMatchObject({ status: 'applied' });
    expect(await balance(user, 'credit')).toBe(1_000);

    const [a, b] = await Promise.all([nowPayments(ipn(id, user, 'refunded')), nowPayments(ipn(id, user, 'refunded'))]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await a.json()).toMatchObject({ status: 'queued', idempotency_key: `nowpayments-refund:${id}` });
    expect(await ledgerRow(`nowpayments-refund:${id}`)).toMatchObject({ status: 'applied', kind: 'reverse' });
    expect(await balance(user, 'credit')).toBe(0);
    expect(await engine.db.selectFrom('reversals').select(['reversal_key']).where('original_key', '=', `nowpayments:${id}`).execute()).toEqual([{ reversal_key: `nowpayments-refund:${id}` }]);
    expect(await ledgerRows(`nowpayments-refund:${id}`)).toHaveLength(1);
  });

  it('a verified IPN whose order_id names no product: 200 rejected (so NOWPayments stops resending it), recorded with the reason, nothing queued', async () => {
    const user = randomUser();
    const id = paymentId();
    const response = await nowPayments(ipn(id, user, 'finished', 'pack:nonexistent'));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'rejected', reason: 'unknown_product', message: expect.stringContaining('nonexistent') });
    expect(await engine.client.findEventJob(`nowpayments:${id}`, user)).toBeUndefined();
    expect(await deliveries('nowpayments', String(id))).toEqual([{ status: 'finished', signature_ok: true, event_key: null }]);
    expect(await payment('nowpayments', 'purchase', String(id))).toEqual({ status: 'rejected', reason: 'unknown_product', user_id: user, event_key: `nowpayments:${id}` });
  });
});

describe('Telegram Stars', () => {
  it('a successful_payment forwarded as the Telegram update grants the named product (a PAYMENT_PRODUCTS subscription)', async () => {
    const user = '77' + String(Date.now() % 1e8);
    const charge = chargeId();
    // premium_month (PAYMENT_PRODUCTS) costs what it contains: one PREMIUM period, 350 stars.
    const response = await stars({ update_id: 1, message: { message_id: 5, from: { id: Number(user), is_bot: false }, successful_payment: starsPayment(charge, 'premium_month', 350) } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'queued', idempotency_key: `stars:${charge}` });
    expect(await ledgerRow(`stars:${charge}`)).toMatchObject({ status: 'applied' });
    const row = await engine.db.selectFrom('users').select(['tier']).where('user_id', '=', user).executeTakeFirstOrThrow();
    expect(row.tier).toBe('PREMIUM');
    expect(await balance(user, 'points')).toBe(defaultProgram.tiers['PREMIUM']?.subscription_bonus);
  });

  it('a wrong or missing secret token: 401, counted, nothing queued', async () => {
    const user = randomUser();
    const charge = chargeId();
    const body = { user_id: user, successful_payment: starsPayment(charge, 'pack:small') };
    const counted = await unverified('telegram_stars');
    expect((await stars(body, `${STARS_SECRET.slice(0, -1)}X`)).status).toBe(401);
    const missing = await engine.fetch('/webhooks/telegram-stars', { method: 'POST', body: JSON.stringify(body) });
    expect(missing.status).toBe(401);
    expect(await engine.client.findEventJob(`stars:${charge}`, user)).toBeUndefined();
    expect(await deliveries('telegram_stars', charge)).toEqual([]);
    expect(await unverified('telegram_stars')).toBe(counted + 2);
    expect(rawLog.join('\n')).not.toContain(STARS_SECRET);
  });

  it('a refund reverses the purchase it names (reverse keyed stars-refund:{charge}), once', async () => {
    const user = randomUser();
    const charge = chargeId();
    const paid = { user_id: user, successful_payment: starsPayment(charge, 'pack:small') };
    expect((await stars(paid)).status).toBe(200);
    expect(await ledgerRow(`stars:${charge}`)).toMatchObject({ status: 'applied' });
    expect(await balance(user, 'credit')).toBe(1_000);

    const refund = { user_id: user, refunded_payment: starsPayment(charge, 'pack:small') };
    const [a, b] = await Promise.all([stars(refund), stars(refund)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await a.json()).toMatchObject({ status: 'queued', idempotency_key: `stars-refund:${charge}` });
    expect(await ledgerRow(`stars-refund:${charge}`)).toMatchObject({ status: 'applied', kind: 'reverse' });
    expect(await balance(user, 'credit')).toBe(0);
    expect(await engine.db.selectFrom('reversals').select(['reversal_key']).where('original_key', '=', `stars:${charge}`).execute()).toEqual([{ reversal_key: `stars-refund:${charge}` }]);
    expect(await ledgerRows(`stars-refund:${charge}`)).toHaveLength(1);
  });

  it('a body that is not a Stars payment: 400 naming the field', async () => {
    const response = await stars({ user_id: randomUser(), successful_payment: { ...starsPayment(chargeId(), 'pack:small'), currency: 'USD' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ field: 'successful_payment.currency' });
  });
});

describe('TON payment watcher (HMAC-SHA256 over the raw body)', () => {
  it('a signed payment grants credit; re-serialising the same JSON breaks the signature', async () => {
    const user = randomUser();
    const hash = randomBytes(32).toString('hex');
    // Formatted and unicode on purpose: the signature covers these exact bytes. 750 credit cost 0.525 TON.
    const raw = `{\n  "tx_hash": "${hash}",\n  "user_id": "${user}",\n  "product": "credit:750",\n  "amount": "525000000",\n  "sender": "EQ…wallet ✓"\n}`;
    const reformatted = JSON.stringify(JSON.parse(raw));
    expect((await ton(reformatted, hmacSha256Hex(raw, TON_SECRET))).status).toBe(401);
    expect(await engine.client.findEventJob(`ton:${hash}`, user)).toBeUndefined();

    const response = await ton(raw);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ idempotency_key: `ton:${hash}` });
    expect(await ledgerRow(`ton:${hash}`)).toMatchObject({ status: 'applied' });
    expect(await balance(user, 'credit')).toBe(750);
    expect(rawLog.join('\n')).not.toContain(TON_SECRET);
  });

  it('a signed body that is not JSON: 400 naming body', async () => {
    const response = await ton('tx_hash=abc');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ field: 'body' });
  });
});

describe('limits and switches', () => {
  it('a webhook whose secret is unset answers 404', async () => {
    const body = ipn(paymentId(), randomUser());
    for (const path of ['/webhooks/nowpayments', '/webhooks/telegram-stars', '/webhooks/ton']) {
      const response = await disabled.fetch(path, { method: 'POST', body: JSON.stringify(body), headers: { 'x-nowpayments-sig': nowPaymentsSignature(body, IPN_SECRET) } });
      expect(response.status).toBe(404);
    }
  });

  it('an oversize webhook body: 413 JSON before any signature work', async () => {
    const raw = JSON.stringify({ tx_hash: 'a'.repeat(32), user_id: '1', product: 'credit:1', pad: 'x'.repeat(300 * 1024) });
    const response = await ton(raw);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'payload_too_large', field: 'body' });
  });

  it('the ledger stays balanced after all of the above', async () => {
    expect(await engine.invariants()).toEqual([]);
  });
});
