/**
 * Idempotency-key namespaces the engine derives itself: payment webhooks key a purchase by the
 * provider's payment id, the lapse sweep keys the lapse of a hold. A producer may not use them:
 * an event sent first under `nowpayments:{id}` would make the genuine payment a silent replay of
 * it (squatting), and one under `nowpayments-refund:{id}` would block the refund.
 */
export const RESERVED_KEY_PREFIXES = [
  'nowpayments:',
  'nowpayments-refund:',
  'stars:',
  'stars-refund:',
  'ton:',
  'ton-refund:',
  'payment:',
  'refund:',
  'lapse:',
  'engine:',
] as const;

/** True when a key lies in a namespace only the engine may write. */
export function isReservedKey(key: string): boolean {
  return RESERVED_KEY_PREFIXES.some((prefix) => key.startsWith(prefix));
}
