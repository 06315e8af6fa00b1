import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { connectDatabase, dropDatabase, ensureDatabase, migrateToLatest, type DbHandle } from '@points-engine/db';
import { ASSETS, SYSTEM_ACCOUNTS, defaultProgram } from '@points-engine/domain';
import { checkInvariants, ensureSystemAccounts, type LedgerContext } from '@points-engine/ledger';
import { ENGINE_NODE_FLAGS, SOURCE_NODE_FLAGS } from '@points-engine/runtime';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BenchEnv {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  database: DbHandle;
  ledger: LedgerContext;
  close(keep?: boolean): Promise<void>;
}

/**
 * A database and queue prefix of the benchmark's own, so it never touches the engine's data.
 * `label` names them (`pe_{label}_…`; the chaos run passes `chaos`).
 */
export async function openBenchEnv(options: { postgresUrl: string; redisUrl: string; label?: string }): Promise<BenchEnv> {
  const name = `pe_${options.label ?? 'bench'}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const url = new URL(options.postgresUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  await ensureDatabase(databaseUrl);
  const database = connectDatabase(databaseUrl, { max: 8, applicationName: 'points-bench' });
  await migrateToLatest(database.db);
  const systemAccounts = await ensureSystemAccounts(database.db, SYSTEM_ACCOUNTS, ASSETS);
  const prefix = name;
  return {
    databaseUrl,
    redisUrl: options.redisUrl,
    prefix,
    database,
    ledger: { db: database.db, program: defaultProgram, systemAccounts, retry: { applyLock: true } },
    close: async (keep = false) => {
      await database.close();
      if (!keep) await dropDatabase(databaseUrl);
      await clearPrefix(options.redisUrl, prefix);
    },
  };
}

/** Deletes every key under a prefix. */
export async function clearPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Empties the ledger between scenarios (a fresh start without re-creating the database). */
export async function resetLedger(env: BenchEnv): Promise<void> {
  const db = env.database.db;
  // entries and ledger_transactions refuse TRUNCATE by trigger; the benchmark owns this database.
  await sql`ALTER TABLE entries DISABLE TRIGGER USER; ALTER TABLE ledger_transactions DISABLE TRIGGER USER`.execute(db);
  await sql`TRUNCATE entries, ledger_transactions, users, user_days, holds, outbox, idempotency_conflicts, reversals, cycle_runs`.execute(db);
  await sql`DELETE FROM accounts WHERE user_id IS NOT NULL`.execute(db);
  await sql`ALTER TABLE entries ENABLE TRIGGER USER; ALTER TABLE ledger_transactions ENABLE TRIGGER USER`.execute(db);
  await sql`VACUUM ANALYZE`.execute(db);
  // Write the previous scenario's dirty pages out now: a checkpoint falling inside the next
  // measurement showed as latency spikes in it. (Needs a superuser; skipped if refused.)
  await sql`CHECKPOINT`.execute(db).catch(() => undefined);
  await clearPrefix(env.redisUrl, env.prefix);
}

export interface Child {
  child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

/**
 * Starts a real entry point (or a bench worker script) as a child process, as the start scripts do
 * (`node --import tsx`, no wrapper, so a signal reaches the process itself). BENCH_CPU_PROF_ENTRY
 * (the worker unless told otherwise) picks the child that gets a CPU profile (BENCH_CPU_PROF_DIR)
 * and extra Node flags (BENCH_NODE_FLAGS, e.g. --trace-gc).
 */
export function startChild(entry: string, env: Record<string, string>): Child {
  const targeted = entry.startsWith(process.env['BENCH_CPU_PROF_ENTRY'] ?? 'apps/worker');
  const profile = process.env['BENCH_CPU_PROF_DIR'];
  const flags = [
    ...(entry.startsWith('apps/') ? ENGINE_NODE_FLAGS : []),
    ...(targeted && profile !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
    ...(targeted ? (process.env['BENCH_NODE_FLAGS'] ?? '').split(' ').filter(Boolean) : []),
  ];
  const child = spawn(process.execPath, [...flags, ...SOURCE_NODE_FLAGS, entry], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // BENCH_CHILD_LOG=FILE keeps every line the children print (the in-memory tail keeps 200 kB).
  const logFile = process.env['BENCH_CHILD_LOG'];
  if (logFile) child.stdout?.on('data', (chunk: Buffer) => appendFileSync(logFile, chunk));
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Invariants as one line: "ok" or the first violations. */
export async function invariantsLine(env: BenchEnv, expectedApplied?: { prefix: string; count: number }): Promise<{ ok: boolean; text: string }> {
  const violations = await checkInvariants(env.database.db);
  const problems = violations.slice(0, 3).map((v) => `${v.check}: ${JSON.stringify(v.detail)}`);
  if (expectedApplied) {
    const row = await sql<{ n: string; distinct_keys: string }>`
      SELECT count(*)::text AS n, count(DISTINCT idempotency_key)::text AS distinct_keys FROM ledger_transactions
      WHERE idempotency_key LIKE ${`${expectedApplied.prefix}%`}`.execute(env.database.db);
    const n = Number(row.rows[0]?.n ?? 0);
    if (n !== expectedApplied.count) problems.push(`expected ${expectedApplied.count} events recorded once, found ${n}`);
  }
  return { ok: problems.length === 0, text: problems.length === 0 ? 'ok' : problems.join('; ') };
}
