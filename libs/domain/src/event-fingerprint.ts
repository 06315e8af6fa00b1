import { createHash } from 'node:crypto';
import type { LedgerEvent } from './internal-events.ts';

function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => [key, stable((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * Fingerprint of what an event asks for. `occurred_at` is left out: an HTTP retry stamped at a
 * later receipt time is the same event, and the first outcome stands.
 */
export function payloadHash(event: LedgerEvent): string {
  const { occurred_at: _ignored, ...rest } = event as LedgerEvent & { occurred_at?: string };
  return createHash('sha256').update(JSON.stringify(stable(rest))).digest('base64url');
}
