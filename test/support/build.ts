import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from './commands.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LOCK = join(tmpdir(), `points-engine-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);

/**
 * `npm run build` (tsc -b: every package's dist/), one at a time across the test files that run
 * in parallel: two builds writing the same outputs could read each other's half-written files.
 * A lock directory older than any build (left by a killed run) is taken over.
 */
export async function buildPackages(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 300_000) rmSync(LOCK, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    await runCommand('npm', ['run', '-s', 'build'], { cwd: ROOT, env });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
