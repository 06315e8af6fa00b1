import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ApiKeyVerifier } from '@pe/auth';
import type { PointsClient } from '@pe/client';
import type { Env } from '@pe/config';
import type { Db } from '@pe/db';
import type { Program } from '@pe/domain';
import type { Logger } from '@pe/logger';

/** Everything the API's routes use, opened by the composition root. */
export interface ApiDeps {
  db: Db;
  program: Program;
  client: PointsClient;
  redis: Redis;
  verifier: ApiKeyVerifier;
  logger: Logger;
  /** Every queue the engine uses, for Bull Board and status look-ups. */
  queues: Queue[];
  config: Pick<Env, 'SPEND_TIMEOUT_MS' | 'BODY_LIMIT' | 'QUEUE_PREFIX' | 'QUEUE_PARTITIONS' | 'API_RATE_LIMIT_PER_MINUTE' | 'TELEGRAM_BOT_TOKEN' | 'TELEGRAM_INIT_DATA_MAX_AGE_SECONDS' | 'TELEGRAM_USER_RATE_LIMIT_PER_MINUTE' | 'NOWPAYMENTS_IPN_SECRET' | 'TELEGRAM_STARS_WEBHOOK_SECRET' | 'TON_WEBHOOK_SECRET' | 'PAYMENT_PRODUCTS'> & Partial<Pick<Env, 'REDIS_DURABILITY'>>;
  now?: () => number;
}
