import { createServer, type Server } from 'node:http';
import type { Redis } from 'ioredis';
import { pingDatabase, type Db } from '@points-engine/db';
import type { Logger } from '@points-engine/logger';

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

const withTimeout = <T>(work: Promise<T>, ms: number): Promise<T> =>
  Promise.race([work, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);

/**
 * A small HTTP server every process can run on HEALTH_PORT, for a container's or a process
 * manager's health checks (workers and the scheduler serve no other HTTP): GET /healthz answers
 * while the process runs, GET /readyz once PostgreSQL and Redis answer it (503 with the failing
 * check otherwise).
 */
export async function startHealthServer(options: { port: number; host: string; db: Db; redis: Redis; role: string; logger: Pick<Logger, 'info'> }): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return answer(405, { error: 'method_not_allowed' });
    if (req.url === '/healthz') return answer(200, { status: 'ok', role: options.role });
    if (req.url !== '/readyz') return answer(404, { error: 'not_found' });
    void Promise.allSettled([withTimeout(pingDatabase(options.db), 2_000), withTimeout(options.redis.ping(), 2_000)]).then(([postgres, redis]) => {
      const checks = {
        postgres: postgres.status === 'fulfilled' ? 'ok' : String(postgres.reason),
        redis: redis.status === 'fulfilled' ? 'ok' : String(redis.reason),
      };
      const ready = checks.postgres === 'ok' && checks.redis === 'ok';
      answer(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', role: options.role, checks });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  options.logger.info({ host: options.host, port }, 'health checks listening (/healthz, /readyz)');
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The health server when HEALTH_PORT is set, as a closer for the shutdown list (a no-op when it is not). */
export async function healthServerIfConfigured(
  config: { HEALTH_PORT?: number | undefined; HEALTH_HOST: string },
  deps: { db: Db; redis: Redis; role: string; logger: Pick<Logger, 'info'> },
): Promise<() => Promise<void>> {
  if (config.HEALTH_PORT === undefined) return async () => undefined;
  const server = await startHealthServer({ port: config.HEALTH_PORT, host: config.HEALTH_HOST, ...deps });
  return () => server.close();
}
