import { createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startChild, type Child } from '../bench/support/bench-env.ts';
import { connectionsTo } from './faults.ts';
import { sleep } from '../bench/support/stats.ts';

export type Role = 'api' | 'worker' | 'scheduler';

const ENTRY: Record<Role, string> = {
  api: 'apps/api/src/main.ts',
  worker: 'apps/worker/src/main.ts',
  scheduler: 'apps/scheduler/src/main.ts',
};

interface Managed {
  role: Role;
  slot: number;
  child: Child;
  startedAt: number;
  /** Set when the harness killed or stopped it on purpose. */
  expected: boolean;
  /** When it was first seen connected to Redis (booted). */
  readyAt: number | null;
  /** Stopped by the harness for good (not replaced). */
  stopped: boolean;
}

export interface UnexpectedExit {
  role: Role;
  slot: number;
  /** It had finished booting (a running process, not one that could not start). */
  wasRunning: boolean;
  code: number | null;
  signal: string | null;
  at: number;
  output: string;
}

/** Every pid below `pid` (tsx runs the entry point in a child node process). */
export function descendants(pid: number): number[] {
  const found: number[] = [];
  const walk = (parent: number) => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      return;
    }
    for (const task of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${parent}/task/${task}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const child of children.split(' ').filter(Boolean).map(Number)) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

/**
 * The engine as separate processes, each its real entry point (apps/…/main.ts) started with
 * bench/support's startChild: one API, `workers` workers, one scheduler. A process the harness
 * kills is replaced at once; one that dies on its own is recorded and restarted after a second
 * (at most `maxRestarts` times in all, so a crash loop ends the run instead of spinning).
 */
export class Cluster {
  private readonly processes = new Map<string, Managed>();
  private running = false;
  readonly unexpected: UnexpectedExit[] = [];
  kills = 0;
  starts = 0;
  private restarts = 0;
  failure: string | null = null;

  constructor(
    private readonly env: Record<string, string>,
    private readonly workers: number,
    private readonly maxRestarts = 60,
    private readonly log: (line: string) => void = () => undefined,
    /** When set, every process's output goes to `{logDir}/{role}-{slot}.log` (appended across restarts). */
    private readonly logDir: string | null = null,
  ) {
    if (logDir) mkdirSync(logDir, { recursive: true });
  }

  start(): void {
    this.running = true;
    this.spawn('api', 0);
    this.spawn('scheduler', 0);
    for (let slot = 0; slot < this.workers; slot++) this.spawn('worker', slot);
  }

  /** The pids of every engine process and their children (for finding their Redis connections). */
  pids(): number[] {
    return [...this.processes.values()].flatMap((p) => (p.child.child.pid ? [p.child.child.pid, ...descendants(p.child.child.pid)] : []));
  }

  /**
   * Workers whose process is alive; `readyMs` is how long it has been connected to Redis (booted
   * and taking jobs), 0 while it is still booting.
   */
  liveWorkers(): { slot: number; uptimeMs: number; readyMs: number }[] {
    return [...this.processes.values()]
      .filter((p) => p.role === 'worker' && p.child.child.exitCode === null && p.child.child.signalCode === null)
      .map((p) => {
        if (p.readyAt === null && p.child.child.pid && connectionsTo([p.child.child.pid, ...descendants(p.child.child.pid)], 6379).size > 0) p.readyAt = Date.now();
        return { slot: p.slot, uptimeMs: Date.now() - p.startedAt, readyMs: p.readyAt === null ? 0 : Date.now() - p.readyAt };
      })
      .sort((a, b) => a.slot - b.slot);
  }

  /** SIGKILL a worker process (and any process it started); it is replaced at once. */
  killWorker(slot: number): boolean {
    return this.kill('worker', slot);
  }

  /** SIGKILL any engine process (and any process it started); it is replaced at once. */
  kill(role: Role, slot = 0): boolean {
    const managed = this.processes.get(`${role}:${slot}`);
    const pid = managed?.child.child.pid;
    if (!managed || pid === undefined || managed.child.child.exitCode !== null) return false;
    managed.expected = true;
    for (const target of [...descendants(pid).reverse(), pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.kills++;
    return true;
  }

  /**
   * SIGTERM the processes of `roles` (all by default) for a graceful shutdown, SIGKILL what has not
   * exited after `graceMs`; they are not replaced. Returns each exit (with the output tail of a
   * process that did not stop gracefully).
   */
  async stop(graceMs = 30_000, roles: readonly Role[] = ['api', 'worker', 'scheduler']): Promise<{ role: Role; slot: number; code: number | null; graceful: boolean; output?: string }[]> {
    const all = [...this.processes.values()].filter((p) => roles.includes(p.role) && !p.stopped);
    if (roles.length === 3) this.running = false;
    for (const p of all) {
      p.expected = true;
      p.stopped = true;
    }
    return Promise.all(
      all.map(async (p) => {
        const exited = p.child.stop();
        const timer = sleep(graceMs).then(() => 'timeout' as const);
        const result = await Promise.race([exited, timer]);
        if (result === 'timeout') {
          for (const pid of [...descendants(p.child.child.pid ?? 0), p.child.child.pid ?? 0]) if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
          await exited;
          return { role: p.role, slot: p.slot, code: null, graceful: false, output: p.child.output().slice(-3000) };
        }
        return { role: p.role, slot: p.slot, code: result, graceful: result === 0, ...(result === 0 ? {} : { output: p.child.output().slice(-3000) }) };
      }),
    );
  }

  output(role: Role, slot = 0): string {
    return this.processes.get(`${role}:${slot}`)?.child.output() ?? '';
  }

  private spawn(role: Role, slot: number): void {
    const child = startChild(ENTRY[role], { ...this.env, CHAOS_ROLE: `${role}:${slot}` });
    if (this.logDir) {
      const file = createWriteStream(join(this.logDir, `${role}-${slot}.log`), { flags: 'a' });
      file.on('error', () => undefined);
      file.write(`--- ${new Date().toISOString()} start pid ${child.child.pid}\n`);
      child.child.stdout?.on('data', (chunk: Buffer) => file.write(chunk));
      child.child.stderr?.on('data', (chunk: Buffer) => file.write(chunk));
      // 'close' comes after the last output (unlike 'exit').
      child.child.once('close', (code, signal) => file.end(`--- ${new Date().toISOString()} exit ${code ?? signal}\n`));
    }
    const managed: Managed = { role, slot, child, startedAt: Date.now(), expected: false, readyAt: null, stopped: false };
    // boot() logs this warning as its last step under a compressed clock: the process is running.
    const onOutput = (chunk: Buffer) => {
      if (managed.readyAt === null && chunk.toString().includes('compressed clock')) managed.readyAt = Date.now();
    };
    child.child.stdout?.on('data', onOutput);
    child.child.stderr?.on('data', onOutput);
    this.processes.set(`${role}:${slot}`, managed);
    this.starts++;
    child.child.once('exit', (code, signal) => {
      if (!this.running || managed.stopped || this.processes.get(`${role}:${slot}`) !== managed) return;
      if (managed.expected) {
        this.spawn(role, slot);
        return;
      }
      this.unexpected.push({ role, slot, wasRunning: managed.readyAt !== null, code, signal, at: Date.now(), output: child.output().slice(-4000) });
      this.log(`${role} ${slot} exited on its own (code ${code}, signal ${signal}, ${managed.readyAt === null ? 'while booting' : 'while running'}); restarting`);
      if (++this.restarts > this.maxRestarts) {
        this.failure = `more than ${this.maxRestarts} unexpected exits: a crash loop`;
        return;
      }
      setTimeout(() => {
        if (this.running) this.spawn(role, slot);
      }, 1_000);
    });
  }
}
