import { Router } from 'express';
import { z } from 'zod';
import { getRecordedTransaction, recordedTransactionSchema } from '@points-engine/ledger';
import type { ApiDeps } from '../deps.ts';
import { requireScope } from '../middleware/auth.ts';
import { parseOr400 } from '../middleware/validate.ts';
import { notFound } from '../errors.ts';

export const keyParam = z.string().min(1).max(200);
export const transactionQuery = z.object({ user_id: z.string().min(1).max(64).optional() });

const jobFields = { job_id: z.string(), attempts: z.number().int().meta({ description: 'attempts the job has made' }) };
/** GET /api/points/transactions/{key}: recorded by the ledger (applied or rejected), or where its job is. */
export const transactionStatusResponse = z.union([
  recordedTransactionSchema.extend({ idempotency_key: z.string() }),
  z.object({ idempotency_key: z.string(), status: z.literal('failed'), reason: z.string().meta({ description: 'why the job failed (it stays in the failed set)' }), ...jobFields }),
  z.object({
    idempotency_key: z.string(),
    status: z.enum(['queued', 'active']),
    job_state: z.string().meta({ description: "BullMQ's state of the job: waiting, delayed, prioritized, waiting-children, active" }),
    ...jobFields,
  }),
]);
type TransactionStatus = z.output<typeof transactionStatusResponse>;

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
    const answer = (body: TransactionStatus) => void res.json(body);
    const recorded = await getRecordedTransaction(deps.db, key);
    if (recorded) return answer({ idempotency_key: key, ...recorded });
    const job = await deps.client.locate(key, user_id);
    const state = job ? await job.getState() : undefined;
    // A located job always has its id (BullMQ types it optional for jobs not yet added).
    const jobId = job?.id ?? '';
    if (job && state === 'failed') {
      // Read before it failed (the state is read after the job): its reason is in the job as it is now.
      const failed = job.failedReason === undefined ? ((await deps.client.locate(key, user_id)) ?? job) : job;
      return answer({ idempotency_key: key, status: 'failed', reason: failed.failedReason ?? 'failed (no reason recorded)', job_id: jobId, attempts: failed.attemptsMade });
    }
    if (job && state !== undefined && state !== 'completed' && state !== 'unknown') {
      return answer({ idempotency_key: key, status: state === 'active' ? 'active' : 'queued', job_state: state, job_id: jobId, attempts: job.attemptsMade });
    }
    // The job completed (or its batch left the key index) after the first look: the ledger has it now.
    const late = await getRecordedTransaction(deps.db, key);
    if (late) return answer({ idempotency_key: key, ...late });
    throw notFound(`no event with idempotency key ${key} is queued or recorded`);
  });
  return router;
}
