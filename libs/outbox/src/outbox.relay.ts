import type { Db } from '@points-engine/db';
import type { Logger } from '@points-engine/logger';
import { toBotEvent, type OutboxRow } from './bot-event.mapper.ts';
import { claimUndelivered, markDelivered, recordPublishError } from './outbox.repository.ts';
import type { OutboxPublisher } from './outbox.publisher.ts';
import { nextPassDelay, type RelayTiming } from './relay.schedule.ts';

export interface RelayOptions extends Partial<RelayTiming> {
  /** A publish that has not answered by then fails the pass (its rows stay undelivered). */
  publishTimeoutMs?: number;
}

const DEFAULTS = { batchSize: 200, pollMs: 1_000, maxBackoffMs: 30_000, publishTimeoutMs: 30_000 };

/**
 * Moves outbox rows to Redis, at least once. A pass locks undelivered rows (FOR UPDATE SKIP
 * LOCKED, so several relays share the work), publishes them, and marks them delivered in the
 * same transaction only after Redis accepted them. A crash before the commit leaves the rows
 * undelivered: the next pass publishes them again under the same event ids (deduplicated by job
 * id while the jobs exist). Nothing is marked delivered that Redis did not accept.
 */
export class OutboxRelay {
  private readonly timing: RelayTiming & { publishTimeoutMs: number };
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly deps: { db: Db; publisher: OutboxPublisher; logger: Pick<Logger, 'warn' | 'debug'> },
    options: RelayOptions = {},
  ) {
    this.timing = { ...DEFAULTS, ...options };
  }

  /** One pass; resolves with the number of rows delivered. Throws (rows untouched) if publishing fails. */
  async runOnce(): Promise<number> {
    let claimed: OutboxRow[] = [];
    try {
      return await this.deps.db.transaction().execute(async (tx) => {
        claimed = await claimUndelivered(tx, this.timing.batchSize);
        if (claimed.length === 0) return 0;
        await withTimeout(this.deps.publisher.publish(claimed.map(toBotEvent)), this.timing.publishTimeoutMs);
        await markDelivered(tx, claimed.map((row) => row.id));
        return claimed.length;
      });
    } catch (error) {
      const ids = claimed.map((row) => row.id);
      await recordPublishError(this.deps.db, ids, error instanceof Error ? error.message : String(error)).catch(() => undefined);
      throw error;
    }
  }

  /** Runs passes until `stop()`: back to back while draining, every `pollMs` when idle, backing off after failures. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the pass in flight (which commits or rolls back as usual). */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let delivered = 0;
      try {
        delivered = await this.runOnce();
        failures = 0;
        if (delivered > 0) this.deps.logger.debug({ delivered }, 'outbox rows relayed');
      } catch (error) {
        failures++;
        this.deps.logger.warn({ err: error, failures }, 'outbox relay pass failed; rows stay undelivered and are retried');
      }
      const delay = nextPassDelay({ delivered, failures }, this.timing);
      if (delay > 0 && this.running) await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`publish not acknowledged within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
