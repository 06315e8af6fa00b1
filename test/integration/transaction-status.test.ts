// Isolation: its own database (cloned from the template) and BullMQ prefix via startTestEngine;
// fresh random user ids. The trigger that refuses "poison" users lives in this file's database only.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createRedis, KeyIndex, partitionOf } from '@points-engine/jobs';
import { acceptedSources } from '@points-engine/runtime';
import { reconcile } from '../../apps/cli/src/reconcile.command.ts';
import { sweepKeyIndex } from '../../apps/scheduler/src/key-index.sweep.ts';
import { randomUser, redisUrl } from '../support/services.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';
import { waitUntil } from '../support/wait.ts';

let engine: TestEngine;
let reader: string;
let admin: string;
let redis: ReturnType<typeof createRedis>;
beforeAll(async () => {
  // One attempt per job, so a data error fails at once; no worker until the test starts one.
  engine = await startTestEngine({ worker: false, config: { JOB_ATTEMPTS: 1 } });
  [reader, admin] = await Promise.all([engine.key('reader'), engine.key('admin')]);
  redis = createRedis(redisUrl(), 'producer', { connectionName: `${engine.prefix}:test` });
  // A data error the worker cannot get past: this database refuses users named poison_…
  await sql`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'poisoned user % refused by the test', NEW.user_id USING ERRCODE = '22023'; END $$`.execute(engine.db);
  await sql`CREATE TRIGGER refuse_poison BEFORE INSERT ON users FOR EACH ROW WHEN (NEW.user_id LIKE 'poison%') EXECUTE FUNCTION refuse_poison()`.execute(engine.db);
});
afterAll(async () => {
  redis.disconnect();
  await engine.close();
});

const status = async (key: string) => {
  const response = await engine.fetch(`/api/points/transactions/${encodeURIComponent(key)}`, { key: reader });
  return { code: response.status, body: (await response.json()) as Record<string, any> };
};
const post = async (body: unknown) => {
  // Grants need the admin scope over HTTP.
  const response = await engine.fetch('/api/points/events', { key: admin, method: 'POST', body: JSON.stringify(body) });
  return { code: response.status, body: (await response.json()) as Record<string, any> };
};
const grant = (key: string, user: string, amount = 5) => ({ kind: 'grant', idempotency_key: key, user_id: user, asset: 'points', amount, reason: 'status test' });
const reconcileRoute = async (query: string) => (await (await engine.fetch(`/api/admin/reconcile${query}`, { key: admin })).json()) as Record<string, any>;

describe('GET /api/points/transactions/{key} knows every accepted event, however it was sent', () => {
  const arrayUser = randomUser('arr');
  const gatheredUser = randomUser('earn');
  const poison = `poison_${randomUser()}`;
  const arrayKeys = [0, 1, 2].map((i) => `arr:${arrayUser}:${i}`);
  const gatheredKeys = [0, 1, 2].map((i) => `earn:${gatheredUser}:${i}`);
  const poisonKeys = [0, 1].map((i) => `poison:${poison}:${i}`);

  it('an array and a client-gathered batch are visible as queued (with their batch job) before any worker runs', async () => {
    const sent = await post(arrayKeys.map((key, i) => grant(key, arrayUser, i + 1)));
    expect(sent.code).toBe(202);
    expect(sent.body['job_ids']).toHaveLength(1);
    const [batchJob] = sent.body['job_ids'] as string[];
    expect(batchJob).toMatch(/^batch-/);
    for (const key of arrayKeys) {
      expect(await status(key)).toMatchObject({ code: 200, body: { idempotency_key: key, status: 'queued', job_state: 'waiting', job_id: batchJob } });
    }

    for (const [i, key] of gatheredKeys.entries()) engine.client.earn({ kind: 'earn', idempotency_key: key, user_id: gatheredUser, activity: i === 0 ? 'daily_login' : 'text_request' });
    await engine.client.flush();
    const gathered = await Promise.all(gatheredKeys.map(status));
    expect(gathered.map((s) => [s.code, s.body['status'], s.body['job_state']])).toEqual(gatheredKeys.map(() => [200, 'queued', 'waiting']));
    expect(new Set(gathered.map((s) => s.body['job_id'])).size).toBe(1);
    expect(gathered[0]?.body['job_id']).toMatch(/^batch-/);

    expect((await post(poisonKeys.map((key) => grant(key, poison)))).code).toBe(202);
    expect((await status(poisonKeys[0] as string)).body).toMatchObject({ status: 'queued' });
    // With user_id the look-up asks only that user's partition, and finds the batch there.
    const narrowed = await engine.fetch(`/api/points/transactions/${arrayKeys[0]}?user_id=${arrayUser}`, { key: reader });
    expect(((await narrowed.json()) as Record<string, unknown>)['job_id']).toBe(batchJob);
  });

  it('reconcile lists them as accepted but not applied while they wait (a section of its own)', async () => {
    const report = await reconcileRoute('?unapplied_after_s=0');
    expect(report['ok']).toBe(true);
    expect(report['unapplied']).toMatchObject({ ok: false, count: 8, by_state: { waiting: 8 }, by_source: { queue: 8 } });
    const listed = (report['unapplied']['events'] as { idempotency_key: string }[]).map((e) => e.idempotency_key).sort();
    expect(listed).toEqual([...arrayKeys, ...gatheredKeys, ...poisonKeys].sort());
    // The default threshold (5 minutes) does not count events accepted a moment ago.
    expect((await reconcileRoute(''))['unapplied']).toMatchObject({ ok: true, count: 0 });
  });

  it('then applied (the index entries dropped once the batches complete), and failed with the reason for a data error', async () => {
    engine.startWorker();
    await waitUntil('the good batches applied', async () => ((await Promise.all([...arrayKeys, ...gatheredKeys].map(status))).every((s) => s.body['status'] === 'applied') ? true : undefined));
    await waitUntil('the poisoned batch failed', async () => ((await status(poisonKeys[0] as string)).body['status'] === 'failed' ? true : undefined));
    expect((await status(arrayKeys[2] as string)).body).toMatchObject({ status: 'applied', outcome: { amount: 3 } });
    for (const key of poisonKeys) {
      const failed = await status(key);
      expect(failed.body).toMatchObject({ status: 'failed', attempts: 1 });
      expect(failed.body['reason']).toMatch(/poisoned user .* refused by the test/);
    }
    const index = new KeyIndex(redis, engine.prefix);
    await waitUntil('completed batches dropped from the key index', async () => {
      const left = await Promise.all([...arrayKeys, ...gatheredKeys].map((key) => index.find(partitionOf(key.split(':')[1] as string, engine.partitions), key)));
      return left.every((entry) => entry === undefined) ? true : undefined;
    });
    // The failed batch stays indexed as long as its failed job.
    expect(await index.find(partitionOf(poison, engine.partitions), poisonKeys[0] as string)).toMatchObject({ jobId: expect.stringMatching(/^batch-/) });

    const report = await reconcileRoute('?unapplied_after_s=0');
    expect(report['unapplied']).toMatchObject({ ok: false, count: 2, by_state: { failed: 2 } });
    expect(report['unapplied']['events'][0]['reason']).toMatch(/poisoned user/);
  });

  it('the hourly sweep drops index entries the ledger has or older than a failed job lives, and keeps the rest', async () => {
    const index = new KeyIndex(redis, engine.prefix);
    const partition = partitionOf(poison, engine.partitions);
    const day = 86_400_000;
    // An applied key whose drop did not happen, and an entry older than 30 days; the failed batch's entries stay.
    await index.record(partition, [arrayKeys[0] as string], 'batch-left-behind');
    await index.record(partition, ['ancient:key'], 'batch-ancient', Date.now() - 31 * day);
    const dropped = await sweepKeyIndex({ db: engine.db, index, partitions: engine.partitions });
    expect(dropped).toBe(2);
    expect(await index.find(partition, arrayKeys[0] as string)).toBeUndefined();
    expect(await index.find(partition, 'ancient:key')).toBeUndefined();
    for (const key of poisonKeys) expect(await index.find(partition, key)).toMatchObject({ jobId: expect.stringMatching(/^batch-/) });
  });

  it('a batch Redis lost (its job gone, its index entry kept) is reported missing by reconcile, and by npm run reconcile', async () => {
    await engine.stopWorker();
    const user = randomUser('lost');
    const keys = [0, 1].map((i) => `lost:${user}:${i}`);
    const sent = await post(keys.map((key) => grant(key, user)));
    const job = await engine.client.queue(partitionOf(user, engine.partitions)).getJob(sent.body['job_ids'][0]);
    await job?.remove();
    expect((await status(keys[0] as string)).code).toBe(404);

    const report = await reconcileRoute('?unapplied_after_s=0');
    const missing = (report['unapplied']['events'] as { idempotency_key: string; state: string }[]).filter((e) => e.state === 'missing');
    expect(missing.map((e) => e.idempotency_key).sort()).toEqual(keys);

    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    const cli = await reconcile(engine.db, 1000, sink, { sources: acceptedSources({ redis, prefix: engine.prefix, partitions: engine.partitions }), unappliedAfterSeconds: 0 });
    expect(cli.violations).toEqual([]);
    expect(cli.unapplied).toMatchObject({ ok: false, count: 4, by_state: { failed: 2, missing: 2 } });
  });
});
