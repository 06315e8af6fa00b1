import { GrammyError, type Api } from 'grammy';
import type { Redis } from 'ioredis';
import { onBotEvent, type BotEvent, type BotEventSubscription } from '@points-engine/client';
import type { Program } from '@points-engine/domain';
import { noticeText, type NoticePayload } from '@points-engine/i18n';
import type { Logger } from '@points-engine/logger';
import type { BotState } from './bot-state.ts';

/**
 * Delivers the engine's events for users (level-ups, streak milestones, purchases applied, holds
 * lapsed, points expiring) as messages in their language, worded by libs/i18n as the engine's
 * admin view words them. Delivery is at least once, so each event_id is claimed before sending
 * and marked delivered after: a redelivered event is not sent again, and a failed send gives the
 * claim back and throws, so BullMQ retries it. A user who blocked the bot is given up on.
 */
export function handleBotEvent(deps: { api: Api; state: BotState; program: Program; logger: Logger }) {
  return async (event: BotEvent): Promise<string> => {
    const claim = await deps.state.claimEvent(event.event_id);
    if (claim === 'delivered') return 'duplicate';
    if (claim === 'busy') throw new Error(`event ${event.event_id} is being delivered by another handler`);
    const text = noticeText({ ...event.payload, type: event.type } as NoticePayload, await deps.state.langOf(event.user_id), deps.program);
    if (text === null) {
      await deps.state.delivered(event.event_id);
      return 'ignored';
    }
    try {
      await deps.api.sendMessage(event.user_id, text);
    } catch (error) {
      // 403: blocked by the user; 400: no such chat (a user id that never talked to the bot).
      if (error instanceof GrammyError && (error.error_code === 403 || error.error_code === 400)) {
        deps.logger.info({ event_id: event.event_id, user: event.user_id, err: error.description }, 'bot event not deliverable: given up');
        await deps.state.delivered(event.event_id);
        return 'undeliverable';
      }
      await deps.state.release(event.event_id);
      throw error;
    }
    await deps.state.delivered(event.event_id);
    return 'sent';
  };
}

/** Consumes the engine's `bot-events` queue (QUEUE_PREFIX) on its own blocking connection. */
export function consumeBotEvents(options: { connection: Redis; prefix: string; logger: Logger }, handler: ReturnType<typeof handleBotEvent>): BotEventSubscription {
  return onBotEvent({ connection: options.connection, prefix: options.prefix, logger: options.logger, concurrency: 4 }, handler);
}
