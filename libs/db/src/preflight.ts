import pg from 'pg';
import { redactUrl } from './ensure-database.ts';

export class ServiceUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceUnavailableError';
  }
}

const START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start  (or: docker compose up -d postgres)";
const START_REDIS = 'redis-server --daemonize yes --port 6379  (or: docker compose up -d redis)';

/** Fails with a one-paragraph message naming the URL and how to start PostgreSQL. */
export async function checkPostgres(url: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new ServiceUnavailableError(
      `PostgreSQL is not reachable at ${redactUrl(url)} (${describe(error)}).\nStart it with: ${START_POSTGRES}\nor point DATABASE_URL at a running server.`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Fails with a one-paragraph message naming the URL and how to start Redis. */
export async function checkRedis(url: string): Promise<void> {
  // Loaded here, not at the top: the CLI imports this package for PostgreSQL alone and should not
  // pay for loading ioredis.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 5_000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new ServiceUnavailableError(
      `Redis is not reachable at ${redactUrl(url)} (${describe(error)}).\nStart it with: ${START_REDIS}\nor point REDIS_URL at a running server.`,
    );
  } finally {
    redis.disconnect();
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError) return error.errors.map(describe).join('; ');
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
