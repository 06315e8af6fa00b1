import { createHmac, timingSafeEqual } from 'node:crypto';

export interface TelegramUser {
  id: string;
  firstName: string | null;
  username: string | null;
  languageCode: string | null;
}

export type InitDataResult = { ok: true; user: TelegramUser; authDate: number } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' | 'no_user' };

/**
 * Validates Telegram Mini App `initData` (https://core.telegram.org/bots/webapps): the `hash`
 * must be HMAC-SHA256 of the sorted `key=value` lines under the key HMAC-SHA256("WebAppData",
 * bot token), and `auth_date` no older than `maxAgeSeconds`. Pure apart from the clock passed in.
 */
export function validateInitData(initData: string, botToken: string, nowMs: number, maxAgeSeconds = 86_400): InitDataResult {
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(initData);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const hash = params.get('hash');
  if (!hash || !/^[a-f0-9]{64}$/.test(hash)) return { ok: false, reason: 'malformed' };
  const lines = [...params.entries()].filter(([key]) => key !== 'hash').map(([key, value]) => `${key}=${value}`).sort();
  const secret = createHmac('sha256', 'WebAppData').update(botToken).digest();
  const expected = createHmac('sha256', secret).update(lines.join('\n')).digest();
  if (!timingSafeEqual(expected, Buffer.from(hash, 'hex'))) return { ok: false, reason: 'bad_signature' };
  const authDate = Number(params.get('auth_date'));
  if (!Number.isInteger(authDate) || authDate <= 0) return { ok: false, reason: 'malformed' };
  if (nowMs / 1000 - authDate > maxAgeSeconds || authDate - nowMs / 1000 > 60) return { ok: false, reason: 'expired' };
  let user: { id?: unknown; first_name?: unknown; username?: unknown; language_code?: unknown };
  try {
    user = JSON.parse(params.get('user') ?? 'null') ?? {};
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof user.id !== 'number' && typeof user.id !== 'string') return { ok: false, reason: 'no_user' };
  return {
    ok: true,
    authDate,
    user: {
      id: String(user.id),
      firstName: typeof user.first_name === 'string' ? user.first_name : null,
      username: typeof user.username === 'string' ? user.username : null,
      languageCode: typeof user.language_code === 'string' ? user.language_code : null,
    },
  };
}

/** Signs initData the way Telegram does (for tests and local tools). */
export function signInitData(fields: Record<string, string>, botToken: string): string {
  const lines = Object.entries(fields).map(([key, value]) => `${key}=${value}`).sort();
  const secret = createHmac('sha256', 'WebAppData').update(botToken).digest();
  const hash = createHmac('sha256', secret).update(lines.join('\n')).digest('hex');
  return new URLSearchParams({ ...fields, hash }).toString();
}
