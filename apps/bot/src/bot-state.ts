import type { Redis } from 'ioredis';
import type { Lang } from '@points-engine/i18n';

/** How long a delivered event id is remembered: longer than BullMQ keeps completed bot-events jobs (a week). */
const DELIVERED_TTL_SECONDS = 8 * 86_400;
/** Users whose language is cached in memory; past this the cache starts over (Redis keeps them all). */
const LANG_CACHE_MAX = 100_000;
/** How long one delivery may hold its claim before another may try (a crashed bot's claim lapses). */
const CLAIM_TTL_MS = 60_000;

export type EventClaim = 'claimed' | 'delivered' | 'busy';

/**
 * The bot's own memory in Redis, under its prefix: each user's language (an engine event names a
 * user, not a language) and which engine events were already delivered (delivery is at least once).
 */
export class BotState {
  private readonly langs = new Map<string, Lang>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Remembers the language a user last wrote in (written only when it changes). */
  async rememberLang(userId: string, lang: Lang): Promise<void> {
    if (this.langs.get(userId) === lang) return;
    await this.redis.hset(`${this.prefix}:lang`, userId, lang);
    if (this.langs.size >= LANG_CACHE_MAX) this.langs.clear();
    this.langs.set(userId, lang);
  }

  /** The language a user last wrote in; English for a user the bot has not seen. */
  async langOf(userId: string): Promise<Lang> {
    const known = this.langs.get(userId) ?? (await this.redis.hget(`${this.prefix}:lang`, userId));
    return known === 'ru' ? 'ru' : 'en';
  }

  /**
   * Takes an event for delivery: `claimed` (send it, then `delivered()`), `delivered` (already
   * sent: skip), or `busy` (another delivery holds it: try later).
   */
  async claimEvent(eventId: string): Promise<EventClaim> {
    const key = this.eventKey(eventId);
    if ((await this.redis.set(key, 'sending', 'PX', CLAIM_TTL_MS, 'NX')) === 'OK') return 'claimed';
    return (await this.redis.get(key)) === 'delivered' ? 'delivered' : 'busy';
  }

  async delivered(eventId: string): Promise<void> {
    await this.redis.set(this.eventKey(eventId), 'delivered', 'EX', DELIVERED_TTL_SECONDS);
  }

  /** Gives a claim back after a failed send, so the retry can send it. */
  async release(eventId: string): Promise<void> {
    const key = this.eventKey(eventId);
    if ((await this.redis.get(key)) === 'sending') await this.redis.del(key);
  }

  private eventKey(eventId: string): string {
    return `${this.prefix}:event:${eventId}`;
  }
}
