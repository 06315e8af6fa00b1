import { Queue } from 'bullmq';
import { sql } from 'kysely';
import { eventQueueName } from '@points-engine/jobs';
import type { BenchEnv } from './bench-env.ts';
import { BENCH_PARTITIONS } from './load.ts';
import { percentile, round } from './stats.ts';

export interface Spread {
  p50: number;
  p95: number;
  p99: number;
}

/** Where an event's time went, from the timestamps BullMQ keeps on each completed job. */
export interface EventTimeline {
  /** Sent → acknowledged: the worker marks a job completed only after its transaction committed. */
  total: Spread;
  /** Sent → the job is in Redis (the producer's linger and the add). */
  queued: Spread;
  /** In Redis → a worker takes the job. */
  waiting: Spread;
  /** Taken → committed and acknowledged (waiting for the transaction in flight, then its own). */
  applying: Spread;
  /** Taken → the ledger row's stamp (inside its transaction): the wait for a transaction and its first statements. */
  toStamp: Spread;
  /** The ledger row's stamp → acknowledged: the rest of the transaction, COMMIT and the job's completion. */
  fromStamp: Spread;
  events: number;
}

const spread = (values: number[]): Spread => {
  values.sort((a, b) => a - b);
  return { p50: round(percentile(values, 50)), p95: round(percentile(values, 95)), p99: round(percentile(values, 99)) };
};

/**
 * Reads every completed event job and splits each event's latency (send stamp in the payload to
 * the job's `finishedOn`) into stages. All stamps come from this machine's one clock.
 */
export async function eventTimeline(env: BenchEnv, label: string): Promise<EventTimeline> {
  const total: number[] = [];
  const queued: number[] = [];
  const waiting: number[] = [];
  const applying: number[] = [];
  const toStamp: number[] = [];
  const fromStamp: number[] = [];
  const stamps = new Map(
    (
      await sql<{ key: string; at: number }>`
        SELECT idempotency_key AS key, extract(epoch FROM created_at) * 1000 AS at FROM ledger_transactions
        WHERE idempotency_key LIKE ${`${label}:%`}`.execute(env.database.db)
    ).rows.map((row) => [row.key, Number(row.at)]),
  );
  for (let p = 0; p < BENCH_PARTITIONS; p++) {
    const queue = new Queue(eventQueueName(p), { connection: { url: env.redisUrl }, prefix: env.prefix });
    try {
      const count = await queue.getCompletedCount();
      for (let start = 0; start < count; start += 1000) {
        for (const job of await queue.getJobs(['completed'], start, start + 999, true)) {
          const data = job.data as { events?: { idempotency_key: string; occurred_at?: string }[]; idempotency_key?: string; occurred_at?: string };
          const events = data.events ?? [data as { idempotency_key: string; occurred_at?: string }];
          if (job.processedOn === undefined || job.finishedOn === undefined) continue;
          for (const event of events) {
            if (!event.idempotency_key.startsWith(`${label}:`) || !event.occurred_at) continue;
            const sent = Date.parse(event.occurred_at);
            total.push(job.finishedOn - sent);
            queued.push(job.timestamp - sent);
            waiting.push(job.processedOn - job.timestamp);
            applying.push(job.finishedOn - job.processedOn);
            const stamp = stamps.get(event.idempotency_key);
            if (stamp !== undefined) {
              toStamp.push(stamp - job.processedOn);
              fromStamp.push(job.finishedOn - stamp);
            }
          }
        }
      }
    } finally {
      await queue.close();
    }
  }
  return { total: spread(total), queued: spread(queued), waiting: spread(waiting), applying: spread(applying), toStamp: spread(toStamp), fromStamp: spread(fromStamp), events: total.length };
}
