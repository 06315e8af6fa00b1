import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { PointsClient } from '@pe/client';
import type { Env } from '@pe/config';
import { MAINTENANCE_JOBS, MAINTENANCE_QUEUE } from '@pe/jobs';
import type { LedgerContext } from '@pe/ledger';
import type { Logger } from '@pe/logger';
import { paymentQueue } from '@pe/payments';
import { createMaintenanceProcessor } from './maintenance.processor.ts';

export interface RunningScheduler {
  queue: Queue;
  worker: Worker;
  close(): Promise<void>;
}

const KEEP = { removeOnComplete: { count: 500 }, removeOnFail: { count: 500 } };

/**
 * Registers the job schedulers (the 15-minute cycle, the day boundary in the program's time
 * zone, the hold-lapse sweep and the payment sweep every minute, retention hourly), triggers a
 * catch-up at start, and runs the jobs.
 */
export async function startScheduler(
  deps: { ledger: LedgerContext; connection: Redis; logger: Logger },
  config: Pick<Env, 'QUEUE_PREFIX' | 'QUEUE_PARTITIONS'> & Partial<Pick<Env, 'CLOCK_RATE' | 'OUTBOX_RETENTION_DAYS' | 'WEBHOOK_RETENTION_DAYS' | 'PAYMENT_SWEEP_AFTER_SECONDS'>>,
): Promise<RunningScheduler> {
  const { ledger, connection, logger } = deps;
  const program = ledger.program;
  const queue = new Queue(MAINTENANCE_QUEUE, { connection, prefix: config.QUEUE_PREFIX });
  // Under a compressed clock the triggers come `rate` times as often; each run still catches up
  // on exactly the periods that are due by the ledger's clock, so they never skip or repeat one.
  const rate = config.CLOCK_RATE ?? 1;
  const every = (ms: number) => Math.max(1_000, Math.round(ms / rate));
  await queue.upsertJobScheduler(MAINTENANCE_JOBS.cycle, { every: every(program.allowance.cycle_minutes * 60_000) }, { name: MAINTENANCE_JOBS.cycle, opts: KEEP });
  await queue.upsertJobScheduler(
    MAINTENANCE_JOBS.dayBoundary,
    rate === 1 ? { pattern: '0 0 * * *', tz: program.timezone } : { every: every(86_400_000 / 24) },
    { name: MAINTENANCE_JOBS.dayBoundary, opts: KEEP },
  );
  await queue.upsertJobScheduler(MAINTENANCE_JOBS.lapseHolds, { every: every(60_000) }, { name: MAINTENANCE_JOBS.lapseHolds, opts: KEEP });
  // Retention counts in real days whatever the clock rate: it trims storage, not program time.
  await queue.upsertJobScheduler(MAINTENANCE_JOBS.retention, { every: 3_600_000 }, { name: MAINTENANCE_JOBS.retention, opts: KEEP });
  // Payments wait in real time too: a provider's payment is not in program time.
  await queue.upsertJobScheduler(MAINTENANCE_JOBS.paymentSweep, { every: 60_000 }, { name: MAINTENANCE_JOBS.paymentSweep, opts: KEEP });
  // Catch up on whatever fell due while no scheduler ran.
  for (const name of [MAINTENANCE_JOBS.dayBoundary, MAINTENANCE_JOBS.cycle, MAINTENANCE_JOBS.lapseHolds, MAINTENANCE_JOBS.paymentSweep]) {
    await queue.add(name, {}, KEEP);
  }
  const retention = { outboxDays: config.OUTBOX_RETENTION_DAYS ?? 7, webhookDays: config.WEBHOOK_RETENTION_DAYS ?? 90 };
  // The sweep hands stored payments to the event queues, as the webhook routes do.
  const client = new PointsClient({ connection, prefix: config.QUEUE_PREFIX, partitions: config.QUEUE_PARTITIONS, logger });
  const payments = { queue: paymentQueue(client), logger, requeueAfterSeconds: config.PAYMENT_SWEEP_AFTER_SECONDS ?? 300 };
  const worker = new Worker(MAINTENANCE_QUEUE, createMaintenanceProcessor(ledger, retention, payments), {
    connection,
    prefix: config.QUEUE_PREFIX,
    concurrency: 1,
    // A cycle over a million users takes a while; keep its lock well beyond that.
    lockDuration: 120_000,
  });
  worker.on('completed', (job, result) => logger.info({ job: job.name, result }, 'maintenance run finished'));
  worker.on('failed', (job, error) => logger.error({ job: job?.name, err: error }, 'maintenance run failed'));
  worker.on('error', (error) => logger.error({ err: error }, 'scheduler worker error'));
  logger.info({ cycle_minutes: program.allowance.cycle_minutes, timezone: program.timezone }, 'scheduler started');
  return {
    queue,
    worker,
    close: async () => {
      await worker.close();
      await client.close();
      await queue.close();
    },
  };
}
