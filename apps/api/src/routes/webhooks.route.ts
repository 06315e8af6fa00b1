import { Router, type Request, type RequestHandler, type Response } from 'express';
import { verifyNowPaymentsSignature, verifyRawBodySignature, verifySecretToken } from '@points-engine/auth';
import { buildCatalogue, type Catalogue, type PaymentIntake, type PaymentProvider } from '@points-engine/domain';
import { countUnverifiedDelivery, paymentQueue, receivePayment, recordDelivery } from '@points-engine/payments';
import type { ApiDeps } from '../deps.ts';
import { HttpError, notFound } from '../errors.ts';
import { jsonOf, rawBody } from '../middleware/raw-body.ts';
import { parseOr400 } from '../middleware/validate.ts';
import { logLimiter } from './webhook-log-limiter.ts';
import { nowPaymentsIntake, nowPaymentsIpnSchema, starsIntake, starsSchemaFor, tonIntake, tonPaymentSchema } from './webhooks.mapping.ts';

/** How often a provider's bad signatures are logged (each is counted in webhook_unverified). */
const UNVERIFIED_LOG_INTERVAL_MS = 10_000;

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

/** The id a body claims, for the log line of a delivery whose signature failed (never trusted further). */
function claimedPaymentId(raw: Buffer | undefined, provider: PaymentProvider): string | null {
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

/** The catalogue payments buy from: the program's, plus the deprecated PAYMENT_PRODUCTS names. A conflict stops the start. */
function catalogueOf(deps: ApiDeps): Catalogue {
  const legacy = deps.config.PAYMENT_PRODUCTS;
  const built = buildCatalogue(deps.program, legacy);
  if (!built.ok) throw new Error(`Invalid payment catalogue:\n${built.problems.map((p) => `  ${p}`).join('\n')}`);
  if (legacy) deps.logger.warn({ products: Object.keys(legacy) }, 'PAYMENT_PRODUCTS is deprecated: move these names into the program\'s "products" (docs/payments.md)');
  return built.catalogue;
}

/**
 * POST /webhooks/nowpayments, /webhooks/telegram-stars, /webhooks/ton. No API key: each is
 * authenticated by its provider's signature over the raw body, and is off (404) while its secret
 * is unset. A verified payment is priced against the catalogue and stored in `payments` before
 * it is answered; an accepted one is queued (the sweeper queues it again if it goes missing), a
 * rejected one answers 200 `rejected` with its reason so the provider stops resending it. A bad
 * signature answers 401 and is counted per provider and hour.
 */
export function webhooksRoutes(deps: ApiDeps): Router {
  const router = Router();
  const body = rawBody(deps.config.BODY_LIMIT);
  const catalogue = catalogueOf(deps);
  const receiving = { db: deps.db, queue: paymentQueue(deps.client), logger: deps.logger };
  const logNow = logLimiter(UNVERIFIED_LOG_INTERVAL_MS);

  const enabled =
    (secret: string | undefined): RequestHandler =>
    (_req, _res, next) => {
      if (!secret) throw notFound('no such route');
      next();
    };

  async function refuse(req: Request, provider: PaymentProvider): Promise<never> {
    const suppressed = logNow(provider);
    if (suppressed !== undefined) deps.logger.warn({ provider, ip: req.ip, payment_id: claimedPaymentId(req.rawBody, provider), suppressed }, 'webhook signature rejected');
    await countUnverifiedDelivery(deps.db, provider, req.ip ?? null);
    throw new HttpError(401, 'bad_signature', 'the webhook signature does not verify');
  }

  /** A verified payment or refund: stored, queued (or parked, or rejected), recorded, answered 200. */
  async function receive(res: Response, status: string, intake: PaymentIntake): Promise<void> {
    const { answer, row } = await receivePayment(receiving, intake);
    const rejected = answer.status === 'rejected';
    await recordDelivery(deps.db, {
      provider: intake.provider,
      paymentId: intake.paymentId,
      status,
      eventKey: rejected ? null : row.event_key,
      detail: { ...intake.detail, payment: answer.status, ...(rejected ? { reason: answer.reason, message: answer.message } : {}) },
    });
    res.status(200).json(answer);
  }

  const nowPaymentsSecret = deps.config.NOWPAYMENTS_IPN_SECRET;
  router.post('/nowpayments', enabled(nowPaymentsSecret), ...body, async (req, res) => {
    if (!verifiesNowPayments(req.rawBody ?? Buffer.alloc(0), req.get('x-nowpayments-sig'), nowPaymentsSecret ?? '')) return refuse(req, 'nowpayments');
    const ipn = parseOr400(nowPaymentsIpnSchema, jsonOf(req));
    const intake = nowPaymentsIntake(ipn, catalogue);
    if (intake) return receive(res, ipn.payment_status, intake);
    // Acknowledged so NOWPayments stops resending it; the finished IPN grants.
    await recordDelivery(deps.db, { provider: 'nowpayments', paymentId: ipn.payment_id, status: ipn.payment_status, eventKey: null, detail: { order_id: ipn.order_id ?? null, price_amount: ipn.price_amount ?? null, price_currency: ipn.price_currency ?? null } });
    res.status(200).json({ status: 'recorded', payment_status: ipn.payment_status });
  });

  const starsSecret = deps.config.TELEGRAM_STARS_WEBHOOK_SECRET;
  router.post('/telegram-stars', enabled(starsSecret), ...body, async (req, res) => {
    if (!verifySecretToken(req.get('x-telegram-bot-api-secret-token'), starsSecret ?? '')) return refuse(req, 'telegram_stars');
    const json = jsonOf(req);
    const stars = parseOr400(starsSchemaFor(json), json);
    await receive(res, stars.kind, starsIntake(stars, catalogue));
  });

  const tonSecret = deps.config.TON_WEBHOOK_SECRET;
  router.post('/ton', enabled(tonSecret), ...body, async (req, res) => {
    if (!verifyRawBodySignature(req.rawBody ?? Buffer.alloc(0), req.get('x-signature'), tonSecret ?? '')) return refuse(req, 'ton');
    const payment = parseOr400(tonPaymentSchema, jsonOf(req));
    await receive(res, 'confirmed', tonIntake(payment, catalogue));
  });
  return router;
}
