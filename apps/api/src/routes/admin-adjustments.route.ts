import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { operatorName } from '@points-engine/auth';
import { IdempotencyConflictError, OutcomeTimeoutError } from '@points-engine/client';
import { deductEventSchema, earnEventSchema, grantEventSchema, jobOutcomeSchema, reverseEventSchema, type PointsEvent } from '@points-engine/domain';
import { reasonText } from '@points-engine/i18n';
import type { ApiDeps } from '../deps.ts';
import { HttpError, notFound } from '../errors.ts';
import { callerIdempotencyKey, setByServer } from '../admission/http-events.schema.ts';
import { refuseQueuedReuse, refuseReusedKeys } from '../admission/idempotency-guard.ts';
import { parseOr400 } from '../middleware/validate.ts';
import { pickLang } from './reads.route.ts';

export const adjustmentBody = z.object({
  amount: grantEventSchema.shape.amount,
  asset: grantEventSchema.shape.asset,
  reason: z.string().trim().min(1).max(500),
  idempotency_key: callerIdempotencyKey,
  metadata: grantEventSchema.shape.metadata,
  operator: setByServer,
});
export const reverseBody = z.object({
  reason: z.string().trim().min(1).max(500),
  idempotency_key: callerIdempotencyKey,
  metadata: reverseEventSchema.shape.metadata,
  operator: setByServer,
});
const userParam = z.object({ user_id: earnEventSchema.shape.user_id });
const keyParam = z.object({ key: reverseEventSchema.shape.transaction_key });
export const adminOutcomeQuery = z.object({
  timeout_ms: z.coerce.number().int().min(1).max(120_000).optional(),
  lang: z.enum(['ru', 'en']).optional(),
});

/** What an adjustment or reversal answers once applied or rejected: the outcome, with `reason` worded. */
export const adminOutcomeResponse = jobOutcomeSchema.extend({ reason_text: z.string().nullable().meta({ description: "`reason` as a sentence in the answer's language" }) });

/** The operator an admin event records: the API key's name and id (a body naming one is refused). */
function operatorOf(req: Request): string {
  const principal = req.principal;
  if (principal?.kind !== 'key') throw new HttpError(401, 'unauthorized', 'an admin API key is required');
  return operatorName(principal.key);
}

/**
 * POST /api/admin/users/{user_id}/grant and /deduct, POST /api/admin/transactions/{key}/reverse.
 * Each sends one event through the queue, so the worker applies it like any other (exactly once,
 * in the user's order), and answers with its outcome.
 */
export function adminAdjustmentRoutes(deps: ApiDeps): Router {
  const router = Router();

  for (const kind of ['grant', 'deduct'] as const) {
    const schema = kind === 'grant' ? grantEventSchema : deductEventSchema;
    router.post(`/users/:user_id/${kind}`, async (req, res) => {
      const { user_id } = parseOr400(userParam, req.params);
      const body = parseOr400(adjustmentBody, req.body);
      const event = parseOr400(schema, { kind, ...body, user_id, operator: operatorOf(req) });
      await applyAndAnswer(deps, req, res, event);
    });
  }

  router.post('/transactions/:key/reverse', async (req, res) => {
    const { key } = parseOr400(keyParam, req.params);
    const body = parseOr400(reverseBody, req.body);
    const original = await deps.db.selectFrom('ledger_transactions').select(['user_id']).where('idempotency_key', '=', key).executeTakeFirst();
    if (!original) throw notFound(`no transaction with idempotency key ${key} is recorded`);
    // The engine's own runs (cycle, expiry) belong to no single user and are not reversible.
    const user = earnEventSchema.shape.user_id.safeParse(original.user_id);
    if (!user.success) throw new HttpError(409, 'not_reversible', `${key} is a ledger run, not a user's transaction`, 'key');
    const event = parseOr400(reverseEventSchema, { kind: 'reverse', ...body, user_id: user.data, transaction_key: key, operator: operatorOf(req) });
    await applyAndAnswer(deps, req, res, event);
  });
  return router;
}

/**
 * Sends the event and answers 200 with its outcome (applied or rejected, with `reason_text`),
 * 202 if it is still queued after the timeout, or 409 (recorded) if its idempotency key was first
 * used for a different event: checked against the ledger and the queue before sending
 * (refuseReusedKeys), and after, in case another request raced it into the queue.
 */
async function applyAndAnswer(deps: ApiDeps, req: Request, res: Response, event: PointsEvent): Promise<void> {
  const { timeout_ms, lang } = parseOr400(adminOutcomeQuery, req.query);
  const placed = { event, at: '' };
  await refuseReusedKeys(deps, [placed]);
  try {
    const outcome = await deps.client.spend(event, { timeoutMs: timeout_ms ?? deps.config.SPEND_TIMEOUT_MS });
    const body: z.output<typeof adminOutcomeResponse> = { ...outcome, reason_text: reasonText(outcome.reason, pickLang(req, lang)) };
    res.status(200).json(body);
  } catch (error) {
    if (error instanceof IdempotencyConflictError && !error.recorded) await refuseQueuedReuse(deps, placed);
    if (!(error instanceof OutcomeTimeoutError)) throw error;
    res.status(202).json({ status: 'queued', job_id: error.jobId, idempotency_key: event.idempotency_key });
  }
}
