import { Router } from 'express';
import { z } from 'zod';
import { eventJobId, eventQueueName, partitionOf } from '@pe/jobs';
import { getRecordedTransaction } from '@pe/ledger';
import type { ApiDeps } from '../deps.ts';
import { requireScope } from '../middleware/auth.ts';
import { parseOr400 } from '../middleware/validate.ts';
import { notFound } from '../errors.ts';

export const keyParam = z.string().min(1).max(200);
export const transactionQuery = z.object({ user_id: z.string().min(1).max(64).optional() });

/** GET /api/points/transactions/{idempotency_key}: queued, applied, rejected (with reason) or failed. */
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
    // Not in the ledger yet: look for the job that carries it. With user_id we know its
    // partition; without, every partition is asked.
    const jobId = eventJobId(key);
    const partitions = user_id ? [partitionOf(user_id, deps.config.QUEUE_PARTITIONS)] : [...Array(deps.config.QUEUE_PARTITIONS).keys()];
    for (const partition of partitions) {
      const queue = deps.queues.find((q) => q.name === eventQueueName(partition));
      const job = queue ? await queue.getJob(jobId) : undefined;
      if (!job) continue;
      const state = await job.getState();
      if (state === 'failed') {
        res.json({ idempotency_key: key, status: 'failed', reason: job.failedReason, job_id: job.id, attempts: job.attemptsMade });
        return;
      }
      res.json({ idempotency_key: key, status: 'queued', job_state: state, job_id: job.id });
      return;
    }
    throw notFound(`no event with idempotency key ${key} is queued or recorded`);
  });
  return router;
}
