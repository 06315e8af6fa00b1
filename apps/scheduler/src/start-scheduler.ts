import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { PointsClient } from '@points-engine/client';
import type { Env } from '@points-engine/config';
import { pingDatabase } from '@points-engine/db';
import { KeyIndex, MAINTENANCE_JOBS, MAINTENANCE_QUEUE } from '@points-engine/jobs';
import type { LedgerContext } from '@points-engine/ledger';
import type { Logger } from '@points-engine/logger';
import { paymentQueue } from '@points-engine/payments';
import { OutageGate, setAsideWhileUnavailable } from '@points-engine/runtime';
import { sweepKeyIndex } from './key-index.sweep.ts';
import { createMaintenanceProcessor } from './maintenance.processor.ts';

export interface RunningScheduler {
  queue: Queue;
  worker: Worker;
  /** Pauses the maintenance worker while PostgreSQL is unreachable. */
  gate: OutageGate;
  close(): Promise<void>;
}

const KEEP = { removeOnComplete: { count: 500 }, removeOnFail: { count: 500 } };

/**
 * Registers the job schedulers (the 15-minute cycle, the day boundary in the program's time
 * zone, the hold-lapse sweep and the payment sweep every minute, retention hourly), triggers a
 * catch-up at start, and runs the jobs. A run that meets a PostgreSQL outage is set aside and runs
 * again once it answers (it never fails for it: a failed day boundary would otherwise wait a day
 * for the next trigger).
 */
export async function startScheduler(
  deps: { ledger: LedgerContext; connection: Redis; logger: Logger },
  config: Pick<Env, 'QUEUE_PREFIX' | 'QUEUE_PARTITIONS'> & Partial<Pick<Env, 'CLOCK_RATE' | 'OUTBOX_RETENTION_DAYS' | 'WEBHOOK_RETENTION_DAYS' | 'PAYMENT_SWEEP_AFTER_SECONDS' | 'OUTAGE_PROBE_MAX_MS'>>,
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
  const index = new KeyIndex(connection, config.QUEUE_PREFIX);
  const sweep = () => sweepKeyIndex({ db: ledger.db, index, partitions: config.QUEUE_PARTITIONS });
  const gate = new OutageGate({ dependency: 'PostgreSQL', probe: () => pingDatabase(ledger.db), pausables: () => [worker], logger, maxDelayMs: config.OUTAGE_PROBE_MAX_MS ?? 5_000 });
  const worker: Worker = new Worker(MAINTENANCE_QUEUE, setAsideWhileUnavailable(gate, createMaintenanceProcessor(ledger, retention, payments, sweep)), {
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
    gate,
    close: async () => {
      gate.stop();
      await worker.close();
      await client.close();
      await queue.close();
    },
  };
}
