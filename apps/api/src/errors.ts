/** An error with a stable code that the error middleware turns into an HTTP answer. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (field: string, message: string) => new HttpError(400, 'invalid_request', `${field}: ${message}`, field);
export const unauthorized = (message = 'an API key is required (header X-API-Key or Authorization: Bearer)') => new HttpError(401, 'unauthorized', message);
export const forbidden = (scopes: string | readonly string[]) =>
  new HttpError(403, 'forbidden', `this key lacks the ${typeof scopes === 'string' ? scopes : scopes.join(' or ')} scope`);
/** A key that may use the route but not send this event (the kind needs another scope). */
export const forbiddenEvent = (field: string, message: string) => new HttpError(403, 'forbidden', message, field);
/** The idempotency key was first used for a different event; the first one stands. */
export const idempotencyConflict = (field: string, message: string) => new HttpError(409, 'idempotency_conflict', message, field);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);
