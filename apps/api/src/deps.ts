import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { KeyVerifier } from '@points-engine/auth';
import type { PointsClient } from '@points-engine/client';
import type { Env } from '@points-engine/config';
import type { Db } from '@points-engine/db';
import type { EventTimeBound, Program } from '@points-engine/domain';
import type { Logger } from '@points-engine/logger';

/** Everything the API's routes use, opened by the composition root. */
export interface ApiDeps {
  db: Db;
  program: Program;
  client: PointsClient;
  redis: Redis;
  /** The API keys (in production the in-memory registry, kept current by LISTEN/NOTIFY). */
  verifier: KeyVerifier;
  logger: Logger;
  /** Every queue the engine uses, for Bull Board and status look-ups. */
  queues: Queue[];
  config: ApiConfig;
  now?: () => number;
  /** How far an event's occurred_at may stray from its arrival (default: DEFAULT_EVENT_TIME_BOUND). */
  eventTimeBound?: EventTimeBound;
}

/** The settings the API reads. */
export type ApiConfig = Pick<Env, 'SPEND_TIMEOUT_MS' | 'BODY_LIMIT' | 'QUEUE_PREFIX' | 'QUEUE_PARTITIONS' | 'API_RATE_LIMIT_PER_MINUTE' | 'IP_RATE_LIMIT_PER_MINUTE' | 'AUTH_FAILURE_LIMIT_PER_MINUTE' | 'TRUST_PROXY' | 'TELEGRAM_BOT_TOKEN' | 'TELEGRAM_INIT_DATA_MAX_AGE_SECONDS' | 'TELEGRAM_USER_RATE_LIMIT_PER_MINUTE' | 'NOWPAYMENTS_IPN_SECRET' | 'TELEGRAM_STARS_WEBHOOK_SECRET' | 'TON_WEBHOOK_SECRET' | 'PAYMENT_PRODUCTS'> & Partial<Pick<Env, 'REDIS_DURABILITY' | 'CORS_ORIGINS'>>;
