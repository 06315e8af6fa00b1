import { createHash } from 'node:crypto';
import { z } from 'zod';
import { EVENT_KINDS, pointsEventSchema, type EventKind, type PointsEvent } from '@pe/domain';
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
} as const;
export type MaintenanceJobName = (typeof MAINTENANCE_JOBS)[keyof typeof MAINTENANCE_JOBS];
export const maintenanceJobSchema = z.object({ at: z.number().int().optional() });

export const MAINTENANCE_QUEUE = 'maintenance';
/** The queue of partition `n`. */
export const eventQueueName = (partition: number): string => `events-${partition}`;

export const EVENT_JOB_OPTIONS: JobsOptions = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 250 },
  removeOnComplete: { age: 3_600, count: 100_000 },
  // Failed jobs stay for inspection (Bull Board, GET /api/points/transactions/{key}).
  removeOnFail: { age: 30 * 86_400 },
};

const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 32);

/** The BullMQ job id of a single event, derived from its idempotency key (BullMQ ids may not hold ':'). */
export const eventJobId = (idempotencyKey: string): string => `ev-${digest(idempotencyKey)}`;

/** The job id of a batch: the same events sent twice while the first job exists are one job. */
export const batchJobId = (events: readonly Pick<PointsEvent, 'idempotency_key'>[]): string =>
  `batch-${digest(events.map((e) => e.idempotency_key).join('\n'))}`;
