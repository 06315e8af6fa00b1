import { Queue } from 'bullmq';
import { sql } from 'kysely';
import type { PointsEvent } from '@points-engine/domain';
import { PointsClient } from '@points-engine/client';
import { EVENT_JOB_OPTIONS, eventJobId, eventQueueName, partitionOf } from '@points-engine/jobs';
import type { BenchEnv } from './bench-env.ts';
import { sleep } from './stats.ts';

export const BENCH_PARTITIONS = 4;

/** How the producer packs events into jobs. */
export type Packing = 'batched' | 'single';

/** Enqueues events: `batched` lets events share jobs (≤ 500 per partition), `single` is one job each. */
export async function enqueue(env: BenchEnv, events: readonly PointsEvent[], packing: Packing): Promise<void> {
  if (packing === 'batched') {
    const client = new PointsClient({ redisUrl: env.redisUrl, prefix: env.prefix, partitions: BENCH_PARTITIONS });
    try {
      for (let i = 0; i < events.length; i += 2000) await client.sendMany(events.slice(i, i + 2000));
    } finally {
      await client.close();
    }
    return;
  }
  const queues = Array.from({ length: BENCH_PARTITIONS }, (_, p) => new Queue(eventQueueName(p), { connection: { url: env.redisUrl }, prefix: env.prefix }));
  try {
    for (let i = 0; i < events.length; i += 1000) {
      const byPartition = new Map<number, PointsEvent[]>();
      for (const event of events.slice(i, i + 1000)) {
        const p = partitionOf(event.user_id, BENCH_PARTITIONS);
        byPartition.set(p, [...(byPartition.get(p) ?? []), event]);
      }
      await Promise.all(
        [...byPartition].map(([p, list]) =>
          (queues[p] as Queue).addBulk(list.map((event) => ({ name: event.kind, data: event, opts: { ...EVENT_JOB_OPTIONS, jobId: eventJobId(event.idempotency_key) } }))),
        ),
      );
    }
  } finally {
    await Promise.all(queues.map((q) => q.close()));
  }
}

/** Waits until `count` events whose keys start with `prefix` are recorded; returns when the last was. */
export async function waitRecorded(env: BenchEnv, prefix: string, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ledger_transactions WHERE idempotency_key LIKE ${`${prefix}%`}`.execute(env.database.db);
    if (Number(row.rows[0]?.n) >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${row.rows[0]?.n} of ${count} events recorded after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Waits until the workers are listening on every partition. */
export async function waitWorkers(env: BenchEnv, timeoutMs = 120_000): Promise<void> {
  const queue = new Queue(eventQueueName(BENCH_PARTITIONS - 1), { connection: { url: env.redisUrl }, prefix: env.prefix });
  try {
    const deadline = Date.now() + timeoutMs;
    while ((await queue.getWorkersCount()) === 0) {
      if (Date.now() > deadline) throw new Error('workers did not start');
      await sleep(100);
    }
  } finally {
    await queue.close();
  }
}

/** Counts completed jobs, to report the events each job carried. */
export async function jobsCompleted(env: BenchEnv): Promise<number> {
  let total = 0;
  for (let p = 0; p < BENCH_PARTITIONS; p++) {
    const queue = new Queue(eventQueueName(p), { connection: { url: env.redisUrl }, prefix: env.prefix });
    total += await queue.getCompletedCount();
    await queue.close();
  }
  return total;
}
