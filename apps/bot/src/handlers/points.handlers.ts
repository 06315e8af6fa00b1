import { Composer, GrammyError, InlineKeyboard } from 'grammy';
import type { BotContext } from '../bot-context.ts';
import { answerWith, typeLabel } from './engine-call.ts';
import type { HandlerDeps } from './handler-deps.ts';

/** Callback data of the /points buttons. */
export const POINTS_BUTTONS = { main: 'points:main', history: 'points:history', rating: 'points:rating', earn: 'points:earn' } as const;

function pointsKeyboard(ctx: BotContext): InlineKeyboard {
  const b = ctx.t.buttons;
  return new InlineKeyboard().text(b.history, POINTS_BUTTONS.history).text(b.rating, POINTS_BUTTONS.rating).row().text(b.howToEarn, POINTS_BUTTONS.earn);
}
const backKeyboard = (ctx: BotContext) => new InlineKeyboard().text(ctx.t.buttons.back, POINTS_BUTTONS.main);

/**
 * /points with its three buttons (📜 History, 🏆 Rating, 📊 How to earn: each edits the message,
 * ⬅️ Back returns), /level, /leaderboard and /stats. Reads go to the engine's HTTP API with the reader key;
 * whoever presses a button sees their own points.
 */
export function pointsHandlers(deps: HandlerDeps): Composer<BotContext> {
  const bot = new Composer<BotContext>();
  const { engine, logger, program } = deps;
  const me = (ctx: BotContext) => String(ctx.from?.id);

  bot.command('points', (ctx) =>
    answerWith(ctx, logger, async () => ctx.t.points(await engine.balance(me(ctx), ctx.lang)), (text) => ctx.reply(text, { reply_markup: pointsKeyboard(ctx) })),
  );

  const screens: Record<string, { text: (ctx: BotContext) => Promise<string>; keyboard: (ctx: BotContext) => InlineKeyboard }> = {
    [POINTS_BUTTONS.main]: { text: async (ctx) => ctx.t.points(await engine.balance(me(ctx), ctx.lang)), keyboard: pointsKeyboard },
    [POINTS_BUTTONS.history]: { text: async (ctx) => ctx.t.history(await engine.history(me(ctx), ctx.lang), typeLabel(program, ctx.lang)), keyboard: backKeyboard },
    [POINTS_BUTTONS.rating]: { text: async (ctx) => ctx.t.rating(await engine.leaderboard(me(ctx), ctx.lang), me(ctx)), keyboard: backKeyboard },
    [POINTS_BUTTONS.earn]: { text: async (ctx) => ctx.t.howToEarn(await engine.earningRules(me(ctx), ctx.lang)), keyboard: backKeyboard },
  };
  for (const [data, screen] of Object.entries(screens)) {
    bot.callbackQuery(data, async (ctx) => {
      await ctx.answerCallbackQuery();
      await answerWith(ctx, logger, () => screen.text(ctx), (text) =>
        ctx.editMessageText(text, { reply_markup: screen.keyboard(ctx) }).catch((error: unknown) => {
          // The same button pressed twice: Telegram refuses an edit that changes nothing.
          if (!(error instanceof GrammyError && error.description.includes('message is not modified'))) throw error;
        }),
      );
    });
  }

  bot.command('level', (ctx) =>
    answerWith(ctx, logger, async () => {
      const [levels, balance] = await Promise.all([engine.levels(ctx.lang), engine.balance(me(ctx), ctx.lang)]);
      return ctx.t.levels(levels, balance.level);
    }),
  );

  bot.command('stats', (ctx) => answerWith(ctx, logger, async () => ctx.t.stats(await engine.stats(me(ctx), ctx.lang))));

  bot.command('leaderboard', (ctx) => answerWith(ctx, logger, async () => ctx.t.rating(await engine.leaderboard(me(ctx), ctx.lang), me(ctx))));
  return bot;
}
