import { Router } from 'express';
import { z } from 'zod';
import { programSchema } from '@points-engine/domain';
import { describeProgram, getAnalytics } from '@points-engine/ledger';
import type { ApiDeps } from '../deps.ts';
import { requireScope } from '../middleware/auth.ts';
import { parseOr400 } from '../middleware/validate.ts';
import { adminAdjustmentRoutes } from './admin-adjustments.route.ts';
import { adminReconcileRoutes } from './admin-reconcile.route.ts';
import { adminUserRoutes } from './admin-users.route.ts';
import { pickLang } from './reads.route.ts';

export const analyticsQuery = z.object({ lang: z.enum(['ru', 'en']).optional() });
/** GET /api/admin/config: the program in force, as a program file describes it (documented from the schema's input side). */
/** The program document itself: saved to a file, it loads back as PROGRAM_FILE. */
export const adminConfigResponse = programSchema;

/** Everything under /api/admin: the operator's panel (the seed's admin commands); admin scope only. */
export function adminRoutes(deps: ApiDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  router.use(requireScope(deps.verifier, 'admin'));

  router.get('/analytics', async (req, res) => {
    const { lang } = parseOr400(analyticsQuery, req.query);
    res.json(await getAnalytics(deps.db, deps.program, now(), pickLang(req, lang)));
  });

  // The program document itself (not wrapped): saved to a file, it loads back as PROGRAM_FILE.
  router.get('/config', (_req, res) => {
    const body: z.input<typeof adminConfigResponse> = describeProgram(deps.program);
    res.json(body);
  });

  router.use(adminUserRoutes(deps));
  router.use(adminAdjustmentRoutes(deps));
  router.use(adminReconcileRoutes(deps));
  return router;
}
