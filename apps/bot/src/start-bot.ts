import type { Bot } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { PointsClient } from '@points-engine/client';
import type { Program } from '@points-engine/domain';
import { createRedis } from '@points-engine/jobs';
import type { Logger } from '@points-engine/logger';
import type { BotContext } from './bot-context.ts';
import type { BotEnv } from './bot.env.ts';
import { BotState } from './bot-state.ts';
import { COMMAND_MENU, createBot } from './create-bot.ts';
import { EngineApi } from './engine-api.ts';
import { consumeBotEvents, handleBotEvent } from './notices.consumer.ts';
import { PaymentForwarder } from './payment-forwarder.ts';
import { textsFor } from './texts/texts.ts';

export interface RunningBot {
  bot: Bot<BotContext>;
  client: PointsClient;
  payments: PaymentForwarder;
  /** Resolves once long polling has started (getMe answered, the first getUpdates sent). */
  polling: Promise<void>;
  /** Stops polling (the update in hand finishes), then the event consumer, the forwarder, the client and the connections. */
  close(): Promise<void>;
}

/**
 * Starts the reference bot: long polling against TELEGRAM_API_ROOT, the engine's client for earn
 * and spend, its HTTP API for reads and admin commands, the `bot-events` consumer for notices, and
 * the Stars payment forwarder. Every Redis connection is named after QUEUE_PREFIX.
 */
export async function startPointsBot(
  config: BotEnv,
  deps: { program: Program; logger: Logger; botInfo?: UserFromGetMe; payments?: { attempts?: number; backoffMs?: number } },
): Promise<RunningBot> {
  const { program, logger } = deps;
  const name = (role: string) => ({ connectionName: `${config.QUEUE_PREFIX}:bot-${role}` });
  const stateRedis = createRedis(config.REDIS_URL, 'producer', name('state'));
  const eventsRedis = createRedis(config.REDIS_URL, 'worker', name('events'));
  const paymentsRedis = createRedis(config.REDIS_URL, 'worker', name('payments'));
  const client = new PointsClient({
    redisUrl: config.REDIS_URL,
    prefix: config.QUEUE_PREFIX,
    partitions: config.QUEUE_PARTITIONS,
    attempts: config.JOB_ATTEMPTS,
    backoffMs: config.JOB_BACKOFF_MS,
    timeoutMs: config.BOT_SPEND_TIMEOUT_MS,
    logger,
  });
  const engine = new EngineApi({ url: config.ENGINE_URL, readerKey: config.ENGINE_READER_KEY, adminKey: config.ENGINE_ADMIN_KEY, starsSecret: config.TELEGRAM_STARS_WEBHOOK_SECRET });
  const state = new BotState(stateRedis, config.BOT_STATE_PREFIX);
  const payments = new PaymentForwarder({ connection: paymentsRedis, prefix: config.BOT_STATE_PREFIX, engine, logger, ...deps.payments });
  const bot = createBot({ token: config.TELEGRAM_BOT_TOKEN, apiRoot: config.TELEGRAM_API_ROOT, ...(deps.botInfo ? { botInfo: deps.botInfo } : {}) }, { config, program, logger, client, engine, payments, state });

  await bot.init();
  await bot.api.setMyCommands([...COMMAND_MENU.en]);
  await bot.api.setMyCommands([...COMMAND_MENU.ru], { language_code: 'ru' });
  payments.start(async (forward, answer) => {
    if (answer.status !== 'rejected') return;
    // Telling the buyer is best effort: a failed message must not forward the payment again.
    await bot.api
      .sendMessage(forward.chat_id, textsFor(forward.lang).paymentRejected(answer.message ?? answer.reason ?? answer.status))
      .catch((error: unknown) => logger.warn({ err: error, chat: forward.chat_id }, 'could not tell the buyer their payment was rejected'));
  });
  const events = consumeBotEvents({ connection: eventsRedis, prefix: config.QUEUE_PREFIX, logger }, handleBotEvent({ api: bot.api, state, program, logger }));

  let started: () => void = () => undefined;
  const polling = new Promise<void>((resolve) => (started = resolve));
  const running = bot.start({ allowed_updates: ['message', 'callback_query', 'pre_checkout_query'], onStart: (me) => {
    logger.info({ username: me.username }, 'bot polling');
    started();
  } });
  running.catch((error: unknown) => logger.error({ err: error }, 'bot polling stopped'));

  return {
    bot,
    client,
    payments,
    polling,
    close: async () => {
      if (bot.isRunning()) await bot.stop();
      await running.catch(() => undefined);
      await events.close();
      await payments.close();
      await client.close();
      for (const connection of [stateRedis, eventsRedis, paymentsRedis]) connection.disconnect();
    },
  };
}
