import { Composer } from 'grammy';
import type { Message } from 'grammy/types';
import type { BotContext } from '../bot-context.ts';
import type { HandlerDeps } from './handler-deps.ts';

/** The message's place, for idempotency keys: a message id is unique within its chat. */
const where = (message: Message) => `${message.chat.id}:${message.message_id}`;
const REFERRAL = /^ref_(\d{1,20})$/;

/**
 * The chat bot's own work, each request earning its activity, fire-and-forget: `earn()` never
 * throws and never waits, so points can never hold up or break an answer. Keys come from the
 * message (chat and message id), so a redelivered update earns once.
 */
export function earningHandlers(deps: HandlerDeps): Composer<BotContext> {
  const bot = new Composer<BotContext>();
  const isNewcomer = async (user: string): Promise<boolean> => {
    try {
      return (await deps.engine.balance(user, 'en')).lifetime_earned === 0;
    } catch (error) {
      deps.logger.warn({ err: error, user }, 'referral not counted: the engine could not say whether the user is new');
      return false;
    }
  };
  const earn = (ctx: BotContext, activity: string, key: string, extra: { referred_user_id?: string; user_id?: string } = {}) => {
    const message = ctx.msg as Message;
    deps.client.earn({
      kind: 'earn',
      idempotency_key: key,
      user_id: extra.user_id ?? String(ctx.from?.id),
      activity,
      ...(extra.referred_user_id ? { referred_user_id: extra.referred_user_id } : {}),
      metadata: { chat_id: message.chat.id, message_id: message.message_id },
    });
  };

  // /start: the daily login (the engine pays it once per program day), and a referral signup for
  // the inviter of a `t.me/bot?start=ref_<id>` link. The engine refuses self- and re-referrals; the
  // bot also pays only for a newcomer (nothing earned yet), so an old user cannot be "invited".
  bot.command('start', async (ctx) => {
    const user = String(ctx.from?.id);
    const inviter = REFERRAL.exec(ctx.match.trim())?.[1];
    if (inviter && inviter !== user && (await isNewcomer(user))) {
      earn(ctx, deps.program.earning.referral_signup_activity, `referral:${inviter}:${user}`, { user_id: inviter, referred_user_id: user });
    }
    earn(ctx, 'daily_login', `daily_login:${user}:${where(ctx.msg)}`);
    await ctx.reply(ctx.t.welcome(ctx.from?.first_name ?? '', { admin: deps.config.BOT_ADMIN_IDS.includes(user), stars: deps.engine.hasStars }));
  });

  bot.command('chart', async (ctx) => {
    earn(ctx, 'chart_request', `chart_req:${ctx.from?.id}:${where(ctx.msg)}`);
    await ctx.reply(ctx.t.chartAnswer(ctx.match.trim().toUpperCase().slice(0, 20) || 'BTC'));
  });

  bot.on('message:photo', async (ctx) => {
    earn(ctx, 'vision_request', `vision_req:${ctx.from.id}:${where(ctx.msg)}`);
    await ctx.reply(ctx.t.visionAnswer());
  });

  bot.on('message:text', async (ctx, next) => {
    // A command no handler took is not a request.
    if (ctx.msg.entities?.some((e) => e.type === 'bot_command' && e.offset === 0)) return next();
    earn(ctx, 'text_request', `text_req:${ctx.from.id}:${where(ctx.msg)}`);
    await ctx.reply(ctx.t.textAnswer(ctx.msg.text.length));
  });
  return bot;
}
