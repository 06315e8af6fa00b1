import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signature checks for the payment webhooks. Each is pure (bytes + secret → boolean) and compares
 * in constant time, so the time an answer takes says nothing about how much of a guess was right.
 */

/** Equal-length digests compared in constant time; a different length is simply false. */
function sameDigest(expected: Buffer, presentedHex: string): boolean {
  if (!/^[a-f0-9]+$/i.test(presentedHex) || presentedHex.length !== expected.length * 2) return false;
  return timingSafeEqual(expected, Buffer.from(presentedHex, 'hex'));
}

/** Keys sorted at every depth (arrays keep their order), the form NOWPayments signs. */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeysDeep((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** HMAC-SHA512 (hex) of the body re-serialised with sorted keys, as NOWPayments computes it. */
export function nowPaymentsSignature(body: unknown, ipnSecret: string): string {
  return createHmac('sha512', ipnSecret).update(JSON.stringify(sortKeysDeep(body))).digest('hex');
}

/**
 * NOWPayments IPN: header `x-nowpayments-sig` = HMAC-SHA512 over JSON.stringify of the body with
 * keys sorted recursively. The raw bytes are parsed here (and only here) because the provider signs
 * the parsed value, not the bytes it sent; a body that is not JSON is simply not signed.
 */
export function verifyNowPaymentsSignature(raw: Buffer | string, signature: string | undefined, ipnSecret: string): boolean {
  if (!signature || !ipnSecret) return false;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : raw);
  } catch {
    return false;
  }
  return sameDigest(Buffer.from(nowPaymentsSignature(body, ipnSecret), 'hex'), signature.trim());
}

/** Hex HMAC-SHA256 over exact bytes (the generic signed webhook, e.g. the TON payment watcher). */
export function hmacSha256Hex(raw: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(raw).digest('hex');
}

/** Generic webhook: header `x-signature` = hex HMAC-SHA256 over the raw body bytes (optionally `sha256=`-prefixed). */
export function verifyRawBodySignature(raw: Buffer | string, signature: string | undefined, secret: string): boolean {
  if (!signature || !secret) return false;
  const presented = signature.trim().replace(/^sha256=/i, '');
  return sameDigest(Buffer.from(hmacSha256Hex(raw, secret), 'hex'), presented);
}

/**
 * A shared secret presented as is (Telegram's `X-Telegram-Bot-Api-Secret-Token` convention).
 * Both sides are hashed first so the comparison is constant-time even when the lengths differ.
 */
export function verifySecretToken(presented: string | undefined, secret: string): boolean {
  if (presented === undefined || !secret) return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(secret));
}
