import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Points-Signature';
export const EVENT_ID_HEADER = 'X-Points-Event-Id';
export const EVENT_TYPE_HEADER = 'X-Points-Event-Type';
export const ATTEMPT_HEADER = 'X-Points-Delivery-Attempt';

/** `sha256=<hex HMAC-SHA256 of the raw body>`, the value of X-Points-Signature. */
export function signBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** True when `header` is the signature of exactly these bytes (constant-time comparison). */
export function verifySignature(body: string | Buffer, secret: string, header: string | undefined | null): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(body, secret));
  const given = Buffer.from(header.trim());
  return expected.length === given.length && timingSafeEqual(expected, given);
}
