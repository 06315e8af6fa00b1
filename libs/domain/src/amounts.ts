/** Basis points: 10,000 = ×1.0. Multipliers are integers so 10 × 1.2 × 1.5 is exactly 18. */
export const BP_ONE = 10_000;

/** Converts a decimal multiplier (1.2) to basis points (12000), rejecting sub-basis-point precision. */
export function toBasisPoints(multiplier: number): number {
  const bp = Math.round(multiplier * BP_ONE);
  if (Math.abs(bp / BP_ONE - multiplier) > 1e-9) {
    throw new RangeError(`multiplier ${multiplier} has more precision than 0.0001`);
  }
  return bp;
}

/** base × each multiplier, rounded down to a whole point (the program's rounding rule). */
export function applyMultipliers(base: number, multipliersBp: readonly number[]): number {
  let numerator = BigInt(base);
  let denominator = 1n;
  for (const bp of multipliersBp) {
    numerator *= BigInt(bp);
    denominator *= BigInt(BP_ONE);
  }
  return Number(numerator / denominator);
}

/** Parses a database int8 (which pg returns as a string) into a safe integer, or throws. */
export function toSafeInteger(value: string | number | bigint): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`amount ${String(value)} is not a safe integer`);
  return n;
}

/**
 * A sum over many accounts or users, exact: a JSON number while it is a safe integer, the decimal
 * string past 2^53 − 1 (each balance is a safe integer, but their total need not be; reading one
 * back as a number answered 500).
 */
export type ExactTotal = number | string;
export function exactTotal(value: string | number | bigint | null | undefined): ExactTotal {
  const n = BigInt(value ?? 0);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n.toString();
}
