// Pure: the payment catalogue, exact amounts, price and refund decisions, TON hashes (libs/domain, no I/O); this file needs no services.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  atLeast,
  buildCatalogue,
  canonicalTonHash,
  decidePaidProduct,
  decideRefund,
  defaultProgram,
  defaultProgramInput,
  formatExact,
  parseDecimalAmount,
  parseIntegerAmount,
  priceThrough,
  programSchema,
  resolveProduct,
  type Catalogue,
  type ProgramInput,
  type ProviderPayment,
} from '@points-engine/domain';

const catalogueOf = (input: ProgramInput = defaultProgramInput, legacy?: Parameters<typeof buildCatalogue>[1]): Catalogue => {
  const built = buildCatalogue(programSchema.parse(input), legacy);
  if (!built.ok) throw new Error(built.problems.join('; '));
  return built.catalogue;
};
const edited = (edit: (input: ProgramInput) => void): ProgramInput => {
  const input = structuredClone(defaultProgramInput);
  edit(input);
  return input;
};
const catalogue = catalogueOf();
const stars = (totalAmount: unknown): ProviderPayment => ({ provider: 'telegram_stars', totalAmount });
const ton = (amount: unknown): ProviderPayment => ({ provider: 'ton', amount });
const now = (priceAmount: unknown, priceCurrency: unknown = 'usd', extra: { payAmount?: unknown; actuallyPaid?: unknown } = {}): ProviderPayment => ({ provider: 'nowpayments', priceAmount, priceCurrency, ...extra });

describe('parseDecimalAmount: exact decimals, bounded', () => {
  it.each([
    ['9.99', 999n, 100n],
    [9.99, 999n, 100n],
    [10, 10n, 1n],
    ['0.20', 20n, 100n],
    [1e-7, 1n, 10_000_000n],
    ['999999999999999', 999_999_999_999_999n, 1n],
    ['0.000000000000000001', 1n, 10n ** 18n],
  ])('%s is %s/%s', (value, n, d) => {
    expect(parseDecimalAmount(value)).toEqual({ n, d });
  });

  it.each([0, '0', -50, '-50', Number.NaN, 'NaN', Number.POSITIVE_INFINITY, 1e308, '1e308', 1e15, '1000000000000000', '1e3', '1.', '.5', ' 1', '0x10', '0.0000000000000000001', null, undefined, true, {}, []])('%s is refused', (value) => {
    expect(parseDecimalAmount(value)).toBeNull();
  });

  it('zero only where allowed (actually_paid)', () => {
    expect(parseDecimalAmount(0, { allowZero: true })).toEqual({ n: 0n, d: 1n });
    expect(parseDecimalAmount(-1, { allowZero: true })).toBeNull();
  });
});

describe('parseIntegerAmount: whole stars and nanotons', () => {
  it.each([
    [1, 1n],
    ['1500000000', 1_500_000_000n],
    ['123456789012345678901234567890', 123_456_789_012_345_678_901_234_567_890n],
  ])('%s', (value, expected) => expect(parseIntegerAmount(value)).toBe(expected));
  it.each([0, '0', -1, 1.5, '1.5', '-1', 2 ** 53, '1e9', '', 'abc', null, '1234567890123456789012345678901'])('%s is refused', (value) => {
    expect(parseIntegerAmount(value)).toBeNull();
  });
});

describe('formatExact never reads lower than the amount', () => {
  it.each([
    [{ n: 999n, d: 100n }, '9.99'],
    [{ n: 20n, d: 100n }, '0.2'],
    [{ n: 2n, d: 3n }, '0.666666666666666667'],
    [{ n: 10n ** 21n - 1n, d: 10n ** 21n }, '1'],
    [{ n: 7n, d: 1n }, '7'],
  ])('%o → %s', (value, text) => expect(formatExact(value)).toBe(text));

  it('round-trips a terminating decimal, and rounds anything else up', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.bigInt({ min: 1n, max: 10n ** 12n }), (n, d) => {
        const text = formatExact({ n, d });
        const back = parseDecimalAmount(text, { allowZero: true });
        if (!back) return text.split('.')[0]!.length > 15; // beyond the parse bound, nothing to compare
        return atLeast(back, { n, d });
      }),
    );
  });
});

describe('resolveProduct and priceThrough (the default program: 100 credit = 10 stars = 0.07 TON = 0.20 USD)', () => {
  it.each([
    ['pack:small', 'telegram_stars', undefined, '100'],
    ['pack:large', 'ton', undefined, '7000000000'],
    ['pack:medium', 'nowpayments', 'usd', '9.99'],
    ['sub:PREMIUM', 'telegram_stars', undefined, '350'],
    ['sub:VIP:3', 'ton', undefined, '15000000000'],
    ['sub:BASIC:12', 'nowpayments', 'usd', '35.88'],
    ['credit:100', 'telegram_stars', undefined, '10'],
    ['credit:1', 'nowpayments', 'usd', '0.002'],
    ['credit:333', 'ton', undefined, '233100000'],
    ['credit:5', 'telegram_stars', undefined, '0.5'],
  ] as const)('%s through %s %s costs %s', (spec, provider, currency, price) => {
    const resolved = resolveProduct(catalogue, spec);
    expect(resolved.ok).toBe(true);
    const exact = resolved.ok ? priceThrough(resolved.terms, provider, currency) : null;
    expect(exact && formatExact(exact)).toBe(price);
  });

  it.each([
    ['pack:constructor', /not a credit pack/],
    ['pack:__proto__', /not a product/],
    ['constructor', /no product is named/],
    ['toString', /not a product/],
    ['sub:FREE', /not a paid tier/],
    ['sub:GOLD', /not a paid tier/],
    ['sub:PREMIUM:0', /periods/],
    ['sub:PREMIUM:121', /periods/],
    ['credit:0', /not a product/],
    ['credit:-5', /not a product/],
    ['credit:1.5', /not a product/],
    ['credit:1000000000000000', /not a product/],
    ['', /not a product/],
  ])('%s is no product (%s)', (spec, message) => {
    const resolved = resolveProduct(catalogue, spec);
    expect(resolved).toMatchObject({ ok: false, reason: 'unknown_product' });
    expect(resolved.ok ? '' : resolved.message).toMatch(message);
  });

  it('a currency NOWPayments has no price in, or an inherited name as a currency, is no price', () => {
    const resolved = resolveProduct(catalogue, 'pack:small');
    if (!resolved.ok) throw new Error('pack:small');
    for (const currency of ['eur', 'constructor', '__proto__', 'toString', undefined]) expect(priceThrough(resolved.terms, 'nowpayments', currency)).toBeNull();
  });
});

describe('decidePaidProduct: a payment buys only a catalogued product whose price it covers', () => {
  it.each([
    // Issue 10 item 3, as reported: each credited 999,999,999,999,999.
    { name: 'Stars: 1 XTR for credit:999999999999999', spec: 'credit:999999999999999', payment: stars(1), reason: 'underpaid' },
    { name: 'TON: "1" nanoton for credit:999999999999999', spec: 'credit:999999999999999', payment: ton('1'), reason: 'underpaid' },
    { name: 'NOWPayments: price_amount 1 for credit:999999999999999', spec: 'credit:999999999999999', payment: now(1), reason: 'underpaid' },
    { name: 'NOWPayments: price_amount 0', spec: 'credit:999999999999999', payment: now(0), reason: 'invalid_amount' },
    { name: 'NOWPayments: price_amount -50', spec: 'credit:999999999999999', payment: now(-50), reason: 'invalid_amount' },
    { name: 'NOWPayments: price_amount 1e308', spec: 'credit:999999999999999', payment: now(1e308), reason: 'invalid_amount' },
    { name: 'NOWPayments: price_amount "NaN"', spec: 'pack:small', payment: now('NaN'), reason: 'invalid_amount' },
    { name: 'NOWPayments: no price_amount', spec: 'pack:small', payment: now(null), reason: 'invalid_amount' },
    { name: 'NOWPayments: a currency with no price', spec: 'pack:small', payment: now(1_000, 'eur'), reason: 'unpriced' },
    { name: 'NOWPayments: no currency', spec: 'pack:small', payment: now(1_000, null), reason: 'unpriced' },
    { name: 'NOWPayments: one cent short', spec: 'pack:small', payment: now(1.98), reason: 'underpaid' },
    { name: 'NOWPayments: the invoice covered, the crypto short', spec: 'pack:small', payment: now(1.99, 'usd', { payAmount: 3.3, actuallyPaid: 3.29 }), reason: 'underpaid' },
    { name: 'NOWPayments: actually_paid 0', spec: 'pack:small', payment: now(1.99, 'usd', { payAmount: 3.3, actuallyPaid: 0 }), reason: 'underpaid' },
    { name: 'NOWPayments: pay_amount not a number', spec: 'pack:small', payment: now(1.99, 'usd', { payAmount: 'lots', actuallyPaid: 3 }), reason: 'invalid_amount' },
    { name: 'Stars: one star short of PREMIUM × 3', spec: 'sub:PREMIUM:3', payment: stars(1_049), reason: 'underpaid' },
    { name: 'Stars: 0', spec: 'pack:small', payment: stars(0), reason: 'invalid_amount' },
    { name: 'Stars: a fraction', spec: 'pack:small', payment: stars(99.5), reason: 'invalid_amount' },
    { name: 'TON: one nanoton short', spec: 'pack:small', payment: ton('699999999'), reason: 'underpaid' },
    { name: 'TON: 0', spec: 'pack:small', payment: ton('0'), reason: 'invalid_amount' },
    { name: 'TON: 5 nanotons for credit:1 (0.07 TON per 100: 700,000)', spec: 'credit:1', payment: ton('5'), reason: 'underpaid' },
    { name: 'a pack named constructor', spec: 'pack:constructor', payment: stars(10_000), reason: 'unknown_product' },
    { name: 'a product named constructor', spec: 'constructor', payment: stars(10_000), reason: 'unknown_product' },
  ])('$name → rejected $reason', ({ spec, payment, reason }) => {
    expect(decidePaidProduct(catalogue, spec, payment)).toMatchObject({ status: 'rejected', reason });
  });

  it.each([
    { name: 'Stars: exactly the pack price', spec: 'pack:small', payment: stars(100), product: { type: 'credit_pack', pack: 'small' } },
    { name: 'Stars: more than the price (a tip)', spec: 'sub:PREMIUM:3', payment: stars(1_050), product: { type: 'subscription', tier: 'PREMIUM', periods: 3 } },
    { name: 'TON: exactly', spec: 'credit:500', payment: ton('350000000'), product: { type: 'credit', credit: 500 } },
    { name: 'TON: as a number', spec: 'pack:small', payment: ton(700_000_000), product: { type: 'credit_pack', pack: 'small' } },
    { name: 'NOWPayments: exactly, currency in upper case', spec: 'pack:medium', payment: now(9.99, 'USD'), product: { type: 'credit_pack', pack: 'medium' } },
    { name: 'NOWPayments: as a string, all the crypto arrived', spec: 'pack:small', payment: now('1.99', 'usd', { payAmount: '0.00003', actuallyPaid: 0.00003 }), product: { type: 'credit_pack', pack: 'small' } },
    { name: 'NOWPayments: only one of pay_amount / actually_paid: not compared', spec: 'pack:small', payment: now(1.99, 'usd', { actuallyPaid: 0 }), product: { type: 'credit_pack', pack: 'small' } },
  ])('$name → accepted', ({ spec, payment, product }) => {
    expect(decidePaidProduct(catalogue, spec, payment)).toMatchObject({ status: 'accepted', product });
  });

  it('the rejection says what was paid and what the price is', () => {
    expect(decidePaidProduct(catalogue, 'sub:VIP', stars(700))).toEqual({
      status: 'rejected',
      reason: 'underpaid',
      message: 'paid 700 XTR, the price of sub:VIP is 750 XTR',
      detail: { product: 'sub:VIP', currency: 'XTR', paid: '700', price: '750' },
    });
  });

  it('credit:N is refused unless the catalogue prices credit', () => {
    const unpricedCredit = catalogueOf(edited((p) => delete p.credit_price));
    expect(decidePaidProduct(unpricedCredit, 'credit:1', stars(1_000_000))).toMatchObject({ status: 'rejected', reason: 'unpriced' });
    expect(decidePaidProduct(unpricedCredit, 'pack:small', stars(100))).toMatchObject({ status: 'accepted' });
  });

  it('a provider a product has no price through cannot sell it', () => {
    const starsOnly = catalogueOf(edited((p) => void (p.credit_packs['small'] = { credit: 1_000, prices: { telegram_stars: 100 } })));
    expect(decidePaidProduct(starsOnly, 'pack:small', ton('999999999999'))).toMatchObject({ status: 'rejected', reason: 'unpriced' });
    expect(decidePaidProduct(starsOnly, 'pack:small', now(1_000))).toMatchObject({ status: 'rejected', reason: 'unpriced' });
    expect(decidePaidProduct(starsOnly, 'pack:small', stars(100))).toMatchObject({ status: 'accepted' });
  });

  it('a named product carries its own price, or costs what it contains', () => {
    const named = catalogueOf(
      edited((p) => {
        p.products = {
          premium_month: { product: { type: 'subscription', tier: 'PREMIUM', periods: 1 } },
          promo_pack: { product: { type: 'credit_pack', pack: 'large' }, prices: { telegram_stars: 1 } },
        };
      }),
      { starter: { type: 'credit_pack', pack: 'small' } },
    );
    expect(decidePaidProduct(named, 'premium_month', stars(349))).toMatchObject({ status: 'rejected', reason: 'underpaid' });
    expect(decidePaidProduct(named, 'premium_month', stars(350))).toMatchObject({ status: 'accepted', product: { type: 'subscription', tier: 'PREMIUM', periods: 1 } });
    expect(decidePaidProduct(named, 'promo_pack', stars(1))).toMatchObject({ status: 'accepted', product: { type: 'credit_pack', pack: 'large' } });
    expect(decidePaidProduct(named, 'promo_pack', ton('7000000000'))).toMatchObject({ status: 'rejected', reason: 'unpriced' });
    // PAYMENT_PRODUCTS (deprecated) names are priced from what they contain.
    expect(decidePaidProduct(named, 'starter', stars(99))).toMatchObject({ status: 'rejected', reason: 'underpaid' });
    expect(decidePaidProduct(named, 'starter', stars(100))).toMatchObject({ status: 'accepted' });
  });

  it('property: credit:N is accepted exactly when paid × unit credit ≥ N × unit price (exact, whatever the sizes)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999_999_999_999 }), fc.bigInt({ min: 1n, max: 10n ** 30n - 1n }), (credit, nanotons) => {
        const decision = decidePaidProduct(catalogue, `credit:${credit}`, ton(String(nanotons)));
        const covers = nanotons * 100n >= BigInt(credit) * 70_000_000n;
        return decision.status === (covers ? 'accepted' : 'rejected');
      }),
    );
  });

  it('property: a NOWPayments decimal price is compared exactly (no float rounding either way)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99_999 }), fc.integer({ min: 1, max: 99_999 }), (cents, priceCents) => {
        const priced = catalogueOf(edited((p) => void (p.credit_packs['small'] = { credit: 1_000, prices: { nowpayments: { usd: (priceCents / 100).toFixed(2) } } })));
        const decision = decidePaidProduct(priced, 'pack:small', now((cents / 100).toFixed(2)));
        return decision.status === (cents >= priceCents ? 'accepted' : 'rejected');
      }),
    );
  });
});

describe('buildCatalogue (program products + deprecated PAYMENT_PRODUCTS)', () => {
  it('refuses a name in both, and a product naming a missing tier or pack', () => {
    const program = programSchema.parse(edited((p) => void (p.products = { starter: { product: { type: 'credit_pack', pack: 'small' } } })));
    const built = buildCatalogue(program, { starter: { type: 'credit_pack', pack: 'small' }, gold: { type: 'subscription', tier: 'GOLD', periods: 1 }, huge: { type: 'credit_pack', pack: 'huge' } });
    expect(built).toEqual({
      ok: false,
      problems: [
        'PAYMENT_PRODUCTS.starter: also named in the program\'s products; keep one',
        'PAYMENT_PRODUCTS.gold: "GOLD" is not a paid tier of the program',
        'PAYMENT_PRODUCTS.huge: "huge" is not a credit pack of the program',
      ],
    });
  });

  it('the default program builds', () => {
    expect(buildCatalogue(defaultProgram).ok).toBe(true);
  });
});

describe('decideRefund: the buyer comes from the payment, never from the refund', () => {
  const claim = (claimedUserId: string | null) => ({
    reverse: { kind: 'reverse' as const, idempotency_key: 'stars-refund:c1', transaction_key: 'stars:c1', reason: 'telegram_stars_refund' },
    claimedUserId,
  });

  it.each([
    { name: 'before its payment landed: parked', claimed: '42', original: undefined, expected: { status: 'parked' } },
    { name: 'naming the buyer: the buyer\'s reverse', claimed: '42', original: { userId: '42' }, expected: { status: 'accepted', event: { kind: 'reverse', user_id: '42', transaction_key: 'stars:c1' } } },
    { name: 'naming nobody (NOWPayments): the buyer\'s reverse', claimed: null, original: { userId: '42' }, expected: { status: 'accepted', event: { user_id: '42' } } },
    { name: 'naming someone else: rejected user_mismatch', claimed: '666', original: { userId: '42' }, expected: { status: 'rejected', reason: 'user_mismatch', detail: { claimed_user_id: '666', user_id: '42' } } },
  ])('$name', ({ claimed, original, expected }) => {
    expect(decideRefund(claim(claimed), original)).toMatchObject(expected);
  });
});

describe('canonicalTonHash: one key per transfer, from its 32 bytes', () => {
  const bytes = Buffer.from('9f2c1e0a4b7d8e6f5a3c2b1d0e9f8a7b9f2c1e0a4b7d8e6f5a3c2b1d0e9fbeef', 'hex');
  it.each([
    ['lower-case hex', bytes.toString('hex')],
    ['upper-case hex', bytes.toString('hex').toUpperCase()],
    ['base64', bytes.toString('base64')],
    ['base64 unpadded', bytes.toString('base64').replace(/=+$/, '')],
    ['base64url', bytes.toString('base64url')],
  ])('%s', (_label, text) => {
    expect(canonicalTonHash(text)).toBe(bytes.toString('hex'));
  });

  it.each([
    ['16 bytes of hex', 'a3f1c2d4e5f60718293a4b5c6d7e8f90'],
    ['63 hex digits', 'a'.repeat(63)],
    ['65 hex digits', 'a'.repeat(65)],
    ['33 bytes of base64', Buffer.alloc(33, 1).toString('base64')],
    ['31 bytes of base64', Buffer.alloc(31, 1).toString('base64')],
    ['base64 with junk', `${bytes.toString('base64').slice(0, 42)}!=`],
    ['empty', ''],
  ])('%s is refused', (_label, text) => {
    expect(canonicalTonHash(text)).toBeNull();
  });

  it('property: any 32 bytes, written any of the ways, is the same key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (array) => {
        const b = Buffer.from(array);
        const keys = new Set([b.toString('hex'), b.toString('hex').toUpperCase(), b.toString('base64'), b.toString('base64url')].map(canonicalTonHash));
        return keys.size === 1 && [...keys][0] === b.toString('hex');
      }),
    );
  });
});
