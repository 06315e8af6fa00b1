import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { FixedWindowRateLimiter, LocalFirstRateLimiter } from '@points-engine/auth';
import type { ApiDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { addressSubject } from './client-address.ts';

type IpLimitDeps = Pick<ApiDeps, 'redis' | 'logger' | 'now'> & {
  config: Pick<ApiDeps['config'], 'QUEUE_PREFIX' | 'IP_RATE_LIMIT_PER_MINUTE' | 'AUTH_FAILURE_LIMIT_PER_MINUTE'>;
};

/**
 * Paths a lock-out for failed authentications does not close: they authenticate nobody, and a
 * load balancer probing them from the address of a proxy that also forwards an attacker must not
 * take the process out of rotation. They still count toward the general limit.
 */
const NOT_LOCKED_OUT = new Set(['/healthz', '/readyz']);

const NOT_A_FAILURE = Symbol('401 not counted as a failed authentication');

/**
 * Marks a 401 that is no failed authentication: no credential at all (a browser's first visit to
 * Bull Board, a forgotten header), a Mini App's genuine but expired initData (many users can share
 * one carrier-grade NAT address), or Telegram sign-in not configured.
 */
export function notAFailedAuthentication(res: Response): void {
  (res.locals as Record<symbol, boolean>)[NOT_A_FAILURE] = true;
}

/**
 * The first gate of every request, before any key, signature or initData is looked at: a general
 * limit per client address (IP_RATE_LIMIT_PER_MINUTE) and a much lower one on failed
 * authentications (AUTH_FAILURE_LIMIT_PER_MINUTE). A failed authentication is any 401 answer
 * except those marked notAFailedAuthentication. Once an address is over
 * the failure limit every request from it answers 429 with Retry-After, without verifying
 * anything, until the window ends. Counts are shared through Redis (LocalFirstRateLimiter); the
 * lock-out itself is known to each process from its own counting, so with N API processes an
 * address gets at most N − 1 extra failures. If Redis cannot count, the request is let through.
 */
export function ipLimit(deps: IpLimitDeps): RequestHandler {
  const onSyncError = (error: unknown) => deps.logger.warn({ err: error }, 'per-address counts not added in Redis; retried at the next sync');
  const requests = new LocalFirstRateLimiter(new FixedWindowRateLimiter(deps.redis, `${deps.config.QUEUE_PREFIX}:ratelimit:ip`), { onSyncError });
  const failures = new LocalFirstRateLimiter(new FixedWindowRateLimiter(deps.redis, `${deps.config.QUEUE_PREFIX}:ratelimit:authfail`), { onSyncError });
  const lockedUntil = new Map<string, number>();
  const now = deps.now ?? Date.now;

  const lockedFor = (subject: string): number => {
    const until = lockedUntil.get(subject);
    if (until === undefined) return 0;
    const left = until - now();
    if (left > 0) return left;
    lockedUntil.delete(subject);
    return 0;
  };

  const countFailure = async (subject: string) => {
    try {
      const decision = await failures.hit(subject, deps.config.AUTH_FAILURE_LIMIT_PER_MINUTE);
      if (decision.allowed) return;
      if (lockedUntil.size > 100_000) for (const [key, until] of lockedUntil) if (until <= now()) lockedUntil.delete(key);
      lockedUntil.set(subject, now() + decision.resetSeconds * 1000);
      deps.logger.warn({ address: subject, failures: deps.config.AUTH_FAILURE_LIMIT_PER_MINUTE }, 'address locked out after failed authentications');
    } catch (error) {
      deps.logger.warn({ err: error, address: subject }, 'failed authentication not counted (Redis)');
    }
  };

  return async (req: Request, res: Response, next: NextFunction) => {
    const subject = addressSubject(req.ip ?? req.socket.remoteAddress);
    const locked = NOT_LOCKED_OUT.has(req.path) ? 0 : lockedFor(subject);
    if (locked > 0) {
      const seconds = Math.max(1, Math.ceil(locked / 1000));
      res.set('Retry-After', String(seconds));
      throw new HttpError(429, 'rate_limited', `too many failed authentications from this address; retry in ${seconds} s`);
    }
    res.once('finish', () => {
      if (res.statusCode === 401 && !(res.locals as Record<symbol, boolean>)[NOT_A_FAILURE]) void countFailure(subject);
    });
    try {
      const decision = await requests.hit(subject, deps.config.IP_RATE_LIMIT_PER_MINUTE);
      if (!decision.allowed) {
        res.set('Retry-After', String(decision.resetSeconds));
        throw new HttpError(429, 'rate_limited', `more than ${decision.limit} requests a minute from this address; retry in ${decision.resetSeconds} s`);
      }
    } catch (error) {
      if (error instanceof HttpError) throw error;
      deps.logger.warn({ err: error, address: subject }, 'per-address limit not checked (Redis); request let through');
    }
    next();
  };
}
