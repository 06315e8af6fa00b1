import type { PointsEvent } from '@points-engine/domain';

/** A seeded pseudo-random generator (mulberry32), so every run sends the same workload. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;

/**
 * Earn events over `users` users. Each event is stamped 30 s after the previous one, starting 60
 * days ago, so no user trips the rate limit and the hot-spot users stay under the daily cap: the
 * engine writes the full set of rows for every event.
 */
export function earnEvents(label: string, count: number, users: number, seed: number): PointsEvent[] {
  const random = rng(seed);
  const start = Date.now() - 60 * DAY;
  return Array.from({ length: count }, (_, i) => ({
    kind: 'earn',
    idempotency_key: `${label}:${i}`,
    user_id: `u${Math.floor(random() * users)}`,
    activity: 'text_request',
    occurred_at: new Date(start + i * 30_000).toISOString(),
  }));
}

/** 70% earn, 25% spend (half as a hold followed by its settle), 5% credit purchases. */
export function mixedEvents(label: string, count: number, users: number, seed: number): PointsEvent[] {
  const random = rng(seed);
  const start = Date.now() - 60 * DAY;
  const events: PointsEvent[] = [];
  let i = 0;
  while (events.length < count) {
    const user_id = `u${Math.floor(random() * users)}`;
    const occurred_at = new Date(start + i * 30_000).toISOString();
    const key = `${label}:${i++}`;
    const roll = random();
    if (roll < 0.7) events.push({ kind: 'earn', idempotency_key: key, user_id, activity: 'text_request', occurred_at });
    else if (roll < 0.825) events.push({ kind: 'spend', idempotency_key: key, user_id, task_type: 'chat', occurred_at });
    else if (roll < 0.95) {
      events.push({ kind: 'hold', idempotency_key: key, user_id, task_type: 'image', duration_seconds: 5, occurred_at });
      events.push({ kind: 'settle', idempotency_key: `${key}:settle`, user_id, hold_key: key, task_type: 'image', duration_seconds: 4, occurred_at });
    } else {
      events.push({ kind: 'purchase_bonus', idempotency_key: key, user_id, provider: 'bench', payment_id: key, product: { type: 'credit_pack', pack: 'small' }, occurred_at });
    }
  }
  return events.slice(0, count);
}
