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
  // A missing TTL (-1/-2) cannot happen after the script, but if it did the window is treated as fresh.
  const leftMs = ttlMs > 0 ? Math.min(ttlMs, windowMs) : windowMs;
  return {
    allowed: count <= limit,
    limit,
    remaining: Math.max(0, limit - count),
    resetSeconds: Math.max(1, Math.ceil(leftMs / 1000)),
  };
}

// INCRBY, then give a counter without an expiry (a new window, or one that somehow lost it) the
// window's life: one round trip, atomic, and a subject can never be locked out for good.
const HIT_SCRIPT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;
const HIT_COMMAND = 'peRateLimitHit';

type ScriptedRedis = Redis & { [HIT_COMMAND]: (key: string, windowMs: number, count: number) => Promise<[number, number]> };

/**
 * A fixed window per subject in Redis, counted by one Lua script so concurrent API processes share
 * one count. The window starts at a subject's first request and uses Redis's clock, so API
 * processes with skewed clocks still agree.
 */
export class FixedWindowRateLimiter {
  private readonly redis: ScriptedRedis;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
    private readonly windowMs = 60_000,
  ) {
    // A script sent by its hash, not a MULTI: a pipeline on a connection that BullMQ has loaded
    // with its scripts copies all of them per call, which was the largest cost of a balance read.
    if (!(HIT_COMMAND in redis)) redis.defineCommand(HIT_COMMAND, { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.redis = redis as ScriptedRedis;
  }

  async hit(subject: string, limit: number, requests = 1): Promise<RateLimitDecision> {
    const { count, ttlMs } = await this.count(subject, requests);
    return decideRateLimit(count, ttlMs, limit, this.windowMs);
  }

  /** Adds `requests` to a subject's window; answers the window's count and remaining life. */
  async count(subject: string, requests: number): Promise<{ count: number; ttlMs: number }> {
    const [count, ttlMs] = await this.redis[HIT_COMMAND](`${this.keyPrefix}:${subject}`, this.windowMs, requests);
    return { count: Number(count), ttlMs: Number(ttlMs) };
  }

  get window(): number {
    return this.windowMs;
  }
}

interface LocalWindow {
  /** The shared count Redis reported at the last sync. */
  shared: number;
  /** Requests admitted here since then, not yet added in Redis. */
  unsynced: number;
  /** When the shared window ends, by this process's clock. */
  resetAt: number;
  /** When `shared` was read. */
  syncedAt: number;
}

/**
 * A fixed window that asks Redis only when it matters. Far from its limit a subject is counted
 * in-process and the counts are added in Redis every `syncMs`; within `headroom` of the limit, or
 * when this process's view of the shared count is older than `syncMs`, a request is counted in
 * Redis first, so the limit is exact where it bites. With several API processes a subject can
 * exceed its limit only by what the others admit within one `syncMs` beyond the headroom. A Redis
 * round trip per request was a sixth of a balance read's cost.
 */
export class LocalFirstRateLimiter {
  private readonly windows = new Map<string, LocalWindow>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly shared: FixedWindowRateLimiter,
    private readonly options: {
      syncMs?: number;
      /** How old a view of the shared count may be and still admit in-process (default syncMs). */
      maxViewAgeMs?: number;
      onSyncError?: (error: unknown) => void;
      now?: () => number;
    } = {},
  ) {
    this.timer = setInterval(() => void this.flush(), options.syncMs ?? 100);
    this.timer.unref();
  }

  async hit(subject: string, limit: number): Promise<RateLimitDecision> {
    const now = (this.options.now ?? Date.now)();
    const local = this.windows.get(subject);
    const headroom = Math.max(20, Math.ceil(limit / 20));
    const fresh = local !== undefined && now < local.resetAt && now - local.syncedAt < (this.options.maxViewAgeMs ?? this.options.syncMs ?? 100);
    if (local && fresh && local.shared + local.unsynced + 1 <= limit - headroom) {
      local.unsynced++;
      return decideRateLimit(local.shared + local.unsynced, local.resetAt - now, limit, this.shared.window);
    }
    const unsynced = local?.unsynced ?? 0;
    if (local) local.unsynced = 0;
    let counted: { count: number; ttlMs: number };
    try {
      counted = await this.shared.count(subject, unsynced + 1);
    } catch (error) {
      if (local) local.unsynced += unsynced;
      throw error;
    }
    this.remember(subject, counted, now);
    return decideRateLimit(counted.count, counted.ttlMs, limit, this.shared.window);
  }

  /** Adds every subject's unsynced requests in Redis and refreshes its view; forgets ended windows. */
  async flush(): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    const work: Promise<void>[] = [];
    for (const [subject, local] of this.windows) {
      if (local.unsynced === 0) {
        if (now >= local.resetAt) this.windows.delete(subject);
        continue;
      }
      const requests = local.unsynced;
      local.unsynced = 0;
      work.push(
        this.shared.count(subject, requests).then(
          (counted) => this.remember(subject, counted, now),
          (error: unknown) => {
            local.unsynced += requests;
            this.options.onSyncError?.(error);
          },
        ),
      );
    }
    await Promise.all(work);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private remember(subject: string, counted: { count: number; ttlMs: number }, now: number): void {
    const local = this.windows.get(subject);
    const resetAt = now + (counted.ttlMs > 0 ? Math.min(counted.ttlMs, this.shared.window) : this.shared.window);
    if (local) {
      local.shared = counted.count;
      local.resetAt = resetAt;
      local.syncedAt = now;
    } else {
      this.windows.set(subject, { shared: counted.count, unsynced: 0, resetAt, syncedAt: now });
    }
  }
}
