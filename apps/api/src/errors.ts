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
export const forbidden = (scope: string) => new HttpError(403, 'forbidden', `this key lacks the ${scope} scope`);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);
