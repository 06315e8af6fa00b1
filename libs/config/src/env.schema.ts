import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const url = (protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${protocols.join(' or ')}//`);

/** Every environment variable the engine reads, with defaults that work on a local machine. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/points'),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: int(0, 65535).default(3000),
  /** Prefix of every BullMQ key, so several engines (or test files) can share one Redis. */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default('pe'),
  /** Events are routed to one of N queues by a hash of the user id. */
  QUEUE_PARTITIONS: int(1, 256).default(4),
  WORKER_CONCURRENCY: int(1, 1000).default(64),
  /** Most events one database transaction applies. */
  APPLY_BATCH_MAX: int(1, 5000).default(256),
  PG_POOL_MAX: int(1, 200).default(10),
  SPEND_TIMEOUT_MS: int(100, 120_000).default(10_000),
  /** Path to a program file (JSON); the built-in default program is used when unset. */
  PROGRAM_FILE: z.string().min(1).optional(),
  /** Which roles `npm start` runs in this process. */
  ROLES: z
    .string()
    .default('api,worker,scheduler')
    .transform((value) => value.split(',').map((role) => role.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['api', 'worker', 'scheduler'])).min(1)),
  /** Largest JSON body the API accepts. */
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/).default('256kb'),
  /** Bot token that signs Telegram Mini App initData; end-user reads are off when unset. */
  TELEGRAM_BOT_TOKEN: z.string().min(20).optional(),
  /** How old a Mini App's initData may be. */
  TELEGRAM_INIT_DATA_MAX_AGE_SECONDS: int(60, 30 * 86_400).default(86_400),
  /** Requests per minute one API key may make. */
  API_RATE_LIMIT_PER_MINUTE: int(1, 10_000_000).default(600_000),
});

export type Env = z.infer<typeof envSchema>;
