import { DelayedError, type Job } from 'bullmq';
import { isDependencyUnavailable } from '@points-engine/db';
import type { OutageGate } from './outage-gate.ts';

/**
 * Wraps a BullMQ processor so that an outage (PostgreSQL or Redis unreachable: see
 * isDependencyUnavailable) never uses up a job's attempts: the job goes back to the delayed set
 * with `moveToDelayed` (BullMQ's "skip attempt" path; attemptsMade is unchanged) and the gate
 * pauses the workers until the dependency answers. Only other errors reach BullMQ's retry
 * budget, so a job fails for good only for a rule, data or programming error.
 */
export function setAsideWhileUnavailable<T>(gate: OutageGate, processor: (job: Job, token?: string) => Promise<T>) {
  return async (job: Job, token?: string): Promise<T> => {
    try {
      return await processor(job, token);
    } catch (error) {
      if (token === undefined || !isDependencyUnavailable(error)) throw error;
      const delayMs = gate.report(error);
      // If Redis is the part that is gone, this throws too and the job's lock lapses: BullMQ's
      // stalled check puts it back (a stall, not an attempt).
      await job.moveToDelayed(Date.now() + delayMs, token);
      throw new DelayedError();
    }
  };
}
