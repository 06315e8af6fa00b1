import { exactOf, parseDecimalAmount, scale, type Exact } from './payment-amounts.ts';
import type { PurchaseBonusEvent } from './events.schema.ts';
import { own } from './lookup.ts';
import type { PriceList, PaymentProvider } from './price-list.schema.ts';
import { productProblem, type Program } from './program.schema.ts';

export type Product = PurchaseBonusEvent['product'];

/** A named product: what it grants, and its own prices (else it costs what it contains). */
export interface NamedProduct {
  product: Product;
  prices?: PriceList | undefined;
}

/** What payments can buy: the program's tiers, packs, credit price and named products. */
export interface Catalogue {
  program: Program;
  /** Named products by name: the program's `products`, plus the deprecated PAYMENT_PRODUCTS. */
  named: Readonly<Record<string, NamedProduct>>;
}

/**
 * The catalogue of a program, with the names PAYMENT_PRODUCTS still brings (deprecated: priced
 * from what they contain). A name in both, or a product naming a tier or pack the program lacks,
 * is a problem to report at start.
 */
export function buildCatalogue(program: Program, legacy: Readonly<Record<string, Product>> = {}): { ok: true; catalogue: Catalogue } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const named: Record<string, NamedProduct> = Object.create(null) as Record<string, NamedProduct>;
  for (const [name, entry] of Object.entries(program.products)) named[name] = entry;
  for (const [name, product] of Object.entries(legacy)) {
    if (Object.hasOwn(named, name)) problems.push(`PAYMENT_PRODUCTS.${name}: also named in the program's products; keep one`);
    const problem = productProblem(program, product);
    if (problem) problems.push(`PAYMENT_PRODUCTS.${name}: ${problem}`);
    named[name] = { product };
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, catalogue: { program, named } };
}

/** How a product is priced: `list` × `times` / `per` (a tier's period × periods, the credit price × N / its unit). */
export interface PriceTerms {
  list: PriceList;
  times: bigint;
  per: bigint;
}

export type ProductResolution =
  | { ok: true; product: Product; reference: string; terms: PriceTerms | null }
  | { ok: false; reason: 'unknown_product'; message: string };

const SPEC = /^(?:sub:(?<tier>[A-Z][A-Z0-9_]*)(?::(?<periods>\d{1,3}))?|pack:(?<pack>[a-z][a-z0-9_]{0,62})|credit:(?<credit>[1-9]\d{0,14})|(?<name>[a-z][a-z0-9_-]{0,62}))$/;

/**
 * A product reference as a bot writes it into an invoice payload or order id — `sub:PREMIUM`,
 * `sub:PREMIUM:3` (periods), `pack:small`, `credit:500`, or a product name — and how it is priced
 * (null terms: not for sale). Names are looked up as own entries only ("constructor" is no product).
 */
export function resolveProduct(catalogue: Catalogue, spec: string): ProductResolution {
  const unknown = (message: string) => ({ ok: false as const, reason: 'unknown_product' as const, message });
  const groups = SPEC.exec(spec)?.groups;
  if (!groups) return unknown(`"${spec}" is not a product (sub:TIER[:periods], pack:ID, credit:N or a product name)`);
  const { program } = catalogue;
  if (groups['name']) {
    const named = own(catalogue.named, groups['name']);
    if (!named) return unknown(`no product is named "${groups['name']}"`);
    const problem = productProblem(program, named.product);
    if (problem) return unknown(problem);
    const terms = named.prices ? { list: named.prices, times: 1n, per: 1n } : termsOf(program, named.product);
    return { ok: true, product: named.product, reference: spec, terms };
  }
  let product: Product;
  if (groups['tier']) {
    const periods = groups['periods'] === undefined ? 1 : Number(groups['periods']);
    if (periods < 1 || periods > 120) return unknown('periods must be 1–120');
    product = { type: 'subscription', tier: groups['tier'], periods };
  } else if (groups['pack']) {
    product = { type: 'credit_pack', pack: groups['pack'] };
  } else {
    product = { type: 'credit', credit: Number(groups['credit']) };
  }
  const problem = productProblem(program, product);
  if (problem) return unknown(problem);
  return { ok: true, product, reference: spec, terms: termsOf(program, product) };
}

/** The price terms of what a product contains, or null when the program does not price it. */
function termsOf(program: Program, product: Product): PriceTerms | null {
  if (product.type === 'credit_pack') {
    const list = own(program.credit_packs, product.pack)?.prices;
    return list ? { list, times: 1n, per: 1n } : null;
  }
  if (product.type === 'subscription') {
    const list = own(program.tiers, product.tier)?.prices;
    return list ? { list, times: BigInt(product.periods), per: 1n } : null;
  }
  const unit = program.credit_price;
  return unit ? { list: unit.prices, times: BigInt(product.credit), per: BigInt(unit.credit) } : null;
}

/**
 * The price under these terms through a provider (for NOWPayments, in a currency), exact; null
 * when the product has no price there.
 */
export function priceThrough(terms: PriceTerms | null, provider: PaymentProvider, currency?: string): Exact | null {
  if (!terms) return null;
  let unit: Exact | null = null;
  if (provider === 'telegram_stars') unit = terms.list.telegram_stars === undefined ? null : exactOf(BigInt(terms.list.telegram_stars));
  else if (provider === 'ton') unit = terms.list.ton === undefined ? null : exactOf(BigInt(terms.list.ton));
  else {
    const text = currency === undefined ? undefined : own(terms.list.nowpayments, currency);
    unit = text === undefined ? null : parseDecimalAmount(text);
  }
  return unit ? scale(unit, terms.times, terms.per) : null;
}
