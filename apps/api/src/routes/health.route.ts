import { Router } from 'express';
import { pingDatabase } from '@points-engine/db';
import { readRedisDurability, type RedisDurability } from '@points-engine/jobs';
import type { ApiDeps } from '../deps.ts';

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms))]);

/** What /readyz tells about Redis persistence: what a crash of Redis would lose right now. */
function describeDurability(d: RedisDurability) {
  return {
    durable: d.durable,
    appendonly: d.appendonly,
    appendfsync: d.appendfsync,
    save: d.save,
    maxmemory_policy: d.maxmemoryPolicy,
    source: d.source,
    process_crash_loses: d.processCrashLoses,
    machine_crash_loses: d.machineCrashLoses,
    problems: d.problems,
  };
}

/**
 * /healthz: the process is up. /readyz: PostgreSQL and Redis answer, and what a Redis crash would
 * lose; under REDIS_DURABILITY=require a Redis that would lose queued events makes it not ready.
 */
export function healthRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [postgres, redis, durability] = await Promise.allSettled([
      withTimeout(pingDatabase(deps.db), 2_000),
      withTimeout(deps.redis.ping(), 2_000),
      withTimeout(readRedisDurability(deps.redis), 2_000),
    ]);
    const checks: Record<string, string> = {
      postgres: postgres.status === 'fulfilled' ? 'ok' : String(postgres.reason),
      redis: redis.status === 'fulfilled' ? 'ok' : String(redis.reason),
    };
    const required = deps.config.REDIS_DURABILITY === 'require';
    if (required) checks['redis_persistence'] = durability.status === 'rejected' ? String(durability.reason) : durability.value.durable ? 'ok' : durability.value.problems.join('; ');
    const ready = Object.values(checks).every((check) => check === 'ok');
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      checks,
      redis_durability: durability.status === 'fulfilled' ? describeDurability(durability.value) : null,
    });
  });
  return router;
}
