import type { ErrorRequestHandler } from 'express';
import type { Logger } from '@points-engine/logger';
import { IdempotencyConflictError } from '@points-engine/client';
import { HttpError } from '../errors.ts';
import { isDependencyUnavailable } from './dependency-errors.ts';

/** Maps errors to answers: known ones by their code, an unreachable PostgreSQL or Redis to 503, anything else to a bare 500 (logged with context). */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    // Answered before its body was read (a 429 or 401 ahead of the JSON parser): Node closes such a
    // connection after the answer, so say so, or a keep-alive client sends its next request on a
    // socket that is closing and gets ECONNRESET instead of an answer.
    if (!req.complete) res.set('Connection', 'close');
    if (error instanceof IdempotencyConflictError) {
      res.status(409).json({ error: 'idempotency_conflict', message: error.message, field: 'idempotency_key' });
      return;
    }
    if (error instanceof HttpError) {
      res.status(error.status).json({ error: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) });
      return;
    }
    const status = (error as { status?: number; statusCode?: number }).status ?? (error as { statusCode?: number }).statusCode;
    const type = (error as { type?: string }).type;
    // body-parser's own errors (malformed JSON, body too large) carry a 4xx status.
    if (status && status >= 400 && status < 500) {
      const code = type === 'entity.too.large' ? 'payload_too_large' : 'invalid_request';
      res.status(status).json({ error: code, message: type === 'entity.parse.failed' ? 'body: malformed JSON' : (error as Error).message, field: 'body' });
      return;
    }
    if (isDependencyUnavailable(error)) {
      logger.warn({ err: error, method: req.method, path: req.path }, 'dependency unavailable: answered 503');
      res.set('Retry-After', '5');
      res.status(503).json({ error: 'unavailable', message: 'the ledger is temporarily unavailable; retry shortly' });
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
    res.status(500).json({ error: 'internal', message: 'internal error' });
  };
}
