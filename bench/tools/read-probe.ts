import { parseArgs } from 'node:util';
import { createApiKey } from '@points-engine/auth';
import { applyBatch } from '@points-engine/ledger';
import { openBenchEnv, startChild } from '../support/bench-env.ts';
import { percentile, round, sleep } from '../support/stats.ts';
import { httpGetter } from '../support/http-get.ts';

// A quick look at one read route alone, against the real API process: closed-loop throughput at a
// few concurrencies, or `--rate N` open loop with percentiles per second (`--path`, `--expect`
// status; PROBE_API_LOG=1 and PROBE_SHOW_API=1 print the API's request log). For A/B checks while
// optimising; `npm run bench` measures.
const { values } = parseArgs({ options: { requests: { type: 'string', default: '3000' }, path: { type: 'string', default: '/api/points/balance' }, rate: { type: 'string' }, seconds: { type: 'string', default: '10' }, expect: { type: 'string', default: '200' } } });
const env = await openBenchEnv({ postgresUrl: 'postgres://postgres@127.0.0.1:5432/postgres', redisUrl: 'redis://127.0.0.1:6379', label: 'probe' });
const port = 3900 + Math.floor(Math.random() * 500);
const api = startChild('apps/api/src/main.ts', { DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, QUEUE_PREFIX: env.prefix, PORT: String(port), HOST: '127.0.0.1', PG_POOL_MAX: '8', ...(process.env['PROBE_API_LOG'] ? { LOG_LEVEL: 'info' } : {}) });
try {
  for (let i = 0; i < 5000; i += 1000) {
    await applyBatch(env.ledger, Array.from({ length: 1000 }, (_, j) => ({ kind: 'earn' as const, idempotency_key: `seed:${i + j}`, user_id: `u${i + j}`, activity: 'daily_login' })));
  }
  const { key } = await createApiKey(env.database.db, 'probe', ['reader']);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; !(await fetch(`${base}/healthz`).then((r) => r.ok, () => false)); i++) {
    if (i > 300) throw new Error(api.output());
    await sleep(100);
  }
  const http = httpGetter(base, { 'x-api-key': key });
  const expected = Number(values.expect);
  const get = async (): Promise<number> => {
    const t0 = performance.now();
    const status = await http.get(`${values.path}?user_id=u${Math.floor(Math.random() * 5000)}`);
    if (status !== expected) throw new Error(`status ${status}`);
    return performance.now() - t0;
  };
  const spread = (list: number[]) => {
    list.sort((a, b) => a - b);
    return `p50 ${round(percentile(list, 50), 2)} ms, p99 ${round(percentile(list, 99), 2)} ms, max ${round(list.at(-1) ?? 0, 1)} ms`;
  };

  /** Open loop at `rate`/s: percentiles per second (a stall shows where it happened) and overall. */
  const openLoop = async (rate: number, seconds: number) => {
    const bySecond: number[][] = [];
    const started = performance.now();
    let sent = 0;
    const inFlight: Promise<void>[] = [];
    while (performance.now() - started < seconds * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      for (; sent < due; sent++) {
        const second = Math.floor((performance.now() - started) / 1000);
        inFlight.push(get().then((ms) => void (bySecond[second] ??= []).push(ms)));
      }
      await sleep(1);
    }
    await Promise.all(inFlight);
    bySecond.forEach((list, second) => process.stdout.write(`second ${second}: n ${list.length} ${spread(list)}\n`));
    process.stdout.write(`open loop ${rate}/s: ${spread(bySecond.flat())}\n`);
  };

  /** Closed loop: throughput and latency at a few concurrencies. */
  const closedLoop = async (requests: number) => {
    for (const concurrency of [1, 4, 16, 64]) {
      const latencies: number[] = [];
      const t0 = performance.now();
      let next = 0;
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next++ < requests) latencies.push(await get());
      }));
      const seconds = (performance.now() - t0) / 1000;
      process.stdout.write(`concurrency ${concurrency}: ${Math.round(requests / seconds)} req/s, ${spread(latencies)}\n`);
    }
  };

  if (values.rate) await openLoop(Number(values.rate), Number(values.seconds));
  else await closedLoop(Number(values.requests));
  if (process.env['PROBE_SHOW_API']) process.stdout.write(api.output());
} finally {
  await api.stop();
  await env.close();
}
