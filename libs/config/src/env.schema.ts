import { z } from 'zod';
import { DEFAULT_EVENT_TIME_BOUND, MAX_EVENT_AGE_SECONDS, MAX_EVENT_FUTURE_SECONDS, purchaseBonusEventSchema } from '@points-engine/domain';
import { corsOriginsSchema } from './cors-origins.ts';

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
  /** Where every process (API, worker, scheduler) answers GET /healthz and /readyz for health checks; off when unset. */
  HEALTH_PORT: int(0, 65535).optional(),
  HEALTH_HOST: z.string().min(1).default('0.0.0.0'),
  /** Prefix of every BullMQ key, so several engines (or test files) can share one Redis. */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default('pe'),
  /** Events are routed to one of N queues by a hash of the user id. */
  QUEUE_PARTITIONS: int(1, 256).default(4),
  WORKER_CONCURRENCY: int(1, 1000).default(64),
  /** Most events one database transaction applies. */
  APPLY_BATCH_MAX: int(1, 5000).default(256),
  PG_POOL_MAX: int(1, 200).default(10),
  /** false applies each job in its own transaction (the naive design; for benchmarks). */
  GROUP_COMMIT: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  SPEND_TIMEOUT_MS: int(100, 120_000).default(10_000),
  /**
   * How old (and how far ahead of the API's clock) an event's occurred_at may be when it arrives
   * over HTTP; the worker sizes the earning rules' windows from the same two (docs/rules.md).
   */
  EVENT_MAX_AGE_SECONDS: int(1, MAX_EVENT_AGE_SECONDS).default(DEFAULT_EVENT_TIME_BOUND.maxAgeSeconds),
  EVENT_MAX_FUTURE_SECONDS: int(0, MAX_EVENT_FUTURE_SECONDS).default(DEFAULT_EVENT_TIME_BOUND.maxFutureSeconds),
  /**
   * Attempts and first backoff delay (exponential) of an event job, for failures that are not an
   * outage: an unreachable PostgreSQL sets the job aside without using an attempt.
   */
  JOB_ATTEMPTS: int(1, 1_000).default(12),
  JOB_BACKOFF_MS: int(1, 3_600_000).default(250),
  /** While PostgreSQL is unreachable, workers pause and probe it; the longest wait between two probes. */
  OUTAGE_PROBE_MAX_MS: int(100, 600_000).default(5_000),
  /**
   * `require`: refuse to start (and report not ready) unless Redis keeps queued jobs across a
   * crash (AOF on, no eviction); `warn`: log what a crash would lose. Default: require in production.
   */
  REDIS_DURABILITY: z.enum(['require', 'warn']).optional(),
  /**
   * A compressed clock for test harnesses (the chaos run): program time runs CLOCK_RATE times
   * faster than real time from CLOCK_ORIGIN_MS (real epoch ms, the same for every process), so
   * cycles and day boundaries fire within minutes. Leave unset in production.
   */
  /** Longest a graceful shutdown (SIGTERM) may take before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: int(1_000, 3_600_000).default(60_000),
  /** Delivered outbox rows older than this are deleted (hourly). */
  OUTBOX_RETENTION_DAYS: int(1, 3650).default(7),
  /** Received payment webhooks older than this are deleted (hourly). */
  WEBHOOK_RETENTION_DAYS: int(1, 36500).default(90),
  /** How many user ranges one cycle period processes side by side (each on its own connection). */
  CYCLE_STREAMS: int(1, 32).default(2),
  CLOCK_RATE: z.coerce.number().positive().max(100_000).default(1),
  CLOCK_ORIGIN_MS: z.coerce.number().int().nonnegative().optional(),
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
  /** Outbox relay: deliver outbox rows as jobs on the `bot-events` queue (turn off if no bot consumes it). */
  BOT_EVENTS_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  /** Outbox relay: how often an idle relay looks for new rows, and most rows one pass hands to Redis. */
  OUTBOX_POLL_MS: int(50, 60_000).default(1_000),
  OUTBOX_BATCH_SIZE: int(1, 5_000).default(200),
  /** Where signed HTTP callbacks go (POST JSON); off when unset. Needs CALLBACK_SECRET. */
  CALLBACK_URL: url(['http:', 'https:']).optional(),
  /** HMAC-SHA256 key of `X-Points-Signature: sha256=<hex>` over the raw body. */
  CALLBACK_SECRET: z.string().min(16).optional(),
  /** Callback attempts (exponential backoff from CALLBACK_BACKOFF_MS), per request timeout, requests at once. */
  CALLBACK_ATTEMPTS: int(1, 100).default(12),
  CALLBACK_BACKOFF_MS: int(10, 3_600_000).default(1_000),
  CALLBACK_TIMEOUT_MS: int(100, 120_000).default(10_000),
  CALLBACK_CONCURRENCY: int(1, 1_000).default(16),
  /** Bot token that signs Telegram Mini App initData; end-user reads are off when unset. */
  TELEGRAM_BOT_TOKEN: z.string().min(20).optional(),
  /** How old a Mini App's initData may be. */
  TELEGRAM_INIT_DATA_MAX_AGE_SECONDS: int(60, 30 * 86_400).default(86_400),
  /** Requests per minute one API key may make. */
  API_RATE_LIMIT_PER_MINUTE: int(1, 10_000_000).default(600_000),
  /** Requests per minute one client address may make to any route, counted before any key is looked at. */
  IP_RATE_LIMIT_PER_MINUTE: int(1, 100_000_000).default(300_000),
  /** Failed authentications (bad, unknown, revoked or expired keys; bad webhook signatures; bad initData) per minute one client address may make; then all its requests answer 429. */
  AUTH_FAILURE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(60),
  /**
   * Express's `trust proxy`: which hops of X-Forwarded-For to believe for the client address.
   * `false` (default): the socket's address; a number: that many proxies in front; or a comma list
   * of proxy addresses/subnets (`loopback`, `10.0.0.0/8`). `true` believes any client: never set it.
   */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((value, ctx): boolean | number | string[] => {
      const text = value.trim();
      if (text === 'false' || text === '') return false;
      if (text === 'true') return true;
      if (/^\d+$/.test(text)) return Number(text);
      const list = text.split(',').map((item) => item.trim()).filter(Boolean);
      if (list.every((item) => /^[A-Za-z0-9.:/_-]+$/.test(item))) return list;
      ctx.addIssue({ code: 'custom', message: 'false, true, a number of hops, or a comma list of addresses, subnets or loopback/linklocal/uniquelocal' });
      return z.NEVER;
    }),
  /** How often each API process re-reads every API key even without a change notification (the fallback). */
  API_KEYS_REFRESH_SECONDS: int(1, 86_400).default(60),
  /**
   * Browser pages on these origins may call the Mini App reads (CORS): a comma list of exact
   * origins, or `*`; unset: no CORS headers (docs/api.md#cors).
   */
  CORS_ORIGINS: corsOriginsSchema,
  /** Requests per minute one Telegram Mini App user may make (reads signed with initData). */
  TELEGRAM_USER_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(120),
  /** NOWPayments IPN secret (HMAC-SHA512 of `x-nowpayments-sig`); POST /webhooks/nowpayments is off (404) when unset. */
  NOWPAYMENTS_IPN_SECRET: z.string().min(8).optional(),
  /** Shared with the bot, sent as `X-Telegram-Bot-Api-Secret-Token`; POST /webhooks/telegram-stars is off when unset. */
  TELEGRAM_STARS_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, '16–256 of A-Z a-z 0-9 _ - (Telegram secret_token rules)').optional(),
  /** HMAC-SHA256 key of the TON payment watcher (`x-signature` over the raw body); POST /webhooks/ton is off when unset. */
  TON_WEBHOOK_SECRET: z.string().min(16).optional(),
  /** A stored payment the ledger has not recorded this long after it was queued is queued again (the payment sweeper, every minute). */
  PAYMENT_SWEEP_AFTER_SECONDS: int(0, 86_400).default(300),
  /** Deprecated (use the program's `products`): named products a payment reference may use besides `sub:TIER[:periods]`, `pack:ID`, `credit:N` (JSON: name → product). */
  PAYMENT_PRODUCTS: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'product names: lower-case letters, digits, _ and -'), purchaseBonusEventSchema.shape.product))
    .optional(),
}).superRefine((env, ctx) => {
  if (env.CALLBACK_URL && !env.CALLBACK_SECRET) ctx.addIssue({ code: 'custom', path: ['CALLBACK_SECRET'], message: 'required when CALLBACK_URL is set' });
}).transform((env) => ({ ...env, REDIS_DURABILITY: env.REDIS_DURABILITY ?? (env.NODE_ENV === 'production' ? 'require' : 'warn') }));

export type Env = z.infer<typeof envSchema>;
