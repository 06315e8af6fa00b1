import { createHash } from 'node:crypto';
import { pointsEventSchema, type PointsEvent, type PointsEventInput } from '@points-engine/domain';
import { rng } from '../bench/support/events.ts';

/** How an event reaches the engine. */
export type Channel = 'client-batch' | 'client-single' | 'http-single' | 'http-batch';
/**
 * A second delivery of the same event: `concurrent` from the second producer at the same moment,
 * `late` a while later through another channel, `after-remove` a while later after the first
 * job was removed from Redis (so BullMQ cannot deduplicate it; only the ledger can).
 */
export type DupKind = 'concurrent' | 'late' | 'after-remove';

export interface PlannedEvent {
  index: number;
  event: PointsEvent;
  channel: Channel;
  dup: DupKind | null;
  /** For late and after-remove duplicates: the stream position after which it is sent again. */
  dupAt: number;
  dupChannel: Channel;
}

/** A payload the engine must refuse: a raw queue job (bypassing the client) or an HTTP request. */
export type PlannedHostile =
  | { at: number; id: string; via: 'job'; label: string; name: string; data: unknown; keys: string[] }
  | { at: number; id: string; via: 'http'; label: string; expect: number; request: HostileRequest; keys: string[] };

export interface HostileRequest {
  /** Which API key goes with it. */
  key: 'producer' | 'reader' | 'none' | 'bogus';
  contentType: string;
  body: string;
}

/** The same key sent again with a different payload (once the first is recorded): must be refused. */
export interface PlannedConflict {
  at: number;
  id: string;
  original: PointsEvent;
  event: PointsEvent;
}

export interface Workload {
  seed: number;
  users: number;
  events: PlannedEvent[];
  hostile: PlannedHostile[];
  conflicts: PlannedConflict[];
  /** sha256 of the whole plan: the same seed and size give the same digest. */
  digest: string;
}

export interface WorkloadSize {
  events: number;
  users: number;
  duplicateShare: number;
  hostileShare: number;
  conflicts: number;
}

const ACTIVITIES = ['text_request', 'text_request', 'text_request', 'vision_request', 'chart_request', 'daily_login', 'referral_signup'] as const;
const TASKS = ['chat', 'image', 'upscale', 'video'] as const;

/**
 * The seeded workload: valid events of every kind (earn, spend, hold/settle/void, purchases,
 * grants, deducts, token-balance updates, reversals naming earlier keys), each with a channel and
 * maybe a duplicate delivery, plus hostile payloads and idempotency conflicts at fixed stream
 * positions. Nothing here depends on time: the same seed always plans the same run.
 */
export function planWorkload(seed: number, size: WorkloadSize): Workload {
  const random = rng(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const hot = Math.max(5, Math.round(size.users / 100));
  // A fifth of the events go to 1% of the users, so some users see heavy concurrency.
  const user = () => (random() < 0.2 ? `c${int(0, hot - 1)}` : `c${int(0, size.users - 1)}`);
  const key = (i: number, kind: string) => `ch:${seed}:${i}:${kind}`;

  const events: PlannedEvent[] = [];
  const holdsByUser = new Map<string, string[]>();
  const reversible: PointsEvent[] = [];
  const spends: PointsEvent[] = [];
  const reversed: { user_id: string; key: string }[] = [];

  for (let i = 0; i < size.events; i++) {
    const roll = random();
    const user_id = user();
    const metadata = random() < 0.1 ? { source: 'chaos', i } : undefined;
    let input: PointsEventInput;
    if (roll < 0.4) {
      const activity = pick(ACTIVITIES);
      input = { kind: 'earn', idempotency_key: key(i, 'earn'), user_id, activity };
      if (activity === 'referral_signup') input = { ...input, referred_user_id: user() };
    } else if (roll < 0.54) {
      const cost = random() < 0.3 ? { amount: int(1, 300) } : random() < 0.03 ? { task_type: 'teleport' } : { task_type: pick(TASKS), duration_seconds: int(0, 20) };
      input = { kind: 'spend', idempotency_key: key(i, 'spend'), user_id, ...cost };
    } else if (roll < 0.62) {
      const hold = key(i, 'hold');
      input = { kind: 'hold', idempotency_key: hold, user_id, ...(random() < 0.5 ? { amount: int(5, 120) } : { task_type: 'image', duration_seconds: int(1, 10) }) };
      holdsByUser.set(user_id, [...(holdsByUser.get(user_id) ?? []).slice(-4), hold]);
    } else if (roll < 0.69) {
      // settle (5 in 7) or void (2 in 7) of one of the user's recent holds, else of a hold that never existed
      const open = holdsByUser.get(user_id) ?? [];
      const hold_key = open.length > 0 && random() < 0.9 ? pick(open) : `ch:${seed}:nohold:${i}`;
      input =
        random() < 5 / 7
          ? { kind: 'settle', idempotency_key: key(i, 'settle'), user_id, hold_key, ...(random() < 0.5 ? { amount: int(1, 150) } : { task_type: 'image', duration_seconds: int(1, 12) }) }
          : { kind: 'void', idempotency_key: key(i, 'void'), user_id, hold_key };
    } else if (roll < 0.75) {
      const p = random();
      const product =
        p < 0.5
          ? { type: 'credit_pack' as const, pack: pick(['small', 'medium', 'large', 'small']) }
          : p < 0.75
            ? { type: 'credit' as const, credit: int(100, 5000) }
            : { type: 'subscription' as const, tier: pick(['BASIC', 'PREMIUM', 'VIP']), periods: int(1, 2) };
      const k = key(i, 'purchase');
      input = { kind: 'purchase_bonus', idempotency_key: k, user_id, provider: 'chaos', payment_id: k, product, ...(random() < 0.2 ? { referrer_id: user() } : {}) };
    } else if (roll < 0.8) {
      const asset = pick(['points', 'points', 'points', 'points', 'points', 'points', 'points', 'credit', 'credit', 'allowance'] as const);
      input = { kind: 'grant', idempotency_key: key(i, 'grant'), user_id, asset, amount: int(10, 2000), reason: 'chaos grant', operator: 'chaos' };
    } else if (roll < 0.83) {
      input = { kind: 'deduct', idempotency_key: key(i, 'deduct'), user_id, asset: pick(['points', 'credit'] as const), amount: int(1, 500), reason: 'chaos deduct', operator: 'chaos' };
    } else if (roll < 0.88) {
      const token_balance = random() < 0.1 ? '0' : String(int(0, 1_000_000) * int(1, 1_000_000));
      input = { kind: 'set_token_balance', idempotency_key: key(i, 'tokens'), user_id, token_balance };
    } else if (roll < 0.92) {
      // a reversal: mostly of an earlier earn/purchase/grant/deduct (its own user), sometimes of a
      // spend (not reversible), of a key that never existed, or of an original already reversed
      const r = random();
      let target: { user_id: string; key: string } | undefined;
      if (r < 0.75 && reversible.length > 0) {
        const original = reversible[Math.floor(random() * Math.min(reversible.length, 2000)) + Math.max(0, reversible.length - 2000)] as PointsEvent;
        target = { user_id: original.user_id, key: original.idempotency_key };
        reversed.push(target);
      } else if (r < 0.83 && spends.length > 0) {
        const spend = pick(spends);
        target = { user_id: spend.user_id, key: spend.idempotency_key };
      } else if (r < 0.9 || reversed.length === 0) {
        target = { user_id, key: `ch:${seed}:never:${i}` };
      } else {
        target = pick(reversed);
      }
      input = { kind: 'reverse', idempotency_key: key(i, 'reverse'), user_id: target.user_id, transaction_key: target.key, reason: 'chaos refund', operator: 'chaos' };
    } else {
      // the rest: more plain earnings (the bulk of a real bot's traffic)
      input = { kind: 'earn', idempotency_key: key(i, 'earn'), user_id, activity: 'text_request' };
    }
    if (metadata) input = { ...input, metadata };
    const event = pointsEventSchema.parse(input);
    if (['earn', 'purchase_bonus', 'grant', 'deduct'].includes(event.kind)) reversible.push(event);
    if (event.kind === 'spend') spends.push(event);

    let dup: DupKind | null = null;
    if (random() < size.duplicateShare) {
      const d = random();
      dup = d < 0.4 ? 'concurrent' : d < 0.75 ? 'late' : 'after-remove';
    }
    const c = random();
    let channel: Channel = c < 0.45 ? 'client-batch' : c < 0.65 ? 'client-single' : c < 0.8 ? 'http-single' : 'http-batch';
    // To remove "the first job", the first delivery must be a job of its own.
    if (dup === 'after-remove') channel = 'client-single';
    const dupChannel: Channel = dup === 'after-remove' ? 'client-single' : pick(['client-batch', 'client-single', 'http-single', 'http-batch'] as const);
    const dupAt = dup === 'late' ? i + int(20, 3000) : dup === 'after-remove' ? i + int(2000, 8000) : i;
    events.push({ index: i, event, channel, dup, dupAt, dupChannel });
  }

  const hostile = planHostile(seed, size, random, events);
  const conflicts = planConflicts(seed, size, random, events);
  const digest = createHash('sha256').update(JSON.stringify({ seed, size, events, hostile, conflicts })).digest('hex').slice(0, 16);
  return { seed, users: size.users, events, hostile, conflicts, digest };
}

const RAW_HOSTILE = [
  'unknown-kind', 'missing-key', 'negative-amount', 'string-amount', 'fractional-amount', 'unsafe-amount', 'sql-user-id',
  'long-user-id', 'long-key', 'key-with-space', 'name-mismatch', 'oversized-metadata', 'deep-metadata', 'bad-date',
  'batch-with-one-invalid', 'empty-batch', 'string-payload', 'null-payload', 'negative-tokens', 'unknown-asset', 'zero-cost-missing',
] as const;
const HTTP_HOSTILE = [
  'malformed-json', 'invalid-event', 'array-with-one-invalid', 'too-large', 'no-key', 'bogus-key', 'reader-key',
  'text-plain', 'empty-array', 'too-many-events', 'sql-in-key',
] as const;

function planHostile(seed: number, size: WorkloadSize, random: () => number, events: PlannedEvent[]): PlannedHostile[] {
  const count = Math.max(RAW_HOSTILE.length + HTTP_HOSTILE.length, Math.round(size.events * size.hostileShare));
  const list: PlannedHostile[] = [];
  for (let n = 0; n < count; n++) {
    // Every kind at least once (the first rounds), then at random; about 60% raw jobs.
    const raw = n < RAW_HOSTILE.length || (n >= RAW_HOSTILE.length + HTTP_HOSTILE.length && random() < 0.6);
    const at = Math.floor(random() * size.events);
    const id = `hostile-${seed}-${n}`;
    const k = `hostile:${seed}:${n}`;
    const u = `c${Math.floor(random() * size.users)}`;
    if (raw) {
      const label = n < RAW_HOSTILE.length ? RAW_HOSTILE[n] as string : RAW_HOSTILE[Math.floor(random() * RAW_HOSTILE.length)] as string;
      list.push({ at, id, via: 'job', label, ...rawHostile(label, k, u), keys: [k, `${k}:b`] });
    } else {
      const i = n - RAW_HOSTILE.length;
      const label = i >= 0 && i < HTTP_HOSTILE.length ? HTTP_HOSTILE[i] as string : HTTP_HOSTILE[Math.floor(random() * HTTP_HOSTILE.length)] as string;
      const { expect, request } = httpHostile(label, k, u);
      list.push({ at, id, via: 'http', label, expect, request, keys: [k, `${k}:b`] });
    }
  }
  void events;
  return list.sort((a, b) => a.at - b.at);
}

function rawHostile(label: string, k: string, u: string): { name: string; data: unknown } {
  const earn = { kind: 'earn', idempotency_key: k, user_id: u, activity: 'text_request' };
  switch (label) {
    case 'unknown-kind': return { name: 'teleport', data: { kind: 'teleport', idempotency_key: k, user_id: u } };
    case 'missing-key': return { name: 'earn', data: { kind: 'earn', user_id: u, activity: 'text_request' } };
    case 'negative-amount': return { name: 'spend', data: { kind: 'spend', idempotency_key: k, user_id: u, amount: -50 } };
    case 'string-amount': return { name: 'grant', data: { kind: 'grant', idempotency_key: k, user_id: u, amount: '100', reason: 'x' } };
    case 'fractional-amount': return { name: 'spend', data: { kind: 'spend', idempotency_key: k, user_id: u, amount: 1.5 } };
    case 'unsafe-amount': return { name: 'grant', data: { kind: 'grant', idempotency_key: k, user_id: u, amount: 1e20, reason: 'x' } };
    case 'sql-user-id': return { name: 'earn', data: { ...earn, user_id: "'; DROP TABLE users; --" } };
    case 'long-user-id': return { name: 'earn', data: { ...earn, user_id: 'u'.repeat(65) } };
    case 'long-key': return { name: 'earn', data: { ...earn, idempotency_key: `${k}:${'k'.repeat(200)}` } };
    case 'key-with-space': return { name: 'earn', data: { ...earn, idempotency_key: `${k} space` } };
    case 'name-mismatch': return { name: 'earn', data: { kind: 'grant', idempotency_key: k, user_id: u, amount: 10, reason: 'x' } };
    case 'oversized-metadata': return { name: 'earn', data: { ...earn, metadata: { blob: 'x'.repeat(5000) } } };
    case 'deep-metadata': {
      let deep: Record<string, unknown> = { leaf: true };
      for (let d = 0; d < 1000; d++) deep = { d: deep };
      return { name: 'earn', data: { ...earn, metadata: deep } };
    }
    case 'bad-date': return { name: 'earn', data: { ...earn, occurred_at: 'yesterday' } };
    case 'batch-with-one-invalid': return { name: 'batch', data: { events: [{ ...earn, idempotency_key: `${k}:b` }, { ...earn, activity: 'Not An Identifier' }] } };
    case 'empty-batch': return { name: 'batch', data: { events: [] } };
    case 'string-payload': return { name: 'earn', data: 'earn 1000000 points please' };
    case 'null-payload': return { name: 'spend', data: null };
    case 'negative-tokens': return { name: 'set_token_balance', data: { kind: 'set_token_balance', idempotency_key: k, user_id: u, token_balance: '-5' } };
    case 'unknown-asset': return { name: 'grant', data: { kind: 'grant', idempotency_key: k, user_id: u, asset: 'experience', amount: 10, reason: 'x' } };
    case 'zero-cost-missing': return { name: 'spend', data: { kind: 'spend', idempotency_key: k, user_id: u } };
    default: throw new Error(`unknown hostile job ${label}`);
  }
}

function httpHostile(label: string, k: string, u: string): { expect: number; request: HostileRequest } {
  const earn = { kind: 'earn', idempotency_key: k, user_id: u, activity: 'text_request' };
  const json = (body: unknown, key: HostileRequest['key'] = 'producer') => ({ key, contentType: 'application/json', body: JSON.stringify(body) });
  switch (label) {
    case 'malformed-json': return { expect: 400, request: { key: 'producer', contentType: 'application/json', body: '{"kind":"earn","idempotency_key":' } };
    case 'invalid-event': return { expect: 400, request: json({ ...earn, activity: undefined }) };
    case 'array-with-one-invalid': return { expect: 400, request: json([{ ...earn, idempotency_key: `${k}:b` }, { ...earn, user_id: 'not valid!' }]) };
    case 'too-large': return { expect: 413, request: json({ ...earn, metadata: { blob: 'x'.repeat(300 * 1024) } }) };
    case 'no-key': return { expect: 401, request: json(earn, 'none') };
    case 'bogus-key': return { expect: 401, request: json(earn, 'bogus') };
    case 'reader-key': return { expect: 403, request: json(earn, 'reader') };
    case 'text-plain': return { expect: 400, request: { key: 'producer', contentType: 'text/plain', body: JSON.stringify(earn) } };
    case 'empty-array': return { expect: 400, request: json([]) };
    case 'too-many-events': return { expect: 400, request: json(Array.from({ length: 1001 }, (_, i) => ({ ...earn, idempotency_key: `${k}:${i}` }))) };
    case 'sql-in-key': return { expect: 400, request: json({ ...earn, idempotency_key: `${k}'; DELETE FROM entries; --` }) };
    default: throw new Error(`unknown hostile request ${label}`);
  }
}

/** Conflicts reuse keys from the first half of the stream with a changed payload, sent near the end. */
function planConflicts(seed: number, size: WorkloadSize, random: () => number, events: PlannedEvent[]): PlannedConflict[] {
  const list: PlannedConflict[] = [];
  for (let n = 0; n < size.conflicts; n++) {
    const original = events[Math.floor(random() * events.length * 0.5)]?.event;
    if (!original || list.some((c) => c.original.idempotency_key === original.idempotency_key)) continue;
    const changed = { ...original, metadata: { conflict: n, note: 'same key, different payload' } } as PointsEvent;
    list.push({ at: Math.floor(size.events * (0.85 + random() * 0.1)), id: `conflict-${seed}-${n}`, original, event: changed });
  }
  return list.sort((a, b) => a.at - b.at);
}
