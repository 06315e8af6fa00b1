import { Router } from 'express';
import { z } from 'zod';
import { reconcileLedger } from '@pe/ledger';
import type { ApiDeps } from '../deps.ts';
import { parseOr400 } from '../middleware/validate.ts';

export const reconcileQuery = z.object({
  /** Ids per range query: smaller batches make shorter statements on a busy database. */
  batch: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
});

/**
 * GET /api/admin/reconcile: the same bounded-batch invariant check as `npm run reconcile`
 * (reconcileLedger): every transaction balances per asset, entries sum to zero per asset, every
 * stored balance equals its entries, no balance below its floor, no orphan entries. Reads only.
 * Mounted under the admin router, so it needs the admin scope.
 */
export function adminReconcileRoutes(deps: Pick<ApiDeps, 'db' | 'logger'>): Router {
  const router = Router();
  router.get('/reconcile', async (req, res) => {
    const { batch } = parseOr400(reconcileQuery, req.query);
    const started = performance.now();
    const report = await reconcileLedger(deps.db, { batch });
    const ms = Math.round(performance.now() - started);
    if (!report.ok) deps.logger.warn({ violations: report.violations.length, first: report.violations[0] }, 'reconcile found violations');
    res.json({ ...report, ms });
  });
  return router;
}
