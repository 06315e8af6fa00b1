// Pure: the in-process log limiter of unverified webhook deliveries (a clock passed in); this file needs no services.
import { describe, expect, it } from 'vitest';
import { logLimiter } from '../../apps/api/src/routes/webhook-log-limiter.ts';

describe('logLimiter', () => {
  it('logs the first line per key, then one per interval saying how many were left out', () => {
    let now = 1_000;
    const shouldLog = logLimiter(10_000, () => now);
    expect(shouldLog('ton')).toBe(0);
    expect(shouldLog('ton')).toBeUndefined();
    expect(shouldLog('nowpayments')).toBe(0); // keys are independent
    now += 9_999;
    expect(shouldLog('ton')).toBeUndefined();
    now += 1;
    expect(shouldLog('ton')).toBe(2);
    expect(shouldLog('ton')).toBeUndefined();
    now += 60_000;
    expect(shouldLog('ton')).toBe(1);
  });
});
