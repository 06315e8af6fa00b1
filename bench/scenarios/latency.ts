import { sql } from 'kysely';
import { PointsClient } from '@points-engine/client';
import type { BenchEnv } from '../support/bench-env.ts';
import { BENCH_PARTITIONS, waitRecorded, waitWorkers } from '../support/load.ts';
import { rng } from '../support/events.ts';
import { round, rssMiB, sleep } from '../support/stats.ts';
import { startWorkerProcess, type WorkerSettings } from './drain.ts';
import { eventTimeline, type EventTimeline } from '../support/job-timeline.ts';

export interface LatencyResult {
  rate: number;
  sent: number;
  p50: number;
  p95: number;
  p99: number;
  /** Sent → stamped in the ledger row (inside the committing transaction): the earlier measure. */
  recorded: { p50: number; p99: number };
  timeline: EventTimeline | null;
  rssStart?: number;
  rssEnd?: number;
}

/**
 * Open loop: events arrive at a fixed rate (every 5 ms, the due number of events), whatever the
 * engine does; each is stamped with its send time. Enqueue → commit is the send stamp to the job's
 * completion stamp (a job completes after its transaction committed), split into stages; the
 * ledger row's own stamp (taken inside the transaction, before COMMIT) is reported beside it.
 */
export async function openLoop(
  env: BenchEnv,
  label: string,
  rate: number,
  seconds: number,
  users: number,
  settings: WorkerSettings,
  /** timeline false: the soak, whose jobs outnumber the completed jobs Redis keeps; its latency is the ledger stamp's. */
  options: { rssWarmupSeconds?: number; timeline?: boolean } = {},
): Promise<LatencyResult> {
  const worker = startWorkerProcess(env, settings);
  const client = new PointsClient({ redisUrl: env.redisUrl, prefix: env.prefix, partitions: BENCH_PARTITIONS, lingerMs: 2, maxBatch: 500 });
  const random = rng(rate);
  let rssStart: number | undefined;
  try {
    await waitWorkers(env);
    const started = performance.now();
    let sent = 0;
    while (performance.now() - started < seconds * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      for (; sent < due; sent++) {
        client.earn({ kind: 'earn', idempotency_key: `${label}:${sent}`, user_id: `u${Math.floor(random() * users)}`, activity: 'text_request', occurred_at: new Date().toISOString() });
      }
      if (rssStart === undefined && options.rssWarmupSeconds !== undefined && performance.now() - started > options.rssWarmupSeconds * 1000) {
        rssStart = await rssMiB(worker.child.pid as number);
      }
      await sleep(5);
    }
    await client.flush();
    await waitRecorded(env, `${label}:`, sent, 10 * 60_000);
    const rssEnd = options.rssWarmupSeconds !== undefined ? await rssMiB(worker.child.pid as number) : undefined;
    const row = await sql<{ p50: number; p95: number; p99: number }>`
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
      FROM (SELECT extract(epoch FROM created_at - (payload->>'occurred_at')::timestamptz) * 1000 AS ms
            FROM ledger_transactions WHERE idempotency_key LIKE ${`${label}:%`}) t`.execute(env.database.db);
    const r = row.rows[0] as { p50: number; p95: number; p99: number };
    const recorded = { p50: round(r.p50), p95: round(r.p95), p99: round(r.p99) };
    let timeline = options.timeline === false ? null : await eventTimeline(env, label);
    // A job is marked completed a moment after its rows are visible.
    for (let i = 0; timeline && i < 100 && timeline.events < sent; i++) {
      await sleep(100);
      timeline = await eventTimeline(env, label);
    }
    if (timeline && timeline.events < sent) throw new Error(`only ${timeline.events} of ${sent} events found in completed jobs`);
    return {
      rate,
      sent,
      ...(timeline?.total ?? recorded),
      recorded: { p50: round(r.p50), p99: round(r.p99) },
      timeline,
      ...(rssStart !== undefined ? { rssStart } : {}),
      ...(rssEnd !== undefined ? { rssEnd } : {}),
    };
  } finally {
    await client.close();
    await worker.stop();
  }
}
