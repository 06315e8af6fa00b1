import { own, priceThrough, resolveProduct, type Catalogue, type Product, type Program } from '@points-engine/domain';

/** A product the bot can sell for Telegram Stars: the spec it writes into the invoice payload, what it grants, its price. */
export interface StarsProduct {
  /** `sub:PREMIUM`, `pack:small`, or a named product: the invoice payload the engine prices. */
  spec: string;
  product: Product;
  /** Whole stars (XTR); a fractional price is rounded up, never in the buyer's favour. */
  stars: number;
  /** What the product grants, from the program (for the invoice's description). */
  grants: { credit: number; bonus: number; tier: string | null; periodDays: number | null };
}

function grantsOf(program: Program, product: Product): StarsProduct['grants'] {
  if (product.type === 'subscription') {
    const tier = own(program.tiers, product.tier);
    return { credit: 0, bonus: (tier?.subscription_bonus ?? 0) * product.periods, tier: product.tier, periodDays: (tier?.period_days ?? 0) * product.periods };
  }
  if (product.type === 'credit_pack') return { credit: own(program.credit_packs, product.pack)?.credit ?? 0, bonus: 0, tier: null, periodDays: null };
  return { credit: product.credit, bonus: 0, tier: null, periodDays: null };
}

/** One product by its spec, priced in stars; null when it is unknown or not sold for stars. */
export function starsProduct(program: Program, spec: string): StarsProduct | null {
  const catalogue: Catalogue = { program, named: program.products };
  const resolved = resolveProduct(catalogue, spec);
  if (!resolved.ok) return null;
  const price = priceThrough(resolved.terms, 'telegram_stars');
  if (!price) return null;
  const stars = Number((price.n + price.d - 1n) / price.d);
  return { spec, product: resolved.product, stars, grants: grantsOf(program, resolved.product) };
}

/** What /buy offers: every paid tier (one period), every credit pack and every named product with a Stars price. */
export function starsCatalogue(program: Program): StarsProduct[] {
  const specs = [
    ...Object.keys(program.tiers).filter((tier) => tier !== program.default_tier).map((tier) => `sub:${tier}`),
    ...Object.keys(program.credit_packs).map((pack) => `pack:${pack}`),
    ...Object.keys(program.products),
  ];
  return specs.map((spec) => starsProduct(program, spec)).filter((p): p is StarsProduct => p !== null);
}
