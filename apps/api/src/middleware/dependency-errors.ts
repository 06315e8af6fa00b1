/**
 * True when an error says PostgreSQL or Redis cannot be reached right now (connection refused or
 * lost, server shutting down or starting, too many connections, a pool or command timing out), as
 * opposed to a bug: the answer is 503 with Retry-After, which clients and load balancers retry.
 */
export function isDependencyUnavailable(error: unknown): boolean {
  const { code, message, name } = error as { code?: unknown; message?: unknown; name?: unknown };
  if (typeof code === 'string') {
    // Node's socket errors, and PostgreSQL's connection-exception (08), operator-intervention (57P)
    // and insufficient-resources (53) classes.
    if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return true;
    if (/^(08|57P|53)/.test(code)) return true;
  }
  if (name === 'MaxRetriesPerRequestError' || (error instanceof AggregateError && error.errors.some(isDependencyUnavailable))) return true;
  if (typeof message !== 'string') return false;
  return [
    'Connection terminated',
    'timeout exceeded when trying to connect',
    'Client has encountered a connection error',
    'Connection is closed',
    'Stream isn\'t writeable',
  ].some((fragment) => message.includes(fragment));
}
