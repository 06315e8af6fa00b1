import { Router, type Request } from 'express';
import { z } from 'zod';
import { getBalance, getHistory, decodeCursor, type Lang } from '@points-engine/ledger';
import type { ApiDeps } from '../deps.ts';
import { requireReaderOrUser, scopedUserId } from '../middleware/auth.ts';
import { parseOr400 } from '../middleware/validate.ts';

const userId = z.union([z.string(), z.number()]).transform(String).pipe(z.string().regex(/^[A-Za-z0-9_.:@-]{1,64}$/, '1–64 letters, digits or _ . : @ -'));
const lang = z.enum(['ru', 'en']).optional();
/** A cursor `getHistory` can page from: it names a transaction id within bigint (a larger one failed the query: 500). */
const isCursor = (cursor: string): boolean => {
  const id = decodeCursor(cursor);
  return id !== null && BigInt(id) <= 9_223_372_036_854_775_807n;
};
export const balanceQuery = z.object({ user_id: userId.optional(), lang });
export const historyQuery = z.object({
  user_id: userId.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(64).refine(isCursor, 'not a cursor from a previous page').optional(),
  type: z.string().regex(/^[a-z_]{1,32}$/).optional(),
  from: z.iso.datetime({ offset: true }).transform((s) => new Date(s)).optional(),
  to: z.iso.datetime({ offset: true }).transform((s) => new Date(s)).optional(),
  lang,
});

/** The language of the answer: `lang`, else Accept-Language, else English. */
export function pickLang(req: Request, explicit: Lang | undefined): Lang {
  if (explicit) return explicit;
  if (req.principal?.kind === 'telegram' && req.principal.languageCode) return req.principal.languageCode.startsWith('ru') ? 'ru' : 'en';
  return req.acceptsLanguages('en', 'ru') === 'ru' ? 'ru' : 'en';
}

/** GET /api/points/balance and GET /api/points/history. */
export function readRoutes(deps: ApiDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  const reader = requireReaderOrUser(deps.verifier, { botToken: deps.config.TELEGRAM_BOT_TOKEN, maxAgeSeconds: deps.config.TELEGRAM_INIT_DATA_MAX_AGE_SECONDS, now });

  router.get('/balance', reader, async (req, res) => {
    const query = parseOr400(balanceQuery, req.query);
    res.json(await getBalance(deps.db, scopedUserId(req, query.user_id), deps.program, now(), pickLang(req, query.lang)));
  });

  router.get('/history', reader, async (req, res) => {
    const query = parseOr400(historyQuery, req.query);
    res.json(await getHistory(deps.db, scopedUserId(req, query.user_id), { limit: query.limit, cursor: query.cursor, kind: query.type, from: query.from, to: query.to, lang: pickLang(req, query.lang) }));
  });
  return router;
}
