import { Router } from 'express';
import { z } from 'zod';
import { langSchema, levelViewSchema, listLevels } from '@points-engine/ledger';
import type { ApiDeps } from '../deps.ts';
import { requireReaderOrUser } from '../middleware/auth.ts';
import { parseOr400 } from '../middleware/validate.ts';
import { pickLang } from './reads.route.ts';

export const levelsQuery = z.object({ lang: z.enum(['ru', 'en']).optional() });
export const levelsResponse = z.object({ lang: langSchema.meta({ description: 'the language of the names' }), levels: z.array(levelViewSchema) });

/** GET /api/points/levels: every level with its localized name, icon, threshold and multiplier. */
export function levelsRoutes(deps: ApiDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  const reader = requireReaderOrUser(deps.verifier, { botToken: deps.config.TELEGRAM_BOT_TOKEN, maxAgeSeconds: deps.config.TELEGRAM_INIT_DATA_MAX_AGE_SECONDS, now });

  router.get('/levels', reader, (req, res) => {
    const query = parseOr400(levelsQuery, req.query);
    const lang = pickLang(req, query.lang);
    const body: z.output<typeof levelsResponse> = { lang, levels: listLevels(deps.program, lang) };
    res.json(body);
  });
  return router;
}
