import { z } from 'zod';
import { toBasisPoints } from './amounts.ts';
import { purchaseProductSchema } from './events.schema.ts';
import { own } from './lookup.ts';
import { priceListSchema } from './price-list.schema.ts';

const points = z.number().int().nonnegative();
const multiplier = z
  .number()
  .positive()
  .max(1000)
  .transform((value, ctx) => {
    try {
      return toBasisPoints(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });
const localized = z.object({ ru: z.string().min(1), en: z.string().min(1) });
const identifier = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _');
const productName = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'product names: lower-case letters, digits, _ and -');

const activitySchema = z.object({
  base: points,
  /** Multiplied by the level and tier multipliers (daily login and referral bonuses are not). */
  multiplied: z.boolean().default(true),
  /** Seconds that must pass between two earning events of this kind for one user (0 = no limit). */
  min_interval_seconds: z.number().int().nonnegative().default(0),
  /** Counts toward the daily earning cap. */
  capped: z.boolean().default(true),
  /** Earns the streak milestone bonus and may be claimed once per program day. */
  daily_login: z.boolean().default(false),
  label: localized.optional(),
});

const levelSchema = z.object({
  level: z.number().int().positive(),
  name: localized,
  icon: z.string().min(1),
  threshold: points,
  multiplier,
});

const tierSchema = z.object({
  multiplier,
  /** Points granted when a subscription to this tier is purchased. */
  subscription_bonus: points.default(0),
  /** Length of one subscription period in days. */
  period_days: z.number().int().positive().default(30),
  /** What one period costs per payment provider; `sub:TIER:N` costs N times this. Unpriced: not for sale. */
  prices: priceListSchema.optional(),
});

const priceSchema = z.object({
  /** Fixed cost of one task of this type. */
  base: points.default(0),
  /** Cost per started second of run time. */
  per_second: points.default(0),
});

const assetSchema = z.object({
  /** Which buckets the asset's user accounts may hold; "main" is what the user has. */
  spendable: z.boolean(),
  /** Used amounts of this asset count toward experience at the flush. */
  counts_as_experience: z.boolean().default(false),
  label: localized.optional(),
});

/** The whole economy in one validated document (see README "The program"). */
export const programSchema = z
  .object({
    /** IANA time zone that defines the program day (streaks, daily cap, expiry, leaderboards). */
    timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Moscow'),
    assets: z.object({
      points: assetSchema,
      allowance: assetSchema,
      credit: assetSchema,
      experience: assetSchema,
    }),
    earning: z.object({
      activities: z.record(identifier, activitySchema),
      daily_cap: points,
      /** Bonus by streak length, paid on the day the streak reaches it. */
      streak_milestones: z.record(z.string().regex(/^\d+$/), points),
      referral_signup_activity: identifier,
      referral_purchase_bonus: points,
    }),
    tiers: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), tierSchema),
    default_tier: z.string(),
    levels: z.array(levelSchema).min(1),
    allowance: z.object({
      /** Capacity = floor((token balance + no_coiner_starter) / point_multi). */
      no_coiner_starter: z.number().int().nonnegative(),
      point_multi: z.number().int().positive(),
      /** Each cycle gives back ceil(capacity / replenish_divisor). */
      replenish_divisor: z.number().int().positive(),
      cycle_minutes: z.number().int().positive().max(1440),
    }),
    spending: z.object({
      /** Assets a spend draws from, first to last. */
      order: z.array(z.enum(['allowance', 'credit', 'points'])).min(1),
      prices: z.record(identifier, priceSchema),
      hold_ttl_minutes: z.number().int().positive(),
    }),
    credit_packs: z.record(
      identifier,
      z.object({
        credit: points.refine((n) => n > 0),
        /** What the pack costs per payment provider. Unpriced: not for sale. */
        prices: priceListSchema.optional(),
      }),
    ),
    /**
     * Makes `credit:N` purchasable: `prices` buys `credit` units of credit, so N costs
     * N / credit × prices (exact; never rounded in the buyer's favour). Absent: `credit:N` is refused.
     */
    credit_price: z.object({ credit: z.number().int().positive().max(Number.MAX_SAFE_INTEGER), prices: priceListSchema }).optional(),
    /**
     * Named products a payment may reference by name (`premium_month`): what it grants, and its own
     * prices; without prices it costs what it contains (a tier's periods, a pack, N credit).
     */
    products: z.record(productName, z.object({ product: purchaseProductSchema, prices: priceListSchema.optional() })).default({}),
    expiry: z.object({
      /** Earned points expire this many days after the program day they arrived (0 = never). */
      points_after_days: z.number().int().nonnegative(),
      /** Days of warning before points expire (for the "expiring soon" event). */
      warn_days: z.number().int().nonnegative().default(7),
    }),
  })
  .superRefine((program, ctx) => {
    if (!own(program.tiers, program.default_tier)) {
      ctx.addIssue({ code: 'custom', path: ['default_tier'], message: 'must name one of the tiers' });
    }
    const levels = program.levels;
    levels.forEach((level, index) => {
      if (level.level !== index + 1) {
        ctx.addIssue({ code: 'custom', path: ['levels', index, 'level'], message: 'levels must be numbered 1, 2, 3, …' });
      }
      const previous = levels[index - 1];
      if (index === 0 && level.threshold !== 0) {
        ctx.addIssue({ code: 'custom', path: ['levels', 0, 'threshold'], message: 'the first level starts at 0' });
      }
      if (previous && level.threshold <= previous.threshold) {
        ctx.addIssue({ code: 'custom', path: ['levels', index, 'threshold'], message: 'thresholds must increase' });
      }
    });
    if (!own(program.earning.activities, program.earning.referral_signup_activity)) {
      ctx.addIssue({ code: 'custom', path: ['earning', 'referral_signup_activity'], message: 'must name an activity' });
    }
    if (new Set(program.spending.order).size !== program.spending.order.length) {
      ctx.addIssue({ code: 'custom', path: ['spending', 'order'], message: 'an asset may appear once' });
    }
    if (1440 % program.allowance.cycle_minutes !== 0) {
      ctx.addIssue({ code: 'custom', path: ['allowance', 'cycle_minutes'], message: 'must divide a day evenly' });
    }
    if (own(program.tiers, program.default_tier)?.prices) {
      ctx.addIssue({ code: 'custom', path: ['tiers', program.default_tier, 'prices'], message: 'the default tier is what a subscription falls back to: it cannot be sold' });
    }
    for (const [name, { product }] of Object.entries(program.products)) {
      const problem = productProblem(program, product);
      if (problem) ctx.addIssue({ code: 'custom', path: ['products', name, 'product'], message: problem });
    }
  });

/** Why a product cannot be granted under this program (a tier that is not a paid tier, a pack that does not exist), or null. */
export function productProblem(program: Pick<ProgramShape, 'tiers' | 'default_tier' | 'credit_packs'>, product: z.output<typeof purchaseProductSchema>): string | null {
  if (product.type === 'subscription' && (!own(program.tiers, product.tier) || product.tier === program.default_tier)) return `"${product.tier}" is not a paid tier of the program`;
  if (product.type === 'credit_pack' && !own(program.credit_packs, product.pack)) return `"${product.pack}" is not a credit pack of the program`;
  return null;
}
type ProgramShape = { tiers: Record<string, unknown>; default_tier: string; credit_packs: Record<string, unknown> };

/** The program as written in a file (multipliers as decimals). */
export type ProgramInput = z.input<typeof programSchema>;
/** The validated program (multipliers in basis points). */
export type Program = z.output<typeof programSchema>;
export type ActivityRule = Program['earning']['activities'][string];
export type LevelRule = Program['levels'][number];

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
