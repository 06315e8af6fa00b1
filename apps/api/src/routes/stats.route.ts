import { Router } from 'express';
import { z } from 'zod';
import { earnEventSchema } from '@points-engine/domain';
import { getStats } from '@points-engine/ledger';
import type { ApiDeps } from '../deps.ts';
import { requireReaderOrUser, scopedUserId } from '../middleware/auth.ts';
import { parseOr400 } from '../middleware/validate.ts';
import { pickLang } from './reads.route.ts';

export const statsQuery = z.object({
  user_id: earnEventSchema.shape.user_id.optional(),
  days: z.coerce.number().int().min(1).max(366).default(30),
  lang: z.enum(['ru', 'en']).optional(),
});

/** GET /api/points/stats: a user's earnings by transaction type and by program day. */
export function statsRoutes(deps: ApiDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  const reader = requireReaderOrUser(deps.verifier, { botToken: deps.config.TELEGRAM_BOT_TOKEN, maxAgeSeconds: deps.config.TELEGRAM_INIT_DATA_MAX_AGE_SECONDS, now });

  router.get('/stats', reader, async (req, res) => {
    const query = parseOr400(statsQuery, req.query);
    res.json(await getStats(deps.db, deps.program, scopedUserId(req, query.user_id), { days: query.days, now: now(), lang: pickLang(req, query.lang) }));
  });
  return router;
}
