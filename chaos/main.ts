import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { dayOf, defaultProgramInput, programSchema, type PointsEvent } from '@points-engine/domain';
import { BOT_EVENTS_QUEUE, EVENT_JOB_OPTIONS, eventQueueName, MAINTENANCE_QUEUE, partitionOf } from '@points-engine/jobs';
import { createClock } from '@points-engine/runtime';
import { openBenchEnv } from '../bench/support/bench-env.ts';
import { BENCH_PARTITIONS, waitWorkers } from '../bench/support/load.ts';
import { rng } from '../bench/support/events.ts';
import { sleep } from '../bench/support/stats.ts';
import { Cluster } from './cluster.ts';
import { allowConnections, cutPostgres, cutRedis, type CutResult } from './faults.ts';
import { Producers } from './producers.ts';
import { renderTable } from './report.ts';
import { verifyRun, type SentRecord, type Violation } from './verify.ts';
import { chaosKeys } from './keys.ts';
import { planWorkload, type Channel, type PlannedEvent } from './workload.ts';

// `npm run chaos`: the real engine processes (API, workers, scheduler) as child processes on a
// database and queue prefix of their own, a seeded workload of mixed events with duplicates,
// hostile payloads and conflicts, and faults: SIGKILLed workers, a Redis outage and a PostgreSQL
// outage (the engine's connections cut, the shared servers left running), with the 15-minute
// cycle and the day boundary firing on a compressed clock. Then it drains, verifies and prints
// one table. Exit 1 on any violation (the first offending event is printed).
// --real: the real-crash run on private servers (chaos/real.ts); it exits by itself.
if (process.argv.slice(2).includes('--real')) await import('./real.ts');
const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    events: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
    workers: { type: 'string' },
    rate: { type: 'string' },
    'clock-rate': { type: 'string' },
    logs: { type: 'string' },
    'log-level': { type: 'string' },
  },
});
const smoke = values.smoke === true;
const seed = Number(values.seed ?? 20250301);
if (!Number.isSafeInteger(seed)) throw new Error('--seed must be an integer');

const SIZE = smoke
  ? { events: 3_000, users: 300, rate: 250, workers: 2, killEveryMs: 5_000, redisCutMs: 3_000, pgCutMs: 3_000, conflicts: 3, maxBacklogJobs: 600, midnightAfterMs: 10_000, drainTimeoutMs: 180_000 }
  : { events: 100_000, users: 5_000, rate: 700, workers: 3, killEveryMs: 8_000, redisCutMs: 6_000, pgCutMs: 6_000, conflicts: 20, maxBacklogJobs: 3_000, midnightAfterMs: 20_000, drainTimeoutMs: 900_000 };
if (values.events) SIZE.events = Number(values.events);
if (values.workers) SIZE.workers = Number(values.workers);
if (values.rate) SIZE.rate = Number(values.rate);
const CLOCK_RATE = Number(values['clock-rate'] ?? 600);
const PARTITIONS = BENCH_PARTITIONS;
const postgresUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const adminUrl = (() => {
  const url = new URL(postgresUrl);
  url.pathname = '/postgres';
  return url.toString();
})();

const t0 = Date.now();
const log = (line: string) => process.stderr.write(`[chaos ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);

// The chaos program: the default one, with points expiring after one program day so the day
// boundary has expiry work to do within the run (a compressed day is 144 s at 600×).
const programInput = { ...defaultProgramInput, expiry: { points_after_days: 1, warn_days: 1 } };
const program = programSchema.parse(programInput);

const workload = planWorkload(seed, { events: SIZE.events, users: SIZE.users, duplicateShare: 0.1, hostileShare: 0.01, conflicts: SIZE.conflicts });
log(`seed ${seed}: ${workload.events.length} events, ${workload.hostile.length} hostile payloads, ${workload.conflicts.length} conflicts (workload digest ${workload.digest})`);

const env = await openBenchEnv({ postgresUrl, redisUrl, label: 'chaos' });
const databaseName = new URL(env.databaseUrl).pathname.slice(1);
log(`database ${databaseName}, queue prefix ${env.prefix}`);
const programFile = join(tmpdir(), `${env.prefix}-program.json`);
writeFileSync(programFile, JSON.stringify(programInput));

const keys = await chaosKeys(env.database.db, workload);
const port = await freePort();
const apiUrl = `http://127.0.0.1:${port}`;

// Program time runs CLOCK_RATE× faster from an origin chosen so the next UTC midnight (program
// time) comes `midnightAfterMs` after the load starts: the day boundary fires mid-run.
// (Generous: if the scheduler boots after that midnight, the first crossing is a program day later.)
const bootAllowanceMs = smoke ? 20_000 : 30_000;
const nextMidnight = Math.ceil(Date.now() / 86_400_000) * 86_400_000;
const midnightAtReal = Date.now() + bootAllowanceMs + SIZE.midnightAfterMs;
const clockOrigin = Math.round((CLOCK_RATE * midnightAtReal - nextMidnight) / (CLOCK_RATE - 1));
const programNow = createClock(CLOCK_RATE, clockOrigin);
const startDay = dayOf(programNow(), program.timezone);

const cluster = new Cluster(
  {
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: env.prefix,
    QUEUE_PARTITIONS: String(PARTITIONS),
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: values['log-level'] ?? 'warn',
    PROGRAM_FILE: programFile,
    CLOCK_RATE: String(CLOCK_RATE),
    CLOCK_ORIGIN_MS: String(clockOrigin),
    PG_POOL_MAX: '4',
    WORKER_CONCURRENCY: '64',
    SPEND_TIMEOUT_MS: '5000',
  },
  SIZE.workers,
  60,
  log,
  values.logs ?? null,
);
const cleanup = () => {
  for (const pid of cluster.pids()) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
};
process.once('exit', cleanup);
// A harness bug must not leave the engine running or the database behind.
process.once('uncaughtException', (error) => {
  log(`harness error: ${error.stack ?? error.message}`);
  cleanup();
  void allowConnections(adminUrl, databaseName)
    .then(() => env.close(values.keep === true))
    .catch(() => undefined)
    .finally(() => process.exit(2));
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // Interrupted: kill the engine, reopen and drop the database (unless --keep), clear the prefix.
  process.once(signal, () => {
    log(`${signal}: stopping`);
    cleanup();
    void allowConnections(adminUrl, databaseName)
      .then(() => env.close(values.keep === true))
      .catch(() => undefined)
      .finally(() => process.exit(130));
  });
}

// Harness connections the Redis cut must spare: the monitor (queue counts) and the control (CLIENT KILL).
const control = new Redis(redisUrl, { connectionName: 'chaos-control', maxRetriesPerRequest: null });
const monitor = new Redis(redisUrl, { connectionName: 'chaos-monitor', maxRetriesPerRequest: null });
const spare = new Set([String(await control.client('ID')), String(await monitor.client('ID'))]);
const eventQueues = Array.from({ length: PARTITIONS }, (_, p) => new Queue(eventQueueName(p), { connection: monitor, prefix: env.prefix }));
const producers = new Producers({ redisUrl, prefix: env.prefix, partitions: PARTITIONS, apiUrl: () => apiUrl, keys, senderKey: keys.admin, giveUpMs: 300_000 });

const faults = {
  workerKills: 0,
  /** The API and the scheduler are SIGKILLed once each too (at 80% and 85% of the load). */
  otherKills: [] as string[],
  redis: null as (CutResult & { atProgress: number }) | null,
  postgres: null as (CutResult & { atProgress: number }) | null,
  outageWindows: [] as [number, number][],
};
const sent: SentRecord = { gaveUp: [], hostileJobs: [], hostileHttp: [], conflicts: [] };
const hostileJobQueues: Record<string, number> = {};
let exitCode = 1;
let reconcileRoute: Record<string, unknown> | null = null;
const stops: Awaited<ReturnType<Cluster['stop']>> = [];
const timings = { loadSeconds: 0, drainSeconds: 0, totalSeconds: 0 };
let statusTimer: NodeJS.Timeout | undefined;

try {
  cluster.start();
  await waitFor('the API', 120_000, async () => (await fetch(`${apiUrl}/healthz`).catch(() => null))?.ok === true);
  await waitWorkers(env, 120_000);
  log(`engine up: API on ${port}, ${SIZE.workers} workers, scheduler (clock ${CLOCK_RATE}×, program time ${new Date(programNow()).toISOString()})`);

  // ---- the load, with faults injected alongside it
  const loadStarted = Date.now();
  const random = rng(seed ^ 0x5eed);
  let dispatched = 0;
  let throttled = false;
  let loadDone = false;
  // Sends in flight (each retries until acknowledged). A counter and waiters rather than
  // Promise.race over the set: racing long-pending promises again and again piles reactions on them.
  let inFlight = 0;
  const waiters: (() => void)[] = [];
  const track = (promise: Promise<unknown>) => {
    inFlight++;
    void promise
      .catch((error: unknown) => log(`send failed: ${String(error)}`))
      .finally(() => {
        inFlight--;
        for (const wake of waiters.splice(0)) wake();
      });
  };
  const inFlightAtMost = async (limit: number) => {
    while (inFlight > limit) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  // Jobs not yet taken (the producer slows down above maxBacklogJobs); with `active`: not yet finished.
  const backlog = async (states: ('waiting' | 'active' | 'delayed' | 'prioritized' | 'waiting-children')[] = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']) => {
    let jobs = 0;
    for (const queue of eventQueues) {
      const counts = await queue.getJobCounts(...states);
      jobs += Object.values(counts).reduce((a, b) => a + b, 0);
    }
    return jobs;
  };
  const throttle = (async () => {
    while (!loadDone) {
      throttled = (await backlog(['waiting', 'delayed', 'prioritized']).catch(() => 0)) > SIZE.maxBacklogJobs;
      await sleep(300);
    }
  })();
  statusTimer = setInterval(() => {
    void (async () => {
      const sum: Record<string, number> = {};
      for (const queue of eventQueues) {
        for (const [state, count] of Object.entries(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed'))) sum[state] = (sum[state] ?? 0) + count;
      }
      const jobs = Object.entries(sum).map(([state, count]) => `${state} ${count}`).join(', ');
      log(`sent ${dispatched}/${workload.events.length}; jobs: ${jobs}${throttled ? ' (throttled)' : ''}; workers killed ${faults.workerKills}, live ${cluster.liveWorkers().length}`);
    })().catch(() => undefined);
  }, 5_000);

  // Worker kills: every killEveryMs (±40%, seeded), a random worker that has been taking jobs for
  // at least 2 s (killing one still booting would only test tsx start-up).
  const killer = (async () => {
    while (!loadDone) {
      await sleep(SIZE.killEveryMs * (0.6 + 0.8 * random()));
      if (loadDone) break;
      const candidates = cluster.liveWorkers().filter((w) => w.readyMs > 2_000);
      const victim = candidates[Math.floor(random() * candidates.length)];
      if (victim && cluster.killWorker(victim.slot)) {
        faults.workerKills++;
        log(`SIGKILL worker ${victim.slot}`);
      }
    }
  })();
  const outages: Promise<void>[] = [];
  const progress = () => dispatched / workload.events.length;
  const redisAt = 0.35;
  const pgAt = 0.65;

  const lateQueue = workload.events.filter((p) => p.dup === 'late' || p.dup === 'after-remove').sort((a, b) => a.dupAt - b.dupAt);
  let lateNext = 0;
  let hostileNext = 0;
  let conflictNext = 0;
  let virtualMs = 0;
  let last = performance.now();
  const dispatch = (from: number, to: number) => {
    const groups = new Map<Channel, PointsEvent[]>();
    const concurrent: PointsEvent[] = [];
    for (const p of workload.events.slice(from, to)) {
      groups.set(p.channel, [...(groups.get(p.channel) ?? []), p.event]);
      if (p.dup === 'concurrent') concurrent.push(p.event);
    }
    for (const [channel, events] of groups) track(producers.deliver(channel, events));
    // The second producer sends the same events at the same moment (one job each).
    if (concurrent.length > 0) track(producers.deliver('client-single', concurrent, 'B'));
  };
  const dispatchLate = (upTo: number) => {
    const groups = new Map<Channel, PointsEvent[]>();
    for (; lateNext < lateQueue.length && (lateQueue[lateNext] as PlannedEvent).dupAt < upTo; lateNext++) {
      const p = lateQueue[lateNext] as PlannedEvent;
      if (p.dup === 'after-remove') track(producers.removeAndResend(p.event));
      else groups.set(p.dupChannel, [...(groups.get(p.dupChannel) ?? []), p.event]);
    }
    for (const [channel, events] of groups) track(producers.deliver(channel, events, 'B'));
  };
  const dispatchHostile = (upTo: number) => {
    for (; hostileNext < workload.hostile.length && (workload.hostile[hostileNext]?.at ?? Infinity) < upTo; hostileNext++) {
      const h = workload.hostile[hostileNext];
      if (!h) continue;
      if (h.via === 'job') {
        const partition = partitionOf(h.id, PARTITIONS);
        hostileJobQueues[h.id] = partition;
        const queue = producers.a.queue(partition);
        track(retry(() => queue.add(h.name, h.data as object, { ...EVENT_JOB_OPTIONS, jobId: h.id })));
      } else {
        track(producers.request(h.request).then((status) => sent.hostileHttp.push({ id: h.id, label: h.label, expect: h.expect, status })));
      }
    }
  };
  const dispatchConflicts = (upTo: number) => {
    for (; conflictNext < workload.conflicts.length && (workload.conflicts[conflictNext]?.at ?? Infinity) < upTo; conflictNext++) {
      const c = workload.conflicts[conflictNext];
      if (!c) continue;
      track(
        (async () => {
          // Only once the first payload is recorded: otherwise the changed one could be "first".
          const recorded = await waitFor(`original of ${c.id}`, 180_000, async () =>
            (await env.database.db.selectFrom('ledger_transactions').select('id').where('idempotency_key', '=', c.original.idempotency_key).executeTakeFirst().catch(() => undefined)) !== undefined,
          ).then(() => true, () => false);
          if (!recorded) return;
          const queue = producers.a.queue(partitionOf(c.event.user_id, PARTITIONS));
          await retry(() => queue.add(c.event.kind, c.event, { ...EVENT_JOB_OPTIONS, jobId: c.id }));
          sent.conflicts.push({ id: c.id, key: c.event.idempotency_key, state: 'sent', failedReason: null });
        })(),
      );
    }
  };

  while (dispatched < workload.events.length) {
    const now = performance.now();
    if (!throttled) virtualMs += now - last;
    last = now;
    // At most a fifth of a second's worth at once: a late tick must not turn into a burst.
    const due = Math.min(workload.events.length, Math.floor((virtualMs / 1000) * SIZE.rate), dispatched + Math.max(50, Math.round(SIZE.rate / 5)));
    if (due > dispatched) {
      dispatch(dispatched, due);
      dispatched = due;
    }
    dispatchLate(dispatched);
    dispatchHostile(dispatched);
    dispatchConflicts(dispatched);
    if (faults.redis === null && progress() >= redisAt && outages.length === 0) {
      const at = progress();
      log(`Redis outage: cutting the engine's connections for ${SIZE.redisCutMs / 1000} s`);
      const started = Date.now();
      outages.push(
        cutRedis(control, { ms: SIZE.redisCutMs, prefix: env.prefix, pids: () => cluster.pids(), spare }).then((result) => {
          faults.redis = { ...result, atProgress: at };
          faults.outageWindows.push([started, Date.now()]);
          log(`Redis outage over: ${result.killed} connections killed in ${result.rounds} rounds (slowest ${result.slowestRoundMs} ms)`);
        }),
      );
    }
    if (faults.postgres === null && progress() >= pgAt && outages.length === 1) {
      const at = progress();
      log(`PostgreSQL outage: database refuses connections, engine backends terminated, for ${SIZE.pgCutMs / 1000} s`);
      const started = Date.now();
      outages.push(
        cutPostgres(adminUrl, databaseName, SIZE.pgCutMs).then((result) => {
          faults.postgres = { ...result, atProgress: at };
          faults.outageWindows.push([started, Date.now()]);
          log(`PostgreSQL outage over: ${result.killed} backends terminated in ${result.rounds} rounds (slowest ${result.slowestRoundMs} ms)`);
        }),
      );
    }
    for (const [role, at] of [['api', 0.8], ['scheduler', 0.85]] as const) {
      if (progress() >= at && !faults.otherKills.includes(role) && cluster.kill(role)) {
        faults.otherKills.push(role);
        log(`SIGKILL ${role}`);
      }
    }
    await inFlightAtMost(400);
    if (cluster.failure) throw new Error(cluster.failure);
    await sleep(20);
  }
  dispatchLate(Infinity);
  dispatchHostile(Infinity);
  dispatchConflicts(Infinity);
  await inFlightAtMost(0);
  await Promise.all(outages);
  if (faults.workerKills === 0) {
    const victim = cluster.liveWorkers()[0];
    if (victim && cluster.killWorker(victim.slot)) faults.workerKills++;
  }
  loadDone = true;
  await Promise.all([throttle, killer]);
  timings.loadSeconds = (Date.now() - loadStarted) / 1000;
  log(`load sent in ${timings.loadSeconds.toFixed(1)} s (${producers.stats.retries} sends retried)`);

  // ---- let the day boundary cross at least once, then drain
  // A crossing: the scheduler ran the day boundary of a day after the one it started in (a
  // compressed program day is 86400 / CLOCK_RATE s, so this waits at most that long).
  await waitFor('a day boundary', (86_400_000 / CLOCK_RATE) * 1.5, async () => {
    const row = await sql<{ n: string }>`SELECT count(*)::text AS n FROM cycle_runs WHERE kind = 'day'`.execute(env.database.db);
    return Number(row.rows[0]?.n ?? 0) >= 2;
  });
  // The scheduler stops first (gracefully): what it writes after this (lapses, notices) is in
  // the ledger and the outbox before the queues and the relay are drained.
  stops.push(...(await cluster.stop(30_000, ['scheduler'])));
  const drainStarted = Date.now();
  let quiet = 0;
  await waitFor('the queues to drain', SIZE.drainTimeoutMs, async () => {
    quiet = (await backlog()) === 0 ? quiet + 1 : 0;
    if (cluster.failure) throw new Error(cluster.failure);
    return quiet >= 3;
  }, 1_000);
  await waitFor('the outbox relay', 120_000, async () => {
    const row = await sql<{ n: string }>`SELECT count(*)::text AS n FROM outbox WHERE delivered_at IS NULL`.execute(env.database.db);
    return row.rows[0]?.n === '0';
  });
  timings.drainSeconds = (Date.now() - drainStarted) / 1000;
  log(`drained in ${timings.drainSeconds.toFixed(1)} s`);

  // The admin route checks the same database through the running API.
  const answer = await fetch(`${apiUrl}/api/admin/reconcile?batch=5000`, { headers: { 'x-api-key': keys.admin } });
  reconcileRoute = { status: answer.status, ...((await answer.json()) as Record<string, unknown>) };

  // What became of the hostile jobs and conflicts.
  for (const h of workload.hostile) {
    if (h.via !== 'job') continue;
    const queue = eventQueues[hostileJobQueues[h.id] ?? 0] as Queue;
    const job = await queue.getJob(h.id);
    sent.hostileJobs.push({ id: h.id, label: h.label, state: job ? await job.getState() : 'missing', failedReason: job?.failedReason ?? null });
  }
  for (const c of sent.conflicts) {
    const queue = eventQueues[partitionOf(workload.conflicts.find((x) => x.id === c.id)?.event.user_id ?? '', PARTITIONS)] as Queue;
    const job = await queue.getJob(c.id);
    c.state = job ? await job.getState() : 'missing';
    c.failedReason = job?.failedReason ?? null;
  }
  sent.gaveUp = producers.stats.gaveUp;
  stops.push(...(await cluster.stop()));
} catch (error) {
  log(`run aborted: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  stops.push(...(await cluster.stop(5_000).catch(() => [])));
  sent.gaveUp = producers.stats.gaveUp;
}

// ---- verify and report
clearInterval(statusTimer);
const failedSets = await failedCounts().catch((error: unknown) => ({ invalid: 0, conflict: 0, other: [`failed sets unreadable: ${String(error)}`], maintenanceFailed: 0, botEventJobs: 0 }));
const verification = await verifyRun(env.database.db, program, workload, sent);
const violations: Violation[] = [...verification.violations];
if (reconcileRoute === null || reconcileRoute['status'] !== 200 || reconcileRoute['ok'] !== true) {
  violations.push({ check: 'GET /api/admin/reconcile reports no violation', key: null, detail: JSON.stringify(reconcileRoute).slice(0, 500) });
}
for (const other of failedSets.other) violations.push({ check: 'no valid job in a failed set', key: null, detail: other });
if (failedSets.botEventJobs !== verification.system.outbox || verification.system.outboxUndelivered > 0) {
  violations.push({ check: 'outbox relayed at least once: every row delivered, one bot-events job per row', key: null, detail: `${verification.system.outbox} rows, ${verification.system.outboxUndelivered} undelivered, ${failedSets.botEventJobs} bot-events jobs` });
}
const inOutage = (at: number) => faults.outageWindows.some(([from, to]) => at >= from && at <= to + 15_000);
// A process that cannot boot while PostgreSQL refuses connections exits and is restarted (what a
// process manager does); a running process must ride out an outage.
const crashes = cluster.unexpected.filter((exit) => exit.wasRunning || !inOutage(exit.at));
for (const crash of crashes) {
  violations.push({ check: 'no running engine process dies on its own (outage or not)', key: null, detail: `${crash.role} ${crash.slot} exited ${crash.code ?? crash.signal}: ${crash.output.slice(-1500)}` });
}
for (const stop of stops) if (!stop.graceful) violations.push({ check: 'graceful shutdown at the end', key: null, detail: `${stop.role} ${stop.slot} exited ${stop.code}; output: ${stop.output ?? ''}` });
if (faults.redis === null || faults.postgres === null || faults.workerKills === 0 || faults.otherKills.length < 2 || verification.system.cycles === 0 || verification.system.days < 2) {
  violations.push({ check: 'every fault injected at least once', key: null, detail: JSON.stringify({ redis: faults.redis !== null, postgres: faults.postgres !== null, workerKills: faults.workerKills, cycles: verification.system.cycles, days: verification.system.days }) });
}
timings.totalSeconds = (Date.now() - t0) / 1000;

const distinctValid = workload.events.length;
const deliveries = Object.values(producers.stats.deliveries).reduce((a, b) => a + b, 0);
const report = {
  at: new Date().toISOString(),
  seed,
  smoke,
  digest: workload.digest,
  size: SIZE,
  clock: { rate: CLOCK_RATE, origin_ms: clockOrigin, start_day: startDay, end_day: dayOf(programNow(), program.timezone) },
  database: databaseName,
  prefix: env.prefix,
  sent: {
    valid: distinctValid,
    byKind: Object.fromEntries(Object.entries(verification.outcomes.byKind).map(([k, v]) => [k, v.sent])),
    deliveries,
    byChannel: producers.stats.deliveries,
    duplicates: {
      planned: workload.events.filter((p) => p.dup !== null).length,
      concurrent: workload.events.filter((p) => p.dup === 'concurrent').length,
      late: workload.events.filter((p) => p.dup === 'late').length,
      afterRemove: workload.events.filter((p) => p.dup === 'after-remove').length,
      removedThenResent: producers.stats.removedThenResent,
      resentWhileJobExisted: producers.stats.resentWhileJobExisted,
    },
    absorbed: deliveries - distinctValid,
    sendRetries: producers.stats.retries,
    sendErrors: producers.stats.errors,
    hostile: { jobs: sent.hostileJobs.length, http: sent.hostileHttp.length, byStatus: countBy(sent.hostileHttp.map((h) => String(h.status))) },
    conflicts: sent.conflicts.length,
  },
  outcomes: verification.outcomes,
  failedSets,
  faults: {
    workerKills: faults.workerKills,
    otherKills: faults.otherKills,
    processStarts: cluster.starts,
    unexpectedExits: cluster.unexpected.map(({ output: _output, ...rest }) => ({ ...rest, duringOutage: inOutage(rest.at) })),
    redis: faults.redis,
    postgres: faults.postgres,
    cycles: verification.system.cycles,
    cycleTransactions: verification.system.cycleTransactions,
    dayBoundaries: verification.system.days,
    expiryTransactions: verification.system.expiryRuns,
    holdsLapsed: verification.system.lapses,
  },
  outbox: { rows: verification.system.outbox, undelivered: verification.system.outboxUndelivered },
  totals: verification.totals,
  invariants: verification.invariants,
  reconcileRoute,
  shutdown: stops,
  timings,
  violations: { count: violations.length, first: violations.slice(0, 50) },
  ok: violations.length === 0,
};

process.stdout.write(`\n${renderTable(report)}\n`);
if (violations.length > 0) {
  const first = violations[0] as Violation;
  process.stdout.write(`\nFAILED: ${violations.length} violation(s). First offending event: ${first.key ?? '(none named)'}\n  ${first.check}: ${first.detail}\n`);
  process.stdout.write(`Reproduce the workload with: npm run chaos -- --seed ${seed}${smoke ? ' --smoke' : ''}${values.events ? ` --events ${values.events}` : ''}\n`);
}
const out = values.out ?? join(dirname(new URL(import.meta.url).pathname), 'results', `${smoke ? 'smoke' : 'chaos'}-${seed}-${Date.now()}.json`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(report, null, 2));
process.stdout.write(`\nwrote ${out}\n`);
exitCode = violations.length === 0 ? 0 : 1;

await producers.close().catch(() => undefined);
await Promise.all(eventQueues.map((q) => q.close())).catch(() => undefined);
control.disconnect();
monitor.disconnect();
await allowConnections(adminUrl, databaseName).catch(() => undefined);
await env.close(values.keep === true).catch((error: unknown) => log(`cleanup: ${String(error)}`));
if (values.keep) log(`kept database ${databaseName}`);
process.exit(exitCode);

// ---- helpers

async function waitFor(what: string, timeoutMs: number, ready: () => Promise<boolean>, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${timeoutMs / 1000} s)`);
    await sleep(everyMs);
  }
}

async function retry<T>(send: () => Promise<T>): Promise<T> {
  for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await send();
    } catch {
      producers.stats.retries++;
      await sleep(delay);
    }
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Failed jobs of every event partition by reason (invalid payloads, conflicts, anything else: must
 * be none), failed maintenance runs (retried by the next trigger), and the jobs on bot-events.
 */
async function failedCounts(): Promise<{ invalid: number; conflict: number; other: string[]; maintenanceFailed: number; botEventJobs: number }> {
  const result = { invalid: 0, conflict: 0, other: [] as string[], maintenanceFailed: 0, botEventJobs: 0 };
  for (const queue of eventQueues) {
    for (let start = 0; ; start += 500) {
      const jobs = await queue.getFailed(start, start + 499);
      for (const job of jobs) {
        const reason = job.failedReason ?? '';
        if (/^(invalid event payload|invalid batch payload|job name .* does not match)/.test(reason)) result.invalid++;
        else if (/idempotency conflict/.test(reason)) result.conflict++;
        else result.other.push(`${queue.name} job ${job.id} (${job.name}): ${reason.slice(0, 200)}`);
      }
      if (jobs.length < 500) break;
    }
  }
  const maintenance = new Queue(MAINTENANCE_QUEUE, { connection: monitor, prefix: env.prefix });
  const botEvents = new Queue(BOT_EVENTS_QUEUE, { connection: monitor, prefix: env.prefix });
  try {
    result.maintenanceFailed = await maintenance.getFailedCount();
    const counts = await botEvents.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed');
    result.botEventJobs = Object.values(counts).reduce((a, b) => a + b, 0);
  } finally {
    await maintenance.close();
    await botEvents.close();
  }
  return result;
}

function countBy(list: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of list) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}
