/**
 * At most one log line per key (a provider) per interval, saying how many were left out since the
 * last one: anyone can send bad signatures, and a flood of them must not become a flood of logs.
 */
export function logLimiter(intervalMs: number, now: () => number = Date.now) {
  const state = new Map<string, { last: number; suppressed: number }>();
  /** Returns the number of lines suppressed since the last one when this one should be logged, else undefined. */
  return (key: string): number | undefined => {
    const entry = state.get(key);
    const at = now();
    if (entry && at - entry.last < intervalMs) {
      entry.suppressed++;
      return undefined;
    }
    const suppressed = entry?.suppressed ?? 0;
    state.set(key, { last: at, suppressed: 0 });
    return suppressed;
  };
}
