import { createHash } from 'node:crypto';
import { z } from 'zod';
import { EVENT_KINDS, pointsEventSchema, type EventKind, type PointsEvent } from '@points-engine/domain';
import type { JobsOptions } from 'bullmq';

/**
 * The one job registry. Producers and processors both import these names and schemas, so a
 * payload change is a type error on both sides. Amounts travel as JSON numbers (safe integers);
 * token balances as decimal strings.
 */

/** A single event: the job's name is the event kind, its data the event. */
export const eventJob = { names: EVENT_KINDS, schema: pointsEventSchema } as const;
export type EventJobName = EventKind;

/** Several events sharing one job (producer-side batching); idempotency stays per event. */
export const BATCH_JOB_NAME = 'batch';
export const MAX_EVENTS_PER_JOB = 1000;
export const batchJob = {
  name: BATCH_JOB_NAME,
  schema: z.object({ events: z.array(pointsEventSchema).min(1).max(MAX_EVENTS_PER_JOB) }),
} as const;
export type BatchJobData = z.input<typeof batchJob.schema>;

/** Scheduled maintenance, run by the scheduler process. */
export const MAINTENANCE_JOBS = {
  cycle: 'cycle',
  dayBoundary: 'day-boundary',
  lapseHolds: 'lapse-holds',
  retention: 'retention',
  /** Marks stored payments applied, applies parked refunds, queues again those the ledger lacks. */
  paymentSweep: 'payment-sweep',
} as const;
export type MaintenanceJobName = (typeof MAINTENANCE_JOBS)[keyof typeof MAINTENANCE_JOBS];
export const maintenanceJobSchema = z.object({ at: z.number().int().optional() });

export const MAINTENANCE_QUEUE = 'maintenance';
/** The queue of partition `n`. */
export const eventQueueName = (partition: number): string => `events-${partition}`;

/** How long a failed event job is kept (Bull Board, GET /api/points/transactions/{key}, reconcile). */
export const FAILED_EVENT_JOB_RETENTION_MS = 30 * 86_400_000;

/**
 * The options of an event job. `attempts` and `backoffMs` (JOB_ATTEMPTS, JOB_BACKOFF_MS) only
 * count failures that are not an outage: a worker that cannot reach PostgreSQL sets the job aside
 * without using an attempt.
 */
export function eventJobOptions(budget: { attempts: number; backoffMs: number }): JobsOptions {
  return {
    attempts: budget.attempts,
    backoff: { type: 'exponential', delay: budget.backoffMs },
    removeOnComplete: { age: 3_600, count: 100_000 },
    // Failed jobs stay for inspection.
    removeOnFail: { age: FAILED_EVENT_JOB_RETENTION_MS / 1000 },
  };
}

/** The default retry budget (JOB_ATTEMPTS, JOB_BACKOFF_MS): about 8.5 minutes of retries. */
export const DEFAULT_JOB_BUDGET = { attempts: 12, backoffMs: 250 } as const;
export const EVENT_JOB_OPTIONS: JobsOptions = eventJobOptions(DEFAULT_JOB_BUDGET);

const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 32);

/** The BullMQ job id of a single event, derived from its idempotency key (BullMQ ids may not hold ':'). */
export const eventJobId = (idempotencyKey: string): string => `ev-${digest(idempotencyKey)}`;

/** The job id of a batch: the same events sent twice while the first job exists are one job. */
export const batchJobId = (events: readonly Pick<PointsEvent, 'idempotency_key'>[]): string =>
  `batch-${digest(events.map((e) => e.idempotency_key).join('\n'))}`;

/**
 * Events for the bot, relayed from the outbox at least once: as jobs on `bot-events` (job id =
 * event id, so a re-publish while the job exists is the same job) and, when CALLBACK_URL is set,
 * as signed HTTP callbacks sent from `callbacks`. Consumers deduplicate by `event_id`.
 */
export const BOT_EVENTS_QUEUE = 'bot-events';
export const CALLBACKS_QUEUE = 'callbacks';
/** The types the engine writes today; a consumer should ignore a type it does not know. */
export const BOT_EVENT_TYPES = ['level_up', 'streak_milestone', 'purchase_applied', 'hold_lapsed', 'points_expiring'] as const;
/**
 * The data of a `bot-events` job (its name is the type) and the body of an HTTP callback: the
 * envelope, any type, payload untyped. The client types it (bot-event-payloads.ts).
 */
export const botEventSchema = z.object({
  event_id: z.uuid(),
  type: z.string().min(1),
  user_id: z.string().min(1),
  payload: z.record(z.string(), z.unknown()),
  created_at: z.iso.datetime({ offset: true }),
});
export type BotEventEnvelope = z.output<typeof botEventSchema>;

export const BOT_EVENT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  // Kept a week: a re-publish within that window is deduplicated by the job id.
  removeOnComplete: { age: 7 * 86_400, count: 100_000 },
  removeOnFail: { age: 30 * 86_400 },
};

export const callbackJobOptions = (attempts: number, backoffMs: number): JobsOptions => ({
  attempts,
  backoff: { type: 'exponential', delay: backoffMs },
  removeOnComplete: { age: 7 * 86_400, count: 100_000 },
  removeOnFail: { age: 30 * 86_400 },
});
