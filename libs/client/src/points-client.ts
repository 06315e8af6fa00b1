import { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { payloadHash, pointsEventSchema, type PointsEvent, type PointsEventInput } from '@points-engine/domain';
import {
  BATCH_JOB_NAME,
  batchJobId,
  createRedis,
  DEFAULT_JOB_BUDGET,
  eventJobId,
  eventJobOptions,
  eventQueueName,
  KeyIndex,
  MAX_EVENTS_PER_JOB,
  partitionOf,
} from '@points-engine/jobs';
import type { ClientLogger } from './client-logger.ts';
import { EventValidationError, IdempotencyConflictError, OutcomeTimeoutError } from './errors.ts';
import type { SpendOutcome } from './outcome.ts';

export interface PointsClientOptions {
  /** The engine's Redis (REDIS_URL); or pass `connection`. */
  redisUrl?: string;
  /** An existing connection to share (the client then leaves it open on close). */
  connection?: Redis;
  /** The engine's QUEUE_PREFIX. */
  prefix: string;
  /** The engine's QUEUE_PARTITIONS: events are routed to a partition by a hash of the user id, so it must match. */
  partitions: number;
  /** Where `earn()` reports events it dropped or could not queue (it never throws). */
  logger?: ClientLogger;
  /** How long `earn()` gathers events before sending them as one job (Kafka's linger.ms). */
  lingerMs?: number;
  /** Most events in one gathered job. */
  maxBatch?: number;
  /** Default wait for `spend()` outcomes. */
  timeoutMs?: number;
  /** Attempts of a job for failures that are not an outage (the engine's JOB_ATTEMPTS; default 12). */
  attempts?: number;
  /** First retry delay, doubling (JOB_BACKOFF_MS; default 250). */
  backoffMs?: number;
}

/**
 * The producer client for bot handlers and webhook code. `earn()` never throws into the caller:
 * events are validated, gathered for a few milliseconds per partition and sent as one job
 * (failures are logged). `send()` enqueues one event and resolves with its job id; `spend()`
 * resolves with the outcome.
 */
export class PointsClient {
  private readonly connection: Redis;
  private readonly ownsConnection: boolean;
  private readonly queues = new Map<number, Queue>();
  private readonly events = new Map<number, QueueEvents>();
  private readonly pending = new Map<number, PointsEvent[]>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly blocking: Redis[] = [];
  private readonly index: KeyIndex;
  private readonly jobOptions: ReturnType<typeof eventJobOptions>;
  private closed = false;

  constructor(private readonly options: PointsClientOptions) {
    if (!options.connection && !options.redisUrl) throw new Error('PointsClient needs redisUrl or connection');
    this.connection = options.connection ?? createRedis(options.redisUrl as string, 'producer', { connectionName: `${options.prefix}:producer` });
    this.ownsConnection = !options.connection;
    this.index = new KeyIndex(this.connection, options.prefix);
    this.jobOptions = eventJobOptions({ attempts: options.attempts ?? DEFAULT_JOB_BUDGET.attempts, backoffMs: options.backoffMs ?? DEFAULT_JOB_BUDGET.backoffMs });
  }

  /** Fire-and-forget: validates and queues an event; never throws, never rejects. */
  earn(input: PointsEventInput): void {
    try {
      if (this.closed) throw new Error('client is closed');
      const event = parse(input);
      const partition = partitionOf(event.user_id, this.options.partitions);
      const list = this.pending.get(partition) ?? [];
      list.push(event);
      this.pending.set(partition, list);
      if (list.length >= (this.options.maxBatch ?? 500)) this.flushPartition(partition);
      else if (!this.timers.has(partition)) {
        this.timers.set(partition, setTimeout(() => this.flushPartition(partition), this.options.lingerMs ?? 5));
      }
    } catch (error) {
      this.options.logger?.error({ err: error, idempotency_key: (input as { idempotency_key?: unknown }).idempotency_key }, 'points event dropped at the producer');
    }
  }

  /** Enqueues one event as its own job (id derived from its key); resolves with the job id. Throws EventValidationError on bad input. */
  async send(input: PointsEventInput): Promise<{ jobId: string; queue: string }> {
    const event = parse(input);
    const job = await this.addEvent(event);
    return { jobId: job.id as string, queue: job.queueName };
  }

  /** Enqueues several events as shared jobs (one per partition); resolves with the job ids. */
  async sendMany(inputs: readonly PointsEventInput[]): Promise<{ jobIds: string[] }> {
    const jobIds: string[] = [];
    for (const { partition, events } of jobsOf(inputs.map(parse), this.options.partitions)) {
      const job = await this.addBatch(partition, events);
      jobIds.push(job.id as string);
    }
    return { jobIds };
  }

  /**
   * What Redis already holds for these keys, by idempotency key: under the job ids these events
   * would be sent with (each event's own id, and the ids `sendMany` would give their batches) —
   * the payloads a send now would be deduplicated into — and in any other batch the key index says
   * carries one of them (a key queued inside another producer's array). One pipelined round trip,
   * and one more only when the index names a batch.
   */
  async queuedEvents(events: readonly PointsEvent[]): Promise<Map<string, unknown[]>> {
    const jobKeys = new Set<string>();
    const byPartition = new Map<number, string[]>();
    for (const event of events) {
      const partition = partitionOf(event.user_id, this.options.partitions);
      jobKeys.add(this.queue(partition).toKey(eventJobId(event.idempotency_key)));
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), event.idempotency_key]);
    }
    for (const key of this.sendJobKeys(events)) jobKeys.add(key);
    const [found, indexed] = await Promise.all([
      this.eventsUnder(jobKeys, events),
      Promise.all([...byPartition].map(async ([partition, keys]) => [partition, await this.index.jobIdsOf(partition, keys)] as const)),
    ]);
    const batches = new Set<string>();
    for (const [partition, jobIds] of indexed) for (const jobId of jobIds.values()) batches.add(this.queue(partition).toKey(jobId));
    for (const seen of jobKeys) batches.delete(seen);
    if (batches.size === 0) return found;
    for (const [key, payloads] of await this.eventsUnder(batches, events)) found.set(key, [...(found.get(key) ?? []), ...payloads]);
    return found;
  }

  /** What Redis holds under the job ids `sendMany` (or `send`, for one event) uses for these events: after a send, whether BullMQ kept another payload under one of them. */
  async sentEvents(events: readonly PointsEvent[]): Promise<Map<string, unknown[]>> {
    return this.eventsUnder(this.sendJobKeys(events), events);
  }

  /**
   * Enqueues a spend (or any event) and waits for its outcome: applied with balances, or rejected
   * with a reason. Throws EventValidationError (bad input; nothing sent), IdempotencyConflictError
   * (the key was used with another payload), OutcomeTimeoutError (no outcome in time; the event
   * stays queued and will be applied), or a Redis error (nothing may have been sent: retry with
   * the same key).
   */
  async spend(input: PointsEventInput, options: { timeoutMs?: number } = {}): Promise<SpendOutcome> {
    const event = parse(input);
    const job = await this.addEvent(event);
    // While a job with this key's id exists, BullMQ keeps it and ignores the new payload: compare
    // them here, or a reused key would get the first event's outcome as if it were its own.
    const stored = await Job.fromId(this.queue(partitionOf(event.user_id, this.options.partitions)), job.id as string);
    if (stored && payloadHash(stored.data as PointsEvent) !== payloadHash(event)) throw new IdempotencyConflictError(event.idempotency_key);
    return this.waitFor(job, options.timeoutMs);
  }

  /** Sends whatever `earn()` is still gathering and waits until it is queued. */
  async flush(): Promise<void> {
    for (const partition of [...this.pending.keys()]) this.flushPartition(partition);
    await Promise.allSettled([...this.inFlight]);
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await Promise.all([...this.events.values()].map((e) => e.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    for (const connection of this.blocking) connection.disconnect();
    if (this.ownsConnection) this.connection.disconnect();
  }

  /** The queue of a partition (for tooling and tests). */
  queue(partition: number): Queue {
    let queue = this.queues.get(partition);
    if (!queue) {
      queue = new Queue(eventQueueName(partition), { connection: this.connection, prefix: this.options.prefix });
      this.queues.set(partition, queue);
    }
    return queue;
  }

  /** The job that carries a single event with this key, if it still exists. */
  async findEventJob(idempotencyKey: string, userId: string): Promise<Job | undefined> {
    return this.queue(partitionOf(userId, this.options.partitions)).getJob(eventJobId(idempotencyKey));
  }

  /** The Redis keys of the jobs a send of these events uses: each batch's id, or the event's own id when alone in its partition. */
  private sendJobKeys(events: readonly PointsEvent[]): Set<string> {
    const jobKeys = new Set<string>();
    for (const { partition, events: batch } of jobsOf(events, this.options.partitions)) {
      const [only] = batch;
      jobKeys.add(this.queue(partition).toKey(batch.length === 1 && only ? eventJobId(only.idempotency_key) : batchJobId(batch)));
    }
    return jobKeys;
  }

  /** The events held in these jobs whose keys are among `events`', by key (one pipelined round trip). */
  private async eventsUnder(jobKeys: Iterable<string>, events: readonly PointsEvent[]): Promise<Map<string, unknown[]>> {
    const keys = new Set(events.map((e) => e.idempotency_key));
    const pipeline = this.connection.pipeline();
    for (const jobKey of jobKeys) pipeline.hget(jobKey, 'data');
    const found = new Map<string, unknown[]>();
    for (const [error, data] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      if (typeof data !== 'string') continue;
      for (const queued of eventsIn(data)) {
        const key = (queued as { idempotency_key?: unknown } | null)?.idempotency_key;
        if (typeof key === 'string' && keys.has(key)) found.set(key, [...(found.get(key) ?? []), queued]);
      }
    }
    return found;
  }

  /**
   * The job that carries the event with this key, however it was sent, while the job exists: its
   * own job (id derived from the key), else the batch the key index names. `userId` narrows the
   * look-up to its partition; without it every partition is asked.
   */
  async locate(idempotencyKey: string, userId?: string): Promise<Job | undefined> {
    const partitions = userId === undefined ? [...Array(this.options.partitions).keys()] : [partitionOf(userId, this.options.partitions)];
    for (const partition of partitions) {
      const job = await this.queue(partition).getJob(eventJobId(idempotencyKey));
      if (job) return job;
    }
    for (const partition of partitions) {
      const entry = await this.index.find(partition, idempotencyKey);
      const job = entry ? await this.queue(partition).getJob(entry.jobId) : undefined;
      if (job) return job;
    }
    return undefined;
  }

  private async addEvent(event: PointsEvent): Promise<Job> {
    const queue = this.queue(partitionOf(event.user_id, this.options.partitions));
    return queue.add(event.kind, event, { ...this.jobOptions, jobId: eventJobId(event.idempotency_key) });
  }

  private async addBatch(partition: number, events: PointsEvent[]): Promise<Job> {
    if (events.length === 1) return this.addEvent(events[0] as PointsEvent);
    const jobId = batchJobId(events);
    // Indexed first, so every batch Redis holds is in the index. An add that then fails is not
    // undone: it may have reached Redis all the same (a lost reply), and the producer retries it.
    await this.index.record(partition, events.map((e) => e.idempotency_key), jobId);
    return this.queue(partition).add(BATCH_JOB_NAME, { events }, { ...this.jobOptions, jobId });
  }

  private flushPartition(partition: number): void {
    const timer = this.timers.get(partition);
    if (timer) clearTimeout(timer);
    this.timers.delete(partition);
    const events = this.pending.get(partition);
    this.pending.delete(partition);
    if (!events || events.length === 0) return;
    const sending = this.addBatch(partition, events).catch((error: unknown) => {
      this.options.logger?.error({ err: error, events: events.length, keys: events.slice(0, 5).map((e) => e.idempotency_key) }, 'points events could not be queued');
    });
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }

  private async waitFor(job: Job, timeoutMs = this.options.timeoutMs ?? 10_000): Promise<SpendOutcome> {
    const partition = Number(job.queueName.split('-').pop());
    let events = this.events.get(partition);
    if (!events) {
      // QueueEvents blocks on XREAD: it needs a connection of its own that waits out outages.
      const blocking = this.connection.duplicate({ maxRetriesPerRequest: null });
      this.blocking.push(blocking);
      events = new QueueEvents(job.queueName, { connection: blocking, prefix: this.options.prefix });
      this.events.set(partition, events);
      await events.waitUntilReady();
    }
    // A job can finish between the listener becoming ready and its first read of the event
    // stream; checking the job's state now and then catches that instead of waiting out the timeout.
    let settled = false;
    const polled = (async (): Promise<SpendOutcome> => {
      for (let delay = 100; !settled; delay = Math.min(delay * 2, 1_000)) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        const state = settled ? undefined : await job.getState();
        if (state === 'completed' || state === 'failed') return (await job.waitUntilFinished(events, timeoutMs)) as SpendOutcome;
      }
      return new Promise<SpendOutcome>(() => undefined);
    })();
    try {
      return await Promise.race([job.waitUntilFinished(events, timeoutMs) as Promise<SpendOutcome>, polled]);
    } catch (error) {
      if (error instanceof Error && /timed out/i.test(error.message)) throw new OutcomeTimeoutError(job.id as string, timeoutMs);
      // The worker found the key recorded with another payload (a reuse that raced past every check).
      if (error instanceof Error && error.message.startsWith('idempotency conflict')) throw new IdempotencyConflictError((job.data as { idempotency_key?: string }).idempotency_key ?? String(job.id), true);
      throw error;
    } finally {
      settled = true;
    }
  }
}

/** How `sendMany` splits events into jobs: by partition, at most MAX_EVENTS_PER_JOB each. */
function jobsOf(events: readonly PointsEvent[], partitions: number): { partition: number; events: PointsEvent[] }[] {
  const byPartition = new Map<number, PointsEvent[]>();
  for (const event of events) {
    const partition = partitionOf(event.user_id, partitions);
    const list = byPartition.get(partition);
    if (list) list.push(event);
    else byPartition.set(partition, [event]);
  }
  const jobs: { partition: number; events: PointsEvent[] }[] = [];
  for (const [partition, list] of byPartition) {
    for (let i = 0; i < list.length; i += MAX_EVENTS_PER_JOB) jobs.push({ partition, events: list.slice(i, i + MAX_EVENTS_PER_JOB) });
  }
  return jobs;
}

/** The events a stored job's data holds: one event, or a batch's list (anything else: none). */
function eventsIn(data: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return [];
  }
  if (parsed === null || typeof parsed !== 'object') return [];
  const batch = (parsed as { events?: unknown }).events;
  return Array.isArray(batch) ? batch : [parsed];
}

function parse(input: PointsEventInput): PointsEvent {
  const parsed = pointsEventSchema.safeParse(input);
  if (!parsed.success) throw new EventValidationError(parsed.error.issues);
  return parsed.data;
}
