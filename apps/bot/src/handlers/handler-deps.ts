import type { PointsClient } from '@points-engine/client';
import type { Program } from '@points-engine/domain';
import type { Logger } from '@points-engine/logger';
import type { BotEnv } from '../bot.env.ts';
import type { EngineApi } from '../engine-api.ts';
import type { PaymentForwarder } from '../payment-forwarder.ts';

/** What the handlers share: the bot's settings, the program, the engine's client and HTTP API. */
export interface HandlerDeps {
  config: Pick<BotEnv, 'BOT_ADMIN_IDS' | 'BOT_SPEND_TIMEOUT_MS' | 'BOT_IMAGE_SECONDS'>;
  program: Program;
  logger: Logger;
  client: PointsClient;
  engine: EngineApi;
  payments: PaymentForwarder;
}
