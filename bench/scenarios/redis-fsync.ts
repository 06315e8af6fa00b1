import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { PointsEvent } from '@points-engine/domain';
import { EVENT_JOB_OPTIONS, eventJobId } from '@points-engine/jobs';
import { startPrivateRedis } from '../support/private-redis.ts';
import { percentile, round, sleep } from '../support/stats.ts';

export type Fsync = 'always' | 'everysec' | 'no';

export interface FsyncRun {
  /** Single-event jobs added per second, `concurrency` adds in flight (what a 202 waits for). */
  enqueueRate: number;
  /** Latency of one add, ms. */
  addP50: number;
  addP99: number;
  /** The same jobs taken and completed by a worker whose processor does nothing (BullMQ's own writes). */
  drainRate: number;
}

/**
 * What `appendfsync always` costs against everysec and no, measured in one run on a private
 * redis-server (AOF on, a temp directory on this machine's disk): for each setting in turn (the
 * order repeated backwards, so drift in the machine's load falls on every setting alike), N
 * single-event jobs are added with `concurrency` adds in flight, then drained by a no-op worker.
 */
export async function redisFsyncCost(events: PointsEvent[], options: { concurrency: number; rounds: number }): Promise<Record<Fsync, FsyncRun>> {
  const server = await startPrivateRedis(['--appendonly', 'yes', '--save', '']);
  const admin = new Redis(server.url);
  const runs: Record<Fsync, FsyncRun[]> = { always: [], everysec: [], no: [] };
  try {
    const order: Fsync[] = [];
    for (let round = 0; round < options.rounds; round++) order.push(...((round % 2 === 0 ? ['everysec', 'always', 'no'] : ['no', 'always', 'everysec']) as Fsync[]));
    // A first pass, discarded: JIT and connection warm-up would otherwise fall on the first setting.
    await enqueueAndDrain(server.url, 'fsync-warmup', events.slice(0, Math.min(events.length, 2_000)), options.concurrency);
    for (const [i, setting] of order.entries()) {
      await admin.flushall();
      await admin.config('SET', 'appendfsync', setting);
      runs[setting].push(await enqueueAndDrain(server.url, `fsync${i}`, events, options.concurrency));
    }
  } finally {
    admin.disconnect();
    await server.remove();
  }
  const mean = (list: FsyncRun[], field: keyof FsyncRun) => round(list.reduce((sum, run) => sum + run[field], 0) / list.length, 2);
  const summary = (list: FsyncRun[]): FsyncRun => ({ enqueueRate: mean(list, 'enqueueRate'), addP50: mean(list, 'addP50'), addP99: mean(list, 'addP99'), drainRate: mean(list, 'drainRate') });
  return { always: summary(runs.always), everysec: summary(runs.everysec), no: summary(runs.no) };
}

async function enqueueAndDrain(url: string, prefix: string, events: PointsEvent[], concurrency: number): Promise<FsyncRun> {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue('events-0', { connection, prefix });
  try {
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < events.length; i = next++) {
          const event = events[i] as PointsEvent;
          const sent = performance.now();
          await queue.add(event.kind, event, { ...EVENT_JOB_OPTIONS, jobId: eventJobId(event.idempotency_key) });
          latencies.push(performance.now() - sent);
        }
      }),
    );
    const enqueueSeconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);

    const drainStarted = performance.now();
    const blocking = connection.duplicate();
    const worker = new Worker('events-0', async () => undefined, { connection: blocking, prefix, concurrency: 64 });
    try {
      while ((await queue.getCompletedCount()) < events.length) await sleep(20);
    } finally {
      await worker.close();
      blocking.disconnect();
    }
    return {
      enqueueRate: events.length / enqueueSeconds,
      addP50: percentile(latencies, 50),
      addP99: percentile(latencies, 99),
      drainRate: events.length / ((performance.now() - drainStarted) / 1000),
    };
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
