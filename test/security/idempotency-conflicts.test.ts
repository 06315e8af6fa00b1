// Isolation: its own database and BullMQ prefix (startTestEngine, with a worker it stops and restarts); fresh keys and random user ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payloadHash, pointsEventSchema, type PointsEventInput } from '@points-engine/domain';
import { createLogger } from '@points-engine/logger';
import { confirmQueued } from '../../apps/api/src/admission/idempotency-guard.ts';
import { randomUser } from '../support/services.ts';
import { waitUntil } from '../support/wait.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';

let engine: TestEngine;
let producer: string;
let admin: string;
beforeAll(async () => {
  engine = await startTestEngine();
  [producer, admin] = await Promise.all([engine.key('producer'), engine.key('admin')]);
});
afterAll(async () => {
  await engine.close();
});

const post = async (path: string, body: unknown, key = producer) => {
  const response = await engine.fetch(path, { method: 'POST', key, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const earn = (user: string, key: string, activity = 'text_request') => ({ kind: 'earn' as const, idempotency_key: key, user_id: user, activity });
const conflictRows = (key: string) => engine.db.selectFrom('idempotency_conflicts').select(['payload_hash', 'first_transaction_id']).where('idempotency_key', '=', key).execute();
const ledgerRow = (key: string) => engine.db.selectFrom('ledger_transactions').select(['id', 'payload_hash']).where('idempotency_key', '=', key).executeTakeFirst();
const hashOf = (event: PointsEventInput) => payloadHash(pointsEventSchema.parse(event));
async function jobCount(): Promise<number> {
  let total = 0;
  for (let p = 0; p < engine.partitions; p++) total += Object.values(await engine.client.queue(p).getJobCounts()).reduce((a, b) => a + b, 0);
  return total;
}
async function withWorkerStopped<T>(work: () => Promise<T>): Promise<T> {
  await engine.stopWorker();
  try {
    return await work();
  } finally {
    engine.startWorker();
  }
}

describe('a reused idempotency key answers 409 everywhere and is always recorded (issue 10 item 8)', () => {
  it('POST /events with a recorded key and another payload: 409 naming the field, recorded against the first transaction, nothing queued', async () => {
    const user = randomUser('ic');
    const first = earn(user, `ic:${user}`);
    expect(await engine.client.spend(first)).toMatchObject({ status: 'applied' });
    const recorded = await ledgerRow(first.idempotency_key);
    const before = await jobCount();

    const changed = earn(user, first.idempotency_key, 'vision_request');
    const answer = await post('/api/points/events', changed);
    expect(answer).toMatchObject({ status: 409, body: { error: 'idempotency_conflict', field: 'idempotency_key' } });
    expect(await conflictRows(first.idempotency_key)).toEqual([{ payload_hash: hashOf(changed), first_transaction_id: recorded?.id }]);
    expect(await jobCount()).toBe(before);
    expect(await ledgerRow(first.idempotency_key)).toEqual(recorded);
  });

  it('in an array, the reused key is named by its place and none of the other events is queued', async () => {
    const user = randomUser('ic');
    const first = earn(user, `ic-arr:${user}`);
    await engine.client.spend(first);
    const others = [earn(user, `ic-arr:${user}:a`), earn(randomUser('ic'), `ic-arr:${user}:b`)];
    const before = await jobCount();
    const answer = await post('/api/points/events', [...others, { ...first, activity: 'chart_request' }]);
    expect(answer).toMatchObject({ status: 409, body: { field: 'events.2.idempotency_key' } });
    expect(await jobCount()).toBe(before);
    expect((await engine.client.queuedEvents(others.map((e) => pointsEventSchema.parse(e)))).size).toBe(0);
    expect(await conflictRows(first.idempotency_key)).toHaveLength(1);
  });

  it('a key only queued (not yet applied) with another payload: 409, recorded without a first transaction; the first payload is the one applied', async () => {
    const user = randomUser('ic');
    const first = earn(user, `ic-q:${user}`);
    const batchFirst = [earn(user, `ic-qb:${user}`), earn(user, `ic-qb:${user}:2`)];
    await withWorkerStopped(async () => {
      expect((await post('/api/points/events', first)).status).toBe(202);
      expect((await post('/api/points/events', batchFirst)).status).toBe(202);
      const single = await post('/api/points/events', { ...first, activity: 'vision_request' });
      expect(single).toMatchObject({ status: 409, body: { field: 'idempotency_key' } });
      // The same array again, one payload changed: the batch job already holds the first.
      const batch = await post('/api/points/events', [batchFirst[0], { ...batchFirst[1], activity: 'vision_request' }]);
      expect(batch).toMatchObject({ status: 409, body: { field: 'events.1.idempotency_key' } });
    });
    expect(await conflictRows(first.idempotency_key)).toEqual([{ payload_hash: hashOf({ ...first, activity: 'vision_request' }), first_transaction_id: null }]);
    expect(await conflictRows(`ic-qb:${user}:2`)).toHaveLength(1);
    for (const event of [first, ...batchFirst]) {
      const row = await waitUntil(`${event.idempotency_key} applied`, () => ledgerRow(event.idempotency_key));
      expect(row.payload_hash).toBe(hashOf(event));
    }
  });

  it("POST /spend with user A's key for user B: 409 and recorded, never 500", async () => {
    const [a, b] = [randomUser('ic'), randomUser('ic')];
    await engine.client.spend({ kind: 'grant', idempotency_key: `seed:${a}`, user_id: a, amount: 100, reason: 'seed' });
    const key = `ic-spend:${a}`;
    expect(await post('/api/points/spend', { idempotency_key: key, user_id: a, amount: 10 })).toMatchObject({ status: 200, body: { status: 'applied' } });
    const forB = await post('/api/points/spend', { idempotency_key: key, user_id: b, amount: 10 });
    expect(forB).toMatchObject({ status: 409, body: { error: 'idempotency_conflict', field: 'idempotency_key' } });
    expect(await conflictRows(key)).toHaveLength(1);
    expect(await engine.db.selectFrom('ledger_transactions').select('id').where('user_id', '=', b).execute()).toEqual([]);
  });

  it('a replay with the same payload is a normal 202/200 (a later occurred_at included), and records nothing', async () => {
    const user = randomUser('ic');
    await engine.client.spend({ kind: 'grant', idempotency_key: `seed:${user}`, user_id: user, amount: 100, reason: 'seed' });
    const spend = { idempotency_key: `ic-replay:${user}`, user_id: user, amount: 10 };
    const first = await post('/api/points/spend', spend);
    const again = await post('/api/points/spend', { ...spend, occurred_at: new Date().toISOString() });
    expect(again).toMatchObject({ status: 200, body: { transaction_id: first.body['transaction_id'] } });
    expect((await post('/api/points/events', { kind: 'spend', ...spend })).status).toBe(202);
    expect((await post('/api/points/events', [{ kind: 'spend', ...spend }, { kind: 'spend', ...spend }])).status).toBe(202);
    expect(await conflictRows(spend.idempotency_key)).toEqual([]);
  });

  it('one key twice in a request with different payloads: 409 naming the second', async () => {
    const user = randomUser('ic');
    const event = earn(user, `ic-twice:${user}`);
    const answer = await post('/api/points/events', [event, { ...event, activity: 'vision_request' }]);
    expect(answer).toMatchObject({ status: 409, body: { field: 'events.1.idempotency_key' } });
    expect(await engine.client.findEventJob(event.idempotency_key, user)).toBeUndefined();
  });

  it('two concurrent requests with one key and different payloads: one is queued, the other answers 409 and is recorded', async () => {
    const user = randomUser('ic');
    const key = `ic-race:${user}`;
    const [x, y] = [earn(user, key), earn(user, key, 'vision_request')];
    const answers = await withWorkerStopped(() => Promise.all([post('/api/points/events', x), post('/api/points/events', y)]));
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    const winner = answers[0]?.status === 202 ? x : y;
    const row = await waitUntil(`${key} applied`, () => ledgerRow(key));
    expect(row.payload_hash).toBe(hashOf(winner));
    expect(await conflictRows(key)).toEqual([{ payload_hash: hashOf(winner === x ? y : x), first_transaction_id: null }]);
  });

  it('when a racing request queued its payload between our check and our send (BullMQ kept its job, dropped ours), the check after queueing answers 409 and records it', async () => {
    const user = randomUser('ic');
    const key = `ic-after:${user}`;
    const [ours, theirs] = [pointsEventSchema.parse(earn(user, key)), pointsEventSchema.parse(earn(user, key, 'vision_request'))];
    const refused = await withWorkerStopped(async () => {
      // Their send lands first; ours is then deduplicated into their job by its id.
      await engine.client.send(theirs);
      await engine.client.send(ours);
      const deps = { db: engine.db, client: engine.client, logger: createLogger({ level: 'silent' }) };
      return confirmQueued(deps, [{ event: ours, at: '' }], new Set([key])).then(() => undefined, (error: unknown) => error);
    });
    expect(refused).toMatchObject({ status: 409, code: 'idempotency_conflict', field: 'idempotency_key' });
    expect(await conflictRows(key)).toEqual([{ payload_hash: hashOf(ours), first_transaction_id: null }]);
  });

  it('a key queued inside another producer\'s batch (found through the key index) with another payload: /spend answers 409 before anything is queued, recorded', async () => {
    const user = randomUser('ic');
    const key = `ic-late:${user}`;
    await engine.client.spend({ kind: 'grant', idempotency_key: `seed:${user}`, user_id: user, amount: 100, reason: 'seed' });
    await withWorkerStopped(async () => {
      // The first payload travels in a batch with another event: its job id is the batch's, not the key's.
      await engine.client.sendMany([earn(user, key), earn(user, `${key}:other`)]);
      expect(await post('/api/points/spend', { idempotency_key: key, user_id: user, amount: 5 })).toMatchObject({ status: 409, body: { error: 'idempotency_conflict', field: 'idempotency_key' } });
      expect(await engine.client.findEventJob(key, user)).toBeUndefined();
    });
    const recorded = await waitUntil(`${key} applied`, () => ledgerRow(key));
    expect(recorded.payload_hash).toBe(hashOf(earn(user, key)));
    expect(await conflictRows(key)).toEqual([{ payload_hash: hashOf({ kind: 'spend', idempotency_key: key, user_id: user, amount: 5 }), first_transaction_id: null }]);
  });

  it('the admin routes: a key reused for another adjustment answers 409 and is recorded', async () => {
    const user = randomUser('ic');
    const body = { amount: 40, reason: 'bonus', idempotency_key: `ic-adm:${user}` };
    expect((await post(`/api/admin/users/${user}/grant`, body, admin)).status).toBe(200);
    expect(await post(`/api/admin/users/${user}/deduct`, body, admin)).toMatchObject({ status: 409, body: { field: 'idempotency_key' } });
    expect(await post(`/api/admin/users/${user}/grant`, { ...body, amount: 41 }, admin)).toMatchObject({ status: 409 });
    expect(await conflictRows(body.idempotency_key)).toHaveLength(2);
  });
});
