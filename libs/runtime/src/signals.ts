import type { Logger } from '@points-engine/logger';

type Closer = () => Promise<unknown>;

export interface Signals {
  /** The process's logger, once boot has made one (signal lines go through it from then on). */
  useLogger(logger: Logger): void;
  /**
   * Boot is over: from now on SIGINT/SIGTERM run `closers` in order (stop taking work first,
   * connections last) and exit; a second signal, or a shutdown still running after `timeoutMs`,
   * exits at once (held jobs are recovered by BullMQ's stalled check and applied exactly once
   * elsewhere).
   */
  ready(logger: Logger, closers: Closer[], timeoutMs?: number): void;
}

/**
 * Call on the first line of an entry point, before any await. Until `ready()`, a SIGINT or SIGTERM
 * exits 0 with a log line: the process has not taken any work yet (boot's steps are transactional
 * or repeatable), so there is nothing to finish. Without this, a signal during boot — a process
 * manager stopping a process that is still connecting — killed it with 143 and no output.
 */
export function handleSignals(name: string): Signals {
  let logger: Logger | null = null;
  let onSignal = (signal: NodeJS.Signals): void => {
    const message = `${signal} during boot: exiting before taking any work`;
    if (logger) logger.info({ signal }, message);
    else process.stderr.write(`[${name}] ${message}\n`);
    process.exit(0);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  return {
    useLogger: (next) => {
      logger = next;
    },
    ready: (next, closers, timeoutMs = 60_000) => {
      logger = next;
      onSignal = gracefulStop(next, closers, timeoutMs);
    },
  };
}

function gracefulStop(logger: Logger, closers: Closer[], timeoutMs: number): (signal: NodeJS.Signals) => void {
  let stopping = false;
  return (signal) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight work');
    setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown did not finish in time: exiting');
      process.exit(1);
    }, timeoutMs).unref();
    void (async () => {
      let code = 0;
      for (const close of closers) {
        try {
          await close();
        } catch (error) {
          code = 1;
          logger.error({ err: error }, 'error during shutdown');
        }
      }
      logger.info('stopped');
      process.exit(code);
    })();
  };
}
