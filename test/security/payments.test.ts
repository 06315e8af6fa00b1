// Isolation: its own database and BullMQ prefix (startTestEngine with the three webhook secrets), fresh users and payment ids per test; the store-before-200 cases stop this engine's worker or open a second app on the same database whose queue is unreachable.
// Issue 10 items 3, 4, 5 (and the payments half of 9), issue 11 "money never depends on Redis alone": each case is a signed delivery over HTTP against the real engine.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@points-engine/api';
import { hmacSha256Hex, nowPaymentsSignature } from '@points-engine/auth';
import { PointsClient } from '@points-engine/client';
import { loadConfig } from '@points-engine/config';
import { createRedis, MAINTENANCE_JOBS } from '@points-engine/jobs';
import { createLogger } from '@points-engine/logger';
import { listUnappliedPayments, paymentQueue, type SweepResult } from '@points-engine/payments';
import { createMaintenanceProcessor, startScheduler, type RunningScheduler } from '@points-engine/scheduler';
import { randomUser, redisUrl } from '../support/services.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';
import { waitUntil } from '../support/wait.ts';

const secrets = { NOWPAYMENTS_IPN_SECRET: 'ipn-secret-for-security', TELEGRAM_STARS_WEBHOOK_SECRET: 'stars_secret_for_security_0123', TON_WEBHOOK_SECRET: 'ton-watcher-secret-for-security' };
const logger = createLogger({ level: 'silent' });

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine({ config: secrets });
});
afterAll(async () => {
  await engine.close();
});

type Json = Record<string, unknown>;
const paymentId = () => Number.parseInt(randomBytes(5).toString('hex'), 16);
const chargeId = () => `stxSec${randomBytes(8).toString('hex')}`;

async function post(path: string, raw: string, headers: Record<string, string>, base = engine.url): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${base}${path}`, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', ...headers } });
  return { status: response.status, body: (await response.json()) as Json };
}
const nowPayments = (body: Json, base?: string) => {
  const raw = JSON.stringify(body);
  return post('/webhooks/nowpayments', raw, { 'x-nowpayments-sig': nowPaymentsSignature(JSON.parse(raw), secrets.NOWPAYMENTS_IPN_SECRET) }, base);
};
const stars = (body: Json) => post('/webhooks/telegram-stars', JSON.stringify(body), { 'x-telegram-bot-api-secret-token': secrets.TELEGRAM_STARS_WEBHOOK_SECRET });
const ton = (body: Json) => {
  const raw = JSON.stringify(body);
  return post('/webhooks/ton', raw, { 'x-signature': hmacSha256Hex(raw, secrets.TON_WEBHOOK_SECRET) });
};
const ipn = (id: number, orderId: string, fields: Json = {}): Json => ({ payment_id: id, payment_status: 'finished', order_id: orderId, price_amount: 1.99, price_currency: 'usd', pay_amount: 0.00003, pay_currency: 'btc', actually_paid: 0.00003, ...fields });
const starsPaid = (user: string, charge: string, payload: string, total: number) => ({ user_id: user, successful_payment: { currency: 'XTR', total_amount: total, invoice_payload: payload, telegram_payment_charge_id: charge } });
const starsRefund = (user: string, charge: string, total: number) => ({ user_id: user, refunded_payment: { currency: 'XTR', total_amount: total, invoice_payload: 'pack:small', telegram_payment_charge_id: charge } });

const ledgerRows = (key: string) => engine.db.selectFrom('ledger_transactions').select(['status', 'reason', 'user_id']).where('idempotency_key', '=', key).execute();
const ledgerRow = (key: string) => waitUntil(`ledger row ${key}`, async () => (await ledgerRows(key))[0]);
const credit = async (user: string) =>
  Number((await engine.db.selectFrom('accounts').select('balance').where('user_id', '=', user).where('asset', '=', 'credit').where('bucket', '=', 'main').executeTakeFirst())?.balance ?? 0);
const stored = (provider: string, kind: 'purchase' | 'refund', id: string) =>
  engine.db.selectFrom('payments').select(['status', 'reason', 'user_id', 'claimed_user_id', 'event_key', 'detail', 'attempts']).where('provider', '=', provider).where('kind', '=', kind).where('payment_id', '=', id).executeTakeFirst();

/** Runs the payment sweep as the scheduler's maintenance worker does, queuing again anything unapplied (no wait). */
async function sweep(): Promise<SweepResult> {
  const processor = createMaintenanceProcessor(engine.ledger, undefined, { queue: paymentQueue(engine.client), logger, requeueAfterSeconds: 0 });
  return (await processor({ name: MAINTENANCE_JOBS.paymentSweep } as Job)) as unknown as SweepResult;
}

/** What must hold after every refused payment: 200 rejected with the reason, nothing in the ledger, no credit, the reason stored. */
async function expectRefused(answer: { status: number; body: Json }, provider: string, id: string, key: string, user: string, reason: string) {
  expect(answer).toEqual({ status: 200, body: { status: 'rejected', reason, message: expect.any(String) } });
  expect(await stored(provider, 'purchase', id)).toMatchObject({ status: 'rejected', reason });
  const delivery = await engine.db.selectFrom('webhook_deliveries').select(['event_key', 'detail']).where('provider', '=', provider).where('payment_id', '=', id).executeTakeFirstOrThrow();
  expect(delivery).toMatchObject({ event_key: null, detail: { payment: 'rejected', reason } });
  expect(await ledgerRows(key)).toEqual([]);
  expect(await credit(user)).toBe(0);
}

describe('issue 10 item 3: a payment credits only what was paid', () => {
  it.each([
    { price_amount: 1, reason: 'underpaid' },
    { price_amount: 0, reason: 'invalid_amount' },
    { price_amount: -50, reason: 'invalid_amount' },
    { price_amount: 1e308, reason: 'invalid_amount' },
  ])('NOWPayments finished, order u/credit:999999999999999, price_amount $price_amount → 200 rejected $reason, nothing credited', async ({ price_amount, reason }) => {
    const user = randomUser('np');
    const id = paymentId();
    const answer = await nowPayments(ipn(id, `${user}/credit:999999999999999`, { price_amount }));
    await expectRefused(answer, 'nowpayments', String(id), `nowpayments:${id}`, user, reason);
  });

  it('NOWPayments: an invoice in a currency the product has no price in → 200 rejected unpriced; the crypto short of pay_amount → underpaid', async () => {
    const user = randomUser('np');
    const id = paymentId();
    await expectRefused(await nowPayments(ipn(id, `${user}/pack:small`, { price_amount: 1_000_000, price_currency: 'eur' })), 'nowpayments', String(id), `nowpayments:${id}`, user, 'unpriced');
    const short = paymentId();
    await expectRefused(await nowPayments(ipn(short, `${user}/pack:small`, { actually_paid: 0.00002 })), 'nowpayments', String(short), `nowpayments:${short}`, user, 'underpaid');
  });

  it('Stars: total_amount 1 with payload credit:999999999999999 → 200 rejected underpaid, nothing credited', async () => {
    const user = randomUser('st');
    const charge = chargeId();
    await expectRefused(await stars(starsPaid(user, charge, 'credit:999999999999999', 1)), 'telegram_stars', charge, `stars:${charge}`, user, 'underpaid');
    const stored_ = await stored('telegram_stars', 'purchase', charge);
    expect(stored_?.detail).toMatchObject({ paid: '1', price: '99999999999999.9', currency: 'XTR' });
  });

  it('TON: amount "1" for credit:999999999999999 → 200 rejected underpaid, nothing credited', async () => {
    const user = randomUser('ton');
    const hash = randomBytes(32).toString('hex');
    await expectRefused(await ton({ tx_hash: hash, user_id: user, product: 'credit:999999999999999', amount: '1' }), 'ton', hash, `ton:${hash}`, user, 'underpaid');
  });

  it('free-form credit:N is refused where the catalogue does not price credit through the provider (here: no EUR price)', async () => {
    const user = randomUser('np');
    const id = paymentId();
    await expectRefused(await nowPayments(ipn(id, `${user}/credit:500`, { price_amount: 10_000, price_currency: 'eur' })), 'nowpayments', String(id), `nowpayments:${id}`, user, 'unpriced');
  });

  it('the price paid in full credits the product, through each provider (the control for the cases above)', async () => {
    const user = randomUser('paid');
    const id = paymentId();
    const charge = chargeId();
    const hash = randomBytes(32).toString('hex');
    // The default catalogue: 100 credit = 10 stars = 0.07 TON = 0.20 USD.
    expect((await nowPayments(ipn(id, `${user}/credit:500`, { price_amount: 1 }))).body).toMatchObject({ status: 'queued' });
    expect((await stars(starsPaid(user, charge, 'credit:500', 50))).body).toMatchObject({ status: 'queued' });
    expect((await ton({ tx_hash: hash, user_id: user, product: 'credit:500', amount: '350000000' })).body).toMatchObject({ status: 'queued' });
    for (const key of [`nowpayments:${id}`, `stars:${charge}`, `ton:${hash}`]) expect(await ledgerRow(key)).toMatchObject({ status: 'applied' });
    expect(await credit(user)).toBe(1_500);
  });
});

describe('issue 10 item 6 (payments): names looked up as own entries only', () => {
  it.each([
    { name: 'NOWPayments order u/constructor', send: (user: string) => nowPayments(ipn(paymentId(), `${user}/constructor`)) },
    { name: 'NOWPayments order u/pack:constructor', send: (user: string) => nowPayments(ipn(paymentId(), `${user}/pack:constructor`)) },
    { name: 'Stars payload constructor', send: (user: string) => stars(starsPaid(user, chargeId(), 'constructor', 10_000)) },
    { name: 'TON product pack:constructor', send: (user: string) => ton({ tx_hash: randomBytes(32).toString('hex'), user_id: user, product: 'pack:constructor', amount: '99000000000' }) },
  ])('$name → 200 rejected unknown_product (it answered 500, and the provider retried forever)', async ({ send }) => {
    const user = randomUser('proto');
    expect(await send(user)).toEqual({ status: 200, body: { status: 'rejected', reason: 'unknown_product', message: expect.any(String) } });
    expect(await credit(user)).toBe(0);
  });

  it('a NOWPayments price_currency named constructor is no currency: 200 rejected unpriced', async () => {
    const user = randomUser('proto');
    expect((await nowPayments(ipn(paymentId(), `${user}/pack:small`, { price_currency: 'constructor' }))).body).toMatchObject({ status: 'rejected', reason: 'unpriced' });
  });
});

describe('issue 10 item 4: refunds and keys', () => {
  it('a NOWPayments refund before its finished IPN is parked, then applied once the payment lands; a repeat applies nothing more', async () => {
    const user = randomUser('early');
    const id = paymentId();
    const early = await nowPayments(ipn(id, `${user}/pack:small`, { payment_status: 'refunded' }));
    expect(early).toEqual({ status: 200, body: { status: 'parked', idempotency_key: `nowpayments-refund:${id}` } });
    // Nothing reached the ledger: no transaction_not_found for a later refund to replay.
    expect(await ledgerRows(`nowpayments-refund:${id}`)).toEqual([]);
    expect(await stored('nowpayments', 'refund', String(id))).toMatchObject({ status: 'parked', user_id: null });

    expect((await nowPayments(ipn(id, `${user}/pack:small`))).body).toMatchObject({ status: 'queued' });
    expect(await ledgerRow(`nowpayments:${id}`)).toMatchObject({ status: 'applied' });
    expect(await credit(user)).toBe(1_000);

    expect(await sweep()).toMatchObject({ unparked: 1 });
    expect(await ledgerRow(`nowpayments-refund:${id}`)).toMatchObject({ status: 'applied', user_id: user });
    expect(await credit(user)).toBe(0);
    expect(await stored('nowpayments', 'refund', String(id))).toMatchObject({ status: 'queued', user_id: user });

    // The provider repeats the refund: answered, applied once.
    expect((await nowPayments(ipn(id, `${user}/pack:small`, { payment_status: 'refunded' }))).status).toBe(200);
    expect(await sweep()).toMatchObject({ unparked: 0 });
    expect(await ledgerRows(`nowpayments-refund:${id}`)).toHaveLength(1);
    expect(await stored('nowpayments', 'refund', String(id))).toMatchObject({ status: 'applied' });
  });

  it('a refund IPN reverses the buyer\'s purchase whoever its order id names (the buyer comes from the payment)', async () => {
    const [buyer, other] = [randomUser('buyer'), randomUser('other')];
    const id = paymentId();
    await nowPayments(ipn(id, `${buyer}/pack:small`));
    expect(await ledgerRow(`nowpayments:${id}`)).toMatchObject({ status: 'applied' });
    expect((await nowPayments(ipn(id, `${other}/pack:small`, { payment_status: 'refunded' }))).body).toMatchObject({ status: 'queued' });
    expect(await ledgerRow(`nowpayments-refund:${id}`)).toMatchObject({ status: 'applied', user_id: buyer });
    expect(await credit(buyer)).toBe(0);
  });

  it('a Stars refund naming the wrong user is rejected (user_mismatch, recorded) and no longer blocks the right one', async () => {
    const [buyer, stranger] = [randomUser('buyer'), randomUser('stranger')];
    const charge = chargeId();
    await stars(starsPaid(buyer, charge, 'pack:small', 100));
    expect(await ledgerRow(`stars:${charge}`)).toMatchObject({ status: 'applied' });

    const wrong = await stars(starsRefund(stranger, charge, 100));
    expect(wrong).toEqual({ status: 200, body: { status: 'rejected', reason: 'user_mismatch', message: expect.stringContaining(stranger) } });
    expect(await stored('telegram_stars', 'refund', charge)).toMatchObject({ status: 'rejected', reason: 'user_mismatch', claimed_user_id: stranger });
    expect(await ledgerRows(`stars-refund:${charge}`)).toEqual([]);
    expect(await credit(buyer)).toBe(1_000);

    const right = await stars(starsRefund(buyer, charge, 100));
    expect(right.body).toMatchObject({ status: 'queued', idempotency_key: `stars-refund:${charge}` });
    expect(await ledgerRow(`stars-refund:${charge}`)).toMatchObject({ status: 'applied', user_id: buyer });
    expect(await credit(buyer)).toBe(0);
    expect(await stored('telegram_stars', 'refund', charge)).toMatchObject({ status: 'queued', reason: null, user_id: buyer });
  });

  it('a Stars refund before its payment, naming the wrong user: parked, then rejected when the payment lands; the genuine one still applies', async () => {
    const [buyer, stranger] = [randomUser('buyer'), randomUser('stranger')];
    const charge = chargeId();
    expect((await stars(starsRefund(stranger, charge, 100))).body).toMatchObject({ status: 'parked' });
    await stars(starsPaid(buyer, charge, 'pack:small', 100));
    expect(await ledgerRow(`stars:${charge}`)).toMatchObject({ status: 'applied' });
    expect(await sweep()).toMatchObject({ refundsRejected: 1, unparked: 0 });
    expect(await stored('telegram_stars', 'refund', charge)).toMatchObject({ status: 'rejected', reason: 'user_mismatch' });
    expect((await stars(starsRefund(buyer, charge, 100))).body).toMatchObject({ status: 'queued' });
    expect(await ledgerRow(`stars-refund:${charge}`)).toMatchObject({ status: 'applied', user_id: buyer });
  });

  it('a producer key posting under nowpayments:{id} over HTTP cannot make the genuine payment a silent no-op (200 queued, credit 0)', async () => {
    const user = randomUser('squat');
    const id = paymentId();
    const key = `nowpayments:${id}`;
    const producer = await engine.key('producer');
    const squat = await engine.fetch('/api/points/events', { method: 'POST', key: producer, body: JSON.stringify({ kind: 'earn', idempotency_key: key, user_id: user, activity: 'text_request' }) });
    // The API refuses the reserved namespace (400) where it checks it; where the squat is still
    // queued, the genuine payment must say its key was taken rather than answer "queued" for nothing.
    expect([202, 400]).toContain(squat.status);
    if (squat.status === 202) await ledgerRow(key);
    const answer = await nowPayments(ipn(id, `${user}/pack:small`));
    if (squat.status === 202) {
      expect(answer.body).toMatchObject({ status: 'rejected', reason: 'key_taken' });
    } else {
      expect(answer.body).toMatchObject({ status: 'queued' });
      expect(await ledgerRow(key)).toMatchObject({ status: 'applied' });
      expect(await credit(user)).toBe(1_000);
    }
  });

  it('a payment key squatted in the ledger by another event (sent straight to the queue) is never a silent no-op: 200 rejected key_taken, recorded', async () => {
    const user = randomUser('squat');
    const id = paymentId();
    // What a producer holding Redis (a bot's PointsClient) can do whatever the HTTP API refuses.
    await engine.client.spend({ kind: 'purchase_bonus', idempotency_key: `nowpayments:${id}`, user_id: user, product: { type: 'credit', credit: 1 } });
    const answer = await nowPayments(ipn(id, `${user}/pack:small`));
    expect(answer.body).toMatchObject({ status: 'rejected', reason: 'key_taken' });
    expect(await stored('nowpayments', 'purchase', String(id))).toMatchObject({ status: 'rejected', reason: 'key_taken' });

    // The refund key squatted too: the genuine refund says so instead of vanishing.
    const charge = chargeId();
    await stars(starsPaid(user, charge, 'pack:small', 100));
    expect(await ledgerRow(`stars:${charge}`)).toMatchObject({ status: 'applied' });
    await engine.client.spend({ kind: 'reverse', idempotency_key: `stars-refund:${charge}`, user_id: user, transaction_key: `nowpayments:${id}`, reason: 'squat' });
    expect((await stars(starsRefund(user, charge, 100))).body).toMatchObject({ status: 'rejected', reason: 'key_taken' });
  });
});

describe('issue 10 item 5: a TON transfer is one key, however its hash is written', () => {
  it('lower-case hex, upper-case hex, base64 and base64url of the same 32 bytes credit once, keyed ton:{lower-case hex}', async () => {
    const user = randomUser('ton');
    const bytes = randomBytes(32);
    const hex = bytes.toString('hex');
    for (const written of [hex, hex.toUpperCase(), bytes.toString('base64'), bytes.toString('base64url')]) {
      const answer = await ton({ tx_hash: written, user_id: user, product: 'pack:small', amount: '700000000' });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ idempotency_key: `ton:${hex}` });
    }
    expect(await ledgerRow(`ton:${hex}`)).toMatchObject({ status: 'applied' });
    expect(await sweep()).toMatchObject({ requeued: 0 });
    expect(await ledgerRows(`ton:${hex}`)).toHaveLength(1);
    expect(await credit(user)).toBe(1_000);
    expect(await engine.db.selectFrom('payments').select('payment_id').where('provider', '=', 'ton').where('user_id', '=', user).execute()).toEqual([{ payment_id: hex }]);
  });

  it.each([
    ['16 bytes', randomBytes(16).toString('hex')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['not hex or base64', '!'.repeat(64)],
  ])('a hash of %s → 400 naming tx_hash', async (_label, hash) => {
    const answer = await ton({ tx_hash: hash, user_id: randomUser('ton'), product: 'pack:small', amount: '700000000' });
    expect(answer).toMatchObject({ status: 400, body: { field: 'tx_hash' } });
  });

  it('amount is required: a payment without one → 400 naming amount', async () => {
    const answer = await ton({ tx_hash: randomBytes(32).toString('hex'), user_id: randomUser('ton'), product: 'pack:small' });
    expect(answer).toMatchObject({ status: 400, body: { field: 'amount' } });
  });
});

describe('issue 11: a verified payment is stored before the provider\'s 200; the sweeper re-enqueues what Redis lost', () => {
  it('the queued job deleted from Redis: the sweeper queues it again under the same key, and it is applied exactly once', async () => {
    await engine.stopWorker();
    const user = randomUser('lost');
    const id = paymentId();
    const key = `nowpayments:${id}`;
    try {
      const answer = await nowPayments(ipn(id, `${user}/pack:medium`, { price_amount: 9.99 }));
      expect(answer.body).toMatchObject({ status: 'queued', idempotency_key: key });
      // In PostgreSQL by the time the provider has its 200.
      expect(await stored('nowpayments', 'purchase', String(id))).toMatchObject({ status: 'queued', attempts: 1, event_key: key });
      const job = await engine.client.findEventJob(key, user);
      expect(job).toBeDefined();
      await job?.remove();
      expect(await engine.client.findEventJob(key, user)).toBeUndefined();

      expect(await sweep()).toMatchObject({ requeued: 1, applied: 0 });
      expect(await engine.client.findEventJob(key, user)).toBeDefined();
      expect(await stored('nowpayments', 'purchase', String(id))).toMatchObject({ status: 'queued', attempts: 2 });
    } finally {
      engine.startWorker();
    }
    expect(await ledgerRow(key)).toMatchObject({ status: 'applied' });
    expect(await sweep()).toMatchObject({ applied: 1, requeued: 0 });
    expect(await stored('nowpayments', 'purchase', String(id))).toMatchObject({ status: 'applied' });
    // The provider repeats its IPN: answered from the stored row, applied once.
    expect((await nowPayments(ipn(id, `${user}/pack:medium`, { price_amount: 9.99 }))).body).toEqual({ status: 'applied', idempotency_key: key });
    expect(await ledgerRows(key)).toHaveLength(1);
    expect(await credit(user)).toBe(5_500);
  });

  it('a job that failed for good (its attempts used up while PostgreSQL was away) is retried by the sweeper, not left holding the job id', async () => {
    await engine.stopWorker();
    const user = randomUser('failed');
    const id = paymentId();
    const key = `nowpayments:${id}`;
    const connection = createRedis(redisUrl(), 'worker', { connectionName: `${engine.prefix}:failing` });
    try {
      expect((await nowPayments(ipn(id, `${user}/pack:small`))).body).toMatchObject({ status: 'queued' });
      const job = await engine.client.findEventJob(key, user);
      // A worker whose every attempt fails, as one does while the database is unreachable.
      const failing = new Worker(job?.queueName ?? '', async () => {
        throw new UnrecoverableError('simulated: attempts used up');
      }, { connection, prefix: engine.prefix });
      await waitUntil('the job to fail', async () => ((await job?.getState()) === 'failed' ? true : undefined));
      await failing.close();
      expect(await sweep()).toMatchObject({ requeued: 1 });
      expect(await job?.getState()).toBe('waiting');
    } finally {
      connection.disconnect();
      engine.startWorker();
    }
    expect(await ledgerRow(key)).toMatchObject({ status: 'applied' });
    expect(await credit(user)).toBe(1_000);
  });

  it('the scheduler runs the sweep (registered every minute, and once at start): a lost job is queued again without anyone calling it', async () => {
    await engine.stopWorker();
    const user = randomUser('sched');
    const id = paymentId();
    const key = `nowpayments:${id}`;
    const connection = createRedis(redisUrl(), 'worker', { connectionName: `${engine.prefix}:scheduler` });
    let scheduler: RunningScheduler | undefined;
    try {
      expect((await nowPayments(ipn(id, `${user}/pack:small`))).body).toMatchObject({ status: 'queued' });
      await (await engine.client.findEventJob(key, user))?.remove();
      scheduler = await startScheduler({ ledger: engine.ledger, connection, logger }, { QUEUE_PREFIX: engine.prefix, QUEUE_PARTITIONS: engine.partitions, PAYMENT_SWEEP_AFTER_SECONDS: 0 });
      expect(await scheduler.queue.getJobScheduler(MAINTENANCE_JOBS.paymentSweep)).toMatchObject({ every: 60_000 });
      await waitUntil('the sweep to queue the payment again', async () => (await engine.client.findEventJob(key, user)) ?? undefined);
    } finally {
      await scheduler?.close();
      connection.disconnect();
      engine.startWorker();
    }
    expect(await ledgerRow(key)).toMatchObject({ status: 'applied' });
    expect(await ledgerRows(key)).toHaveLength(1);
    expect(await credit(user)).toBe(1_000);
  });

  it('Redis unreachable when the payment arrives: 200 "stored" (not a 5xx the provider retries), and the sweeper queues it once Redis answers', async () => {
    const deadRedis = new PointsClient({ redisUrl: 'redis://127.0.0.1:1', prefix: engine.prefix, partitions: engine.partitions });
    // Expected noise: every reconnect attempt is refused.
    for (let p = 0; p < engine.partitions; p++) deadRedis.queue(p).on('error', () => undefined);
    const redis = createRedis('redis://127.0.0.1:1', 'producer');
    const config = { ...loadConfig({}), ...secrets, QUEUE_PREFIX: engine.prefix, QUEUE_PARTITIONS: engine.partitions };
    const app = createApp({ db: engine.db, program: engine.ledger.program, client: deadRedis, redis, verifier: engine.registry, logger, queues: [], config });
    const server: Server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const user = randomUser('offline');
    const id = paymentId();
    try {
      const answer = await nowPayments(ipn(id, `${user}/pack:small`), `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      expect(answer).toEqual({ status: 200, body: { status: 'stored', idempotency_key: `nowpayments:${id}` } });
      expect(await stored('nowpayments', 'purchase', String(id))).toMatchObject({ status: 'received', attempts: 0 });
      // Acknowledged, not applied: what reconcile will list.
      expect((await listUnappliedPayments(engine.db, { olderThanMinutes: 0 })).map((p) => p.event_key)).toEqual([`nowpayments:${id}`]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await deadRedis.close();
      redis.disconnect();
    }
    expect(await sweep()).toMatchObject({ requeued: 1 });
    expect(await ledgerRow(`nowpayments:${id}`)).toMatchObject({ status: 'applied' });
    expect(await credit(user)).toBe(1_000);
    expect(await listUnappliedPayments(engine.db, { olderThanMinutes: 0 })).toEqual([]);
  });

  it('the ledger stays balanced after all of the above', async () => {
    expect(await engine.invariants()).toEqual([]);
  });
});
