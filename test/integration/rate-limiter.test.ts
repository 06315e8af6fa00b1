// Isolation: its own Redis key prefix, deleted at the end; no database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { FixedWindowRateLimiter, LocalFirstRateLimiter } from '@points-engine/auth';
import { clearPrefix, redisUrl, uniquePrefix } from '../support/services.ts';

const prefix = uniquePrefix();
let redis: Redis;
const limiters: LocalFirstRateLimiter[] = [];
beforeAll(() => {
  redis = new Redis(redisUrl());
});
afterAll(async () => {
  for (const limiter of limiters) limiter.close();
  redis.disconnect();
  await clearPrefix(prefix);
});

/** The limiters' clock: a view of the shared count older than 100 ms must be refreshed. */
let clock = 1_000_000;

/** A limiter as one API process would hold it, sharing counts with the others through Redis (syncs only when told). */
function processLimiter(): LocalFirstRateLimiter {
  const limiter = new LocalFirstRateLimiter(new FixedWindowRateLimiter(redis, `${prefix}:ratelimit`), { syncMs: 60_000, maxViewAgeMs: 100, now: () => clock });
  limiters.push(limiter);
  return limiter;
}

const shared = async (subject: string) => Number(await redis.get(`${prefix}:ratelimit:${subject}`));

describe('LocalFirstRateLimiter (real Redis)', () => {
  it('far from the limit it counts in-process, and a sync adds every admitted request in Redis', async () => {
    const limiter = processLimiter();
    const decisions = [];
    for (let i = 0; i < 30; i++) decisions.push(await limiter.hit('far', 1000));
    expect(decisions.every((d) => d.allowed)).toBe(true);
    expect(decisions.at(-1)?.remaining).toBe(970);
    // Only the first request went to Redis so far.
    expect(await shared('far')).toBe(1);
    await limiter.flush();
    expect(await shared('far')).toBe(30);
    expect(await redis.pttl(`${prefix}:ratelimit:far`)).toBeGreaterThan(0);
  });

  it('near the limit every request is counted in Redis first, so the limit is exact', async () => {
    const limiter = processLimiter();
    const allowed: boolean[] = [];
    for (let i = 0; i < 30; i++) allowed.push((await limiter.hit('near', 25)).allowed);
    expect(allowed.filter(Boolean)).toHaveLength(25);
    expect(allowed.indexOf(false)).toBe(25);
  });

  it('two processes share one limit: together they admit exactly the limit', async () => {
    const a = processLimiter();
    const b = processLimiter();
    let admitted = 0;
    for (let i = 0; i < 70; i++) if ((await a.hit('shared', 100)).allowed) admitted++;
    await a.flush();
    let refusedAt = -1;
    for (let i = 0; i < 60 && refusedAt < 0; i++) {
      if ((await b.hit('shared', 100)).allowed) admitted++;
      else refusedAt = i;
    }
    expect(admitted).toBe(100);
    expect(refusedAt).toBe(30);
    // A's view (70) is fresh for 100 ms, and within it A still admits on its own (the documented
    // over-admission: what others admitted since the view was taken); once it is older, A asks Redis.
    clock += 101;
    expect((await a.hit('shared', 100)).allowed).toBe(false);
  });

  it('a counter that lost its expiry is given one again, so nobody is locked out for good', async () => {
    const key = `${prefix}:ratelimit:stuck`;
    await redis.set(key, '5');
    const decision = await processLimiter().hit('stuck', 3);
    expect(decision.allowed).toBe(false);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});
