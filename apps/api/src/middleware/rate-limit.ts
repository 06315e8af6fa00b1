import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { FixedWindowRateLimiter, LocalFirstRateLimiter, validateInitData, type RateLimitDecision } from '@points-engine/auth';
import type { ApiDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { presentedInitData, verifiedKey } from './auth.ts';

type RateLimitDeps = Pick<ApiDeps, 'redis' | 'verifier' | 'logger' | 'now'> & {
  config: Pick<ApiDeps['config'], 'QUEUE_PREFIX' | 'API_RATE_LIMIT_PER_MINUTE' | 'TELEGRAM_USER_RATE_LIMIT_PER_MINUTE' | 'TELEGRAM_BOT_TOKEN' | 'TELEGRAM_INIT_DATA_MAX_AGE_SECONDS'>;
};

// Only a credential that verifies is counted, so nobody can spend another key's or user's budget
// by presenting its id with a wrong secret.

/**
 * Per-caller request limits in a one-minute fixed window shared through Redis (counted in-process
 * far from the limit, in Redis near it: LocalFirstRateLimiter): an API key by its
 * id (API_RATE_LIMIT_PER_MINUTE), a Mini App user by their Telegram id
 * (TELEGRAM_USER_RATE_LIMIT_PER_MINUTE). Over the limit: 429 with Retry-After. A request without
 * a valid credential passes through to be refused by the auth middleware. If Redis cannot count,
 * the request is let through (and logged): the limit protects the engine, it must not take it down.
 */
export function rateLimit(deps: RateLimitDeps): RequestHandler {
  const limiter = new LocalFirstRateLimiter(new FixedWindowRateLimiter(deps.redis, `${deps.config.QUEUE_PREFIX}:ratelimit`), {
    onSyncError: (error) => deps.logger.warn({ err: error }, 'rate limit counts not added in Redis; retried at the next sync'),
  });
  const now = deps.now ?? Date.now;

  function subject(req: Request): { id: string; limit: number } | null {
    const identity = verifiedKey(req, deps.verifier);
    if (identity) return { id: `key:${identity.id}`, limit: deps.config.API_RATE_LIMIT_PER_MINUTE };
    const initData = presentedInitData(req);
    if (!initData || !deps.config.TELEGRAM_BOT_TOKEN) return null;
    const result = validateInitData(initData, deps.config.TELEGRAM_BOT_TOKEN, now(), deps.config.TELEGRAM_INIT_DATA_MAX_AGE_SECONDS);
    return result.ok ? { id: `tg:${result.user.id}`, limit: deps.config.TELEGRAM_USER_RATE_LIMIT_PER_MINUTE } : null;
  }

  return async (req: Request, res: Response, next: NextFunction) => {
    const who = subject(req);
    if (!who) return next();
    let decision: RateLimitDecision;
    try {
      decision = await limiter.hit(who.id, who.limit);
    } catch (error) {
      deps.logger.warn({ err: error, subject: who.id }, 'rate limit not checked (Redis); request let through');
      return next();
    }
    res.set('RateLimit-Limit', String(decision.limit));
    res.set('RateLimit-Remaining', String(decision.remaining));
    res.set('RateLimit-Reset', String(decision.resetSeconds));
    if (!decision.allowed) {
      res.set('Retry-After', String(decision.resetSeconds));
      throw new HttpError(429, 'rate_limited', `more than ${decision.limit} requests a minute; retry in ${decision.resetSeconds} s`);
    }
    next();
  };
}
