/**
 * The engine's clock. Real time, or — for harnesses — time that runs `rate` times faster from a
 * shared real origin, so several processes agree on "now": origin + (real − origin) × rate.
 */
export function createClock(rate: number, originMs: number | undefined): () => number {
  if (rate === 1) return Date.now;
  const origin = originMs ?? Date.now();
  return () => origin + (Date.now() - origin) * rate;
}
