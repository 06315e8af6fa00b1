import type { PointsEvent } from '@points-engine/domain';
import { startChild, type BenchEnv, type Child } from '../support/bench-env.ts';
import { BENCH_PARTITIONS, enqueue, waitRecorded, waitWorkers, type Packing } from '../support/load.ts';
import { rssMiB } from '../support/stats.ts';

export interface WorkerSettings {
  concurrency: number;
  batchMax: number;
  groupCommit: boolean;
  poolMax: number;
}

/** Starts the engine's real worker entry point on the bench database and prefix. */
export function startWorkerProcess(env: BenchEnv, settings: WorkerSettings): Child {
  return startChild('apps/worker/src/main.ts', {
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: env.prefix,
    QUEUE_PARTITIONS: String(BENCH_PARTITIONS),
    WORKER_CONCURRENCY: String(settings.concurrency),
    APPLY_BATCH_MAX: String(settings.batchMax),
    GROUP_COMMIT: String(settings.groupCommit),
    PG_POOL_MAX: String(settings.poolMax),
    LOG_LEVEL: 'debug',
  });
}

export interface DrainResult {
  rate: number;
  seconds: number;
  retries: number;
  rssMiB: number;
}

/**
 * End to end: the clock starts before the first event is enqueued and stops when the last is
 * committed (its idempotency row is visible), with the workers already running.
 */
export async function drain(env: BenchEnv, label: string, events: PointsEvent[], packing: Packing, settings: WorkerSettings): Promise<DrainResult> {
  const worker = startWorkerProcess(env, settings);
  try {
    await waitWorkers(env);
    const started = performance.now();
    await enqueue(env, events, packing);
    await waitRecorded(env, `${label}:`, events.length, 15 * 60_000);
    const seconds = (performance.now() - started) / 1000;
    const rss = await rssMiB(worker.child.pid as number).catch(() => Number.NaN);
    return { rate: events.length / seconds, seconds, retries: countRetries(worker.output()), rssMiB: rss };
  } finally {
    const code = await worker.stop();
    if (code !== 0) throw new Error(`worker exited with ${code}:\n${worker.output().slice(-2000)}`);
  }
}

/** Serialization retries the worker logged (debug lines "retrying transaction"). */
export function countRetries(output: string): number {
  return (output.match(/retrying transaction/g) ?? []).length;
}
