// Isolation: the real-crash harness starts a redis-server and a PostgreSQL cluster of its own (free
// ports, temp directories, removed at the end) and crashes only those; the shared servers are untouched.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { RealReport } from '../../chaos/real-report.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'chaos-real-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `tsx chaos/main.ts --real …`; resolves with its exit code and output. */
function runReal(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, ['--conditions=source', 'chaos/main.ts', '--real', ...args], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // SIGINT lets the harness kill its engine processes and remove its servers before exiting.
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('npm run chaos -- --real --smoke', () => {
  it(
    'crashes a private redis-server and PostgreSQL for real and every acknowledged event is applied exactly once',
    async () => {
      const out = join(dir, 'real.json');
      const { code, output } = await runReal(['--smoke', '--seed', '7', '--out', out], 170_000);
      if (code !== 0) process.stderr.write(output.slice(-8000));
      expect(code).toBe(0);

      const report = JSON.parse(readFileSync(out, 'utf8')) as RealReport;
      expect(report).toMatchObject({ ok: true, seed: 7, lost: 0, violations: { count: 0 } });
      expect(report.outcomes.applied + report.outcomes.rejected).toBe(report.sent.valid);
      expect(report.sent.absorbed).toBe(report.sent.duplicates);
      for (const invariant of report.invariants) expect(invariant, invariant.name).toMatchObject({ ok: true });
      // every real fault happened, and the outage outlasted the jobs' retry budget without failing one
      const { redisKill, postgresCrash, postgresOutage } = report.faults;
      expect(redisKill?.downSeconds).toBeGreaterThan(0);
      expect(redisKill?.atRiskAtKill).toBeGreaterThan(0);
      expect(postgresCrash?.downSeconds).toBeGreaterThan(0);
      expect(postgresOutage?.downSeconds).toBeGreaterThan(5 * (postgresOutage?.oldBudgetSeconds ?? Infinity));
      expect(report.faults.workerKills).toBeGreaterThanOrEqual(1);
      expect(report.faults.otherKills.sort()).toEqual(['api', 'scheduler']);
      expect(report.queues).toMatchObject({ eventFailed: [], maintenanceFailed: 0 });
      expect(report.statusSample.answered).toBe(report.statusSample.asked);
      expect(report.reconcileRoute).toMatchObject({ status: 200, ok: true, unapplied: { count: 0 } });
    },
    180_000,
  );
});
