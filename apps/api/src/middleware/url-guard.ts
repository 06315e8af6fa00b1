import type { RequestHandler } from 'express';
import { badRequest } from '../errors.ts';

/**
 * Refuses a URL that carries a NUL character (`%00`) with 400. Nothing legitimate sends one, and
 * further in it broke things: PostgreSQL text cannot hold NUL (a transaction look-up by such a key
 * answered 500) and Bull Board's validation messages use NUL as a separator (its answer was a 500).
 */
export function refuseNulInUrl(): RequestHandler {
  return (req, _res, next) => {
    if (req.url.includes('%00')) throw badRequest('url', 'NUL characters (%00) are not allowed');
    next();
  };
}
