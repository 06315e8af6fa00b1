import { Router, type Request, type RequestHandler, type Response } from 'express';
import { verifyNowPaymentsSignature, verifyRawBodySignature, verifySecretToken } from '@pe/auth';
import { toStorableText, type PointsEventInput } from '@pe/domain';
import type { ApiDeps } from '../deps.ts';
import { badRequest, HttpError, notFound } from '../errors.ts';
import { jsonOf, rawBody } from '../middleware/raw-body.ts';
import { parseOr400 } from '../middleware/validate.ts';
import {
  NOWPAYMENTS_GRANTING_STATUS,
  NOWPAYMENTS_REFUND_STATUS,
  nowPaymentsEvent,
  nowPaymentsRefundEvent,
  nowPaymentsIpnSchema,
  starsEvent,
  starsSchemaFor,
  tonEvent,
  tonPaymentSchema,
  type Resolved,
} from './webhooks.mapping.ts';

type Provider = 'nowpayments' | 'telegram_stars' | 'ton';

interface Delivery {
  provider: Provider;
  paymentId: string | null;
  status: string;
  signatureOk: boolean;
  eventKey: string | null;
  detail: Record<string, unknown>;
}

/**
 * The NOWPayments check, where a body nested too deeply to re-serialise (thousands of levels: the
 * signature is over sorted, re-serialised JSON) cannot verify instead of overflowing the stack (500).
 */
function verifiesNowPayments(raw: Buffer, signature: string | undefined, secret: string): boolean {
  try {
    return verifyNowPaymentsSignature(raw, signature, secret);
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

/**
 * The detail of a delivery as jsonb can store it: a NUL character or an unpaired surrogate in what
 * the sender wrote (an order id, a product) becomes U+FFFD instead of failing the insert (a 500).
 */
function storableJson(detail: Record<string, unknown>): string {
  return JSON.stringify(detail, (_key, value: unknown) => (typeof value === 'string' ? toStorableText(value) : value));
}

/** The id a body claims, for the record of a delivery whose signature failed (never trusted further). */
function claimedPaymentId(raw: Buffer | undefined, provider: Provider): string | null {
  try {
    const body = JSON.parse((raw ?? Buffer.alloc(0)).toString('utf8')) as Record<string, unknown>;
    const payment = (body['successful_payment'] ?? body['refunded_payment'] ?? (body['message'] as Record<string, unknown> | undefined)?.['successful_payment']) as Record<string, unknown> | undefined;
    const value = { nowpayments: body['payment_id'], telegram_stars: payment?.['telegram_payment_charge_id'], ton: body['tx_hash'] }[provider];
    const text = typeof value === 'number' || typeof value === 'string' ? String(value) : '';
    return /^[\x21-\x7e]{1,200}$/.test(text) ? text : null;
  } catch {
    return null;
  }
}

/**
 * POST /webhooks/nowpayments, /webhooks/telegram-stars, /webhooks/ton. No API key: each is
 * authenticated by its provider's signature over the raw body, and is off (404) while its secret
 * is unset. A verified payment is queued with `client.send` and acknowledged at once (the ledger
 * applies it moments later); its idempotency key is the provider's payment id, so a repeated
 * delivery is acknowledged again and applied once. Every delivery is recorded in
 * `webhook_deliveries`; a bad signature answers 401 and queues nothing.
 */
export function webhooksRoutes(deps: ApiDeps): Router {
  const router = Router();
  const body = rawBody(deps.config.BODY_LIMIT);
  const products = deps.config.PAYMENT_PRODUCTS;

  const enabled =
    (secret: string | undefined): RequestHandler =>
    (_req, _res, next) => {
      if (!secret) throw notFound('no such route');
      next();
    };

  const record = (delivery: Delivery) =>
    deps.db
      .insertInto('webhook_deliveries')
      .values({
        provider: delivery.provider,
        payment_id: delivery.paymentId,
        status: delivery.status,
        signature_ok: delivery.signatureOk,
        event_key: delivery.eventKey,
        detail: storableJson(delivery.detail),
      })
      .execute();

  async function refuse(req: Request, provider: Provider): Promise<never> {
    const paymentId = claimedPaymentId(req.rawBody, provider);
    deps.logger.warn({ provider, ip: req.ip, payment_id: paymentId }, 'webhook signature rejected');
    await record({ provider, paymentId, status: 'unverified', signatureOk: false, eventKey: null, detail: { ip: req.ip ?? null } });
    throw new HttpError(401, 'bad_signature', 'the webhook signature does not verify');
  }

  /** A verified delivery that maps to an event: queued, recorded, acknowledged. A mapping error is recorded and answers 400. */
  async function grant(res: Response, delivery: Omit<Delivery, 'signatureOk' | 'eventKey'>, resolved: Resolved<PointsEventInput>): Promise<void> {
    if (!resolved.ok) {
      await record({ ...delivery, signatureOk: true, eventKey: null, detail: { ...delivery.detail, error: `${resolved.field}: ${resolved.message}` } });
      throw badRequest(resolved.field, resolved.message);
    }
    const event = resolved.value;
    const { jobId } = await deps.client.send(event);
    await record({ ...delivery, signatureOk: true, eventKey: event.idempotency_key });
    res.status(200).json({ status: 'queued', idempotency_key: event.idempotency_key, job_id: jobId });
  }

  const nowPaymentsSecret = deps.config.NOWPAYMENTS_IPN_SECRET;
  router.post('/nowpayments', enabled(nowPaymentsSecret), ...body, async (req, res) => {
    if (!verifiesNowPayments(req.rawBody ?? Buffer.alloc(0), req.get('x-nowpayments-sig'), nowPaymentsSecret ?? '')) return refuse(req, 'nowpayments');
    const ipn = parseOr400(nowPaymentsIpnSchema, jsonOf(req));
    const delivery = {
      provider: 'nowpayments' as const,
      paymentId: ipn.payment_id,
      status: ipn.payment_status,
      detail: { order_id: ipn.order_id ?? null, price_amount: ipn.price_amount ?? null, price_currency: ipn.price_currency ?? null, pay_currency: ipn.pay_currency ?? null, actually_paid: ipn.actually_paid ?? null },
    };
    if (ipn.payment_status === NOWPAYMENTS_REFUND_STATUS) {
      await grant(res, delivery, nowPaymentsRefundEvent(ipn, products, deps.program));
      return;
    }
    if (ipn.payment_status !== NOWPAYMENTS_GRANTING_STATUS) {
      // Acknowledged so NOWPayments stops resending it; the finished IPN grants.
      await record({ ...delivery, signatureOk: true, eventKey: null });
      res.status(200).json({ status: 'recorded', payment_status: ipn.payment_status });
      return;
    }
    await grant(res, delivery, nowPaymentsEvent(ipn, products, deps.program));
  });

  const starsSecret = deps.config.TELEGRAM_STARS_WEBHOOK_SECRET;
  router.post('/telegram-stars', enabled(starsSecret), ...body, async (req, res) => {
    if (!verifySecretToken(req.get('x-telegram-bot-api-secret-token'), starsSecret ?? '')) return refuse(req, 'telegram_stars');
    const json = jsonOf(req);
    const stars = parseOr400(starsSchemaFor(json), json);
    const delivery = {
      provider: 'telegram_stars' as const,
      paymentId: stars.payment.telegram_payment_charge_id,
      status: stars.kind,
      detail: { user_id: stars.userId, invoice_payload: stars.payment.invoice_payload, total_amount: stars.payment.total_amount },
    };
    await grant(res, delivery, starsEvent(stars, products, deps.program));
  });

  const tonSecret = deps.config.TON_WEBHOOK_SECRET;
  router.post('/ton', enabled(tonSecret), ...body, async (req, res) => {
    if (!verifyRawBodySignature(req.rawBody ?? Buffer.alloc(0), req.get('x-signature'), tonSecret ?? '')) return refuse(req, 'ton');
    const payment = parseOr400(tonPaymentSchema, jsonOf(req));
    const delivery = {
      provider: 'ton' as const,
      paymentId: payment.tx_hash,
      status: 'confirmed',
      detail: { user_id: payment.user_id, product: payment.product, amount: payment.amount ?? null, sender: payment.sender ?? null },
    };
    await grant(res, delivery, tonEvent(payment, products, deps.program));
  });
  return router;
}
