import type { z } from 'zod';
import type { Lang } from '@points-engine/i18n';
import {
  adjustmentAnswer,
  adminUserAnswer,
  analyticsAnswer,
  balanceAnswer,
  configAnswer,
  earningRulesAnswer,
  errorAnswer,
  historyAnswer,
  leaderboardAnswer,
  levelsAnswer,
  paymentAnswer,
  statsAnswer,
} from './engine-api.schemas.ts';

/** The engine answered an error (or something the bot cannot read); `status` 0 when it did not answer at all. */
export class EngineError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export interface EngineApiOptions {
  url: string;
  readerKey: string;
  adminKey?: string | undefined;
  starsSecret?: string | undefined;
  /** Per request (default 15 s: an admin adjustment waits for its outcome). */
  timeoutMs?: number;
}

/** The engine's HTTP API as the bot uses it: reads with the reader key, admin routes with the admin key, the Stars webhook with its secret. */
export class EngineApi {
  constructor(private readonly options: EngineApiOptions) {}

  get hasAdmin(): boolean {
    return this.options.adminKey !== undefined;
  }

  get hasStars(): boolean {
    return this.options.starsSecret !== undefined;
  }

  balance(userId: string, lang: Lang) {
    return this.read(balanceAnswer, '/api/points/balance', { user_id: userId, lang });
  }

  history(userId: string, lang: Lang, limit = 10) {
    return this.read(historyAnswer, '/api/points/history', { user_id: userId, lang, limit: String(limit) });
  }

  leaderboard(userId: string, lang: Lang, period: 'day' | 'week' | 'month' | 'all' = 'week', limit = 10) {
    return this.read(leaderboardAnswer, '/api/points/leaderboard', { user_id: userId, lang, period, limit: String(limit) });
  }

  levels(lang: Lang) {
    return this.read(levelsAnswer, '/api/points/levels', { lang });
  }

  stats(userId: string, lang: Lang, days = 7) {
    return this.read(statsAnswer, '/api/points/stats', { user_id: userId, lang, days: String(days) });
  }

  earningRules(userId: string, lang: Lang) {
    return this.read(earningRulesAnswer, '/api/points/earning-rules', { user_id: userId, lang });
  }

  analytics(lang: Lang) {
    return this.admin(analyticsAnswer, 'GET', '/api/admin/analytics', { lang });
  }

  config() {
    return this.admin(configAnswer, 'GET', '/api/admin/config', {});
  }

  /** Null for a user the engine has never seen. */
  async adminUser(userId: string, lang: Lang) {
    try {
      return await this.admin(adminUserAnswer, 'GET', `/api/admin/users/${encodeURIComponent(userId)}`, { lang, history_limit: '5' });
    } catch (error) {
      if (error instanceof EngineError && error.status === 404) return null;
      throw error;
    }
  }

  adjust(kind: 'grant' | 'deduct', userId: string, body: { amount: number; reason: string; idempotency_key: string; metadata?: Record<string, unknown> }, lang: Lang) {
    return this.admin(adjustmentAnswer, 'POST', `/api/admin/users/${encodeURIComponent(userId)}/${kind}`, { lang }, body);
  }

  /** Forwards a Stars `successful_payment` or `refunded_payment` with its buyer to the engine's webhook. */
  async forwardStars(body: { user_id: string; successful_payment?: unknown; refunded_payment?: unknown }) {
    if (!this.options.starsSecret) throw new EngineError(0, 'stars_off', 'TELEGRAM_STARS_WEBHOOK_SECRET is not set');
    return this.request(paymentAnswer, 'POST', '/webhooks/telegram-stars', {}, { 'x-telegram-bot-api-secret-token': this.options.starsSecret }, body);
  }

  private read<S extends z.ZodType>(schema: S, path: string, query: Record<string, string>) {
    return this.request(schema, 'GET', path, query, { 'x-api-key': this.options.readerKey });
  }

  private admin<S extends z.ZodType>(schema: S, method: 'GET' | 'POST', path: string, query: Record<string, string>, body?: unknown) {
    if (!this.options.adminKey) throw new EngineError(0, 'admin_off', 'ENGINE_ADMIN_KEY is not set');
    return this.request(schema, method, path, query, { 'x-api-key': this.options.adminKey }, body);
  }

  private async request<S extends z.ZodType>(schema: S, method: 'GET' | 'POST', path: string, query: Record<string, string>, headers: Record<string, string>, body?: unknown): Promise<z.output<S>> {
    const url = new URL(path, this.options.url);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      });
    } catch (error) {
      throw new EngineError(0, 'unreachable', `the engine at ${this.options.url} did not answer: ${(error as Error).message}`);
    }
    const json: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const problem = errorAnswer.safeParse(json);
      throw problem.success
        ? new EngineError(response.status, problem.data.error, problem.data.message, problem.data.field)
        : new EngineError(response.status, 'http_error', `${method} ${path} answered ${response.status}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new EngineError(response.status, 'unexpected_answer', `${method} ${path}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }
}
