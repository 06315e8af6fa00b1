/** The shape main.ts reports (only what the table shows). */
export interface TableInput {
  seed: number;
  smoke: boolean;
  digest: string;
  clock: { rate: number; start_day: string; end_day: string };
  sent: {
    valid: number;
    byKind: Record<string, number>;
    deliveries: number;
    byChannel: Record<string, number>;
    duplicates: { planned: number; concurrent: number; late: number; afterRemove: number; removedThenResent: number; resentWhileJobExisted: number };
    absorbed: number;
    sendRetries: number;
    hostile: { jobs: number; http: number; byStatus: Record<string, number> };
    conflicts: number;
  };
  outcomes: { recorded: number; applied: number; rejected: number; byReason: Record<string, number> };
  failedSets: { invalid: number; conflict: number; other: string[]; maintenanceFailed: number; botEventJobs: number };
  faults: {
    workerKills: number;
    otherKills: string[];
    processStarts: number;
    unexpectedExits: { role: string; duringOutage: boolean; wasRunning: boolean }[];
    redis: { seconds: number; killed: number; atProgress: number } | null;
    postgres: { seconds: number; killed: number; atProgress: number } | null;
    cycles: number;
    cycleTransactions: number;
    dayBoundaries: number;
    expiryTransactions: number;
    holdsLapsed: number;
  };
  outbox: { rows: number; undelivered: number };
  invariants: { name: string; ok: boolean; failures: number }[];
  reconcileRoute: Record<string, unknown> | null;
  shutdown: { graceful: boolean }[];
  timings: { loadSeconds: number; drainSeconds: number; totalSeconds: number };
  violations: { count: number };
  ok: boolean;
}

const n = (value: number) => value.toLocaleString('en');
const list = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(', ');

/** One markdown table: what was sent, what became of it, the faults, and every invariant. */
export function renderTable(r: TableInput): string {
  const rows: [string, string][] = [];
  const row = (what: string, value: string) => rows.push([what, value]);
  const applied = Object.entries(r.outcomes.byReason).filter(([k]) => k.startsWith('applied'));
  const rejected = Object.entries(r.outcomes.byReason).filter(([k]) => k.startsWith('rejected'));
  const strip = (entries: [string, number][]) => Object.fromEntries(entries.map(([k, v]) => [k.replace(/^(applied|rejected): /, '').replace(/^—$/, 'in full'), v]));
  const exits = r.faults.unexpectedExits;

  row('seed / workload digest', `${r.seed} / ${r.digest}${r.smoke ? ' (smoke)' : ''}`);
  row('events sent (valid, distinct keys)', `${n(r.sent.valid)}: ${list(r.sent.byKind)}`);
  row('deliveries acknowledged', `${n(r.sent.deliveries)}: ${list(r.sent.byChannel)}; ${n(r.sent.sendRetries)} sends retried after an error`);
  row(
    'duplicates delivered',
    `${n(r.sent.duplicates.planned)} (10%): ${n(r.sent.duplicates.concurrent)} concurrently from a 2nd producer, ${n(r.sent.duplicates.late)} later on another channel, ` +
      `${n(r.sent.duplicates.afterRemove)} after the first job (${n(r.sent.duplicates.removedThenResent)} removed from Redis first)`,
  );
  row('duplicates absorbed (deliveries − distinct keys)', n(r.sent.absorbed));
  row('applied', `${n(r.outcomes.applied)} (${list(strip(applied))})`);
  row('rejected, by reason', `${n(r.outcomes.rejected)} (${list(strip(rejected))})`);
  row('hostile queue jobs → failed as invalid', `${n(r.sent.hostile.jobs)} sent → ${n(r.failedSets.invalid)} in the failed sets (unrecoverable), 0 applied`);
  row('hostile HTTP requests → 4xx', `${n(r.sent.hostile.http)} sent → ${list(r.sent.hostile.byStatus)}`);
  row('same key, different payload → refused', `${n(r.sent.conflicts)} sent → ${n(r.failedSets.conflict)} failed "idempotency conflict", first outcome kept`);
  row('faults: workers SIGKILLed (and replaced)', `${n(r.faults.workerKills)} (${n(r.faults.processStarts)} process starts in all)`);
  row('faults: API and scheduler SIGKILLed once each (and replaced)', r.faults.otherKills.length > 0 ? r.faults.otherKills.join(', ') : 'none');
  row(
    'faults: Redis outage (engine connections cut)',
    r.faults.redis ? `1 × ${r.faults.redis.seconds.toFixed(1)} s at ${Math.round(r.faults.redis.atProgress * 100)}% of the load, ${n(r.faults.redis.killed)} connections killed` : 'none',
  );
  row(
    'faults: PostgreSQL outage (database closed, backends terminated)',
    r.faults.postgres ? `1 × ${r.faults.postgres.seconds.toFixed(1)} s at ${Math.round(r.faults.postgres.atProgress * 100)}% of the load, ${n(r.faults.postgres.killed)} backends terminated` : 'none',
  );
  const booting = exits.filter((e) => !e.wasRunning && e.duringOutage);
  row(
    'process exits not caused by a SIGKILL',
    exits.length === 0
      ? '0'
      : `${exits.length}: ${booting.length} could not boot during an outage (restarted), ${exits.length - booting.length} running process(es) died` +
        (exits.length > booting.length ? ` (${list(Object.fromEntries(countRoles(exits.filter((e) => !booting.includes(e)))))})` : ''),
  );
  row(
    `scheduled work (clock ${r.clock.rate}×, program days ${r.clock.start_day} → ${r.clock.end_day})`,
    `${n(r.faults.cycles)} 15-minute cycles (${n(r.faults.cycleTransactions)} transactions), ${n(r.faults.dayBoundaries)} day boundaries, ${n(r.faults.expiryTransactions)} expiry transactions, ${n(r.faults.holdsLapsed)} holds lapsed`,
  );
  row('outbox → bot-events', `${n(r.outbox.rows)} rows, ${n(r.outbox.undelivered)} undelivered, ${n(r.failedSets.botEventJobs)} jobs`);
  for (const invariant of r.invariants) row(`invariant: ${invariant.name}`, invariant.ok ? 'ok' : `VIOLATED (${n(invariant.failures)})`);
  const reconcile = r.reconcileRoute;
  row(
    'GET /api/admin/reconcile (live, through the API)',
    reconcile ? `${reconcile['ok'] === true ? 'ok' : 'VIOLATED'}: ${n(Number(reconcile['transactions'] ?? 0))} transactions, ${n(Number(reconcile['accounts'] ?? 0))} accounts in ${n(Number(reconcile['ms'] ?? 0))} ms` : 'not run',
  );
  row('graceful shutdown at the end', r.shutdown.every((s) => s.graceful) ? `ok (${r.shutdown.length} processes exited 0)` : 'NO');
  row('time', `load ${r.timings.loadSeconds.toFixed(0)} s, drain ${r.timings.drainSeconds.toFixed(0)} s, total ${r.timings.totalSeconds.toFixed(0)} s`);
  row('result', r.ok ? 'PASS: 0 violations' : `FAIL: ${n(r.violations.count)} violations`);

  const width = Math.max(...rows.map(([what]) => what.length));
  return ['| check | result |', '| --- | --- |', ...rows.map(([what, value]) => `| ${what.padEnd(width)} | ${value} |`)].join('\n');
}

function countRoles(exits: { role: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const exit of exits) counts.set(exit.role, (counts.get(exit.role) ?? 0) + 1);
  return counts;
}
