import { Bot } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { BotState } from './bot-state.ts';
import { langOfCode, type BotContext } from './bot-context.ts';
import { adminHandlers } from './handlers/admin.handlers.ts';
import { earningHandlers } from './handlers/earning.handlers.ts';
import type { HandlerDeps } from './handlers/handler-deps.ts';
import { paymentsHandlers } from './handlers/payments.handlers.ts';
import { pointsHandlers } from './handlers/points.handlers.ts';
import { spendHandlers } from './handlers/spend.handlers.ts';
import { textsFor } from './texts/texts.ts';

export interface CreateBotOptions {
  token: string;
  /** TELEGRAM_API_ROOT: Telegram's, a local Bot API server, or a test's fake. */
  apiRoot: string;
  botInfo?: UserFromGetMe;
}

/** The grammY bot with every handler: the user's language first, then payments, admin, points, spending and earning. */
export function createBot(options: CreateBotOptions, deps: HandlerDeps & { state: BotState }): Bot<BotContext> {
  const bot = new Bot<BotContext>(options.token, { client: { apiRoot: options.apiRoot }, ...(options.botInfo ? { botInfo: options.botInfo } : {}) });
  bot.use(async (ctx, next) => {
    ctx.lang = langOfCode(ctx.from?.language_code);
    ctx.t = textsFor(ctx.lang);
    // Engine events name a user, not a language: remember the one they write in.
    if (ctx.from) deps.state.rememberLang(String(ctx.from.id), ctx.lang).catch((error: unknown) => deps.logger.warn({ err: error }, 'could not remember the user language'));
    await next();
  });
  bot.use(paymentsHandlers(deps));
  bot.use(adminHandlers(deps));
  bot.use(pointsHandlers(deps));
  bot.use(spendHandlers(deps));
  bot.use(earningHandlers(deps));
  // grammY's default handler stops polling on the first error: one bad update must not stop the bot.
  bot.catch((error) => deps.logger.error({ err: error.error, update_id: error.ctx.update.update_id }, 'update handler failed'));
  return bot;
}

/** The command menus Telegram shows, per language. */
export const COMMAND_MENU = {
  en: [
    { command: 'points', description: 'Your points, history, rating, how to earn' },
    { command: 'level', description: 'All levels' },
    { command: 'leaderboard', description: "This week's rating" },
    { command: 'stats', description: 'What you earned in the last 7 days' },
    { command: 'chart', description: 'Technical analysis (demo)' },
    { command: 'image', description: 'A paid image (demo)' },
    { command: 'buy', description: 'Buy with Telegram Stars' },
  ],
  ru: [
    { command: 'points', description: 'Поинты, история, рейтинг, как заработать' },
    { command: 'level', description: 'Все уровни' },
    { command: 'leaderboard', description: 'Рейтинг недели' },
    { command: 'stats', description: 'Что вы заработали за 7 дней' },
    { command: 'chart', description: 'Технический анализ (демо)' },
    { command: 'image', description: 'Платное изображение (демо)' },
    { command: 'buy', description: 'Купить за Telegram Stars' },
  ],
} as const;
