import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openBenchEnv, invariantsLine, resetLedger, type BenchEnv } from './support/bench-env.ts';
import { earnEvents, mixedEvents } from './support/events.ts';
import { round } from './support/stats.ts';
import { bullmqNoopRate, rawSqlRate } from './scenarios/ceilings.ts';
import { drain, type WorkerSettings } from './scenarios/drain.ts';
import { openLoop } from './scenarios/latency.ts';
import { balanceReads } from './scenarios/reads.ts';
import { cycleOverUsers } from './scenarios/cycle.ts';
import { redisFsyncCost } from './scenarios/redis-fsync.ts';

// `npm run bench` measures the engine against the limits of this machine, all in one run, so
// ratios compare numbers taken under the same conditions. `--smoke` runs every scenario tiny.
const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    'soak-seconds': { type: 'string' },
    events: { type: 'string' },
    'cycle-users': { type: 'string' },
    profile: { type: 'string' },
  },
});
const smoke = values.smoke === true;
const only = values.only ? new Set(values.only.split(',')) : null;
const run = (name: string) => only === null || only.has(name);

const SIZE = smoke
  ? { events: 400, users: 1_000, cycleUsers: 2_000, readSeconds: 1, readRate: 100, latencySeconds: 2, soakSeconds: 3, fsyncEvents: 300, fsyncRounds: 1 }
  : { events: 100_000, users: 100_000, cycleUsers: 1_000_000, readSeconds: 10, readRate: 1_000, latencySeconds: 15, soakSeconds: 600, fsyncEvents: 10_000, fsyncRounds: 2 };
if (values['soak-seconds']) SIZE.soakSeconds = Number(values['soak-seconds']);
if (values.events) SIZE.events = Number(values.events);
if (values['cycle-users']) SIZE.cycleUsers = Number(values['cycle-users']);
// --profile DIR writes a V8 CPU profile of every worker process (open it in Chrome DevTools).
if (values.profile) process.env['BENCH_CPU_PROF_DIR'] = values.profile;

const ENGINE: WorkerSettings = { concurrency: 64, batchMax: 256, groupCommit: true, poolMax: 10 };
const NAIVE: WorkerSettings = { ...ENGINE, groupCommit: false };

interface Row {
  scenario: string;
  result: string;
  invariants: string;
  [key: string]: unknown;
}
const rows: Row[] = [];
const numbers: Record<string, number> = {};
let failed = false;

async function scenario(env: BenchEnv, name: string, label: string, measure: () => Promise<{ text: string; values: Record<string, number> }>, expected?: number) {
  if (!run(name)) return;
  await resetLedger(env);
  process.stderr.write(`… ${label}\n`);
  const { text, values: measured } = await measure();
  const invariants = await invariantsLine(env, expected === undefined ? undefined : { prefix: `${name}:`, count: expected });
  if (!invariants.ok) failed = true;
  Object.assign(numbers, Object.fromEntries(Object.entries(measured).map(([k, v]) => [`${name}.${k}`, v])));
  rows.push({ scenario: label, result: text, invariants: invariants.text });
  process.stderr.write(`  ${text}  [invariants: ${invariants.text}]\n`);
}

const env = await openBenchEnv({
  postgresUrl: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
});
try {
  const n = SIZE.events;
  await scenario(env, 'noop', '1a ceiling: BullMQ no-op jobs', async () => {
    const rate = await bullmqNoopRate(env, earnEvents('noop', n, SIZE.users, 1), ENGINE.concurrency);
    return { text: `${Math.round(rate)} jobs/s`, values: { rate } };
  });
  await scenario(env, 'raw', '1b ceiling: raw SQL, batches of 100', async () => {
    const rate = await rawSqlRate(env, earnEvents('raw', n, SIZE.users, 2));
    return { text: `${Math.round(rate)} events/s`, values: { rate } };
  }, n);
  await scenario(env, 'naive', '1c naive: 1 job = 1 event = 1 txn', async () => {
    // The naive design is ~10× slower: a fifth of the events measures its rate well enough.
    const r = await drain(env, 'naive', earnEvents('naive', Math.min(n, 20_000), SIZE.users, 3), 'single', NAIVE);
    return { text: `${Math.round(r.rate)} events/s (${r.retries} retries)`, values: { rate: r.rate, retries: r.retries } };
  }, Math.min(n, 20_000));
  await scenario(env, 'earn', '2a engine earn, 100k users uniform', async () => {
    const r = await drain(env, 'earn', earnEvents('earn', n, SIZE.users, 4), 'batched', ENGINE);
    return { text: `${Math.round(r.rate)} events/s (${r.retries} retries, worker RSS ${r.rssMiB} MiB)`, values: { rate: r.rate, retries: r.retries } };
  }, n);
  await scenario(env, 'hot', '2b engine earn, 10 hot users', async () => {
    const r = await drain(env, 'hot', earnEvents('hot', n, 10, 5), 'batched', ENGINE);
    return { text: `${Math.round(r.rate)} events/s (${r.retries} retries)`, values: { rate: r.rate, retries: r.retries } };
  }, n);
  await scenario(env, 'mixed', '3 engine mixed 70/25/5', async () => {
    const r = await drain(env, 'mixed', mixedEvents('mixed', n, SIZE.users, 6), 'batched', ENGINE);
    return { text: `${Math.round(r.rate)} events/s (${r.retries} retries)`, values: { rate: r.rate, retries: r.retries } };
  }, n);

  const peak = numbers['earn.rate'] ?? 1000;
  for (const share of [25, 50, 75]) {
    await scenario(env, `lat${share}`, `4 latency at ${share}% of peak`, async () => {
      const rate = Math.max(20, Math.round((peak * share) / 100));
      const r = await openLoop(env, `lat${share}`, rate, SIZE.latencySeconds, SIZE.users, ENGINE);
      const t = r.timeline as NonNullable<typeof r.timeline>;
      const stages = `p99 by stage: queued ${t.queued.p99}, waiting ${t.waiting.p99}, applying ${t.applying.p99} = to stamp ${t.toStamp.p99} + after ${t.fromStamp.p99}`;
      return {
        text: `${rate}/s: p50 ${r.p50} ms, p95 ${r.p95} ms, p99 ${r.p99} ms (${stages})`,
        values: { rate, p50: r.p50, p95: r.p95, p99: r.p99, recordedP99: r.recorded.p99, queuedP99: t.queued.p99, waitingP99: t.waiting.p99, applyingP99: t.applying.p99 },
      };
    });
  }
  await scenario(env, 'reads', `5 GET /balance at ${SIZE.readRate}/s`, async () => {
    await openLoop(env, 'readseed', 200, smoke ? 1 : 5, 5_000, ENGINE);
    const r = await balanceReads(env, SIZE.readRate, SIZE.readSeconds, 5_000);
    return { text: `${r.sent} requests: p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.errors} errors`, values: { p50: r.p50, p99: r.p99, errors: r.errors } };
  });
  await scenario(env, 'cycle', `6 cycle over ${SIZE.cycleUsers.toLocaleString('en')} users`, async () => {
    const r = await cycleOverUsers(env, SIZE.cycleUsers, 5_000);
    return { text: `${round(r.seconds)} s (${Math.round(r.usersPerSecond)} users/s; seeding took ${round(r.seedSeconds)} s)`, values: { seconds: r.seconds } };
  });
  await scenario(env, 'soak', `7 soak ${SIZE.soakSeconds} s at 50% of peak`, async () => {
    const rate = Math.max(20, Math.round(peak / 2));
    const r = await openLoop(env, 'soak', rate, SIZE.soakSeconds, SIZE.users, ENGINE, { rssWarmupSeconds: Math.min(30, SIZE.soakSeconds / 3), timeline: false });
    return {
      text: `${rate}/s, ${r.sent} events: p99 ${r.p99} ms; worker RSS ${r.rssStart} → ${r.rssEnd} MiB`,
      values: { rate, p99: r.p99, rssStart: r.rssStart ?? Number.NaN, rssEnd: r.rssEnd ?? Number.NaN },
    };
  });
  await scenario(env, 'redis-fsync', '8 Redis appendfsync always vs everysec vs no (private server)', async () => {
    const r = await redisFsyncCost(earnEvents('fsync', SIZE.fsyncEvents, SIZE.users, 8), { concurrency: 32, rounds: SIZE.fsyncRounds });
    const line = (name: keyof typeof r) => `${name} ${Math.round(r[name].enqueueRate)}/s (add p50 ${r[name].addP50} ms, p99 ${r[name].addP99} ms; drain ${Math.round(r[name].drainRate)}/s)`;
    const ratio = r.always.enqueueRate / r.everysec.enqueueRate;
    return {
      text: `enqueue ${line('always')}; ${line('everysec')}; ${line('no')}; always/everysec ${round(ratio, 2)}`,
      values: { alwaysRate: r.always.enqueueRate, everysecRate: r.everysec.enqueueRate, noRate: r.no.enqueueRate, alwaysOverEverysec: ratio, alwaysDrainOverEverysec: r.always.drainRate / r.everysec.drainRate },
    };
  });
} finally {
  await env.close();
}

const ratio = (a: string, b: string) => (numbers[a] === undefined || numbers[b] === undefined ? undefined : (numbers[a] as number) / (numbers[b] as number));
const targets: [string, number | undefined, number, 'min' | 'max'][] = [
  ['engine earn ≥ 5 × naive', ratio('earn.rate', 'naive.rate'), 5, 'min'],
  ['engine earn ≥ 0.5 × raw SQL', ratio('earn.rate', 'raw.rate'), 0.5, 'min'],
  ['hot spot ≥ 0.7 × uniform', ratio('hot.rate', 'earn.rate'), 0.7, 'min'],
  ['p99 at 50% of peak ≤ 50 ms', numbers['lat50.p99'], 50, 'max'],
  ['balance read p99 ≤ 5 ms', numbers['reads.p99'], 5, 'max'],
  ['cycle over the users ≤ 60 s', numbers['cycle.seconds'], 60, 'max'],
  ['soak RSS growth ≤ 10%', numbers['soak.rssStart'] === undefined ? undefined : ((numbers['soak.rssEnd'] ?? 0) / (numbers['soak.rssStart'] as number) - 1) * 100, 10, 'max'],
];

const lines = [
  '| scenario | result | invariants |',
  '| --- | --- | --- |',
  ...rows.map((r) => `| ${r.scenario} | ${r.result} | ${r.invariants} |`),
  '',
  '| target | measured | goal | met |',
  '| --- | --- | --- | --- |',
  ...targets.map(([name, value, goal, kind]) => {
    const measured = value === undefined || Number.isNaN(value) ? null : round(value, 2);
    const met = measured === null ? 'not run' : (kind === 'max' ? measured <= goal : measured >= goal) ? 'yes' : 'NO';
    return `| ${name} | ${measured ?? '—'} | ${kind === 'max' ? '≤' : '≥'} ${goal} | ${met} |`;
  }),
];
process.stdout.write(`\n${lines.join('\n')}\n`);
const report = { at: new Date().toISOString(), smoke, size: SIZE, rows, numbers, invariantsOk: !failed };
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const out = values.out ?? new URL(`./results/${smoke ? 'smoke' : 'bench'}-${Date.now()}.json`, import.meta.url).pathname;
writeFileSync(out, JSON.stringify(report, null, 2));
process.stdout.write(`\nwrote ${out}\n${failed ? 'INVARIANTS FAILED\n' : ''}`);
process.exitCode = failed ? 1 : 0;
