// PM2: the API, N workers and one scheduler, running the compiled code (`npm run build` first).
//   npm ci && npm run build && npx pm2 start ecosystem.config.js
// PM2 starts `node` on each script itself (no npx, tsx or npm in between), so the signal it sends
// on stop reaches the engine, which finishes its in-flight work; kill_timeout is longer than the
// slowest job (a shutdown never outlasts SHUTDOWN_TIMEOUT_MS, 60 s) before PM2 escalates to SIGKILL.
// The project is ESM; PM2 require()s this file, which Node ≥ 20.19 allows for ES modules.
const common = {
  interpreter: 'node',
  // A 4 MB young generation: shorter GC pauses, a lower read p99 (docs/performance.md).
  node_args: '--max-semi-space-size=4',
  kill_signal: 'SIGTERM',
  env: {
    NODE_ENV: 'production',
    DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/points',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  },
};

export const apps = [
  { ...common, name: 'points-api', script: 'apps/api/dist/main.js', kill_timeout: 30_000 },
  { ...common, name: 'points-worker', script: 'apps/worker/dist/main.js', instances: Number(process.env.WORKERS ?? 2), exec_mode: 'fork', kill_timeout: 70_000 },
  // One scheduler: its runs are keyed and idempotent, so a second would only wait on the first.
  { ...common, name: 'points-scheduler', script: 'apps/scheduler/dist/main.js', instances: 1, kill_timeout: 190_000 },
];

export default { apps };
