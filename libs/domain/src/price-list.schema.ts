import { z } from 'zod';
import { formatExact, parseDecimalAmount } from './payment-amounts.ts';

/** The payment providers a price list can name; each is a webhook route. */
export const PAYMENT_PROVIDERS = ['nowpayments', 'telegram_stars', 'ton'] as const;
export type PaymentProvider = (typeof PAYMENT_PROVIDERS)[number];

/** A currency code as NOWPayments writes `price_currency`: lower case (usd, eur, btc, usdttrc20). */
export const currencyCode = z.string().regex(/^[a-z0-9]{2,20}$/, 'a lower-case currency code (usd, eur, btc, usdttrc20)');

/**
 * A decimal price, kept as its canonical text ("9.99") so the program still serialises to JSON
 * and loads back the same. A JSON number is read as the decimal it was written as.
 */
const decimalPrice = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const exact = parseDecimalAmount(value);
  if (!exact) {
    ctx.addIssue({ code: 'custom', message: 'a positive decimal such as "9.99" (at most 15 digits before the point and 18 after)' });
    return z.NEVER;
  }
  return formatExact(exact);
});

/** Whole nanotons (1 TON = 10^9), as a digit string or a safe integer. */
const nanotons = z
  .union([z.string().regex(/^[1-9]\d{0,29}$/, 'whole nanotons, at most 30 digits'), z.number().int().positive().max(Number.MAX_SAFE_INTEGER)])
  .transform(String);

/**
 * What one unit of a product costs through each provider. A provider (or, for NOWPayments, a
 * currency) with no price here cannot sell the product. Strict: a misspelt provider is an error at
 * start, not a product silently left unpriced.
 */
export const priceListSchema = z.strictObject({
  /** Telegram Stars: whole stars (XTR), compared with `total_amount`. */
  telegram_stars: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  /** TON: nanotons, compared with the watcher's `amount`. */
  ton: nanotons.optional(),
  /** NOWPayments: price_currency → amount, compared with `price_amount` in that currency. */
  nowpayments: z.record(currencyCode, decimalPrice).optional(),
});
export type PriceList = z.output<typeof priceListSchema>;
export type PriceListInput = z.input<typeof priceListSchema>;
