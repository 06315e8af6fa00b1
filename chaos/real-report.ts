/** What `npm run chaos -- --real` reports (the JSON file holds all of it; the table the essentials). */
export interface RealReport {
  at: string;
  seed: number;
  smoke: boolean;
  digest: string;
  redis: string;
  size: Record<string, number>;
  jobBudget: { attempts: number; backoffMs: number };
  sent: { valid: number; byKind: Record<string, number>; deliveries: number; byChannel: Record<string, number>; duplicates: number; absorbed: number; sendRetries: number };
  outcomes: { recorded: number; applied: number; rejected: number; byReason: Record<string, number> };
  /** Acknowledged events never applied (Redis at its defaults only; any other loss is a violation). */
  lost: number;
  lostKeys: string[];
  /** Outbox rows marked delivered whose bot-events job the crash lost (Redis at its defaults only). */
  lostBotEvents: number;
  faults: {
    /** Killed in the middle of the PostgreSQL outage, while the workers were paused and jobs waited. */
    redisKill: { atProgress: number; downSeconds: number; atRiskAtKill: number; waitingAtKill: number; killedAt?: number } | null;
    postgresCrash: { atProgress: number; downSeconds: number } | null;
    postgresOutage: { atProgress: number; downSeconds: number; maxDelayedJobs: number; oldBudgetSeconds: number } | null;
    workerKills: number;
    otherKills: string[];
    processStarts: number;
    unexpectedExits: { role: string; wasRunning: boolean; duringOutage: boolean }[];
  };
  system: { cycles: number; cycleTransactions: number; days: number; expiryRuns: number; lapses: number; outbox: number; outboxUndelivered: number };
  invariants: { name: string; ok: boolean; failures: number }[];
  reconcileRoute: Record<string, unknown> | null;
  /** `unknownLost`: sampled keys the crash lost, answered 404 (the engine has no trace of them). */
  statusSample: { asked: number; answered: number; unknownLost: number };
  queues: { eventFailed: string[]; maintenanceFailed: number; botEventJobs: number };
  shutdown: { graceful: boolean }[];
  timings: { loadSeconds: number; drainSeconds: number; totalSeconds: number };
  violations: { count: number; first: unknown[] };
  ok: boolean;
}

const n = (value: number) => value.toLocaleString('en');
const pct = (share: number) => `${Math.round(share * 100)}%`;
const list = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(', ');

/** One markdown table: the servers, what was sent, the real crashes, what was lost, every invariant. */
export function renderRealTable(r: RealReport): string {
  const rows: [string, string][] = [];
  const row = (what: string, value: string) => rows.push([what, value]);
  const { redisKill, postgresCrash, postgresOutage } = r.faults;
  const exits = r.faults.unexpectedExits;
  const booting = exits.filter((e) => !e.wasRunning && e.duringOutage).length;
  const unapplied = r.reconcileRoute?.['unapplied'] as { count?: number } | undefined;

  row('seed / workload digest', `${r.seed} / ${r.digest}${r.smoke ? ' (smoke)' : ''}`);
  row('servers (private, this run\'s own)', `redis-server: ${r.redis}; PostgreSQL cluster (initdb, fsync on)`);
  row('events sent (valid, distinct keys)', `${n(r.sent.valid)}: ${list(r.sent.byKind)}`);
  row('deliveries acknowledged', `${n(r.sent.deliveries)}: ${list(r.sent.byChannel)}; ${n(r.sent.sendRetries)} sends retried after an error`);
  row('duplicates delivered → absorbed', `${n(r.sent.duplicates)} → ${n(r.sent.absorbed)}`);
  row('applied / rejected', `${n(r.outcomes.applied)} / ${n(r.outcomes.rejected)}`);
  row('crash: pg_ctl stop -m immediate, started again', postgresCrash ? `at ${pct(postgresCrash.atProgress)} of the load, back after ${postgresCrash.downSeconds.toFixed(1)} s (crash recovery)` : 'not injected');
  row(
    `outage: PostgreSQL down longer than the retry budget (JOB_ATTEMPTS ${r.jobBudget.attempts}, JOB_BACKOFF_MS ${r.jobBudget.backoffMs})`,
    postgresOutage
      ? `${postgresOutage.downSeconds.toFixed(1)} s at ${pct(postgresOutage.atProgress)} of the load (budget ${postgresOutage.oldBudgetSeconds} s); up to ${n(postgresOutage.maxDelayedJobs)} jobs set aside; event jobs failed ${n(r.queues.eventFailed.length)}, maintenance runs failed ${n(r.queues.maintenanceFailed)}`
      : 'not injected',
  );
  row(
    'crash: kill -9 redis-server mid-outage, restarted on the same directory',
    redisKill ? `at ${pct(redisKill.atProgress)} of the load, down ${redisKill.downSeconds.toFixed(1)} s; ${n(redisKill.waitingAtKill)} jobs queued in it, ${n(redisKill.atRiskAtKill)} acknowledged events not yet applied` : 'not injected',
  );
  row(
    'accepted events lost (acknowledged, never applied)',
    r.lost === 0 ? '0' : `**${n(r.lost)}**, all acknowledged before the kill (Redis without AOF; e.g. ${r.lostKeys.slice(0, 2).join(', ')}); reconcile cannot see them: the index was in the same Redis`,
  );
  if (r.lostBotEvents !== 0) row('bot events lost (outbox row delivered, job gone)', n(r.lostBotEvents));
  row('crash: SIGKILL of every role (replaced at once)', `${n(r.faults.workerKills)} workers, ${r.faults.otherKills.join(', ') || 'no other role'} (${n(r.faults.processStarts)} process starts in all)`);
  row('process exits not caused by a SIGKILL', exits.length === 0 ? '0' : `${exits.length}: ${booting} could not boot during an outage (restarted), ${exits.length - booting} running process(es) died`);
  row('scheduled work (clock 600×)', `${n(r.system.cycles)} cycles, ${n(r.system.days)} day boundaries, ${n(r.system.lapses)} holds lapsed`);
  row('outbox → bot-events', `${n(r.system.outbox)} rows, ${n(r.system.outboxUndelivered)} undelivered, ${n(r.queues.botEventJobs)} jobs`);
  for (const invariant of r.invariants) {
    // Without AOF the only failures the run lets pass are the lost events (any other fails it).
    const onlyLost = r.ok && r.lost > 0 && invariant.name.startsWith('each valid event') && invariant.failures === r.lost;
    row(`invariant: ${invariant.name}`, invariant.ok ? 'ok' : onlyLost ? `LOST ${n(r.lost)} (acknowledged before the Redis crash); none twice, none extra` : `VIOLATED (${n(invariant.failures)})`);
  }
  row(
    'GET /transactions/{key}, a sample of keys',
    `${r.statusSample.answered} of ${r.statusSample.asked} answered applied/rejected${r.statusSample.unknownLost > 0 ? `; ${r.statusSample.unknownLost} lost ones answered 404` : ''}`,
  );
  row(
    'GET /api/admin/reconcile?unapplied_after_s=0 (live, after the drain)',
    r.reconcileRoute ? `${r.reconcileRoute['ok'] === true ? 'ok' : 'VIOLATED'}; accepted but not applied: ${unapplied?.count ?? '?'}` : 'not run',
  );
  row('graceful shutdown at the end', r.shutdown.every((s) => s.graceful) ? `ok (${r.shutdown.length} processes exited 0)` : 'NO');
  row('time', `load ${r.timings.loadSeconds.toFixed(0)} s, drain ${r.timings.drainSeconds.toFixed(0)} s, total ${r.timings.totalSeconds.toFixed(0)} s`);
  row('result', !r.ok ? `FAIL: ${n(r.violations.count)} violations` : r.lost > 0 ? `LOSS: ${n(r.lost)} acknowledged events lost to the Redis crash (no AOF); no other violation` : 'PASS: 0 violations');

  const width = Math.max(...rows.map(([what]) => what.length));
  return ['| check | result |', '| --- | --- |', ...rows.map(([what, value]) => `| ${what.padEnd(width)} | ${value} |`)].join('\n');
}
