import { z } from 'zod';
import { jobOutcomeSchema } from '@points-engine/domain';

/** Every error answer (see errors.ts and the error middleware). */
export const errorResponse = z.object({
  error: z.string().meta({
    description: 'stable code: invalid_request (400), unauthorized or bad_signature (401), forbidden (403), not_found (404), idempotency_conflict or not_reversible (409), payload_too_large (413), rate_limited (429), unavailable (503)',
  }),
  message: z.string(),
  field: z.string().optional().meta({ description: 'the offending input, for 400s' }),
}).meta({ id: 'Error' });

/** An event accepted into the queue, not applied yet. */
export const queuedResponse = z.object({
  status: z.literal('queued'),
  job_id: z.string(),
  idempotency_key: z.string(),
}).meta({ id: 'Queued' });

/** The outcome of an applied or rejected event (what `spend()` resolves with). */
export const outcomeResponse = jobOutcomeSchema;

/** What a payment webhook answers a verified delivery (always 200, so the provider stops resending it). */
export const paymentAnswer = z.object({
  status: z.enum(['queued', 'stored', 'applied', 'parked', 'rejected', 'recorded']).meta({
    description: 'queued: stored and queued; stored: stored, the queue unreachable (the sweeper queues it); applied: already in the ledger; parked: a refund waiting for its payment; rejected: credits nothing (see reason); recorded: a NOWPayments status that grants nothing',
  }),
  idempotency_key: z.string().optional(),
  job_id: z.string().optional(),
  reason: z.string().optional().meta({ description: 'rejected: invalid_reference, unknown_product, unpriced, invalid_amount, underpaid, user_mismatch, key_taken' }),
  message: z.string().optional(),
  payment_status: z.string().optional(),
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

/** GET /api/openapi.json: an OpenAPI 3.1 document (the parts a client relies on; the rest is OpenAPI's own). */
export const openApiDocumentResponse = z.looseObject({
  openapi: z.literal('3.1.0'),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.looseObject({}),
});
