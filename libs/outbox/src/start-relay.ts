import { Worker } from 'bullmq';
import type { Env } from '@points-engine/config';
import type { Db } from '@points-engine/db';
import { CALLBACKS_QUEUE, createRedis } from '@points-engine/jobs';
import type { Logger } from '@points-engine/logger';
import { createCallbackProcessor } from './callback.processor.ts';
import { QueuePublisher } from './outbox.publisher.ts';
import { OutboxRelay } from './outbox.relay.ts';

export type RelayConfig = Pick<
  Env,
  | 'REDIS_URL'
  | 'QUEUE_PREFIX'
  | 'BOT_EVENTS_ENABLED'
  | 'OUTBOX_POLL_MS'
  | 'OUTBOX_BATCH_SIZE'
  | 'CALLBACK_URL'
  | 'CALLBACK_SECRET'
  | 'CALLBACK_ATTEMPTS'
  | 'CALLBACK_BACKOFF_MS'
  | 'CALLBACK_TIMEOUT_MS'
  | 'CALLBACK_CONCURRENCY'
>;

export interface RunningRelay {
  /** Null when there is nowhere to deliver (BOT_EVENTS_ENABLED=false and no CALLBACK_URL). */
  relay: OutboxRelay | null;
  /** The HTTP sender, when CALLBACK_URL is set. */
  callbacks: Worker | null;
  close(): Promise<void>;
}

/**
 * The outbox role of a worker process: the relay (PostgreSQL → `bot-events` and `callbacks`) and,
 * when CALLBACK_URL is set, the sender of signed HTTP callbacks. Opens its own Redis connections:
 * a fail-fast one for publishing (an outage fails the pass, which rolls back) and a blocking one
 * for the callbacks worker.
 */
export function startOutboxRelay(deps: { db: Db; logger: Logger }, config: RelayConfig): RunningRelay {
  const { db, logger } = deps;
  const callbackTarget = config.CALLBACK_URL && config.CALLBACK_SECRET ? { url: config.CALLBACK_URL, secret: config.CALLBACK_SECRET, timeoutMs: config.CALLBACK_TIMEOUT_MS } : null;
  if (!config.BOT_EVENTS_ENABLED && !callbackTarget) {
    logger.info('outbox relay off: BOT_EVENTS_ENABLED=false and no CALLBACK_URL (rows wait in the outbox)');
    return { relay: null, callbacks: null, close: async () => undefined };
  }
  const producer = createRedis(config.REDIS_URL, 'producer', { connectionName: `${config.QUEUE_PREFIX}:outbox-relay` });
  const publisher = new QueuePublisher({
    connection: producer,
    prefix: config.QUEUE_PREFIX,
    botEvents: config.BOT_EVENTS_ENABLED,
    callbacks: callbackTarget ? { attempts: config.CALLBACK_ATTEMPTS, backoffMs: config.CALLBACK_BACKOFF_MS } : undefined,
  });
  const relay = new OutboxRelay({ db, publisher, logger }, { batchSize: config.OUTBOX_BATCH_SIZE, pollMs: config.OUTBOX_POLL_MS });
  relay.start();

  let consumer: ReturnType<typeof createRedis> | null = null;
  let callbacks: Worker | null = null;
  if (callbackTarget) {
    consumer = createRedis(config.REDIS_URL, 'worker', { connectionName: `${config.QUEUE_PREFIX}:callbacks` });
    callbacks = new Worker(CALLBACKS_QUEUE, createCallbackProcessor({ db, logger }, callbackTarget), {
      connection: consumer,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.CALLBACK_CONCURRENCY,
    });
    callbacks.on('failed', (job, error) => logger.warn({ event_id: job?.id, attempts: job?.attemptsMade, err: error.message }, 'callback attempt failed'));
    callbacks.on('error', (error) => logger.error({ err: error }, 'callbacks worker error'));
  }
  logger.info(
    { bot_events: config.BOT_EVENTS_ENABLED, callback_url: callbackTarget ? redactUrl(callbackTarget.url) : null, poll_ms: config.OUTBOX_POLL_MS },
    'outbox relay started',
  );
  return {
    relay,
    callbacks,
    close: async () => {
      await relay.stop();
      await callbacks?.close();
      await publisher.close();
      producer.disconnect();
      consumer?.disconnect();
    },
  };
}

/** The callback URL without credentials or query (it may carry a token). */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
