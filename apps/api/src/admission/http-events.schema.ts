import { z } from 'zod';
import {
  deductEventSchema,
  earnEventSchema,
  grantEventSchema,
  holdEventSchema,
  isReservedKey,
  purchaseBonusEventSchema,
  RESERVED_KEY_PREFIXES,
  reverseEventSchema,
  setTokenBalanceEventSchema,
  settleEventSchema,
  spendEventSchema,
  voidEventSchema,
} from '@points-engine/domain';

/**
 * An idempotency key a caller may choose over HTTP: any key the ledger takes, except in the
 * namespaces the engine derives itself (a payment's `nowpayments:{id}`, a lapse's `lapse:…`): one
 * sent first would make the genuine event a silent replay of it.
 */
export const callerIdempotencyKey = earnEventSchema.shape.idempotency_key.refine((key) => !isReservedKey(key), {
  message: `a namespace the engine reserves for keys it derives (${RESERVED_KEY_PREFIXES.join(' ')})`,
});

/** `operator` is the API key's name and id, set by the server: a body that names one is refused. */
export const setByServer = z.never({ error: 'set by the server from the API key; leave it out' }).optional();

const overHttp = { idempotency_key: callerIdempotencyKey, operator: setByServer };

/** A spend as sent over HTTP (what `POST /api/points/spend` documents). */
export const httpSpendEventSchema = spendEventSchema.safeExtend(overHttp);

/**
 * An event as `POST /api/points/events` and `/api/points/spend` accept it: the ledger's event
 * schema with a caller's key (not reserved) and no `operator`. The scope check (EVENT_KIND_SCOPES)
 * comes after.
 */
export const httpEventSchema = z.discriminatedUnion('kind', [
  earnEventSchema.safeExtend(overHttp),
  httpSpendEventSchema,
  holdEventSchema.safeExtend(overHttp),
  settleEventSchema.safeExtend(overHttp),
  voidEventSchema.safeExtend(overHttp),
  purchaseBonusEventSchema.safeExtend(overHttp),
  grantEventSchema.safeExtend(overHttp),
  deductEventSchema.safeExtend(overHttp),
  setTokenBalanceEventSchema.safeExtend(overHttp),
  reverseEventSchema.safeExtend(overHttp),
]);
export type HttpEvent = z.output<typeof httpEventSchema>;
