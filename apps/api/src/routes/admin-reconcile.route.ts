import { Router } from 'express';
import { z } from 'zod';
import { findUnapplied, reconcileLedger } from '@points-engine/ledger';
import { acceptedSources, UNAPPLIED_AFTER_SECONDS } from '@points-engine/runtime';
import type { ApiDeps } from '../deps.ts';
import { parseOr400 } from '../middleware/validate.ts';

export const reconcileQuery = z.object({
  /** Ids per range query: smaller batches make shorter statements on a busy database. */
  batch: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
  /** Accepted events older than this (seconds) must be in the ledger. */
  unapplied_after_s: z.coerce.number().int().min(0).max(30 * 86_400).default(UNAPPLIED_AFTER_SECONDS),
});

/** GET /api/admin/reconcile's answer: the invariant check (reconcileLedger), the accepted events not applied (findUnapplied), and how long it took. */
export const reconcileResponse = z.object({
  ok: z.boolean().meta({ description: 'no invariant is violated (the `unapplied` section has its own `ok`)' }),
  transactions: z.number().int().meta({ description: 'id span of the transactions walked' }),
  accounts: z.number().int(),
  batch: z.number().int(),
  violations: z.array(z.object({ check: z.string(), detail: z.record(z.string(), z.unknown()) })).meta({ description: 'each offending transaction or account (at most 20 per check and range)' }),
  unapplied: z.object({
    ok: z.boolean(),
    older_than_seconds: z.number().int(),
    checked: z.number().int().meta({ description: 'accepted events looked at' }),
    count: z.number().int().meta({ description: 'of those, not in the ledger' }),
    by_source: z.record(z.string(), z.number().int()),
    by_state: z.record(z.string(), z.number().int()),
    events: z
      .array(z.object({ idempotency_key: z.string().nullable(), source: z.string(), ref: z.string(), state: z.string(), reason: z.string().nullable(), accepted_at: z.iso.datetime() }))
      .meta({ description: 'the first 100' }),
  }),
  ms: z.number().int(),
});

/**
 * GET /api/admin/reconcile: the same bounded-batch invariant check as `npm run reconcile`
 * (reconcileLedger): every transaction balances per asset, entries sum to zero per asset, every
 * stored balance equals its entries, no balance below its floor, no orphan entries; and, as a
 * section of its own (`unapplied`), events accepted longer ago than `unapplied_after_s` that the
 * ledger does not have. Reads only. Mounted under the admin router, so it needs the admin scope.
 */
export function adminReconcileRoutes(deps: Pick<ApiDeps, 'db' | 'logger' | 'redis' | 'config'>): Router {
  const router = Router();
  router.get('/reconcile', async (req, res) => {
    const { batch, unapplied_after_s } = parseOr400(reconcileQuery, req.query);
    const started = performance.now();
    const report = await reconcileLedger(deps.db, { batch });
    const sources = acceptedSources({ redis: deps.redis, prefix: deps.config.QUEUE_PREFIX, partitions: deps.config.QUEUE_PARTITIONS });
    const unapplied = await findUnapplied(deps.db, sources, { now: Date.now(), olderThanMs: unapplied_after_s * 1000 });
    const ms = Math.round(performance.now() - started);
    if (!report.ok) deps.logger.warn({ violations: report.violations.length, first: report.violations[0] }, 'reconcile found violations');
    if (!unapplied.ok) deps.logger.warn({ unapplied: unapplied.count, by_state: unapplied.by_state, first: unapplied.events[0] }, 'reconcile found accepted events not applied');
    const body: z.output<typeof reconcileResponse> = { ...report, unapplied, ms };
    res.json(body);
  });
  return router;
}
