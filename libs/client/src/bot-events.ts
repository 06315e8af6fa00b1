import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { BOT_EVENTS_QUEUE, botEventSchema, createRedis, parseBotEvent, type BotEvent } from '@points-engine/jobs';
import type { ClientLogger } from './client-logger.ts';

export type { BotEvent, BotEventPayload, BotEventType, KnownBotEvent, UnknownBotEvent } from '@points-engine/jobs';

export interface BotEventConsumerOptions {
  redisUrl?: string;
  /** An existing connection with `maxRetriesPerRequest: null` (left open on close). */
  connection?: Redis;
  /** The engine's QUEUE_PREFIX. */
  prefix: string;
  /** Events handled at once (default 8). */
  concurrency?: number;
  logger?: ClientLogger;
}

/**
 * Handles one event, typed by `type` (an event of a type this version does not know arrives as
 * `type: 'unknown'` with its real type in `unknown_type`); throwing retries it later (exponential
 * backoff, 8 attempts).
 */
export type BotEventHandler = (event: BotEvent, job: Job) => unknown;

export interface BotEventSubscription {
  worker: Worker;
  /** Stops taking events, lets handlers in flight finish. */
  close(): Promise<void>;
}

/**
 * Consumes the engine's events for the bot (level-ups, streak milestones, purchases, lapsed holds,
 * points about to expire) from the `bot-events` queue. Delivery is at least once: the same
 * `event_id` can arrive twice (after a crash of the engine's relay, or a handler that failed
 * after acting), so make the handler idempotent by `event_id`.
 *
 * A job whose data is not a bot event, or whose payload does not match its type's schema, fails
 * as unrecoverable with the reason (kept in the failed set); the handler never sees it.
 *
 * ```ts
 * const sub = onBotEvent({ redisUrl, prefix: 'pe' }, async (event) => {
 *   if (event.type === 'level_up') await bot.sendMessage(event.user_id, `Level ${event.payload.to}!`);
 * });
 * ```
 */
export function onBotEvent(options: BotEventConsumerOptions, handler: BotEventHandler): BotEventSubscription {
  if (!options.connection && !options.redisUrl) throw new Error('onBotEvent needs redisUrl or connection');
  const connection = options.connection ?? createRedis(options.redisUrl as string, 'worker', { connectionName: `${options.prefix}:bot-events-consumer` });
  const worker = new Worker(
    BOT_EVENTS_QUEUE,
    async (job: Job) => {
      const envelope = botEventSchema.safeParse(job.data);
      if (!envelope.success) throw new UnrecoverableError(`invalid bot event: ${envelope.error.issues[0]?.message ?? 'invalid'}`);
      const typed = parseBotEvent(envelope.data);
      if (!typed.ok) throw new UnrecoverableError(`invalid bot event: ${typed.error}`);
      return handler(typed.event, job);
    },
    { connection, prefix: options.prefix, concurrency: options.concurrency ?? 8 },
  );
  worker.on('failed', (job, error) => options.logger?.warn({ event_id: job?.id, attempts: job?.attemptsMade, err: error.message }, 'bot event handler failed'));
  worker.on('error', (error) => options.logger?.error({ err: error }, 'bot events worker error'));
  return {
    worker,
    close: async () => {
      await worker.close();
      if (!options.connection) connection.disconnect();
    },
  };
}
