import { Router } from 'express';
import { z } from 'zod';
import { getRecordedTransaction } from '@points-engine/ledger';
import type { ApiDeps } from '../deps.ts';
import { requireScope } from '../middleware/auth.ts';
import { parseOr400 } from '../middleware/validate.ts';
import { notFound } from '../errors.ts';

export const keyParam = z.string().min(1).max(200);
export const transactionQuery = z.object({ user_id: z.string().min(1).max(64).optional() });

/**
 * GET /api/points/transactions/{idempotency_key}: applied or rejected (the ledger's outcome),
 * queued or active (the job that carries it), failed (with the reason), else 404. The job is
 * found however the event was sent: alone, in an array, or gathered by PointsClient.earn.
 */
export function transactionsRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.get('/transactions/:key', requireScope(deps.verifier, 'reader'), async (req, res) => {
    const key = parseOr400(keyParam, req.params['key'], 'idempotency_key');
    const { user_id } = parseOr400(transactionQuery, req.query);
    const recorded = await getRecordedTransaction(deps.db, key);
    if (recorded) {
      res.json({ idempotency_key: key, ...recorded });
      return;
    }
    const job = await deps.client.locate(key, user_id);
    const state = job ? await job.getState() : undefined;
    if (job && state === 'failed') {
      res.json({ idempotency_key: key, status: 'failed', reason: job.failedReason, job_id: job.id, attempts: job.attemptsMade });
      return;
    }
    if (job && state !== 'completed' && state !== 'unknown') {
      res.json({ idempotency_key: key, status: state === 'active' ? 'active' : 'queued', job_state: state, job_id: job.id, attempts: job.attemptsMade });
      return;
    }
    // The job completed (or its batch left the key index) after the first look: the ledger has it now.
    const late = await getRecordedTransaction(deps.db, key);
    if (late) {
      res.json({ idempotency_key: key, ...late });
      return;
    }
    throw notFound(`no event with idempotency key ${key} is queued or recorded`);
  });
  return router;
}
