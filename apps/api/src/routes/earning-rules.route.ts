import { Router } from 'express';
import { z } from 'zod';
import { earnEventSchema } from '@points-engine/domain';
import { getEarningRules } from '@points-engine/ledger';
import type { ApiDeps } from '../deps.ts';
import { requireReaderOrUser, scopedUserId } from '../middleware/auth.ts';
import { parseOr400 } from '../middleware/validate.ts';
import { pickLang } from './reads.route.ts';

export const earningRulesQuery = z.object({
  user_id: earnEventSchema.shape.user_id.optional(),
  lang: z.enum(['ru', 'en']).optional(),
});

const multiplier = z.number().positive().meta({ description: 'a decimal multiplier (1.2 = ×1.2)' });

/** What GET /api/points/earning-rules answers (the OpenAPI document is generated from it; the HTTP test parses answers with it). */
export const earningRulesResponse = z.object({
  user_id: z.string(),
  lang: z.enum(['ru', 'en']),
  timezone: z.string(),
  day: z.string().meta({ description: "today's program day (YYYY-MM-DD in the program's time zone)" }),
  level: z.object({ level: z.number().int(), name: z.string(), icon: z.string(), multiplier }),
  tier: z.object({ name: z.string(), multiplier }),
  activities: z.array(
    z.object({
      activity: z.string(),
      label: z.string(),
      base: z.number().int(),
      multiplied: z.boolean().meta({ description: 'base × level × tier multiplier; false: the base as is' }),
      level_multiplier: multiplier,
      tier_multiplier: multiplier,
      earns_now: z.number().int().meta({ description: 'what one event of this activity earns the user now, before the rate limit and the daily cap' }),
      min_interval_seconds: z.number().int(),
      ready_in_seconds: z.number().int().meta({ description: 'seconds until the rate limit lets this activity earn again (0: now)' }),
      capped: z.boolean().meta({ description: 'counts toward the daily cap' }),
      daily_login: z.boolean(),
      claimed_today: z.boolean().nullable().meta({ description: "daily login: today's is already claimed; null for other activities" }),
    }),
  ),
  daily_cap: z.object({ limit: z.number().int(), earned_today: z.number().int(), left_today: z.number().int() }),
  streak: z.object({
    current: z.number().int(),
    milestones: z.array(z.object({ days: z.number().int(), bonus: z.number().int() })),
    next: z.object({ days: z.number().int(), bonus: z.number().int(), logins_needed: z.number().int() }).nullable(),
  }),
  referral: z.object({ signup_activity: z.string(), signup_bonus: z.number().int(), purchase_bonus: z.number().int() }),
  subscriptions: z.array(z.object({ tier: z.string(), multiplier, bonus: z.number().int(), period_days: z.number().int(), current: z.boolean() })),
});

/** GET /api/points/earning-rules: "how to earn" with the user's current multipliers and limits. */
export function earningRulesRoutes(deps: ApiDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  const reader = requireReaderOrUser(deps.verifier, { botToken: deps.config.TELEGRAM_BOT_TOKEN, maxAgeSeconds: deps.config.TELEGRAM_INIT_DATA_MAX_AGE_SECONDS, now });

  router.get('/earning-rules', reader, async (req, res) => {
    const query = parseOr400(earningRulesQuery, req.query);
    res.json(await getEarningRules(deps.db, deps.program, scopedUserId(req, query.user_id), { now: now(), lang: pickLang(req, query.lang) }));
  });
  return router;
}
