import { execFile, execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

const run = promisify(execFile);

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:{port}/postgres */
  url: string;
  port: number;
  dir: string;
  /** `pg_ctl stop -m immediate`: every backend killed, no checkpoint; crash recovery on the next start. */
  crash(): Promise<void>;
  start(): Promise<void>;
  /** Stops it (immediate) and removes its directory. */
  remove(): Promise<void>;
  /** The same, synchronously (for a process 'exit' handler). */
  removeSync(): void;
}

/**
 * A PostgreSQL cluster of its own (initdb in a temp directory) on a free port, for real crash
 * tests. PostgreSQL refuses to run as root, so when this process is root the cluster belongs to
 * and runs as the `postgres` user (runuser). fsync stays on: a crash must be a real one.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pe-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const command = (tool: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', tool, ...args]] : [tool, args]);
  const bin = async (tool: string, args: string[]) => run(...command(tool, args), { cwd: dir, timeout: 120_000 });
  await bin('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const options = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c shared_buffers=32MB', '-c max_connections=100', '-c log_min_messages=warning'].join(' ');
  const start = async () => {
    await bin('pg_ctl', ['-D', data, '-l', join(dir, 'postgres.log'), '-o', options, '-w', '-t', '120', 'start']);
  };
  const crash = async () => {
    await bin('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    crash,
    start,
    remove: async () => {
      await crash();
      rmSync(dir, { recursive: true, force: true });
    },
    removeSync: () => {
      try {
        execFileSync(...command('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']), { cwd: dir, stdio: 'ignore', timeout: 60_000 });
      } catch {
        // not running
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
