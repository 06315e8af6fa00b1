import { Router } from 'express';
import { sql } from 'kysely';
import type { ApiDeps } from '../deps.ts';

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms))]);

/** /healthz: the process is up. /readyz: PostgreSQL and Redis answer. */
export function healthRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [postgres, redis] = await Promise.allSettled([
      withTimeout(sql`SELECT 1`.execute(deps.db), 2_000),
      withTimeout(deps.redis.ping(), 2_000),
    ]);
    const checks = {
      postgres: postgres.status === 'fulfilled' ? 'ok' : String(postgres.reason),
      redis: redis.status === 'fulfilled' ? 'ok' : String(redis.reason),
    };
    const ready = checks.postgres === 'ok' && checks.redis === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  return router;
}
