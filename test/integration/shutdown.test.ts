// Isolation: its own database and BullMQ prefix (startTestEngine without an in-process worker);
// the worker under test is the real entry point, run as a child process on that database/prefix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueEvents } from 'bullmq';
import { sql } from 'kysely';
import { eventQueueName } from '@points-engine/jobs';
import { APPLY_LOCK_KEY } from '@points-engine/ledger';
import { randomUser, redisUrl } from '../support/services.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';
import { spawnApp } from '../support/processes.ts';
import { waitUntil } from '../support/wait.ts';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine({ worker: false, partitions: 2 });
});
afterAll(async () => {
  await engine.close();
});

const countApplied = async (prefix: string) =>
  Number((await engine.db.selectFrom('ledger_transactions').select((eb) => eb.fn.countAll<string>().as('n')).where('idempotency_key', 'like', `${prefix}%`).executeTakeFirstOrThrow()).n);

describe('graceful shutdown', () => {
  it('SIGTERM with jobs in flight loses nothing and applies nothing twice after a restart', async () => {
    const env = { DATABASE_URL: engine.databaseUrl, REDIS_URL: redisUrl(), QUEUE_PREFIX: engine.prefix, QUEUE_PARTITIONS: '2', WORKER_CONCURRENCY: '8', APPLY_BATCH_MAX: '50' };
    const users = Array.from({ length: 200 }, () => randomUser('sd'));
    const total = 4000;
    const events = Array.from({ length: total }, (_, i) => ({
      kind: 'grant' as const,
      idempotency_key: `sd:${i}`,
      user_id: users[i % users.length] as string,
      asset: 'points' as const,
      amount: 1 + (i % 7),
      reason: 'shutdown test',
    }));
    // Many small jobs, so the worker is mid-stream when the signal arrives.
    for (let i = 0; i < total; i += 20) await engine.client.sendMany(events.slice(i, i + 20));

    const listeners = [0, 1].map((p) => new QueueEvents(eventQueueName(p), { connection: { url: redisUrl() }, prefix: engine.prefix }));
    await Promise.all(listeners.map((l) => l.waitUntilReady()));
    const first = spawnApp('apps/worker/src/main.ts', env);
    try {
      await new Promise<void>((resolve) => listeners.forEach((l) => l.once('completed', () => resolve())));
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(first.output()).toMatch(/shutting down/);
      const appliedAtStop = await countApplied('sd:');
      expect(appliedAtStop).toBeGreaterThan(0);
      expect(appliedAtStop).toBeLessThan(total);

      const second = spawnApp('apps/worker/src/main.ts', env);
      try {
        await waitUntil('all events applied', async () => ((await countApplied('sd:')) === total ? true : undefined), 60_000);
      } finally {
        second.child.kill('SIGTERM');
        expect(await second.exited).toBe(0);
      }
    } finally {
      first.child.kill('SIGKILL');
      await Promise.all(listeners.map((l) => l.close()));
    }
    const rows = await engine.db.selectFrom('ledger_transactions').select(['idempotency_key']).where('idempotency_key', 'like', 'sd:%').execute();
    expect(new Set(rows.map((r) => r.idempotency_key)).size).toBe(total);
    const granted = await engine.db.selectFrom('accounts').select((eb) => eb.fn.sum<string>('balance').as('sum')).where('user_id', 'in', users).executeTakeFirstOrThrow();
    expect(Number(granted.sum)).toBe(events.reduce((sum, e) => sum + e.amount, 0));
    const failed = await Promise.all([0, 1].map((p) => engine.client.queue(p).getFailedCount()));
    expect(failed).toEqual([0, 0]);
    expect(await engine.invariants()).toEqual([]);
  });

  it('a shutdown that cannot finish (its batch waits on a lock held elsewhere) exits after SHUTDOWN_TIMEOUT_MS, and the event is applied once later', async () => {
    const env = { DATABASE_URL: engine.databaseUrl, REDIS_URL: redisUrl(), QUEUE_PREFIX: engine.prefix, QUEUE_PARTITIONS: '2', SHUTDOWN_TIMEOUT_MS: '2000' };
    const user = randomUser('dl');
    const listeners = [0, 1].map((p) => new QueueEvents(eventQueueName(p), { connection: { url: redisUrl() }, prefix: engine.prefix }));
    await Promise.all(listeners.map((l) => l.waitUntilReady()));
    // Another session holds the apply lock, so the worker's batch waits inside its job.
    await engine.db.connection().execute(async (holder) => {
      await sql`SELECT pg_advisory_lock(${APPLY_LOCK_KEY}::int8)`.execute(holder);
      const stuck = spawnApp('apps/worker/src/main.ts', env);
      try {
        const active = new Promise<void>((resolve) => listeners.forEach((l) => l.once('active', () => resolve())));
        await engine.client.send({ kind: 'grant', idempotency_key: `dl:${user}`, user_id: user, asset: 'points', amount: 5, reason: 'deadline test' });
        await active;
        stuck.child.kill('SIGTERM');
        expect(await stuck.exited).toBe(1);
        expect(stuck.output()).toMatch(/shutdown did not finish in time/);
      } finally {
        stuck.child.kill('SIGKILL');
        await sql`SELECT pg_advisory_unlock(${APPLY_LOCK_KEY}::int8)`.execute(holder);
      }
    });
    // The job it held is recovered by the stalled check and applied exactly once by a new worker.
    const next = spawnApp('apps/worker/src/main.ts', { ...env, SHUTDOWN_TIMEOUT_MS: '60000' });
    try {
      await waitUntil('the held event applied', async () => ((await countApplied(`dl:${user}`)) === 1 ? true : undefined), 60_000);
    } finally {
      next.child.kill('SIGTERM');
      await next.exited;
      await Promise.all(listeners.map((l) => l.close()));
    }
    expect(await countApplied(`dl:${user}`)).toBe(1);
    expect(await engine.invariants()).toEqual([]);
  });
});
