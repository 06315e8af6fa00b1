// Isolation: its own database (cloned from the template); each launch has its own QUEUE_PREFIX,
// ports chosen by the OS (PORT=0, read back from the engine's log) and, for PM2, its own PM2_HOME
// (and so its own PM2 daemon) in a temp dir. Each launch is stopped and checked gone before the next.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '@points-engine/db';
import { buildPackages } from '../support/build.ts';
import { runCommand } from '../support/commands.ts';
import { clearPrefix, createTestDatabase, redisUrl, uniquePrefix } from '../support/services.ts';
import { waitUntil } from '../support/wait.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PM2 = join(ROOT, 'node_modules/.bin/pm2');

let database: DbHandle & { url: string };
const prefixes: string[] = [];
const temps: string[] = [];
beforeAll(async () => {
  database = await createTestDatabase();
  // Once, for every launch below (npm start builds again, which finds nothing to do).
  await buildPackages(childEnv());
}, 180_000);
afterAll(async () => {
  await database?.close();
  for (const prefix of prefixes) await clearPrefix(prefix);
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/**
 * The environment of a launch: production (with REDIS_DURABILITY=warn, as this machine's Redis
 * has no AOF), this file's database, a prefix of its own, ports left to the OS. `node` on PATH is
 * the one running this test, so npm's `exec node` and PM2's interpreter use it too (Node 24 when
 * the test runs on it).
 */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}`, ...extra };
}
function launchEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  return childEnv({
    NODE_ENV: 'production', REDIS_DURABILITY: 'warn', LOG_LEVEL: 'info', DATABASE_URL: database.url, REDIS_URL: redisUrl(),
    QUEUE_PREFIX: prefix, QUEUE_PARTITIONS: '2', HOST: '127.0.0.1', PORT: '0', ...extra,
  });
}

interface LogLine {
  msg?: string;
  pid?: number;
  port?: number;
  signal?: string;
}
const logLines = (output: string): LogLine[] =>
  output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return []; // a line cut by a chunk boundary: read again on the next check
    }
  });
const lineWith = (output: string, msg: string): LogLine | undefined => logLines(output).find((line) => line.msg === msg);

/** Waits for the log line announcing `msg` (with its port), then for GET /readyz there to answer 200. */
async function readyAt(output: () => string, msg: string): Promise<LogLine> {
  const line = await waitUntil(`"${msg}" in the log`, async () => lineWith(output(), msg), 45_000);
  await waitUntil(`/readyz on port ${line.port}`, async () => {
    const response = await fetch(`http://127.0.0.1:${line.port}/readyz`).catch(() => undefined);
    return response?.status === 200 ? true : undefined;
  }, 30_000);
  return line;
}

/**
 * Whether a process still runs. A zombie does not: PM2's daemon is detached, and where PID 1 does
 * not reap orphans (this container) it stays a zombie after exiting, which kill(pid, 0) still finds.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** Starts a command as a launch would, collecting its output. */
function launch(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

/** Asserts a graceful stop in the engine's own log: the signal it got, then "stopped", and its pid gone. */
function expectGracefulStop(output: string, pid: number, signal: string) {
  const lines = logLines(output).filter((line) => line.pid === pid);
  const stopping = lines.findIndex((line) => line.msg === 'shutting down: finishing in-flight work');
  expect(lines[stopping]?.signal).toBe(signal);
  expect(lines.findIndex((line) => line.msg === 'stopped')).toBeGreaterThan(stopping);
  expect(isAlive(pid)).toBe(false);
}

/** The runtime stage's CMD of the Dockerfile (its JSON form), so this test follows the image. */
function dockerCmd(): string[] {
  const commands = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').split('\n').filter((line) => line.startsWith('CMD '));
  const last = commands.at(-1);
  if (!last) throw new Error('the Dockerfile has no CMD');
  const cmd = JSON.parse(last.slice('CMD '.length)) as unknown;
  if (!Array.isArray(cmd) || !cmd.every((part) => typeof part === 'string')) throw new Error(`the Dockerfile's CMD is not an exec-form JSON array: ${last}`);
  return cmd;
}

describe('production launches stop gracefully on SIGTERM', () => {
  it('npm start (the README\'s command): npm forwards SIGTERM to the engine it exec\'d, which finishes and exits 0; npm exits 0', async () => {
    const npm = launch('npm', ['start'], launchEnv());
    try {
      const api = await readyAt(npm.output, 'api listening');
      const pid = api.pid as number;
      // npm runs the script in a shell that execs node: the engine is npm's child, no wrapper between.
      expect(pid).not.toBe(npm.child.pid);
      npm.child.kill('SIGTERM');
      expect(await npm.exited).toEqual({ code: 0, signal: null });
      expectGracefulStop(npm.output(), pid, 'SIGTERM');
    } finally {
      npm.child.kill('SIGKILL');
    }
  }, 120_000);

  it('the Dockerfile\'s CMD, run directly with its health port as compose sets it: node is the process, SIGTERM stops it gracefully with exit 0', async () => {
    const [command, ...args] = dockerCmd();
    expect(command).toBe('node');
    const engine = launch(process.execPath, args, launchEnv({ HEALTH_PORT: '0' }));
    try {
      // compose's health check asks /readyz on HEALTH_PORT.
      const health = await readyAt(engine.output, 'health checks listening (/healthz, /readyz)');
      await readyAt(engine.output, 'api listening');
      expect(health.pid).toBe(engine.child.pid);
      engine.child.kill('SIGTERM');
      expect(await engine.exited).toEqual({ code: 0, signal: null });
      expectGracefulStop(engine.output(), engine.child.pid as number, 'SIGTERM');
    } finally {
      engine.child.kill('SIGKILL');
    }
  }, 120_000);

  it('PM2 (ecosystem.config.cjs, points-api): pm2 stop signals the API (SIGINT, PM2\'s only stop signal by default), which finishes and exits 0; no process is left', async () => {
    const home = mkdtempSync(join(tmpdir(), 'pe-pm2-'));
    temps.push(home);
    // PM2 stops an app with the daemon's PM2_KILL_SIGNAL, SIGINT by default (it has no per-app
    // option): the engine handles it as it handles SIGTERM. This is what `pm2 start` gives users.
    const env = launchEnv({ PM2_HOME: home });
    const pm2 = (...args: string[]) => runCommand(PM2, args, { cwd: ROOT, env, timeoutMs: 60_000 });
    const logFile = join(home, 'logs', 'points-api-out.log');
    const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
    let daemon: number | undefined = undefined;
    try {
      await pm2('start', 'ecosystem.config.cjs', '--only', 'points-api');
      daemon = Number(readFileSync(join(home, 'pm2.pid'), 'utf8'));
      const api = await readyAt(log, 'api listening');
      const pid = api.pid as number;
      await pm2('stop', 'points-api');
      expectGracefulStop(log(), pid, 'SIGINT');
      expect(readFileSync(join(home, 'pm2.log'), 'utf8')).toMatch(/App \[points-api:0\] exited with code \[0\] via signal \[SIGINT\]/);
      // PM2 did not start another one meanwhile.
      expect(logLines(log()).filter((line) => line.msg === 'api listening')).toHaveLength(1);
      await pm2('delete', 'points-api');
    } finally {
      await pm2('kill').catch(() => undefined);
    }
    // `pm2 kill` answers before its daemon has exited.
    if (daemon === undefined) throw new Error('the PM2 daemon did not start');
    await waitUntil('the PM2 daemon to exit', async () => (isAlive(daemon) ? undefined : true), 20_000);
  }, 120_000);
});
