import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Env } from '@pe/config';
import type { Logger } from '@pe/logger';
import { eventQueueName } from '@pe/jobs';
import { applyBatch, GroupCommitter, type LedgerContext } from '@pe/ledger';
import { createEventsProcessor } from './events.processor.ts';

export interface RunningWorker {
  workers: Worker[];
  /** Stops taking jobs, lets in-flight ones finish, then closes. */
  close(): Promise<void>;
}

/**
 * Starts one BullMQ worker per event partition, each feeding its own group committer, so one
 * user's events (always in one partition) are applied in order and partitions run in parallel.
 */
export function startWorker(
  deps: { ledger: LedgerContext; connection: Redis; logger: Logger },
  config: Pick<Env, 'QUEUE_PREFIX' | 'QUEUE_PARTITIONS' | 'WORKER_CONCURRENCY' | 'APPLY_BATCH_MAX'>,
): RunningWorker {
  const { ledger, connection, logger } = deps;
  const withRetryLog: LedgerContext = {
    ...ledger,
    retry: { ...ledger.retry, onRetry: (attempt, error) => logger.debug({ attempt, code: (error as { code?: string }).code }, 'retrying transaction') },
  };
  const workers = Array.from({ length: config.QUEUE_PARTITIONS }, (_, partition) => {
    const committer = new GroupCommitter((events) => applyBatch(withRetryLog, events), { maxBatch: config.APPLY_BATCH_MAX });
    const worker = new Worker(eventQueueName(partition), createEventsProcessor(committer), {
      connection,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
    });
    worker.on('failed', (job, error) => {
      logger.warn({ queue: worker.name, jobId: job?.id, attempts: job?.attemptsMade, err: error.message }, 'event job failed');
    });
    worker.on('error', (error) => logger.error({ queue: worker.name, err: error }, 'worker error'));
    return worker;
  });
  logger.info({ partitions: config.QUEUE_PARTITIONS, concurrency: config.WORKER_CONCURRENCY }, 'worker started');
  return {
    workers,
    close: async () => {
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}
