import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
  const bindir = postgresBinDir();
  const command = (tool: string, args: string[]): [string, string[]] => {
    const path = join(bindir, tool);
    return asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
  };
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

/** Where initdb and pg_ctl are: `pg_config --bindir`, else the newest /usr/lib/postgresql/N/bin (Debian keeps them off PATH). */
function postgresBinDir(): string {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    if (existsSync(join(dir, 'initdb'))) return dir;
  } catch {
    // no pg_config on PATH
  }
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => `/usr/lib/postgresql/${v}/bin`).find((dir) => existsSync(join(dir, 'initdb')));
  if (!found) throw new Error('initdb not found: install the PostgreSQL server package (its bin directory holds initdb and pg_ctl)');
  return found;
}
