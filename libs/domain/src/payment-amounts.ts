/**
 * Exact money for payment checks. A price or a paid amount is a non-negative rational n/d held in
 * bigints, never a float: 9.99 is 999/100, and "paid ≥ price" is a cross-multiplication. Decimal
 * input is bounded (at most 15 integer and 18 fractional digits) so 1e308 is refused, not compared.
 */
export interface Exact {
  readonly n: bigint;
  /** Always > 0. */
  readonly d: bigint;
}

const DECIMAL = /^(\d{1,15})(?:\.(\d{1,18}))?$/;
const INTEGER = /^\d{1,30}$/;

/**
 * A decimal string ("9.99") or a JSON number as an exact amount; null for anything else: NaN,
 * negative, zero (unless `allowZero`), exponent strings, or beyond the bounds above.
 */
export function parseDecimalAmount(value: unknown, options: { allowZero?: boolean } = {}): Exact | null {
  const text = typeof value === 'number' ? numberText(value) : typeof value === 'string' ? value : null;
  const match = text === null ? null : DECIMAL.exec(text);
  if (!match) return null;
  const fraction = match[2] ?? '';
  const n = BigInt(`${match[1]}${fraction}`);
  if (n === 0n && !options.allowZero) return null;
  return { n, d: 10n ** BigInt(fraction.length) };
}

/** A whole amount in a currency's smallest unit (stars, nanotons): a safe integer or a digit string, > 0. */
export function parseIntegerAmount(value: unknown): bigint | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? BigInt(value) : null;
  if (typeof value !== 'string' || !INTEGER.test(value)) return null;
  const n = BigInt(value);
  return n > 0n ? n : null;
}

/**
 * A JSON number as the decimal it was written as: its shortest round-trip text with any exponent
 * written out. NOWPayments signs the body as JavaScript re-serialises it, so this is exactly the
 * text its signature covers.
 */
function numberText(value: number): string | null {
  if (!Number.isFinite(value) || value < 0) return null;
  const text = String(value);
  const match = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const digits = `${match[1]}${match[2] ?? ''}`;
  const point = 1 + Number(match[3]);
  // Beyond the bounds either way; not worth writing out 300 zeros to refuse them.
  if (point > 16 || point < -18) return null;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** n/d as an exact amount (d > 0). */
export const exactOf = (n: bigint, d = 1n): Exact => ({ n, d });

/** a × k / per, exact. */
export function scale(a: Exact, k: bigint, per = 1n): Exact {
  return { n: a.n * k, d: a.d * per };
}

/** True when a ≥ b. */
export function atLeast(a: Exact, b: Exact): boolean {
  return a.n * b.d >= b.n * a.d;
}

/**
 * The amount as a decimal string, rounded up at 18 decimals when it does not terminate (a price
 * shown to an operator must never read lower than what is required).
 */
export function formatExact(a: Exact): string {
  const whole = a.n / a.d;
  let rest = a.n % a.d;
  let fraction = '';
  for (let i = 0; i < 18 && rest !== 0n; i++) {
    rest *= 10n;
    fraction += String(rest / a.d);
    rest %= a.d;
  }
  if (rest === 0n) return fraction ? `${whole}.${fraction.replace(/0+$/, '')}` : String(whole);
  // Round the 18th decimal up.
  const up = BigInt(`${whole}${fraction}`) + 1n;
  const text = up.toString().padStart(19, '0');
  const decimals = text.slice(-18).replace(/0+$/, '');
  return decimals ? `${text.slice(0, -18)}.${decimals}` : text.slice(0, -18);
}
