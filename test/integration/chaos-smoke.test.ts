// Isolation: the chaos harness creates (and drops) a database and a queue prefix of its own and
// only ever cuts connections that belong to the engine processes it started.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'chaos-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `tsx chaos/main.ts` with the given flags; resolves with its exit code and output. */
function runChaos(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, ['--conditions=source', 'chaos/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres', REDIS_URL: process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // SIGINT lets the harness kill its engine processes and drop its database before exiting.
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('npm run chaos -- --smoke', () => {
  it(
    'runs the real engine processes through every fault and finds no violation',
    async () => {
      const out = join(dir, 'smoke.json');
      const { code, output } = await runChaos(['--smoke', '--seed', '7', '--out', out], 170_000);
      if (code !== 0) process.stderr.write(output.slice(-8000));
      expect(code).toBe(0);

      const report = JSON.parse(readFileSync(out, 'utf8')) as Record<string, any>;
      expect(report['ok']).toBe(true);
      expect(report['violations']['count']).toBe(0);
      expect(report['seed']).toBe(7);
      // every valid event recorded once, duplicates absorbed, nothing hostile applied
      expect(report['outcomes']['recorded']).toBeGreaterThanOrEqual(report['sent']['valid']);
      expect(report['outcomes']['applied'] + report['outcomes']['rejected']).toBe(report['sent']['valid']);
      expect(report['sent']['absorbed']).toBe(report['sent']['duplicates']['planned']);
      expect(report['failedSets']['invalid']).toBe(report['sent']['hostile']['jobs']);
      for (const invariant of report['invariants']) expect(invariant, invariant.name).toMatchObject({ ok: true });
      // at least one fault of each kind
      const faults = report['faults'];
      expect(faults['workerKills']).toBeGreaterThanOrEqual(1);
      expect(faults['redis']['killed']).toBeGreaterThanOrEqual(1);
      expect(faults['postgres']['killed']).toBeGreaterThanOrEqual(1);
      expect(faults['cycles']).toBeGreaterThanOrEqual(1);
      expect(faults['dayBoundaries']).toBeGreaterThanOrEqual(2);
      expect(report['sent']['duplicates']['concurrent']).toBeGreaterThan(0);
      expect(report['sent']['hostile']['http']).toBeGreaterThan(0);
      expect(report['sent']['conflicts']).toBeGreaterThan(0);
      expect(report['reconcileRoute']).toMatchObject({ status: 200, ok: true });
    },
    180_000,
  );
});
