import { Router } from 'express';
import { z } from 'zod';
import { earnEventSchema } from '@points-engine/domain';
import { getAdminUserView } from '@points-engine/ledger';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { parseOr400 } from '../middleware/validate.ts';
import { pickLang } from './reads.route.ts';

export const adminUserParams = z.object({ user_id: earnEventSchema.shape.user_id });
export const adminUserQuery = z.object({
  history_limit: z.coerce.number().int().min(1).max(200).default(20),
  lang: z.enum(['ru', 'en']).optional(),
});

/** GET /api/admin/users/{user_id}: the full picture of one user; 404 for a user never seen. */
export function adminUserRoutes(deps: ApiDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;

  router.get('/users/:user_id', async (req, res) => {
    const { user_id } = parseOr400(adminUserParams, req.params);
    const query = parseOr400(adminUserQuery, req.query);
    const view = await getAdminUserView(deps.db, deps.program, user_id, { now: now(), lang: pickLang(req, query.lang), historyLimit: query.history_limit });
    if (!view) throw notFound(`no user ${user_id} in the ledger`);
    res.json(view);
  });
  return router;
}
