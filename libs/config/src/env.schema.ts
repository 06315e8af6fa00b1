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

/**
 * Every environment variable the engine reads, with defaults that work on a local machine. Each
 * one's `.describe()` is its documentation: `npm run env:docs` writes `.env.example` and the
 * table in docs/operations.md from it, and a unit test fails while either is stale.
 */
export const envVariables = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development').describe('`production` in deployments (it makes REDIS_DURABILITY default to `require`).'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level; the start-up banner and request lines are `info`.'),
  LOG_FORMAT: z
    .enum(['auto', 'pretty', 'json'])
    .default('auto')
    .describe('`auto`: human lines when stdout is a terminal, JSON lines otherwise (a pipe, a file, a container log); `pretty` or `json` forces one.'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/points').describe('PostgreSQL; the engine creates the database if it is missing and applies migrations at start.'),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379').describe('Redis for BullMQ (needs `maxmemory-policy noeviction`; AOF on to keep queued events across a crash).'),
  HOST: z.string().min(1).default('0.0.0.0').describe('Where the API listens.'),
  PORT: int(0, 65535).default(3000).describe('The API port.'),
  HEALTH_PORT: int(0, 65535).optional().describe('Every process (API, worker, scheduler) answers GET /healthz and /readyz on this port for health checks; off when unset.'),
  HEALTH_HOST: z.string().min(1).default('0.0.0.0').describe('Where the health checks listen.'),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default('pe').describe('Prefix of every BullMQ key, so several engines (or test files) can share one Redis.'),
  QUEUE_PARTITIONS: int(1, 256).default(4).describe('Event queues; an event goes to one by a hash of its user id. Producers and workers must agree.'),
  WORKER_CONCURRENCY: int(1, 1000).default(64).describe('Jobs a worker takes per partition at once (they share commits).'),
  APPLY_BATCH_MAX: int(1, 5000).default(256).describe('Most events one database transaction applies.'),
  PG_POOL_MAX: int(1, 200).default(10).describe('PostgreSQL connections per process.'),
  GROUP_COMMIT: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true')
    .describe('`false` applies each job in its own, concurrent transaction (the naive design the benchmark compares against).'),
  SPEND_TIMEOUT_MS: int(100, 120_000).default(10_000).describe('How long POST /spend waits for the outcome before answering 202 "queued".'),
  // The worker sizes the earning rules' windows from the same two bounds (docs/rules.md).
  EVENT_MAX_AGE_SECONDS: int(1, MAX_EVENT_AGE_SECONDS)
    .default(DEFAULT_EVENT_TIME_BOUND.maxAgeSeconds)
    .describe("How old an event's occurred_at may be when it reaches the API (else 400); also sizes the earning rules' windows, so give every process the same value (docs/rules.md)."),
  EVENT_MAX_FUTURE_SECONDS: int(0, MAX_EVENT_FUTURE_SECONDS)
    .default(DEFAULT_EVENT_TIME_BOUND.maxFutureSeconds)
    .describe("How far ahead of the API's clock an occurred_at may be (clock skew; else 400)."),
  // An outage is not a failure: an unreachable PostgreSQL sets the job aside without using an attempt.
  JOB_ATTEMPTS: int(1, 1_000).default(12).describe('Attempts of an event job for failures that are not an outage (an outage uses none).'),
  JOB_BACKOFF_MS: int(1, 3_600_000).default(250).describe("An event job's first retry delay (doubling)."),
  OUTAGE_PROBE_MAX_MS: int(100, 600_000).default(5_000).describe('While PostgreSQL is unreachable, workers pause and probe it, backing off up to this.'),
  REDIS_DURABILITY: z
    .enum(['require', 'warn'])
    .optional()
    .describe('`require`: refuse to start (and /readyz 503) unless Redis keeps queued jobs across a crash (AOF on, noeviction); `warn`: log what a crash would lose. Unset: `require` when NODE_ENV=production, else `warn` (docs/reliability.md).'),
  SHUTDOWN_TIMEOUT_MS: int(1_000, 3_600_000).default(60_000).describe("Longest a graceful shutdown (SIGTERM) may take; then the process exits anyway (held jobs are recovered by BullMQ's stalled check)."),
  OUTBOX_RETENTION_DAYS: int(1, 3650).default(7).describe('Delivered outbox rows older than this are deleted (hourly; undelivered rows never are).'),
  WEBHOOK_RETENTION_DAYS: int(1, 36500).default(90).describe('Received payment webhooks (an audit log) and hourly counts of unverified ones older than this are deleted (hourly; stored payments never are).'),
  CYCLE_STREAMS: int(1, 32).default(2).describe('User ranges one 15-minute cycle processes side by side, each on its own database connection (about one per database core).'),
  // A compressed clock for test harnesses (the chaos run): program time runs CLOCK_RATE times faster
  // than real time from CLOCK_ORIGIN_MS (real epoch ms, the same for every process).
  CLOCK_RATE: z.coerce.number().positive().max(100_000).default(1).describe('Harnesses only: program time runs this many times faster than real time (the chaos run). Leave at 1.'),
  CLOCK_ORIGIN_MS: z.coerce.number().int().nonnegative().optional().describe('Harnesses only: the real epoch ms CLOCK_RATE counts from, the same for every process; unset: each process start.'),
  PROGRAM_FILE: z.string().min(1).optional().describe('Path to a program file (JSON: the economy\'s rates and tables); unset: the built-in default program. GET /api/admin/config answers one.'),
  ROLES: z
    .string()
    .default('api,worker,scheduler')
    .transform((value) => value.split(',').map((role) => role.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['api', 'worker', 'scheduler'])).min(1))
    .describe('Which roles `npm start` (apps/engine) runs in its one process.'),
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/).default('256kb').describe('Largest request body the API accepts (larger: 413).'),
  BOT_EVENTS_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true')
    .describe('Relay outbox events to the `bot-events` queue; `false` if no bot consumes it.'),
  OUTBOX_POLL_MS: int(50, 60_000).default(1_000).describe('How often an idle outbox relay looks for new events.'),
  OUTBOX_BATCH_SIZE: int(1, 5_000).default(200).describe('Most outbox rows one relay pass publishes.'),
  CALLBACK_URL: url(['http:', 'https:']).optional().describe('Where events are POSTed as signed HTTP callbacks (http or https); off when unset. Needs CALLBACK_SECRET.'),
  CALLBACK_SECRET: z.string().min(16).optional().describe('HMAC-SHA256 key of `X-Points-Signature: sha256=<hex>` over the raw body (at least 16 characters; required with CALLBACK_URL).'),
  CALLBACK_ATTEMPTS: int(1, 100).default(12).describe('Callback attempts (exponential backoff from CALLBACK_BACKOFF_MS).'),
  CALLBACK_BACKOFF_MS: int(10, 3_600_000).default(1_000).describe("A callback's first retry delay (doubling)."),
  CALLBACK_TIMEOUT_MS: int(100, 120_000).default(10_000).describe('Timeout of one callback request.'),
  CALLBACK_CONCURRENCY: int(1, 1_000).default(16).describe('Callback requests a worker sends at once.'),
  TELEGRAM_BOT_TOKEN: z.string().min(20).optional().describe('Bot token that signs Telegram Mini App initData; end-user reads (Mini App sign-in) are off when unset.'),
  TELEGRAM_INIT_DATA_MAX_AGE_SECONDS: int(60, 30 * 86_400).default(86_400).describe("How old a Mini App's initData (auth_date) may be."),
  API_RATE_LIMIT_PER_MINUTE: int(1, 10_000_000).default(600_000).describe('Requests one API key may make per minute (then 429 with Retry-After).'),
  IP_RATE_LIMIT_PER_MINUTE: int(1, 100_000_000).default(300_000).describe('Requests one client address may make per minute, to any route, counted before any key is looked at.'),
  AUTH_FAILURE_LIMIT_PER_MINUTE: int(1, 1_000_000)
    .default(60)
    .describe('Failed authentications (bad, unknown, revoked or expired keys; bad webhook signatures; bad initData) one client address may make per minute; then all its requests answer 429.'),
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
    })
    .describe("Express `trust proxy`: which X-Forwarded-For hops name the client. `false`: the socket's address; a number of proxies in front; or a comma list of proxy addresses/subnets (`loopback`, `10.0.0.0/8`). Never `true` (docs/security.md)."),
  CORS_ORIGINS: corsOriginsSchema.describe('Browser pages on these origins may call the Mini App reads and /api/openapi.json (CORS): a comma list of exact origins (`https://mini.example.com`), or `*`; unset: no CORS headers (docs/api.md).'),
  API_KEYS_REFRESH_SECONDS: int(1, 86_400).default(60).describe('Each API process re-reads every API key this often besides on change notifications (the fallback).'),
  TELEGRAM_USER_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(120).describe('Requests one Telegram Mini App user (reads signed with initData) may make per minute.'),
  NOWPAYMENTS_IPN_SECRET: z.string().min(8).optional().describe('NOWPayments IPN secret (HMAC-SHA512 of x-nowpayments-sig); enables POST /webhooks/nowpayments (404 when unset).'),
  TELEGRAM_STARS_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, '16–256 of A-Z a-z 0-9 _ - (Telegram secret_token rules)')
    .optional()
    .describe('Shared with your bot, sent as X-Telegram-Bot-Api-Secret-Token (16–256 of A-Za-z0-9_-); enables POST /webhooks/telegram-stars.'),
  TON_WEBHOOK_SECRET: z.string().min(16).optional().describe('HMAC-SHA256 key of your TON payment watcher (x-signature over the raw body); enables POST /webhooks/ton.'),
  PAYMENT_SWEEP_AFTER_SECONDS: int(0, 86_400).default(300).describe('A stored payment the ledger has not recorded this long after it was queued is queued again (the payment sweeper, every minute; docs/payments.md).'),
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
    .optional()
    .describe("Deprecated: use the program's `products` (docs/payments.md). JSON `{\"name\": product}`: named products a payment reference may use besides sub:TIER[:periods], pack:ID, credit:N."),
});

/** The environment, parsed: envVariables plus the rules that span variables. */
export const envSchema = envVariables
  .superRefine((env, ctx) => {
    if (env.CALLBACK_URL && !env.CALLBACK_SECRET) ctx.addIssue({ code: 'custom', path: ['CALLBACK_SECRET'], message: 'required when CALLBACK_URL is set' });
  })
  .transform((env) => ({ ...env, REDIS_DURABILITY: env.REDIS_DURABILITY ?? (env.NODE_ENV === 'production' ? 'require' : 'warn') }));

export type Env = z.infer<typeof envSchema>;
