import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { KeyIndex } from './key-index.ts';
import { BATCH_JOB_NAME, eventQueueName } from './registry.ts';

/** An event a queue still holds (the shape of @points-engine/ledger's AcceptedEvent). */
export interface HeldEvent {
  idempotency_key: string | null;
  source: string;
  ref: string;
  state: string;
  reason: string | null;
  accepted_at: string;
}

/** The job lists that hold events not yet applied (completed jobs are in the ledger). */
const HELD = [
  ['wait', 'waiting'],
  ['prioritized', 'prioritized'],
  ['delayed', 'delayed'],
  ['active', 'active'],
  ['failed', 'failed'],
] as const;

/** The idempotency keys a job's payload carries, as far as it can be read (invalid payloads included). */
function keysOf(job: Job): (string | null)[] {
  const data = job.data as unknown;
  const key = (event: unknown) => {
    const value = (event as { idempotency_key?: unknown } | null)?.idempotency_key;
    return typeof value === 'string' ? value : null;
  };
  if (job.name === BATCH_JOB_NAME) {
    const events = (data as { events?: unknown } | null)?.events;
    const keys = Array.isArray(events) ? events.map(key) : [];
    return keys.length > 0 ? keys : [null];
  }
  return [key(data)];
}

/**
 * The event queues as a source of accepted events (for reconcile): every job still waiting,
 * delayed, active or failed that was added before `before`, one entry per event it carries;
 * and key-index entries whose batch job is gone although the ledger may not have its keys (a
 * Redis that lost the job: reported as `missing`). It pages through live lists, so a job that
 * moves between them meanwhile can be seen twice or not at all: a report, not a snapshot.
 */
export function queuedEventsSource(options: { connection: Redis; prefix: string; partitions: number; pageSize?: number }) {
  const pageSize = options.pageSize ?? 500;
  const index = new KeyIndex(options.connection, options.prefix);
  return {
    name: 'queue',
    async *accepted(before: number): AsyncGenerator<HeldEvent[]> {
      for (let partition = 0; partition < options.partitions; partition++) {
        const queue = new Queue(eventQueueName(partition), { connection: options.connection, prefix: options.prefix });
        try {
          for (const [type, state] of HELD) {
            for (let start = 0; ; start += pageSize) {
              const jobs = await queue.getJobs([type], start, start + pageSize - 1, true);
              const page = jobs
                .filter((job) => job.timestamp < before)
                .flatMap((job) =>
                  keysOf(job).map((key) => ({
                    idempotency_key: key,
                    source: 'queue',
                    ref: `${queue.name}/${job.id ?? '?'}`,
                    state,
                    reason: state === 'failed' ? (job.failedReason ?? null) : null,
                    accepted_at: new Date(job.timestamp).toISOString(),
                  })),
                );
              if (page.length > 0) yield page;
              if (jobs.length < pageSize) break;
            }
          }
          for await (const entries of index.scan(partition, pageSize)) {
            const old = entries.filter((entry) => entry.acceptedAt < before);
            const jobIds = [...new Set(old.map((entry) => entry.jobId))];
            const exists = await Promise.all(jobIds.map((id) => options.connection.exists(queue.toKey(id))));
            const gone = new Set(jobIds.filter((_, i) => exists[i] === 0));
            const page = old
              .filter((entry) => gone.has(entry.jobId))
              .map((entry) => ({
                idempotency_key: entry.idempotencyKey,
                source: 'queue',
                ref: `${queue.name}/${entry.jobId}`,
                state: 'missing',
                reason: 'the batch job that carried it is gone from Redis',
                accepted_at: new Date(entry.acceptedAt).toISOString(),
              }));
            if (page.length > 0) yield page;
          }
        } finally {
          await queue.close();
        }
      }
    },
  };
}
