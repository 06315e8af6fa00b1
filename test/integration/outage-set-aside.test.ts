// Isolation: its own database (cloned from the template) and BullMQ prefix; the worker and the
// scheduler under test reach PostgreSQL through a TCP proxy of this file's own, which the test
// cuts to make PostgreSQL unreachable for them only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import { PointsClient } from '@points-engine/client';
import { connectDatabase, type DbHandle } from '@points-engine/db';
import { ASSETS, defaultProgram, SYSTEM_ACCOUNTS, type PointsEventInput } from '@points-engine/domain';
import { createRedis } from '@points-engine/jobs';
import { checkInvariants, ensureSystemAccounts, type LedgerContext } from '@points-engine/ledger';
import { createLogger } from '@points-engine/logger';
import { startScheduler, type RunningScheduler } from '@points-engine/scheduler';
import { startWorker, type RunningWorker } from '@points-engine/worker';
import { CuttableProxy } from '../support/cuttable-proxy.ts';
import { clearPrefix, createTestDatabase, randomUser, redisUrl, uniquePrefix } from '../support/services.ts';
import { waitUntil } from '../support/wait.ts';

const prefix = uniquePrefix();
const proxy = new CuttableProxy();
const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let proxied: DbHandle;
let ledger: LedgerContext;
let client: PointsClient;
let consumer: ReturnType<typeof createRedis>;
let worker: RunningWorker;
let scheduler: RunningScheduler | null = null;

beforeAll(async () => {
  database = await createTestDatabase();
  await proxy.open();
  proxied = connectDatabase(proxy.databaseUrl(database.url), { max: 4 });
  ledger = { db: proxied.db, program: defaultProgram, systemAccounts: await ensureSystemAccounts(database.db, SYSTEM_ACCOUNTS, ASSETS), retry: { applyLock: true } };
  // The old budget, made tiny: 2 attempts 10 ms apart. An outage that used attempts would fail every job it met.
  client = new PointsClient({ redisUrl: redisUrl(), prefix, partitions: 2, logger, attempts: 2, backoffMs: 10, timeoutMs: 30_000 });
  consumer = createRedis(redisUrl(), 'worker', { connectionName: `${prefix}:worker` });
  worker = startWorker({ ledger, connection: consumer, logger }, { QUEUE_PREFIX: prefix, QUEUE_PARTITIONS: 2, WORKER_CONCURRENCY: 8, APPLY_BATCH_MAX: 50, OUTAGE_PROBE_MAX_MS: 200 });
});
afterAll(async () => {
  await scheduler?.close();
  await worker.close();
  await client.close();
  consumer.disconnect();
  await proxy.cut();
  await proxied.close().catch(() => undefined);
  await database.close();
  await clearPrefix(prefix);
});

const grants = (label: string, n: number): PointsEventInput[] => {
  const users = Array.from({ length: 6 }, () => randomUser(label));
  return Array.from({ length: n }, (_, i) => ({ kind: 'grant', idempotency_key: `${label}:${i}`, user_id: users[i % users.length] as string, asset: 'points', amount: 1 + (i % 5), reason: 'outage test' }));
};
const recorded = async (keyPrefix: string) =>
  Number((await database.db.selectFrom('ledger_transactions').select((eb) => eb.fn.countAll<string>().as('n')).where('idempotency_key', 'like', `${keyPrefix}%`).executeTakeFirstOrThrow()).n);
const eventJobs = async (...states: ('completed' | 'failed' | 'delayed' | 'wait' | 'active')[]) => (await Promise.all([0, 1].map((p) => client.queue(p).getJobs(states)))).flat() as Job[];

describe('PostgreSQL unreachable for longer than the retry budget', () => {
  it('event jobs are set aside without using attempts, the workers pause, and everything is applied once it answers', async () => {
    await client.spend({ kind: 'grant', idempotency_key: `warm:${randomUser()}`, user_id: randomUser('warm'), asset: 'points', amount: 1, reason: 'warm-up' });
    await proxy.cut();

    const batch = grants('out-b', 60);
    await client.sendMany(batch);
    const singles = grants('out-s', 6);
    for (const event of singles) await client.send(event);
    // The workers met the outage, paused, and kept probing (several failed probes: far longer than 2 × 10 ms).
    await waitUntil('the workers to pause on the outage', async () => (worker.gate.unavailable && worker.gate.failedProbes >= 3 ? true : undefined), 30_000);
    const setAside = await eventJobs('delayed');
    expect(setAside.length).toBeGreaterThan(0);
    expect(setAside.every((job) => job.attemptsMade === 0)).toBe(true);
    expect(await eventJobs('failed')).toEqual([]);

    // A maintenance run started meanwhile is set aside too, not failed.
    scheduler = await startScheduler({ ledger, connection: consumer, logger }, { QUEUE_PREFIX: prefix, QUEUE_PARTITIONS: 2, OUTAGE_PROBE_MAX_MS: 200 });
    await waitUntil('a maintenance run to meet the outage', async () => ((await scheduler?.queue.getDelayedCount()) ?? 0) > 0 ? true : undefined, 30_000);

    await proxy.open();
    await waitUntil('every event applied', async () => ((await recorded('out-')) === batch.length + singles.length ? true : undefined), 60_000);
    await waitUntil('the catch-up runs done', async () => ((await scheduler?.queue.getCompletedCount()) ?? 0) >= 3 ? true : undefined, 60_000);

    expect(worker.gate.unavailable).toBe(false);
    expect(await eventJobs('failed')).toEqual([]);
    expect(await scheduler.queue.getFailedCount()).toBe(0);
    // Jobs that ran during the outage and again after it finished on their first counted attempt.
    const completed = await eventJobs('completed');
    const retried = completed.filter((job) => job.attemptsStarted > 1);
    expect(retried.length).toBeGreaterThan(0);
    expect(retried.every((job) => job.attemptsMade === 1)).toBe(true);
    expect(await recorded('out-')).toBe(batch.length + singles.length);
    expect(await checkInvariants(database.db)).toEqual([]);
  });
});
