import type { Logger } from '@pe/logger';

/**
 * On SIGINT or SIGTERM, runs the closers in order (stop taking work first, connections last),
 * then exits. A second signal exits at once, and so does a shutdown still running after
 * `timeoutMs` (a worker whose database is gone would otherwise wait for its jobs forever; the
 * jobs it held are recovered by BullMQ's stalled check and applied exactly once elsewhere).
 */
export function onShutdown(logger: Logger, closers: (() => Promise<unknown>)[], timeoutMs = 60_000): void {
  let stopping = false;
  const stop = async (signal: string) => {
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
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
