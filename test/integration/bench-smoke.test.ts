// Isolation: the benchmark makes its own database and queue prefix and removes both; this file
// only runs it (as a child process) in its seconds-long smoke mode so it never rots.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnApp } from '../support/processes.ts';

describe('npm run bench -- --smoke', () => {
  it('runs every scenario, keeps every invariant and writes its report', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pe-bench-')), 'smoke.json');
    const run = spawnApp('bench/main.ts', {}, ['--smoke', '--out', out]);
    const code = await run.exited;
    expect(code, run.output().slice(-3000)).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { invariantsOk: boolean; rows: { scenario: string; invariants: string }[] };
    expect(report.invariantsOk).toBe(true);
    expect(report.rows.map((r) => r.scenario.split(' ')[0])).toEqual(['1a', '1b', '1c', '2a', '2b', '3', '4', '4', '4', '5', '6', '7', '8']);
    for (const row of report.rows) expect(row.invariants, row.scenario).toBe('ok');
  }, 300_000);
});

