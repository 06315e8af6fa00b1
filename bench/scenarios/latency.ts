import { sql } from 'kysely';
import { PointsClient } from '@pe/client';
import type { BenchEnv } from '../support/bench-env.ts';
import { BENCH_PARTITIONS, waitRecorded, waitWorkers } from '../support/load.ts';
import { rng } from '../support/events.ts';
import { round, rssMiB, sleep } from '../support/stats.ts';
import { startWorkerProcess, type WorkerSettings } from './drain.ts';

export interface LatencyResult {
  rate: number;
  sent: number;
  p50: number;
  p95: number;
  p99: number;
  rssStart?: number;
  rssEnd?: number;
}

/**
 * Open loop: events arrive at a fixed rate (every 5 ms, the due number of events), whatever the
 * engine does; each is stamped with its send time, and enqueue → commit is read back from the
 * ledger (commit stamp minus send stamp, same clock).
 */
export async function openLoop(
  env: BenchEnv,
  label: string,
  rate: number,
  seconds: number,
  users: number,
  settings: WorkerSettings,
  options: { rssWarmupSeconds?: number } = {},
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
    return {
      rate,
      sent,
      p50: round(r.p50),
      p95: round(r.p95),
      p99: round(r.p99),
      ...(rssStart !== undefined ? { rssStart } : {}),
      ...(rssEnd !== undefined ? { rssEnd } : {}),
    };
  } finally {
    await client.close();
    await worker.stop();
  }
}
