import { Composer, type NextFunction } from 'grammy';
import { clip, type BotContext } from '../bot-context.ts';
import { answerWith, typeLabel } from './engine-call.ts';
import type { HandlerDeps } from './handler-deps.ts';

const USER_ID = /^[A-Za-z0-9_.:@-]{1,64}$/;
const AMOUNT = /^[1-9]\d{0,14}$/;

/** `<user_id> <amount> [reason…]`, or null when it does not parse. */
export function parseAdjustment(args: string): { userId: string; amount: number; reason: string | null } | null {
  const [userId, amount, ...reason] = args.trim().split(/\s+/);
  if (!userId || !amount || !USER_ID.test(userId) || !AMOUNT.test(amount)) return null;
  const value = Number(amount);
  if (!Number.isSafeInteger(value)) return null;
  return { userId, amount: value, reason: reason.join(' ').slice(0, 400) || null };
}

/**
 * The admin commands, for the Telegram users in BOT_ADMIN_IDS only (anyone else is told no),
 * through the engine's /api/admin routes with the bot's admin key. An adjustment's idempotency key
 * is the command message's (chat, message id): a redelivered update applies nothing twice. The
 * engine records the admin key as the operator; the Telegram admin is in the reason and metadata.
 */
export function adminHandlers(deps: HandlerDeps): Composer<BotContext> {
  const bot = new Composer<BotContext>();
  const { engine, logger } = deps;
  const admins = new Set(deps.config.BOT_ADMIN_IDS);

  const onlyAdmins = async (ctx: BotContext, next: NextFunction) => {
    if (!admins.has(String(ctx.from?.id))) {
      logger.warn({ user: ctx.from?.id, text: ctx.msg?.text?.slice(0, 40) }, 'admin command refused: not in BOT_ADMIN_IDS');
      await ctx.reply(ctx.t.notAdmin());
      return;
    }
    if (!engine.hasAdmin) {
      await ctx.reply(ctx.t.adminOff());
      return;
    }
    await next();
  };
  bot.command('points_analytics', onlyAdmins, (ctx) => answerWith(ctx, logger, async () => clip(ctx.t.analytics(await engine.analytics(ctx.lang)))));
  bot.command('points_config', onlyAdmins, (ctx) => answerWith(ctx, logger, async () => clip(ctx.t.config(await engine.config()))));
  bot.command('points_user', onlyAdmins, async (ctx) => {
    const userId = ctx.match.trim();
    if (!USER_ID.test(userId)) return void (await ctx.reply(ctx.t.usage('user')));
    await answerWith(ctx, logger, async () => {
      const user = await engine.adminUser(userId, ctx.lang);
      return user ? clip(ctx.t.adminUser(user, typeLabel(deps.program, ctx.lang))) : ctx.t.userNotFound(userId);
    });
  });
  for (const kind of ['grant', 'deduct'] as const) {
    bot.command(`points_${kind}`, onlyAdmins, async (ctx) => {
      const parsed = parseAdjustment(ctx.match);
      if (!parsed) return void (await ctx.reply(ctx.t.usage(kind)));
      const by = `telegram admin ${ctx.from?.id}`;
      const body = {
        amount: parsed.amount,
        reason: parsed.reason ? `${parsed.reason} (${by})` : by,
        idempotency_key: `bot-admin:${ctx.chat.id}:${ctx.msg.message_id}`,
        metadata: { telegram_admin_id: String(ctx.from?.id), chat_id: ctx.chat.id, message_id: ctx.msg.message_id },
      };
      await answerWith(ctx, logger, async () => ctx.t.adjusted(kind, parsed.userId, await engine.adjust(kind, parsed.userId, body, ctx.lang)));
    });
  }
  return bot;
}
