import { Router } from 'express';
import { z } from 'zod';
import { earnEventSchema } from '@points-engine/domain';
import { getLeaderboard, LEADERBOARD_PERIODS } from '@points-engine/ledger';
import type { ApiDeps } from '../deps.ts';
import { requireReaderOrUser, scopedUserId } from '../middleware/auth.ts';
import { parseOr400 } from '../middleware/validate.ts';
import { pickLang } from './reads.route.ts';

export const leaderboardQuery = z.object({
  period: z.enum(LEADERBOARD_PERIODS).default('week'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  user_id: earnEventSchema.shape.user_id.optional(),
  lang: z.enum(['ru', 'en']).optional(),
});

/** GET /api/points/leaderboard: ranked by points earned in the period, with the caller's own rank. */
export function leaderboardRoutes(deps: ApiDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  const reader = requireReaderOrUser(deps.verifier, { botToken: deps.config.TELEGRAM_BOT_TOKEN, maxAgeSeconds: deps.config.TELEGRAM_INIT_DATA_MAX_AGE_SECONDS, now });

  router.get('/leaderboard', reader, async (req, res) => {
    const query = parseOr400(leaderboardQuery, req.query);
    // A key may read the board without naming a user; a Telegram user is always "me".
    const me = req.principal?.kind === 'telegram' || query.user_id !== undefined ? scopedUserId(req, query.user_id) : null;
    res.json(await getLeaderboard(deps.db, deps.program, { period: query.period, limit: query.limit, now: now(), lang: pickLang(req, query.lang), userId: me }));
  });
  return router;
}
