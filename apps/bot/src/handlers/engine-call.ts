import type { Program } from '@points-engine/domain';
import { activityLabel, kindLabel, type Lang } from '@points-engine/i18n';
import type { Logger } from '@points-engine/logger';
import type { BotContext } from '../bot-context.ts';
import { EngineError } from '../engine-api.ts';
import type { TypeLabel } from '../texts/texts.ts';

/**
 * Runs a read or admin call and answers with its text; when the engine cannot answer, says so
 * (and logs why) instead of leaving the user with nothing. A 4xx the engine explains is shown.
 */
export async function answerWith(ctx: BotContext, logger: Logger, call: () => Promise<string>, send: (text: string) => Promise<unknown> = (text) => ctx.reply(text)): Promise<void> {
  let text: string;
  try {
    text = await call();
  } catch (error) {
    const refused = error instanceof EngineError && error.status >= 400 && error.status < 500 && error.status !== 429;
    logger.warn({ err: error, user: ctx.from?.id }, refused ? 'the engine refused a bot request' : 'the engine could not answer the bot');
    text = refused ? ctx.t.engineRefused((error as EngineError).message) : ctx.t.unavailable();
  }
  await send(text);
}

/** A history row's label: the activity of an earn, else the transaction type, in `lang`. */
export function typeLabel(program: Program, lang: Lang): TypeLabel {
  return (type, details) => {
    const activity = details['activity'];
    return type === 'earn' && typeof activity === 'string' ? activityLabel(program, activity, lang) : kindLabel(type, lang);
  };
}
