import express, { type Request, type RequestHandler } from 'express';
import { badRequest } from '../errors.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** The body's exact bytes, for signatures computed over what was sent rather than what was parsed. */
    rawBody?: Buffer;
  }
}

/**
 * Keeps the body as bytes (any content type, up to `limit`; larger answers 413) in `req.rawBody`.
 * Webhook routes mount this instead of the app's JSON parser: a signature must be checked against
 * the bytes before anything is parsed.
 */
export function rawBody(limit: string): RequestHandler[] {
  const read = express.raw({ type: () => true, limit });
  return [
    read,
    (req, _res, next) => {
      req.rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      next();
    },
  ];
}

/** The raw body parsed as JSON, or a 400 naming `body`. */
export function jsonOf(req: Request): unknown {
  try {
    return JSON.parse((req.rawBody ?? Buffer.alloc(0)).toString('utf8'));
  } catch {
    throw badRequest('body', 'malformed JSON');
  }
}
