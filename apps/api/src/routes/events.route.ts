import { Router } from 'express';
import { z } from 'zod';
import { OutcomeTimeoutError } from '@pe/client';
import { MAX_EVENTS_PER_JOB } from '@pe/jobs';
import { pointsEventSchema } from '@pe/domain';
import type { ApiDeps } from '../deps.ts';
import { requireScope } from '../middleware/auth.ts';
import { requireEventTimes } from '../middleware/event-time.ts';
import { parseOr400 } from '../middleware/validate.ts';

const eventsBody = z.union([
  z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_JOB),
  z.object({ events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_JOB) }).transform((body) => body.events),
]);
export const spendQuery = z.object({ timeout_ms: z.coerce.number().int().min(1).max(120_000).optional() });

/** POST /api/points/events (queue one event or many; 202) and POST /api/points/spend (wait for the outcome). */
export function eventsRoutes(deps: ApiDeps): Router {
  const router = Router();
  const producer = requireScope(deps.verifier, 'producer');

  router.post('/events', producer, async (req, res) => {
    if (Array.isArray(req.body) || (req.body && typeof req.body === 'object' && 'events' in req.body)) {
      const items = parseOr400(eventsBody, req.body);
      const events = items.map((item, index) => parseOr400(pointsEventSchema, item, `events.${index}`));
      requireEventTimes(deps, events, 'events');
      const { jobIds } = await deps.client.sendMany(events);
      res.status(202).json({ status: 'queued', events: events.length, job_ids: jobIds });
      return;
    }
    const event = parseOr400(pointsEventSchema, req.body);
    requireEventTimes(deps, [event]);
    const { jobId } = await deps.client.send(event);
    res.status(202).json({ status: 'queued', job_id: jobId, idempotency_key: event.idempotency_key });
  });

  router.post('/spend', producer, async (req, res) => {
    const event = parseOr400(pointsEventSchema, { kind: 'spend', ...req.body });
    requireEventTimes(deps, [event]);
    const { timeout_ms } = parseOr400(spendQuery, req.query);
    try {
      const outcome = await deps.client.spend(event, { timeoutMs: timeout_ms ?? deps.config.SPEND_TIMEOUT_MS });
      res.status(200).json(outcome);
    } catch (error) {
      if (!(error instanceof OutcomeTimeoutError)) throw error;
      // Still queued: the producer asks GET /transactions/{key} later.
      res.status(202).json({ status: 'queued', job_id: error.jobId, idempotency_key: event.idempotency_key });
    }
  });
  return router;
}
