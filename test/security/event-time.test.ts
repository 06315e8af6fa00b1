// Isolation: its own database and BullMQ prefix (startTestEngine), one hand-set clock for the API and the worker, fresh random users and keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job, QueueEvents } from 'bullmq';
import { eventQueueName, partitionOf } from '@points-engine/jobs';
import { randomUser, redisUrl } from '../support/services.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';
import { DAY, iso, manualClock, MINUTE, SECOND } from '../support/program/harness.ts';

// Issue 10 item 2: a producer chose `occurred_at` to mint points. The default bound: an event may
// be 600 s old or 60 s ahead when it arrives; the rules' windows reach 660 s back from the newest.
const MIDNIGHT = Date.parse('2026-06-15T00:00:00Z');
const clock = manualClock(MIDNIGHT);
let engine: TestEngine;
let producer: string;
let admin: string;
const queueEvents = new Map<number, QueueEvents>();

beforeAll(async () => {
  engine = await startTestEngine({ now: clock.now });
  [producer, admin] = await Promise.all([engine.key('producer'), engine.key('admin')]);
  for (let p = 0; p < engine.partitions; p++) {
    const events = new QueueEvents(eventQueueName(p), { connection: { url: redisUrl() }, prefix: engine.prefix });
    await events.waitUntilReady();
    queueEvents.set(p, events);
  }
});
afterAll(async () => {
  await Promise.all([...queueEvents.values()].map((e) => e.close()));
  await engine.close();
});

const login = (user: string, n: number, at?: number) => ({ kind: 'earn', idempotency_key: `login:${user}:${n}`, user_id: user, activity: 'daily_login', ...(at === undefined ? {} : { occurred_at: iso(at) }) });
const text = (user: string, n: number, at?: number) => ({ kind: 'earn', idempotency_key: `text:${user}:${n}`, user_id: user, activity: 'text_request', ...(at === undefined ? {} : { occurred_at: iso(at) }) });

async function post(path: string, body: unknown, key = producer) {
  const response = await engine.fetch(path, { method: 'POST', key, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** POSTs events of one user to /api/points/events, expects 202, and waits until the worker finished their job(s). */
async function postApplied(user: string, body: unknown): Promise<void> {
  const answer = await post('/api/points/events', body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  const partition = partitionOf(user, engine.partitions);
  const ids = (answer.body['job_ids'] as string[] | undefined) ?? [answer.body['job_id'] as string];
  for (const id of ids) {
    const job = await Job.fromId(engine.client.queue(partition), id);
    if (!job) throw new Error(`job ${id} not found`);
    await job.waitUntilFinished(queueEvents.get(partition) as QueueEvents, 20_000);
  }
}

/** What the ledger recorded for a user's earns, in the order applied. */
async function earnsOf(user: string) {
  const rows = await engine.db
    .selectFrom('ledger_transactions')
    .select(['idempotency_key', 'amount', 'reason', 'outcome'])
    .where('user_id', '=', user)
    .where('kind', '=', 'earn')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ key: r.idempotency_key, amount: Number(r.amount), reason: r.reason, details: (r.outcome as { details?: Record<string, unknown> }).details ?? {} }));
}
const total = (rows: { amount: number }[]) => rows.reduce((sum, r) => sum + r.amount, 0);
const userRow = (user: string) => engine.db.selectFrom('users').selectAll().where('user_id', '=', user).executeTakeFirstOrThrow();

describe('the reproductions of issue 10 item 2, over HTTP', () => {
  it('30 daily logins stamped one day apart in the past, in one request, answer 400 naming the first beyond the bound, and nothing is queued', async () => {
    clock.set(MIDNIGHT + 4 * MINUTE);
    const user = randomUser('login30');
    const newestFirst = Array.from({ length: 30 }, (_, i) => login(user, i, clock.now() - i * DAY));
    expect(await post('/api/points/events', newestFirst)).toMatchObject({ status: 400, body: { error: 'invalid_request', field: 'events.1.occurred_at' } });
    expect(await post('/api/points/events', { events: [...newestFirst].reverse() })).toMatchObject({ status: 400, body: { field: 'events.0.occurred_at' } });
    expect(await post('/api/points/events', newestFirst[29])).toMatchObject({ status: 400, body: { field: 'occurred_at' } });

    // A later event of the same user (same queue, applied in order) finds nothing before it.
    await postApplied(user, login(user, 100));
    expect(await earnsOf(user)).toEqual([{ key: `login:${user}:100`, amount: 100, reason: null, details: expect.objectContaining({ streak: 1, streak_bonus: 50 }) }]);
  });

  it('30 logins stamped within the bound across midnight claim only the two days it reaches, in either order: what a user logging in at those times earns', async () => {
    clock.set(MIDNIGHT + 4 * MINUTE);
    const stamps = Array.from({ length: 30 }, (_, i) => clock.now() - i * 20 * SECOND); // 00:04:00 back to 23:54:20
    const newest = randomUser('newest');
    const oldest = randomUser('oldest');
    await postApplied(newest, stamps.map((at, i) => login(newest, i, at)));
    await postApplied(oldest, [...stamps].reverse().map((at, i) => login(oldest, i, at)));

    // An honest producer: the user logs in at 23:54:20 and at 00:04, each event sent as it happens.
    const honest = randomUser('honest');
    clock.set(stamps[29] as number);
    await postApplied(honest, login(honest, 0));
    clock.set(stamps[0] as number);
    await postApplied(honest, login(honest, 1));

    for (const user of [newest, oldest, honest]) {
      const earns = await earnsOf(user);
      expect(total(earns), user).toBe(150);
      expect(earns.filter((e) => e.amount > 0), user).toHaveLength(2);
      expect(new Set(earns.filter((e) => e.amount === 0).map((e) => e.reason)), user).toEqual(new Set(earns.length > 2 ? ['already_claimed'] : []));
    }
    // Newest first, the earlier day is a late login: its base only, and no streak is built from it.
    expect((await earnsOf(newest)).filter((e) => e.amount > 0).map((e) => [e.amount, e.details['streak'], e.details['late_login'] ?? false])).toEqual([
      [100, 1, false],
      [50, 1, true],
    ]);
    expect((await userRow(newest)).current_streak).toBe(1);
    expect((await userRow(oldest)).current_streak).toBe(2);
    expect((await userRow(honest)).current_streak).toBe(2);
    expect(await engine.invariants()).toEqual([]);
  });

  it('40 text requests stamped 6 s apart in the past, in one request, earn what a user sending one every 6 s earns; walking the same stretch again earns nothing', async () => {
    const X = MIDNIGHT + 12 * 60 * MINUTE;
    clock.set(X);
    const user = randomUser('text40');
    await postApplied(user, Array.from({ length: 40 }, (_, i) => text(user, i, X - i * 6 * SECOND)));
    expect(total(await earnsOf(user))).toBe(400);

    // An honest producer whose user sent 40 requests 6 s apart over the same four minutes.
    const honest = randomUser('honest40');
    for (let i = 39; i >= 0; i--) {
      clock.set(X - i * 6 * SECOND);
      await postApplied(honest, text(honest, i));
    }
    expect(total(await earnsOf(honest))).toBe(400);

    // With only the latest earn time kept, each of these earned again (each is ≥ 5 s before the latest).
    clock.set(X + SECOND);
    await postApplied(user, Array.from({ length: 40 }, (_, i) => text(user, 100 + i, X - 3 * SECOND - i * 6 * SECOND)));
    await postApplied(user, Array.from({ length: 40 }, (_, i) => text(user, 200 + i, X - 1 * SECOND - i * 6 * SECOND)));
    // Stamped ahead (within the 60 s of skew allowed): an event never counts after it was applied, so these count at X + 1 s.
    await postApplied(user, Array.from({ length: 10 }, (_, i) => text(user, 300 + i, X + (i + 1) * 6 * SECOND)));
    const again = (await earnsOf(user)).slice(40);
    expect(again).toHaveLength(90);
    expect(new Set(again.map((e) => e.reason))).toEqual(new Set(['rate_limited']));
    expect(total(await earnsOf(user))).toBe(400);

    // Stamped 6 s apart further back than the bound: refused as a whole, naming the first beyond it (101 × 6 s > 600 s).
    clock.set(X);
    expect(await post('/api/points/events', Array.from({ length: 120 }, (_, i) => text(user, 400 + i, X - i * 6 * SECOND)))).toMatchObject({
      status: 400,
      body: { field: 'events.101.occurred_at' },
    });
    expect(await engine.invariants()).toEqual([]);
  });
});

describe('the bound on every route that takes an event', () => {
  it('POST /api/points/events accepts its edges and answers 400 naming occurred_at one millisecond beyond them', async () => {
    const now = MIDNIGHT + 20 * 60 * MINUTE;
    clock.set(now);
    const user = randomUser('edge');
    expect(await post('/api/points/events', text(user, 1, now - 600 * SECOND))).toMatchObject({ status: 202 });
    expect(await post('/api/points/events', text(user, 2, now + 60 * SECOND))).toMatchObject({ status: 202 });
    const old = await post('/api/points/events', text(user, 3, now - 600 * SECOND - 1));
    expect(old).toMatchObject({ status: 400, body: { error: 'invalid_request', field: 'occurred_at' } });
    expect(old.body['message']).toMatch(/more than 600 s before the server's clock/);
    const ahead = await post('/api/points/events', text(user, 4, now + 60 * SECOND + 1));
    expect(ahead).toMatchObject({ status: 400, body: { field: 'occurred_at' } });
    expect(ahead.body['message']).toMatch(/more than 60 s after the server's clock/);
    // Any offset is the same instant.
    expect(await post('/api/points/events', { ...text(user, 5), occurred_at: '2026-06-15T22:55:00+03:00' })).toMatchObject({ status: 202 });
    expect(await post('/api/points/events', { ...text(user, 6), occurred_at: '2026-06-15T22:49:59+03:00' })).toMatchObject({ status: 400, body: { field: 'occurred_at' } });
  });

  it('POST /api/points/spend refuses a backdated spend with 400 and charges nothing', async () => {
    clock.set(MIDNIGHT + 20 * 60 * MINUTE);
    const user = randomUser('spend');
    const answer = await post('/api/points/spend', { idempotency_key: `spend:${user}`, user_id: user, amount: 5, occurred_at: iso(clock.now() - DAY) });
    expect(answer).toMatchObject({ status: 400, body: { field: 'occurred_at' } });
    expect(await engine.db.selectFrom('ledger_transactions').select('id').where('user_id', '=', user).execute()).toEqual([]);
  });

  it('admin adjustments never take a time from the body: the event counts when it is applied', async () => {
    clock.set(MIDNIGHT + 20 * 60 * MINUTE);
    const user = randomUser('adm');
    const answer = await post(`/api/admin/users/${user}/grant`, { amount: 50, reason: 'ticket', idempotency_key: `grant:${user}`, occurred_at: iso(clock.now() - 30 * DAY) }, admin);
    expect(answer).toMatchObject({ status: 200, body: { status: 'applied', amount: 50 } });
    const recorded = await engine.db.selectFrom('ledger_transactions').select('payload').where('idempotency_key', '=', `grant:${user}`).executeTakeFirstOrThrow();
    expect(recorded.payload).not.toHaveProperty('occurred_at');
    const days = await engine.db.selectFrom('user_days').select(['day']).where('user_id', '=', user).execute();
    expect(days.map((d) => d.day)).toEqual(['2026-06-15']);
  });
});

describe('a Redis producer (full trust: no arrival bound) still cannot walk the rules back', () => {
  it('30 backdated logins newest first claim one day; every older day is before what the windows reach', async () => {
    clock.set(MIDNIGHT + 12 * 60 * MINUTE);
    const user = randomUser('redis30');
    const outcomes = [];
    for (let i = 0; i < 30; i++) outcomes.push(await engine.client.spend(login(user, i, clock.now() - i * DAY) as Parameters<TestEngine['client']['spend']>[0]));
    expect(outcomes.map((o) => o.amount)).toEqual([100, ...Array(29).fill(0)]);
    expect(new Set(outcomes.slice(1).map((o) => o.reason))).toEqual(new Set(['too_old']));
  });
});
