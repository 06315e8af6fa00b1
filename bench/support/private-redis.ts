import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.ts';
import { sleep } from './stats.ts';

export interface PrivateRedis {
  url: string;
  port: number;
  /** Its working directory (AOF and RDB files). */
  dir: string;
  pid(): number | undefined;
  /** kill -9: the process dies without saving anything. */
  kill9(): Promise<void>;
  /** Starts it again on the same port and directory (it loads what it had persisted). */
  start(): Promise<void>;
  /** SIGKILL if running, and removes its directory. */
  remove(): Promise<void>;
  /** The same, synchronously (for a process 'exit' handler). */
  removeSync(): void;
}

/**
 * A redis-server of its own on a free port in a temp directory, for crash tests and measurements
 * that must not touch the shared server. `args` are redis-server options (e.g. ['--appendonly',
 * 'yes', '--appendfsync', 'everysec']); none means Redis's defaults (no AOF, RDB snapshots).
 */
export async function startPrivateRedis(args: readonly string[] = []): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pe-redis-'));
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--logfile', join(dir, 'redis.log'), ...args], { stdio: 'ignore' });
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      for (let waited = 0; ; waited += 50) {
        // Redis answers LOADING while it replays its AOF: ready only when PING says PONG.
        if ((await probe.connect().then(() => probe.ping(), () => null).catch(() => null)) === 'PONG') return;
        probe.disconnect();
        if (waited > 30_000) throw new Error(`private redis-server on ${port} did not start (see ${dir}/redis.log)`);
        await sleep(50);
      }
    } finally {
      probe.disconnect();
    }
  };
  const kill9 = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => (child as ChildProcess | null)?.pid,
    kill9,
    start,
    remove: async () => {
      await kill9();
      rmSync(dir, { recursive: true, force: true });
    },
    removeSync: () => {
      const running = child as ChildProcess | null;
      if (running && running.exitCode === null && running.signalCode === null) running.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
