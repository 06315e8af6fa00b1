import type { Logger } from '@points-engine/logger';

/** What the gate stops and restarts: BullMQ workers (pause(true) stops fetching, lets active jobs run on). */
export interface Pausable {
  pause(doNotWaitActive?: boolean): Promise<void>;
  resume(): void;
}

export interface OutageGateOptions {
  /** What is unreachable, for the log ("PostgreSQL"). */
  dependency: string;
  /** Succeeds once the dependency answers again (a `SELECT 1`). */
  probe: () => Promise<unknown>;
  /** The workers to pause while it is unreachable. */
  pausables: () => readonly Pausable[];
  logger: Pick<Logger, 'warn' | 'info' | 'error'>;
  /** First wait between probes; doubles up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs: number;
}

/**
 * Stops a process's workers while a dependency is unreachable and starts them again once it
 * answers. A processor that meets an outage calls `report()`: the gate pauses every worker (no new
 * jobs are taken), probes with exponential backoff capped at `maxDelayMs`, and resumes them after
 * the first probe that succeeds. The job that met the outage is set aside by its processor for
 * `report()`'s answer, without using an attempt (see setAsideWhileUnavailable).
 */
export class OutageGate {
  private delayMs: number;
  private probing: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private recoveredAt = 0;
  /** Outages this gate has seen (probe loops started), for tests and logs. */
  outages = 0;
  /** Probes that found the dependency still unreachable, over all outages. */
  failedProbes = 0;

  constructor(private readonly options: OutageGateOptions) {
    this.delayMs = options.minDelayMs ?? 250;
  }

  /** True while the gate holds the workers paused. */
  get unavailable(): boolean {
    return this.probing !== null;
  }

  /** A processor met an outage: pause the workers (once) and probe until it ends. Returns how long to set the job aside. */
  report(error: unknown): number {
    if (!this.probing && !this.stopped) {
      this.outages++;
      // An outage right after the last one (a probe answered but real work still fails: too many
      // connections, a database still recovering) keeps backing off instead of starting over.
      const min = this.options.minDelayMs ?? 250;
      this.delayMs = Date.now() - this.recoveredAt < 4 * this.options.maxDelayMs ? Math.min(this.options.maxDelayMs, this.delayMs * 2) : min;
      this.options.logger.warn({ err: error, dependency: this.options.dependency }, `${this.options.dependency} unreachable: workers paused until it answers (no attempt is used)`);
      this.probing = this.probeUntilBack().finally(() => {
        this.probing = null;
      });
    }
    return this.delayMs;
  }

  /** Ends a probe loop (shutdown): the workers are left paused for their close(). */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private async probeUntilBack(): Promise<void> {
    const started = Date.now();
    await Promise.all(this.options.pausables().map((p) => p.pause(true).catch((error: unknown) => this.options.logger.error({ err: error }, 'could not pause a worker'))));
    for (;;) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.delayMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
      if (this.stopped) return;
      try {
        await this.options.probe();
        break;
      } catch {
        this.failedProbes++;
        this.delayMs = Math.min(this.options.maxDelayMs, this.delayMs * 2);
      }
    }
    if (this.stopped) return;
    this.recoveredAt = Date.now();
    for (const pausable of this.options.pausables()) pausable.resume();
    this.options.logger.info({ dependency: this.options.dependency, outage_ms: Date.now() - started }, `${this.options.dependency} answers again: workers resumed`);
  }
}
