import { Redis } from 'ioredis';
import { startApi, type RunningApi } from '@points-engine/api';
import { createApiKey, type ApiKeyRegistry, type Scope } from '@points-engine/auth';
import { PointsClient } from '@points-engine/client';
import { defaultProgram, SYSTEM_ACCOUNTS, ASSETS, type Program } from '@points-engine/domain';
import { createRedis } from '@points-engine/jobs';
import { checkInvariants, ensureSystemAccounts, type LedgerContext } from '@points-engine/ledger';
import { createLogger, type Logger } from '@points-engine/logger';
import { startWorker, type RunningWorker } from '@points-engine/worker';
import { clearPrefix, createTestDatabase, redisUrl, uniquePrefix } from './services.ts';

/** The bot token the test engine validates Telegram initData with. */
export const TEST_BOT_TOKEN = '123456:TEST-bot-token-for-init-data';

export interface TestEngine {
  url: string;
  /** The URL of this engine's own database (for child processes). */
  databaseUrl: string;
  prefix: string;
  partitions: number;
  ledger: LedgerContext;
  db: LedgerContext['db'];
  client: PointsClient;
  /** A fresh API key with these scopes, once the API's key registry holds it. */
  key(...scopes: Scope[]): Promise<string>;
  /** The API's in-memory key registry. */
  registry: ApiKeyRegistry;
  /** The settings the API was started with (to start another API process on the same database and prefix). */
  config: Parameters<typeof startApi>[1];
  fetch(path: string, init?: RequestInit & { key?: string }): Promise<Response>;
  startWorker(): RunningWorker;
  stopWorker(): Promise<void>;
  invariants(): ReturnType<typeof checkInvariants>;
  close(): Promise<void>;
}

/**
 * The real engine in this process: its own database (cloned from the template), its own queue
 * prefix, the API on a random port and a worker. `close()` stops everything, drops the database,
 * deletes the prefix's keys and fails if a Redis connection is left open.
 */
export async function startTestEngine(
  options: { program?: Program; partitions?: number; worker?: boolean; now?: () => number; logger?: Logger; config?: Partial<Parameters<typeof startApi>[1]> } = {},
): Promise<TestEngine> {
  const database = await createTestDatabase();
  const program = options.program ?? defaultProgram;
  const prefix = uniquePrefix();
  const partitions = options.partitions ?? 2;
  const logger = options.logger ?? createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
  const ledger: LedgerContext = {
    db: database.db,
    program,
    systemAccounts: await ensureSystemAccounts(database.db, SYSTEM_ACCOUNTS, ASSETS),
    retry: { applyLock: true },
    ...(options.now ? { now: options.now } : {}),
  };
  const config = {
    HOST: '127.0.0.1', PORT: 0, QUEUE_PREFIX: prefix, QUEUE_PARTITIONS: partitions, WORKER_CONCURRENCY: 32,
    APPLY_BATCH_MAX: 256, SPEND_TIMEOUT_MS: 15_000, BODY_LIMIT: '256kb', API_RATE_LIMIT_PER_MINUTE: 600_000,
    DATABASE_URL: database.url, API_KEYS_REFRESH_SECONDS: 60, TRUST_PROXY: false as boolean | number | string[],
    // Every request of a test file comes from 127.0.0.1, many with bad keys on purpose: the
    // per-address limits are far out of reach unless a file (test/security/ip-limits) sets them.
    IP_RATE_LIMIT_PER_MINUTE: 100_000_000, AUTH_FAILURE_LIMIT_PER_MINUTE: 1_000_000,
    TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN, TELEGRAM_INIT_DATA_MAX_AGE_SECONDS: 86_400, TELEGRAM_USER_RATE_LIMIT_PER_MINUTE: 1_000_000,
    // Overrides for one test file (small rate limits, webhook secrets).
    ...options.config,
  };
  const producer = createRedis(redisUrl(), 'producer', { connectionName: `${prefix}:api` });
  const consumer = createRedis(redisUrl(), 'worker', { connectionName: `${prefix}:worker` });
  const api: RunningApi = await startApi({ ledger, connection: producer, logger }, config);
  let worker: RunningWorker | null = null;
  const engine: TestEngine = {
    url: `http://127.0.0.1:${api.port}`,
    databaseUrl: database.url,
    prefix,
    partitions,
    ledger,
    db: database.db,
    client: new PointsClient({ redisUrl: redisUrl(), prefix, partitions, logger, timeoutMs: 20_000 }),
    key: async (...scopes) => {
      const { id, key } = await createApiKey(database.db, `test-${scopes.join('-')}`, scopes);
      await registryHolds(api.keys, (registry) => registry.has(id));
      return key;
    },
    registry: api.keys,
    config,
    fetch: (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (init.key) headers.set('x-api-key', init.key);
      if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(`http://127.0.0.1:${api.port}${path}`, { ...init, headers });
    },
    startWorker: () => {
      worker = startWorker({ ledger, connection: consumer, logger }, config);
      return worker;
    },
    stopWorker: async () => {
      await worker?.close();
      worker = null;
    },
    invariants: () => checkInvariants(database.db),
    close: async () => {
      await worker?.close();
      await engine.client.close();
      await api.close();
      producer.disconnect();
      consumer.disconnect();
      await database.close();
      await clearPrefix(prefix);
      await expectNoClientsLeft(prefix);
    },
  };
  if (options.worker !== false) engine.startWorker();
  return engine;
}

/**
 * Resolves once the registry satisfies `condition`: now, or after one of its next reads (each
 * announced by its `reloaded` event). A key created or revoked reaches it through NOTIFY.
 */
export function registryHolds(registry: ApiKeyRegistry, condition: (registry: ApiKeyRegistry) => boolean, timeoutMs = 20_000): Promise<void> {
  if (condition(registry)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      registry.off('reloaded', check);
      reject(new Error(`the key registry did not reach the expected state within ${timeoutMs} ms`));
    }, timeoutMs);
    function check() {
      if (!condition(registry)) return;
      clearTimeout(timer);
      registry.off('reloaded', check);
      resolve();
    }
    registry.on('reloaded', check);
  });
}

/** Fails if any Redis client named for this prefix is still connected (BullMQ names its clients). */
async function expectNoClientsLeft(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl());
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      const list = String(await redis.client('LIST'));
      const open = list.split('\n').filter((line) => line.includes(prefix));
      if (open.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`Redis connections left open for ${prefix}`);
  } finally {
    redis.disconnect();
  }
}
