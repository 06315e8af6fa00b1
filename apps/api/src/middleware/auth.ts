import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { hasScope, validateInitData, type ApiKeyIdentity, type KeyVerifier, type Scope } from '@points-engine/auth';
import { earnEventSchema } from '@points-engine/domain';
import { forbidden, HttpError, unauthorized } from '../errors.ts';
import { notAFailedAuthentication } from './ip-limit.ts';

/** Who is calling: a service with an API key, or an end user signed in through a Telegram Mini App. */
export type Principal = { kind: 'key'; key: ApiKeyIdentity } | { kind: 'telegram'; userId: string; languageCode: string | null };

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** The API key a request presents: X-API-Key, Bearer, or a Basic password (for Bull Board). */
export function presentedKey(req: Request): string | undefined {
  const header = req.get('x-api-key');
  if (header) return header.trim();
  const authorization = req.get('authorization');
  if (!authorization) return undefined;
  const [scheme, value] = authorization.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer' && value) return value.trim();
  // Basic auth (any user name, the key as password) lets a browser open Bull Board.
  if (scheme?.toLowerCase() === 'basic' && value) return Buffer.from(value, 'base64').toString().split(':').slice(1).join(':');
  return undefined;
}

/** The Telegram Mini App initData a request presents: X-Telegram-Init-Data or `Authorization: tma …`. */
export function presentedInitData(req: Request): string | undefined {
  const header = req.get('x-telegram-init-data');
  if (header) return header;
  const authorization = req.get('authorization');
  const [scheme, ...rest] = (authorization ?? '').split(' ');
  return scheme?.toLowerCase() === 'tma' && rest.length > 0 ? rest.join(' ') : undefined;
}

const verifiedKeys = new WeakMap<Request, ApiKeyIdentity | null>();

/**
 * The request's API key, verified once per request (the rate limiter and the scope check both
 * need it, and each verification hashes the presented key). No I/O: the registry is in memory.
 */
export function verifiedKey(req: Request, verifier: KeyVerifier): ApiKeyIdentity | null {
  if (verifiedKeys.has(req)) return verifiedKeys.get(req) ?? null;
  const key = presentedKey(req);
  const identity = key ? verifier.verify(key) : null;
  verifiedKeys.set(req, identity);
  return identity;
}

/** Requires an API key carrying one of `scopes` (admin carries every scope). */
export function requireScope(verifier: KeyVerifier, scope: Scope | readonly Scope[], options: { basicRealm?: string } = {}): RequestHandler {
  const scopes: readonly Scope[] = typeof scope === 'string' ? [scope] : scope;
  return (req: Request, res: Response, next: NextFunction) => {
    const key = presentedKey(req);
    const identity = verifiedKey(req, verifier);
    if (!identity) {
      if (options.basicRealm) res.set('WWW-Authenticate', `Basic realm="${options.basicRealm}"`);
      // No key at all (initData is for other routes): nothing was verified.
      if (!key) notAFailedAuthentication(res);
      throw unauthorized(key ? 'the API key is not valid' : undefined);
    }
    if (!scopes.some((s) => hasScope(identity, s))) throw forbidden(scopes);
    req.principal = { kind: 'key', key: identity };
    next();
  };
}

export interface TelegramAuth {
  botToken: string | undefined;
  maxAgeSeconds: number;
  now: () => number;
}

/**
 * For user-scoped reads: an API key with the reader scope, or a Telegram Mini App user whose
 * initData (header `X-Telegram-Init-Data` or `Authorization: tma …`) is valid and fresh.
 */
export function requireReaderOrUser(verifier: KeyVerifier, telegram: TelegramAuth): RequestHandler {
  const byKey = requireScope(verifier, 'reader');
  return (req: Request, res: Response, next: NextFunction) => {
    const initData = presentedInitData(req);
    if (!initData) return byKey(req, res, next);
    if (!telegram.botToken) {
      notAFailedAuthentication(res);
      throw new HttpError(401, 'unauthorized', 'Telegram sign-in is not configured (TELEGRAM_BOT_TOKEN)');
    }
    const result = validateInitData(initData, telegram.botToken, telegram.now(), telegram.maxAgeSeconds);
    if (!result.ok) {
      // Genuinely signed but old: a Mini App left open, not a guess (and users share NAT addresses).
      if (result.reason === 'expired') notAFailedAuthentication(res);
      throw new HttpError(401, 'unauthorized', `Telegram initData rejected: ${result.reason}`);
    }
    // Signed is not enough to be a ledger user id: one with a NUL in it failed the look-up (500).
    const userId = earnEventSchema.shape.user_id.safeParse(result.user.id);
    if (!userId.success) throw new HttpError(401, 'unauthorized', 'Telegram initData rejected: the user id is not a valid user id');
    req.principal = { kind: 'telegram', userId: userId.data, languageCode: result.user.languageCode };
    next();
  };
}

/**
 * The user a read is about. A key may ask about anyone (`user_id` required); a Telegram user only
 * about themselves (`user_id` may be left out; another id answers 403).
 */
export function scopedUserId(req: Request, requested: string | undefined): string {
  const principal = req.principal;
  if (principal?.kind === 'telegram') {
    if (requested !== undefined && requested !== principal.userId) throw new HttpError(403, 'forbidden', 'a Telegram user may only read their own points');
    return principal.userId;
  }
  if (requested === undefined) throw new HttpError(400, 'invalid_request', 'user_id: required', 'user_id');
  return requested;
}
