import type { Redis } from 'ioredis';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  /** Requests left in the current window (0 once refused). */
  remaining: number;
  /** Whole seconds until the window resets (at least 1): the `Retry-After` of a 429. */
  resetSeconds: number;
}

/**
 * Fixed-window decision from what Redis reports after counting this request: its number in the
 * window and the window's remaining life. Pure, so the edge cases are tested without Redis.
 */
export function decideRateLimit(count: number, ttlMs: number, limit: number, windowMs: number): RateLimitDecision {
  // A missing TTL (-1/-2) cannot happen after SET NX PX, but if it did the window is treated as fresh.
  const leftMs = ttlMs > 0 ? Math.min(ttlMs, windowMs) : windowMs;
  return {
    allowed: count <= limit,
    limit,
    remaining: Math.max(0, limit - count),
    resetSeconds: Math.max(1, Math.ceil(leftMs / 1000)),
  };
}

/**
 * A fixed window per subject in Redis: the first request of a window creates the counter with the
 * window's expiry, every request increments it, all in one MULTI so concurrent API processes share
 * one count. The window starts at a subject's first request and uses Redis's clock, so API
 * processes with skewed clocks still agree.
 */
export class FixedWindowRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly windowMs = 60_000,
  ) {}

  async hit(subject: string, limit: number): Promise<RateLimitDecision> {
    const key = `${this.keyPrefix}:${subject}`;
    const results = await this.redis.multi().set(key, '0', 'PX', this.windowMs, 'NX').incr(key).pttl(key).exec();
    if (!results) throw new Error('rate limit transaction was discarded');
    for (const [error] of results) if (error) throw error;
    const count = Number(results[1]?.[1]);
    const ttlMs = Number(results[2]?.[1]);
    // Repairs a counter that somehow lost its expiry, so a subject can never be locked out for good.
    if (ttlMs < 0) await this.redis.pexpire(key, this.windowMs);
    return decideRateLimit(count, ttlMs, limit, this.windowMs);
  }
}
