export { startPointsBot, type RunningBot } from './start-bot.ts';
export { createBot, COMMAND_MENU, type CreateBotOptions } from './create-bot.ts';
export { botEnvSchema, loadBotConfig, BotConfigError, type BotEnv } from './bot.env.ts';
export { EngineApi, EngineError } from './engine-api.ts';
export { starsCatalogue, starsProduct, type StarsProduct } from './catalogue.ts';
export { parseAdjustment } from './handlers/admin.handlers.ts';
export { POINTS_BUTTONS } from './handlers/points.handlers.ts';
export { langOfCode } from './bot-context.ts';
export { PaymentForwarder, BOT_PAYMENTS_QUEUE, type StarsForward } from './payment-forwarder.ts';
