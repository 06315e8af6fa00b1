import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ANY_ORIGIN, type CorsOrigins } from '@points-engine/config';

/** What a page may send: a Mini App's initData (its own header or `Authorization: tma …`), or a key. */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'X-Telegram-Init-Data', 'X-API-Key', 'Content-Type', 'Accept-Language'] as const;
/** What a page may read besides the CORS-safelisted headers: when to retry after a 429. */
export const CORS_EXPOSED_HEADERS = ['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'] as const;
/** How long a browser may reuse a preflight answer: WebKit (Telegram on iOS and macOS) honours at most 600 s. */
export const CORS_MAX_AGE_SECONDS = 600;

/** The parts of a request CORS looks at. */
export interface CorsRequest {
  method: string;
  path: string;
  origin: string | undefined;
  /** `Access-Control-Request-Method`: present on a preflight only. */
  requestMethod: string | undefined;
}

export interface CorsAnswer {
  headers: Record<string, string>;
  /** Add `Origin` to `Vary`: the answer differs by origin (any list but `*`). */
  varyOrigin: boolean;
  /** A preflight: answer 204 now, before the limits and authentication (it carries no credential). */
  preflight: boolean;
}

/**
 * The CORS headers of a request to `routes` (path → its methods), or null for a path that is not
 * open to browsers. A listed origin (or any, with `*`) gets `Access-Control-Allow-Origin`; an
 * unlisted one gets no CORS header at all, so its browser refuses to hand the page the answer.
 * No `Allow-Credentials`: nothing here authenticates by cookie, so a page must hold initData or a key.
 */
export function corsAnswer(origins: CorsOrigins, routes: ReadonlyMap<string, readonly string[]>, req: CorsRequest): CorsAnswer | null {
  const methods = routes.get(req.path);
  if (!methods) return null;
  const any = origins === ANY_ORIGIN;
  const allowed = req.origin !== undefined && (any || origins.includes(req.origin));
  const preflight = req.method === 'OPTIONS' && req.origin !== undefined && req.requestMethod !== undefined;
  const headers: Record<string, string> = {};
  if (allowed) {
    headers['Access-Control-Allow-Origin'] = any ? '*' : (req.origin as string);
    if (preflight) {
      headers['Access-Control-Allow-Methods'] = methods.map((m) => m.toUpperCase()).join(', ');
      headers['Access-Control-Allow-Headers'] = CORS_ALLOWED_HEADERS.join(', ');
      headers['Access-Control-Max-Age'] = String(CORS_MAX_AGE_SECONDS);
    } else {
      headers['Access-Control-Expose-Headers'] = CORS_EXPOSED_HEADERS.join(', ');
    }
  }
  return { headers, varyOrigin: !any, preflight };
}

/**
 * CORS for the routes browsers call (CORS_ORIGINS). Mounted before the per-address limits: a
 * preflight is answered here (204) without a key, without being counted as a failed
 * authentication and without any I/O; an actual request gets its headers here, so every answer
 * it ends with (401, 429 with Retry-After, 503) stays readable by the page.
 */
export function cors(origins: CorsOrigins, routes: ReadonlyMap<string, readonly string[]>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const answer = corsAnswer(origins, routes, { method: req.method, path: req.path, origin: req.get('origin'), requestMethod: req.get('access-control-request-method') });
    if (!answer) return next();
    if (answer.varyOrigin) res.vary('Origin');
    res.set(answer.headers);
    if (!answer.preflight) return next();
    res.status(204).end();
  };
}

/** Whether CORS_ORIGINS opens anything (unset or empty: no CORS middleware, no headers). */
export const corsEnabled = (origins: CorsOrigins | undefined): origins is CorsOrigins => origins !== undefined && (origins === ANY_ORIGIN || origins.length > 0);
