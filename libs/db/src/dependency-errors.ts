/** Socket errors that mean the other end is not reachable right now. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** What pg, pg-pool and ioredis say when a connection is lost or cannot be made in time. */
const UNREACHABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection is closed',
  "Stream isn't writeable",
];

/**
 * True when an error says PostgreSQL or Redis cannot be reached right now — connection refused or
 * lost, the server starting up or shutting down, too many connections, a pool or command timing
 * out — as opposed to a rule, data or programming error. The API answers it 503 with Retry-After;
 * workers set the job aside without using one of its attempts and wait for the database.
 *
 * SQLSTATE classes: 08 (connection exception) except 08P01 (protocol violation: a bug, which no
 * amount of waiting fixes), 57P (operator intervention: admin/crash shutdown, cannot connect
 * now) and 53 (insufficient resources: too many connections, out of memory or disk).
 */
export function isDependencyUnavailable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, message, name } = error as { code?: unknown; message?: unknown; name?: unknown };
  if (typeof code === 'string') {
    if (UNREACHABLE_CODES.has(code)) return true;
    if (code === '08P01') return false;
    if (/^(08[0-9A-Z]{3}|53[0-9A-Z]{3}|57P[0-9A-Z]{2})$/.test(code)) return true;
  }
  if (name === 'MaxRetriesPerRequestError') return true;
  if (error instanceof AggregateError && error.errors.some(isDependencyUnavailable)) return true;
  if (typeof message !== 'string') return false;
  return UNREACHABLE_MESSAGES.some((fragment) => message.includes(fragment));
}
