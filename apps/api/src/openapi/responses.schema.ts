import { z } from 'zod';

/** Every error answer (see errors.ts and the error middleware). */
export const errorResponse = z.object({
  error: z.string().meta({ description: 'stable code: invalid_request, unauthorized, forbidden, not_found, …' }),
  message: z.string(),
  field: z.string().optional().meta({ description: 'the offending input, for 400s' }),
});

/** An event accepted into the queue, not applied yet. */
export const queuedResponse = z.object({
  status: z.literal('queued'),
  job_id: z.string(),
  idempotency_key: z.string(),
});

/** The outcome of an applied or rejected event (what `spend()` resolves with). */
export const outcomeResponse = z.object({
  idempotency_key: z.string(),
  kind: z.string(),
  user_id: z.string(),
  status: z.enum(['applied', 'rejected']),
  reason: z.string().nullable(),
  amount: z.number().int(),
  balances: z.record(z.string(), z.number().int()),
  details: z.record(z.string(), z.unknown()),
  applied_at: z.string(),
  replayed: z.boolean(),
  transaction_id: z.string(),
});

/** GET /readyz. */
export const readyResponse = z.object({
  status: z.enum(['ready', 'not ready']),
  checks: z.record(z.string(), z.string()),
  redis_durability: z
    .object({
      durable: z.boolean(),
      appendonly: z.boolean(),
      appendfsync: z.enum(['always', 'everysec', 'no']).nullable(),
      save: z.string().nullable(),
      maxmemory_policy: z.string().nullable(),
      source: z.enum(['config', 'info']),
      process_crash_loses: z.string(),
      machine_crash_loses: z.string(),
      problems: z.array(z.string()),
    })
    .nullable(),
});
