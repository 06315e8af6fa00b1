import { Composer } from 'grammy';
import { IdempotencyConflictError, OutcomeTimeoutError } from '@points-engine/client';
import { reasonText } from '@points-engine/i18n';
import type { BotContext } from '../bot-context.ts';
import type { HandlerDeps } from './handler-deps.ts';

/**
 * /image: a paid demo command. The cost is the program's price of an `image` task of
 * BOT_IMAGE_SECONDS (the bot names the task, never a price); the spend is awaited and every
 * outcome answered: applied (the result and what is left), rejected (the engine's reason and how
 * to get more), no outcome in time ("still working": it stays queued and will be applied), the
 * key already used for another request (nothing charged twice), the engine unreachable.
 */
export function spendHandlers(deps: HandlerDeps): Composer<BotContext> {
  const bot = new Composer<BotContext>();
  bot.command('image', async (ctx) => {
    const user = String(ctx.from?.id);
    const key = `image:${user}:${ctx.chat.id}:${ctx.msg.message_id}`;
    let answer: string;
    try {
      const outcome = await deps.client.spend(
        { kind: 'spend', idempotency_key: key, user_id: user, task_type: 'image', duration_seconds: deps.config.BOT_IMAGE_SECONDS, metadata: { chat_id: ctx.chat.id, message_id: ctx.msg.message_id } },
        { timeoutMs: deps.config.BOT_SPEND_TIMEOUT_MS },
      );
      answer = outcome.status === 'applied' ? ctx.t.imageApplied(outcome.amount, outcome.balances) : ctx.t.imageRejected(reasonText(outcome.reason, ctx.lang) ?? String(outcome.reason));
    } catch (error) {
      if (error instanceof OutcomeTimeoutError) answer = ctx.t.stillWorking();
      else if (error instanceof IdempotencyConflictError) answer = ctx.t.conflict();
      else {
        deps.logger.error({ err: error, idempotency_key: key }, 'spend failed');
        answer = ctx.t.unavailable();
      }
    }
    await ctx.reply(answer);
  });
  return bot;
}
