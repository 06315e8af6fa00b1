import { PointsClient } from '@points-engine/client';
import type { PointsEvent } from '@points-engine/domain';
import { eventJobId, partitionOf } from '@points-engine/jobs';
import { sleep } from '../bench/support/stats.ts';
import type { Channel, HostileRequest } from './workload.ts';

export interface ProducerStats {
  /** Event deliveries the engine acknowledged (a job queued, a 202), by channel. */
  deliveries: Record<Channel, number>;
  /** Sends that failed (Redis cut, API restarting, 5xx) and were sent again. */
  retries: number;
  errors: Record<string, number>;
  /** Producer gave up on these keys: they may or may not have reached the engine. */
  gaveUp: string[];
  /** After-remove duplicates: first job found completed and removed before the second send. */
  removedThenResent: number;
  /** After-remove duplicates whose first job still existed (BullMQ deduplicated the second send). */
  resentWhileJobExisted: number;
}

/**
 * The run's producers, as a bot would use them: PointsClient A (batched `sendMany` and single
 * `send`), PointsClient B (the second producer of concurrent duplicates) and HTTP
 * `POST /api/points/events` with a key holding every scope (the kinds need producer, payments,
 * holdings and admin). A send that fails is sent again with the same
 * payload until the engine acknowledges it (an ambiguous failure may have queued it already: the
 * job id, or the ledger, absorbs the repeat).
 */
export class Producers {
  readonly a: PointsClient;
  readonly b: PointsClient;
  readonly stats: ProducerStats = {
    deliveries: { 'client-batch': 0, 'client-single': 0, 'http-single': 0, 'http-batch': 0 },
    retries: 0,
    errors: {},
    gaveUp: [],
    removedThenResent: 0,
    resentWhileJobExisted: 0,
  };

  constructor(
    private readonly options: {
      redisUrl: string;
      prefix: string;
      partitions: number;
      apiUrl: () => string;
      keys: Record<HostileRequest['key'], string>;
      /** The key the HTTP channels send valid events with. */
      senderKey: string;
      giveUpMs: number;
      /** The jobs' retry budget (the engine's JOB_ATTEMPTS, JOB_BACKOFF_MS); the client's defaults when unset. */
      jobBudget?: { attempts: number; backoffMs: number };
      /** Told the keys of every send the engine acknowledged, as it is acknowledged. */
      onAcknowledged?: (keys: readonly string[]) => void;
    },
  ) {
    const budget = options.jobBudget ? { attempts: options.jobBudget.attempts, backoffMs: options.jobBudget.backoffMs } : {};
    const client = () => new PointsClient({ redisUrl: options.redisUrl, prefix: options.prefix, partitions: options.partitions, ...budget });
    this.a = client();
    this.b = client();
    // The clients' queues report connection errors as events; the failed send itself is retried.
    for (const c of [this.a, this.b]) for (let p = 0; p < options.partitions; p++) c.queue(p).on('error', () => undefined);
  }

  /** Sends events through a channel (B: the second producer) until acknowledged. */
  async deliver(channel: Channel, events: PointsEvent[], producer: 'A' | 'B' = 'A'): Promise<void> {
    if (events.length === 0) return;
    const client = producer === 'A' ? this.a : this.b;
    switch (channel) {
      case 'client-batch':
        for (let i = 0; i < events.length; i += 250) {
          const chunk = events.slice(i, i + 250);
          await this.retrying(chunk, () => client.sendMany(chunk));
        }
        break;
      case 'client-single':
        await Promise.all(events.map((event) => this.retrying([event], () => client.send(event))));
        break;
      case 'http-single':
        await Promise.all(events.map((event) => this.retrying([event], () => this.post(event))));
        break;
      case 'http-batch':
        for (let i = 0; i < events.length; i += 500) {
          const chunk = events.slice(i, i + 500);
          await this.retrying(chunk, () => this.post(chunk));
        }
        break;
    }
    this.stats.deliveries[channel] += events.length;
  }

  /**
   * The first job of an event sent alone: if it completed, remove it from Redis and send the event
   * again, so only the ledger can tell it is a repeat; if it still exists, the second send is
   * deduplicated by BullMQ's job id.
   */
  async removeAndResend(event: PointsEvent, waitMs = 120_000): Promise<void> {
    const queue = this.a.queue(partitionOf(event.user_id, this.options.partitions));
    const deadline = Date.now() + waitMs;
    let removed = false;
    // Wait (bounded) for the first job to complete: while it waits or runs it cannot be removed.
    while (!removed && Date.now() < deadline) {
      await this.retrying([], async () => {
        const job = await queue.getJob(eventJobId(event.idempotency_key));
        if (job && (await job.isCompleted())) {
          await job.remove();
          removed = true;
        }
      });
      if (!removed) await sleep(2_000 + Math.random() * 2_000);
    }
    if (removed) this.stats.removedThenResent++;
    else this.stats.resentWhileJobExisted++;
    await this.deliver('client-single', [event]);
  }

  /** One HTTP request as given (hostile payloads); answers the status, retrying 5xx and network errors. */
  async request(request: HostileRequest): Promise<number> {
    let status = 0;
    await this.retrying([], async () => {
      const headers: Record<string, string> = { 'content-type': request.contentType };
      if (request.key !== 'none') headers['x-api-key'] = this.options.keys[request.key];
      const response = await fetch(`${this.options.apiUrl()}/api/points/events`, { method: 'POST', headers, body: request.body, signal: AbortSignal.timeout(15_000) });
      await response.arrayBuffer();
      if (response.status >= 500) throw new Error(`HTTP ${response.status}`);
      status = response.status;
    });
    return status;
  }

  async close(): Promise<void> {
    await Promise.all([this.a.close(), this.b.close()]);
  }

  private async post(body: PointsEvent | PointsEvent[]): Promise<void> {
    // The server sets `operator` from the key (the same value the other channels carry) and refuses a body that names one.
    const withoutOperator = (event: PointsEvent) => ('operator' in event ? { ...event, operator: undefined } : event);
    const response = await fetch(`${this.options.apiUrl()}/api/points/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': this.options.senderKey },
      body: JSON.stringify(Array.isArray(body) ? body.map(withoutOperator) : withoutOperator(body)),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    if (response.status !== 202) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  }

  private async retrying(events: PointsEvent[], send: () => Promise<unknown>): Promise<void> {
    const started = Date.now();
    for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
      try {
        await send();
        if (events.length > 0) this.options.onAcknowledged?.(events.map((e) => e.idempotency_key));
        return;
      } catch (error) {
        const name = describe(error);
        this.stats.errors[name] = (this.stats.errors[name] ?? 0) + 1;
        if (Date.now() - started > this.options.giveUpMs) {
          this.stats.gaveUp.push(...events.map((e) => e.idempotency_key));
          return;
        }
        this.stats.retries++;
        await sleep(delay + Math.random() * delay);
      }
    }
  }
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/^HTTP \d+/.test(message)) return message.slice(0, 8);
  if (/fetch failed|ECONNREFUSED|ECONNRESET|socket/i.test(message)) return 'API unreachable';
  if (/timeout|aborted/i.test(message)) return 'timeout';
  if (/Connection is closed|Stream isn't writeable|ECONNRESET|max retries|Reached the max retries/i.test(message)) return 'Redis connection';
  return message.slice(0, 60);
}
