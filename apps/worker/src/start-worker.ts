import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Env } from '@points-engine/config';
import { pingDatabase } from '@points-engine/db';
import type { Logger } from '@points-engine/logger';
import { BATCH_JOB_NAME, eventQueueName, KeyIndex } from '@points-engine/jobs';
import { applyBatch, GroupCommitter, type LedgerContext } from '@points-engine/ledger';
import { OutageGate, setAsideWhileUnavailable } from '@points-engine/runtime';
import { createEventsProcessor } from './events.processor.ts';

export interface RunningWorker {
  workers: Worker[];
  /** Pauses the workers while PostgreSQL is unreachable. */
  gate: OutageGate;
  /** Stops taking jobs, lets in-flight ones finish, then closes. */
  close(): Promise<void>;
}

/**
 * What happens to the jobs a worker held when it dies (crash, OOM kill, SIGKILL). BullMQ's stalled
 * check moves them back to wait once their lock lapses; its defaults (30 s lock, 30 s check)
 * strand them for up to a minute, and after a second stall (maxStalledCount 1) it fails the job
 * for good, which drops a valid event: `npm run chaos` lost hundreds that way with workers killed
 * every few seconds. Applying an event is idempotent (a recorded key replays its first outcome),
 * so running a stalled job again is always safe: allow many stalls (a job that kills its worker
 * 20 times in a row is left in the failed set for an operator) and recover within ~20 s.
 */
export const EVENT_WORKER_STALL_OPTIONS = { lockDuration: 15_000, stalledInterval: 5_000, maxStalledCount: 20 } as const;

/**
 * Starts one BullMQ worker per event partition, all feeding this process's group committer: jobs
 * that arrive while a transaction runs share the next one, in the order they were taken. While
 * PostgreSQL is unreachable the workers pause and a job that met the outage is set aside without
 * using an attempt (OutageGate, setAsideWhileUnavailable); they resume on their own.
 */
export function startWorker(
  deps: { ledger: LedgerContext; connection: Redis; logger: Logger },
  config: Pick<Env, 'QUEUE_PREFIX' | 'QUEUE_PARTITIONS' | 'WORKER_CONCURRENCY' | 'APPLY_BATCH_MAX'> & Partial<Pick<Env, 'OUTAGE_PROBE_MAX_MS'>> & { GROUP_COMMIT?: boolean },
): RunningWorker {
  const { ledger, connection, logger } = deps;
  // Group commit takes turns with every other ledger writer (see RetryOptions.applyLock); the
  // naive design runs each job's transaction on its own, concurrently.
  const groupCommit = config.GROUP_COMMIT !== false;
  const context: LedgerContext = {
    ...ledger,
    retry: {
      ...ledger.retry,
      applyLock: groupCommit,
      onRetry: (attempt, error) => logger.debug({ attempt, code: (error as { code?: string }).code }, 'retrying transaction'),
    },
  };
  const apply = (events: Parameters<typeof applyBatch>[1]) => applyBatch(context, events);
  // One committer for every partition of this process: one transaction at a time, fed by all.
  const committer = groupCommit ? new GroupCommitter(apply, { maxBatch: config.APPLY_BATCH_MAX }) : { submit: apply };
  const workers: Worker[] = [];
  const gate = new OutageGate({ dependency: 'PostgreSQL', probe: () => pingDatabase(ledger.db), pausables: () => workers, logger, maxDelayMs: config.OUTAGE_PROBE_MAX_MS ?? 5_000 });
  const processor = setAsideWhileUnavailable(gate, createEventsProcessor(committer));
  const index = new KeyIndex(connection, config.QUEUE_PREFIX);
  for (let partition = 0; partition < config.QUEUE_PARTITIONS; partition++) {
    const worker = new Worker(eventQueueName(partition), processor, {
      connection,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
      ...EVENT_WORKER_STALL_OPTIONS,
    });
    worker.on('completed', (job) => forgetBatch(index, partition, job, logger));
    worker.on('failed', (job, error) => {
      logger.warn({ queue: worker.name, jobId: job?.id, attempts: job?.attemptsMade, err: error.message }, 'event job failed');
    });
    worker.on('error', (error) => logger.error({ queue: worker.name, err: error }, 'worker error'));
    workers.push(worker);
  }
  logger.info({ partitions: config.QUEUE_PARTITIONS, concurrency: config.WORKER_CONCURRENCY, groupCommit: config.GROUP_COMMIT !== false }, 'worker started');
  return {
    workers,
    gate,
    close: async () => {
      gate.stop();
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}

/**
 * A completed batch's keys are all in the ledger, which answers for them from now on: drop them
 * from the key index. Best effort — an entry left behind (Redis unreachable at that moment) is
 * swept later by the scheduler's retention run.
 */
function forgetBatch(index: KeyIndex, partition: number, job: Job, logger: Logger): void {
  if (job.name !== BATCH_JOB_NAME) return;
  const keys = ((job.data as { events?: { idempotency_key?: unknown }[] }).events ?? []).map((e) => e.idempotency_key).filter((k): k is string => typeof k === 'string');
  index.remove(partition, keys).catch((error: unknown) => logger.warn({ err: error, jobId: job.id }, 'could not drop a completed batch from the key index'));
}
