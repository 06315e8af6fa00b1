import { z } from 'zod';

/** Largest amount on the wire: JSON numbers are exact up to 2^53 − 1. */
const amount = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const userId = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform(String)
  .pipe(z.string().regex(/^[A-Za-z0-9_.:@-]{1,64}$/, '1–64 letters, digits or _ . : @ -'));
const idempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
const identifier = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _');

/**
 * The ledger stores events in PostgreSQL (text and jsonb), which holds neither a NUL character nor
 * an unpaired UTF-16 surrogate: an event carrying one was queued, then failed in the worker on
 * every attempt. Free text is refused up front instead.
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const STORABLE = 'no NUL characters or unpaired surrogates';
export const isStorableText = (text: string): boolean => !UNSTORABLE.test(text);
/** The text with what the ledger cannot store replaced by U+FFFD (for informational fields taken from elsewhere). */
export const toStorableText = (text: string): string => text.replace(new RegExp(UNSTORABLE.source, 'g'), '\ufffd');
const freeText = (max: number) => z.string().min(1).max(max).refine(isStorableText, STORABLE);

const metadata = z
  .record(z.string().max(64), z.unknown())
  .refine((value) => jsonLength(value) <= 4096, 'at most 4 KiB of JSON')
  .refine((value) => jsonLength(value, true) !== Number.POSITIVE_INFINITY, STORABLE)
  .optional();
/**
 * Length of a value as JSON; nesting too deep to serialise (thousands of levels) is longer than
 * any limit, and so is (with `storable`) a value with a key or string the ledger cannot store.
 */
function jsonLength(value: unknown, storable = false): number {
  let unstorable = false;
  try {
    const json = JSON.stringify(value, (key, child: unknown) => {
      if (storable && (!isStorableText(key) || (typeof child === 'string' && !isStorableText(child)))) unstorable = true;
      return child;
    });
    return unstorable ? Number.POSITIVE_INFINITY : json.length;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
const timestamp = z.iso.datetime({ offset: true }).optional();

const common = {
  idempotency_key: idempotencyKey,
  user_id: userId,
  /** When the event happened at the producer; rate limits, streaks and the daily cap use it (bounded on arrival: docs/rules.md). */
  occurred_at: timestamp,
  metadata,
};

/** The cost of a spend or hold: an explicit amount, or a task type priced by the program. */
const cost = {
  amount: amount.optional(),
  task_type: identifier.optional(),
  duration_seconds: z.number().nonnegative().max(86_400).optional(),
};
function exactlyOneCost(value: { amount?: number | undefined; task_type?: string | undefined }, ctx: z.RefinementCtx) {
  if ((value.amount === undefined) === (value.task_type === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['amount'], message: 'give either amount or task_type (with duration_seconds)' });
  }
}

export const earnEventSchema = z.object({
  kind: z.literal('earn'),
  ...common,
  activity: identifier,
  /** For a referral signup: the user who signed up (becomes the referrer's referral). */
  referred_user_id: userId.optional(),
});

export const spendEventSchema = z.object({ kind: z.literal('spend'), ...common, ...cost }).superRefine(exactlyOneCost);

export const holdEventSchema = z.object({ kind: z.literal('hold'), ...common, ...cost }).superRefine(exactlyOneCost);

export const settleEventSchema = z
  .object({ kind: z.literal('settle'), ...common, hold_key: idempotencyKey, ...cost })
  .superRefine(exactlyOneCost);

export const voidEventSchema = z.object({ kind: z.literal('void'), ...common, hold_key: idempotencyKey });

/** What a purchase grants: a credit pack of the program, an amount of credit, or periods of a tier. */
export const purchaseProductSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('credit_pack'), pack: identifier }),
  z.object({ type: z.literal('credit'), credit: amount }),
  z.object({ type: z.literal('subscription'), tier: z.string().regex(/^[A-Z][A-Z0-9_]*$/), periods: z.number().int().positive().max(120).default(1) }),
]);

export const purchaseBonusEventSchema = z.object({
  kind: z.literal('purchase_bonus'),
  ...common,
  /** The payment provider and its payment id; the idempotency key is usually `{provider}:{payment_id}`. */
  provider: freeText(32).optional(),
  payment_id: freeText(200).optional(),
  product: purchaseProductSchema,
  /** Overrides the referrer recorded at signup. */
  referrer_id: userId.optional(),
});

const adjustment = {
  ...common,
  asset: z.enum(['points', 'credit', 'allowance']).default('points'),
  amount,
  reason: freeText(500),
  operator: freeText(100).optional(),
};
export const grantEventSchema = z.object({ kind: z.literal('grant'), ...adjustment });
export const deductEventSchema = z.object({ kind: z.literal('deduct'), ...adjustment });

export const setTokenBalanceEventSchema = z.object({
  kind: z.literal('set_token_balance'),
  ...common,
  /** The user's token holdings, a non-negative integer as a decimal string (may exceed 2^53). */
  token_balance: z.union([z.string(), z.number().int().nonnegative()]).transform(String).pipe(z.string().regex(/^\d{1,40}$/, 'a non-negative integer')),
});

export const reverseEventSchema = z.object({
  kind: z.literal('reverse'),
  ...common,
  /** The idempotency key of the transaction to reverse (its user must be `user_id`). */
  transaction_key: idempotencyKey,
  reason: freeText(500),
  operator: freeText(100).optional(),
});

/** Every event a producer may send, discriminated by `kind`. */
export const pointsEventSchema = z.discriminatedUnion('kind', [
  earnEventSchema,
  spendEventSchema,
  holdEventSchema,
  settleEventSchema,
  voidEventSchema,
  purchaseBonusEventSchema,
  grantEventSchema,
  deductEventSchema,
  setTokenBalanceEventSchema,
  reverseEventSchema,
]);

export const EVENT_KINDS = [
  'earn',
  'spend',
  'hold',
  'settle',
  'void',
  'purchase_bonus',
  'grant',
  'deduct',
  'set_token_balance',
  'reverse',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export type PointsEvent = z.output<typeof pointsEventSchema>;
export type PointsEventInput = z.input<typeof pointsEventSchema>;
export type EarnEvent = z.output<typeof earnEventSchema>;
export type SpendEvent = z.output<typeof spendEventSchema>;
export type HoldEvent = z.output<typeof holdEventSchema>;
export type SettleEvent = z.output<typeof settleEventSchema>;
export type VoidEvent = z.output<typeof voidEventSchema>;
export type PurchaseBonusEvent = z.output<typeof purchaseBonusEventSchema>;
export type GrantEvent = z.output<typeof grantEventSchema>;
export type DeductEvent = z.output<typeof deductEventSchema>;
export type SetTokenBalanceEvent = z.output<typeof setTokenBalanceEventSchema>;
export type ReverseEvent = z.output<typeof reverseEventSchema>;
