// PM2: the API, N workers and one scheduler, running the compiled code (`npm run build` first).
//   npm ci && npm run build && npx pm2 start ecosystem.config.cjs
// CommonJS (.cjs) because PM2 require()s its config file, and Node before 20.19 cannot require()
// an ES module (the project is "type": "module").
// PM2 runs each script in `node` itself (its fork container loads the script in the same process:
// no npx, tsx or npm in between), so the stop signal reaches the engine, which finishes its
// in-flight work. That signal is SIGINT, the PM2 daemon's PM2_KILL_SIGNAL (PM2 has no per-app
// option); the engine handles SIGINT and SIGTERM alike. kill_timeout is how long PM2 waits before
// SIGKILL: longer than the slowest job (a shutdown never outlasts SHUTDOWN_TIMEOUT_MS, 60 s).
// Logs: $PM2_HOME/logs/<name>-out.log (JSON lines), `npx pm2 logs`.
const common = {
  interpreter: 'node',
  // A 4 MB young generation: shorter GC pauses, a lower read p99 (docs/performance.md).
  node_args: '--max-semi-space-size=4',
  env: {
    NODE_ENV: 'production',
    DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/points',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  },
};

module.exports = {
  apps: [
    { ...common, name: 'points-api', script: 'apps/api/dist/main.js', kill_timeout: 30_000 },
    { ...common, name: 'points-worker', script: 'apps/worker/dist/main.js', instances: Number(process.env.WORKERS ?? 2), exec_mode: 'fork', kill_timeout: 70_000 },
    // One scheduler: its runs are keyed and idempotent, so a second would only wait on the first.
    { ...common, name: 'points-scheduler', script: 'apps/scheduler/dist/main.js', instances: 1, kill_timeout: 190_000 },
  ],
};
