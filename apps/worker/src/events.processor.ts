import { UnrecoverableError, type Job } from 'bullmq';
import type { z } from 'zod';
import { BATCH_JOB_NAME, batchJob, eventJob } from '@points-engine/jobs';
import type { JobOutcome, LedgerEvent } from '@points-engine/domain';
import type { EventResult, GroupCommitter } from '@points-engine/ledger';

/** What a finished event job returns (kept in Redis with the job, and sent to `spend()` waiters). */
export type EventJobResult =
  | JobOutcome
  | { events: number; applied: number; rejected: number; replayed: number };

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`).join('; ');
}

/** Parses a job's payload into ledger events; a payload that does not parse can never succeed. */
export function parseEventJob(job: Pick<Job, 'name' | 'data'>): LedgerEvent[] {
  if (job.name === BATCH_JOB_NAME) {
    const parsed = batchJob.schema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid batch payload: ${describeIssues(parsed.error)}`);
    return parsed.data.events;
  }
  const parsed = eventJob.schema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid event payload: ${describeIssues(parsed.error)}`);
  if (parsed.data.kind !== job.name) throw new UnrecoverableError(`job name ${job.name} does not match event kind ${parsed.data.kind}`);
  return [parsed.data];
}

/**
 * The processor of an event queue: parse, hand the events to the partition's group committer,
 * return a small result. A reused idempotency key with a different payload fails the job as
 * unrecoverable after the batch committed (the conflict is recorded in the ledger).
 */
export function createEventsProcessor(committer: Pick<GroupCommitter, 'submit'>) {
  return async (job: Job): Promise<EventJobResult> => {
    const events = parseEventJob(job);
    const results = await committer.submit(events);
    const conflicts = results.filter((r): r is Extract<EventResult, { type: 'conflict' }> => r.type === 'conflict');
    if (conflicts.length > 0) {
      throw new UnrecoverableError(
        `idempotency conflict: key ${conflicts.map((c) => c.idempotencyKey).join(', ')} was first used with a different payload`,
      );
    }
    if (job.name !== BATCH_JOB_NAME) {
      const [result] = results as [Exclude<EventResult, { type: 'conflict' }>];
      return { ...result.outcome, replayed: result.replayed, transaction_id: result.transactionId };
    }
    const count = (type: string) => results.filter((r) => r.type === type).length;
    return {
      events: results.length,
      applied: count('applied'),
      rejected: count('rejected'),
      replayed: results.filter((r) => r.type !== 'conflict' && r.replayed).length,
    };
  };
}
