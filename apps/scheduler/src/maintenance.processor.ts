import { UnrecoverableError, type Job } from 'bullmq';
import { MAINTENANCE_JOBS } from '@points-engine/jobs';
import { applyRetention, catchUpCycles, catchUpDays, lapseHolds, type LedgerContext, type RetentionPolicy } from '@points-engine/ledger';
import type { Logger } from '@points-engine/logger';
import { sweepPayments, type PaymentQueue } from '@points-engine/payments';

/** What the payment sweep needs: the queue to hand events to, and how long an unapplied payment waits first. */
export interface PaymentSweepDeps {
  queue: PaymentQueue;
  logger: Pick<Logger, 'warn' | 'info'>;
  requeueAfterSeconds: number;
}

/**
 * Runs scheduled work. Every run catches up on what is due, so a missed or repeated trigger
 * neither skips a period nor applies one twice (each period is keyed in the database).
 * `sweepKeyIndex` (the retention run's Redis half) drops key-index entries the ledger has.
 */
export function createMaintenanceProcessor(
  ledger: LedgerContext,
  retention: RetentionPolicy = { outboxDays: 7, webhookDays: 90 },
  payments?: PaymentSweepDeps,
  sweepKeyIndex: () => Promise<number> = async () => 0,
) {
  const now = () => (ledger.now ?? Date.now)();
  return async (job: Job): Promise<Record<string, unknown>> => {
    switch (job.name) {
      case MAINTENANCE_JOBS.cycle:
        return { periods: await catchUpCycles(ledger, now()) };
      case MAINTENANCE_JOBS.dayBoundary:
        return { days: await catchUpDays(ledger, now()) };
      case MAINTENANCE_JOBS.lapseHolds:
        return { lapsed: await lapseHolds(ledger) };
      case MAINTENANCE_JOBS.retention:
        return { ...(await applyRetention(ledger.db, retention, now())), keyIndex: await sweepKeyIndex() };
      case MAINTENANCE_JOBS.paymentSweep:
        if (!payments) throw new UnrecoverableError('this scheduler was started without a payment queue');
        return { ...(await sweepPayments({ db: ledger.db, queue: payments.queue, logger: payments.logger }, { requeueAfterSeconds: payments.requeueAfterSeconds })) };
      default:
        throw new UnrecoverableError(`unknown maintenance job ${job.name}`);
    }
  };
}
