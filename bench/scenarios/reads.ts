import { createApiKey } from '@points-engine/auth';
import { startChild, type BenchEnv } from '../support/bench-env.ts';
import { percentile, round, sleep } from '../support/stats.ts';
import { rng } from '../support/events.ts';
import { httpGetter } from '../support/http-get.ts';

/**
 * GET /api/points/balance over HTTP against the real API process, open loop at `rate` requests/s
 * for users picked at random; latency measured at the client.
 */
export async function balanceReads(env: BenchEnv, rate: number, seconds: number, users: number): Promise<{ p50: number; p99: number; errors: number; sent: number }> {
  const port = 3900 + Math.floor(Math.random() * 500);
  const { key } = await createApiKey(env.database.db, 'bench-reader', ['reader']);
  const api = startChild('apps/api/src/main.ts', {
    DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, QUEUE_PREFIX: env.prefix, PORT: String(port), HOST: '127.0.0.1', PG_POOL_MAX: '8',
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      // Two minutes: under a full parallel test run, starting a child (tsx compiling the API) took over 30 s.
      if (i > 1200) throw new Error(`API did not start:\n${api.output()}`);
      await sleep(100);
    }
    const random = rng(7);
    const latencies: number[] = [];
    let errors = 0;
    const inFlight: Promise<void>[] = [];
    const http = httpGetter(base, { 'x-api-key': key }, 256);
    const get = async () => {
      const t0 = performance.now();
      try {
        const status = await http.get(`/api/points/balance?user_id=u${Math.floor(random() * users)}`);
        if (status !== 200) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    };
    // Warm up at the measured rate (the pool, the key cache, V8's optimised code; the first second
    // of a fresh API process answers in hundreds of ms), then measure the steady state.
    const openLoop = async (ms: number): Promise<number> => {
      const started = performance.now();
      let sent = 0;
      while (performance.now() - started < ms) {
        const due = Math.floor(((performance.now() - started) / 1000) * rate);
        for (; sent < due; sent++) inFlight.push(get());
        await sleep(1);
      }
      await Promise.all(inFlight);
      inFlight.length = 0;
      return sent;
    };
    await openLoop(Math.min(3_000, seconds * 1000));
    latencies.length = 0;
    errors = 0;
    const sent = await openLoop(seconds * 1000);
    http.close();
    latencies.sort((a, b) => a - b);
    return { p50: round(percentile(latencies, 50), 2), p99: round(percentile(latencies, 99), 2), errors, sent };
  } finally {
    await api.stop();
  }
}
