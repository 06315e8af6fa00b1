import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { BOT_EVENT_JOB_OPTIONS, BOT_EVENTS_QUEUE, CALLBACKS_QUEUE, callbackJobOptions, type BotEventEnvelope } from '@points-engine/jobs';

/** Hands bot events to their transport; resolves only once every one was accepted. */
export interface OutboxPublisher {
  publish(events: readonly BotEventEnvelope[]): Promise<void>;
  close(): Promise<void>;
}

export interface QueuePublisherOptions {
  connection: Redis;
  prefix: string;
  /** Publish to `bot-events`. */
  botEvents: boolean;
  /** Publish to `callbacks` (HTTP delivery) with these retry settings. */
  callbacks?: { attempts: number; backoffMs: number } | undefined;
}

/**
 * Publishes to the BullMQ queues with job id = event id, so publishing an event again while its
 * job exists (a relay that crashed before it recorded the delivery) adds nothing.
 */
export class QueuePublisher implements OutboxPublisher {
  private readonly botEvents: Queue | null;
  private readonly callbacks: Queue | null;

  constructor(private readonly options: QueuePublisherOptions) {
    const { connection, prefix } = options;
    this.botEvents = options.botEvents ? new Queue(BOT_EVENTS_QUEUE, { connection, prefix }) : null;
    this.callbacks = options.callbacks ? new Queue(CALLBACKS_QUEUE, { connection, prefix }) : null;
  }

  async publish(events: readonly BotEventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    const jobs = (opts: object) => events.map((event) => ({ name: event.type, data: event, opts: { ...opts, jobId: event.event_id } }));
    const callbacks = this.options.callbacks;
    await Promise.all([
      this.botEvents?.addBulk(jobs(BOT_EVENT_JOB_OPTIONS)),
      callbacks ? this.callbacks?.addBulk(jobs(callbackJobOptions(callbacks.attempts, callbacks.backoffMs))) : undefined,
    ]);
  }

  async close(): Promise<void> {
    await Promise.all([this.botEvents?.close(), this.callbacks?.close()]);
  }
}
